#!/usr/bin/env bash
# Is train's --device auto right? Trains each of three networks (the default 784-512-10, 784-100-10
# and the book's conv net, all at batch 100) on every device auto may pick, for a fixed number of
# epochs, and prints the real training speed of each beside what auto chose (with an empty cache,
# as on a fresh machine) and how long it spent choosing. A benchmark, not a test: run it on a quiet
# machine. Usage: scripts/auto-check.sh [EPOCHS] (default 3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
epochs="${1:-3}"
clayers="$here/clayers"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Every device but simulators (auto never picks those).
mapfile -t devices < <("$clayers" devices --json 2>/dev/null | jq -r '.[] | select(.simulator | not) | .id')
nets=("--hidden 512" "--hidden 100" "--net conv30k5-pool2-100")
names=("784-512-10" "784-100-10" "conv30k5-pool2-100")
printf '%-20s' "network"
for d in "${devices[@]}"; do printf ' %14s' "$d"; done
printf '  %-12s %8s %9s %s\n' "auto picked" "choosing" "of best" "(samples/s over $epochs epochs)"
for i in "${!nets[@]}"; do
    printf '%-20s' "${names[$i]}"
    best=0
    declare -A speed=()
    for d in "${devices[@]}"; do
        # The speed of the whole run: samples trained over the summed epoch times (no evaluation).
        out="$("$clayers" train ${nets[$i]} --device "$d" --epochs "$epochs" --no-progress 2>/dev/null)"
        s="$(awk '/^epoch/ { n += 8000; for (f = 1; f <= NF; f++) if ($f == "img/s") t += 8000 / $(f - 1) }
                  END { gsub(",", ""); printf "%.0f", n / t }' <<<"$(sed 's/,//g' <<<"$out")")"
        speed[$d]=$s
        (( s > best )) && best=$s
        printf ' %14s' "$s"
    done
    # auto with an empty cache, for the same run: what it picked and the seconds it logged for choosing.
    log="$(CLAYERS_JAVA_OPTS="-Dclayers.cache.dir=$work/cache-$i" "$clayers" train ${nets[$i]} --device auto --epochs "$epochs" \
        --no-progress 2>&1 >/dev/null | grep 'auto:' || true)"
    picked="$(sed -n 's/.*auto: \([^ ,]*\).*/\1/p' <<<"$log" | head -1)"
    took="$(sed -n 's/.* in \([0-9.]*\) s[;:].*/\1/p' <<<"$log" | head -1)"
    pct="-"
    [ -n "${speed[$picked]:-}" ] && pct="$(awk -v a="${speed[$picked]}" -v b="$best" 'BEGIN { printf "%.0f %%", 100 * a / b }')"
    printf '  %-12s %7s s %9s\n' "$picked" "${took:-?}" "$pct"
    unset speed
done
