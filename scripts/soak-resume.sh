#!/usr/bin/env bash
# Long-run check for issue 15: one training run per device, killed (kill -9) every few minutes and
# resumed from its checkpoint each time, beside the same run left uninterrupted. Passes when
#   - every epoch the killed run finished has the same train loss, train accuracy, test loss and
#     test accuracy as the uninterrupted run's epoch (an epoch redone after a kill must also repeat
#     its figures exactly),
#   - every resume starts (no stack trace, exit 0 or the kill), no checkpoint temp file survives,
#   - the uninterrupted run's memory is flat: its largest resident size in the last third of the
#     run is at most 10% above the largest in the middle third.
#
#   scripts/soak-resume.sh [DURATION_S] [DEVICE ...]   (default: 3600 s on cpu and opencl:0:0)
#
# The devices run at the same time. The run: --hidden 256,128, adam, dropout 0.1, augment 1 (so
# the random state of batches, dropout and shifts must all resume exactly), a constant learning
# rate (so the open-ended epoch count does not change the schedule), Fashion-MNIST when Debian's
# dataset-fashion-mnist is installed, else the bundled digits. Kills come 60-240 s apart
# (SOAK_KILL_MIN/SOAK_KILL_MAX change that), so some land while a checkpoint is being written.
# Results go to stdout; the work folder is kept on failure (its path is printed).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-3600}"; shift || true
devices=("$@"); [ "${#devices[@]}" -gt 0 ] || devices=(cpu opencl:0:0)
kill_min="${SOAK_KILL_MIN:-60}"; kill_max="${SOAK_KILL_MAX:-240}"
data=bundled
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then data=/usr/share/datasets/fashion-mnist; fi
work="$(mktemp -d /tmp/clayers-soak.XXXXXX)"
# Called directly, never through a shell function: "f &" forks a subshell, and kill -9 of that
# subshell would leave the java process running.
cl="$here/clayers"
# A bounded heap: a leak on the Java side then ends the run (and the soak) instead of growing slowly.
export CLAYERS_JAVA_OPTS="${CLAYERS_JAVA_OPTS:--Xmx1g}"

