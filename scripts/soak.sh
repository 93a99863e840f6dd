#!/usr/bin/env bash
# Soak test for issue 15: for DURATION seconds (default 3600), repeatedly trains with random
# settings, kills some runs mid-epoch (often while the checkpoint is being written), resumes them,
# and feeds predict hostile inputs. Fails if any command ends in a stack trace, an exit code other
# than 0, 1 or 2, a resume that cannot continue, or checkpoint temp files that survive a start.
#   scripts/soak.sh [DURATION_S] [DEVICE]      (e.g. scripts/soak.sh 600 cpu)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-3600}"
device="${2:-cpu}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Called directly, never through a shell function: "f &" forks a subshell, and kill -9 of that
# subshell would leave the java process running.
cl="$here/clayers"
fail() { echo "soak: FAIL: $*" >&2; exit 1; }

# Fails on a stack trace or an exit code outside 0..2; $1 is the log, $2 the exit code.
check() {
    if grep -qE '^\s+at [a-zA-Z]|Exception in thread' "$1"; then fail "stack trace in $1: $(head -5 "$1")"; fi
    [ "$2" -le 2 ] || fail "exit $2 (log $1)"
}

"$cl" --version >/dev/null || fail "cannot build or start clayers"
end=$((SECONDS + duration)); round=0
while [ "$SECONDS" -lt "$end" ]; do
    round=$((round + 1))
    dir="$work/run$round"; mkdir -p "$dir"
    opt=$(shuf -n1 -e sgd momentum adagrad adam)
    hidden=$(shuf -n1 -e 16 64 128,64)
    epochs=$(shuf -i 2-4 -n1)
    log="$dir/train.log"
    "$cl" train --device "$device" --optimizer "$opt" --hidden "$hidden" --epochs "$epochs" --no-progress \
        --checkpoint-dir "$dir/ckpt" --metrics "$dir/m.jsonl" >"$log" 2>&1 &
    pid=$!
    sleep "$(shuf -i 2-8 -n1)"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -f "$dir/ckpt/checkpoint.safetensors" ]; then
        "$cl" train --device "$device" --resume "$dir/ckpt" --no-progress --save "$dir/model.safetensors" >"$log.resume" 2>&1
        rc=$?; check "$log.resume" "$rc"
        if grep -q "already finished" "$log.resume"; then rc=0; fi
        [ "$rc" -eq 0 ] || fail "resume failed (round $round): $(tail -1 "$log.resume")"
        ls "$dir/ckpt" | grep -q '\.tmp-' && fail "temp files left in $dir/ckpt after a resumed run"
        if [ -f "$dir/model.safetensors" ]; then
            printf 'not a picture' >"$dir/bad.png"
            for input in "$dir/bad.png" "$dir" /dev/zero "$dir/missing.png"; do
                "$cl" predict --model "$dir/model.safetensors" "$input" >"$dir/p.log" 2>&1; rc=$?
                check "$dir/p.log" "$rc"
                [ "$rc" -eq 2 ] || fail "predict $input: exit $rc, expected 2"
            done
        fi
    fi
    rm -rf "$dir"
    echo "soak: round $round ok ($((end - SECONDS)) s left)" >&2
done
echo "soak: $round rounds without a failure"