"$here/clayers" --version >/dev/null || { echo "soak: cannot build or start clayers" >&2; exit 1; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# Prints epoch and the four figures of each metrics line, one per line: "epoch loss acc tloss tacc".
figures() {
    sed -E 's/.*"epoch":([0-9]+).*"train_loss":([^,]+),"train_accuracy":([^,]+),"test_loss":([^,]+),"test_accuracy":([^,]+),.*/\1 \2 \3 \4 \5/' "$@"
}

soak_device() {
    local dev="$1" d="$work/$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_')"
    mkdir -p "$d"
    local run=(train --device "$dev" --data "$data" --hidden 256,128 --optimizer adam --lr 0.0005
               --schedule constant --dropout 0.1 --augment 1 --seed 7 --epochs 100000 --no-progress)
    local fail=""
    # The uninterrupted run, with its resident size sampled every 10 s.
    "$cl" "${run[@]}" --metrics "$d/ref.jsonl" >"$d/ref.log" 2>&1 &
    local ref=$!
    "$cl" "${run[@]}" --checkpoint-dir "$d/ckpt" --metrics "$d/seg1.jsonl" >"$d/seg1.log" 2>&1 &
    local pid=$! seg=1 end=$((SECONDS + duration)) next_kill=$((SECONDS + $(shuf -i "$kill_min-$kill_max" -n1)))
    local start=$SECONDS
    : >"$d/ref.rss"
    while [ "$SECONDS" -lt "$end" ]; do
        sleep 10
        echo "$((SECONDS - start)) $(rss_kb "$ref")" >>"$d/ref.rss"
        kill -0 "$ref" 2>/dev/null || { fail="the uninterrupted run ended: $(tail -3 "$d/ref.log")"; break; }
        if [ "$SECONDS" -ge "$next_kill" ] || ! kill -0 "$pid" 2>/dev/null; then
            if kill -0 "$pid" 2>/dev/null; then
                echo "seg $seg peak_rss_kb $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")" >>"$d/segments"
                kill -KILL "$pid"; wait "$pid" 2>/dev/null
            else
                wait "$pid"; local rc=$?
                fail="segment $seg ended by itself with exit $rc: $(tail -3 "$d/seg$seg.log")"; break
            fi
            if grep -qE '^\s+at [a-zA-Z]|Exception in thread' "$d/seg$seg.log"; then fail="stack trace in segment $seg"; break; fi
            seg=$((seg + 1))
            # A resume removes the temp files an interrupted write left behind: checked after it
            # starts. A kill before the first checkpoint starts the run afresh.
            if [ -f "$d/ckpt/checkpoint.safetensors" ]; then
                "$cl" train --resume "$d/ckpt" --device "$dev" --no-progress --metrics "$d/seg$seg.jsonl" >"$d/seg$seg.log" 2>&1 &
            else
                "$cl" "${run[@]}" --checkpoint-dir "$d/ckpt" --metrics "$d/seg$seg.jsonl" >"$d/seg$seg.log" 2>&1 &
            fi
            pid=$!
            next_kill=$((SECONDS + $(shuf -i "$kill_min-$kill_max" -n1)))
        fi
    done
    if [ -z "$fail" ] && kill -0 "$pid" 2>/dev/null; then
        sleep 5; ls "$d/ckpt" | grep -q '\.tmp-' && fail="temp files left in $d/ckpt after a resumed run started"
    fi
    kill -KILL "$pid" "$ref" 2>/dev/null; wait 2>/dev/null
    [ -n "$fail" ] && { echo "$dev: FAIL: $fail (work folder $d)"; return 1; }

    # Every epoch the killed run wrote must match the uninterrupted run, redone epochs included.
    figures "$d"/seg*.jsonl | sort -n -k1,1 -s | uniq >"$d/killed.txt"
    figures "$d/ref.jsonl" >"$d/ref.txt"
    local dup; dup=$(cut -d' ' -f1 "$d/killed.txt" | uniq -d | head -1)
    [ -n "$dup" ] && { echo "$dev: FAIL: epoch $dup was redone after a kill with different figures (work folder $d)"; return 1; }
    local last; last=$(tail -1 "$d/killed.txt" | cut -d' ' -f1)
    local ref_last; ref_last=$(tail -1 "$d/ref.txt" | cut -d' ' -f1)
    if [ -z "$last" ]; then echo "$dev: FAIL: the killed run finished no epoch (work folder $d)"; return 1; fi
    if [ "$ref_last" -lt "$last" ]; then echo "$dev: FAIL: the uninterrupted run reached only epoch $ref_last (killed run: $last)"; return 1; fi
    if ! diff <(head -n "$last" "$d/ref.txt") "$d/killed.txt" >"$d/diff.txt"; then
        echo "$dev: FAIL: the killed run differs from the uninterrupted one; first difference: $(sed -n 2p "$d/diff.txt") vs $(grep -m1 '^>' "$d/diff.txt") (work folder $d)"
        return 1
    fi
    # Memory: the largest resident size in the middle and last thirds of the uninterrupted run.
    local n; n=$(wc -l <"$d/ref.rss")
    local mid last3
    mid=$(sed -n "$((n / 3 + 1)),$((2 * n / 3))p" "$d/ref.rss" | awk 'm < $2 {m = $2} END {print m + 0}')
    last3=$(sed -n "$((2 * n / 3 + 1)),${n}p" "$d/ref.rss" | awk 'm < $2 {m = $2} END {print m + 0}')
    local first; first=$(awk 'NR == 2 {print $2}' "$d/ref.rss")
    local acc; acc=$(tail -1 "$d/killed.txt" | cut -d' ' -f5)
    local segpeaks; segpeaks=$(awk '{print int($4 / 1024)}' "$d/segments" | sort -n | sed -n '1p;$p' | paste -sd- )
    echo "$dev: $((seg - 1)) kills, $seg segments; epochs 1-$last identical to the uninterrupted run (test accuracy at epoch $last: $acc; uninterrupted run reached epoch $ref_last)"
    echo "$dev: uninterrupted run resident size: $((first / 1024)) MB at 20 s, largest $((mid / 1024)) MB in the middle third, $((last3 / 1024)) MB in the last third; killed segments peaked at ${segpeaks} MB"
    if [ "$last3" -gt $((mid * 11 / 10)) ]; then echo "$dev: FAIL: memory grew by more than 10% (work folder $d)"; return 1; fi
    echo "$dev: PASS"
}

echo "soak: ${#devices[@]} device(s) for $duration s each, at the same time; data $data; work folder $work"
pids=()
for dev in "${devices[@]}"; do soak_device "$dev" >"$work/result-$(printf '%s' "$dev" | tr -c 'A-Za-z0-9' '_')" 2>&1 & pids+=($!); done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
cat "$work"/result-*
if [ "$status" -eq 0 ]; then echo "soak: PASS"; rm -rf "$work"; else echo "soak: FAIL (work folder $work kept)"; fi
exit "$status"
