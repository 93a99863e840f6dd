#!/usr/bin/env bash
# The training step of clayers (every device, `bench --only train`) and of NumPy
# (../shared/peers/mlp_numpy.py), measured alternately ROUNDS times. On a shared machine the load
# changes from one minute to the next (whole peer runs differ by up to 2x), so each round's ratio
# comes from two measurements seconds apart, and the rounds show the spread. Tables and the raw
# outputs go to out/train-<UTC time>/.
#   PEERS   folder with the peer scripts (default: ../shared/peers beside the project)
#   ROUNDS  how many rounds (default: 3)
#   BATCHES batch sizes for both sides (default: "100 1000"; the bench runs both anyway)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$here/../shared/peers}
rounds=${ROUNDS:-3}
batches=${BATCHES:-"100 1000"}
BATCHES=$batches
out=$here/out/train-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
work=$(mktemp -d)
cp -r "$peers" "$work/peers"
{ date -u +%FT%TZ; nproc; grep -m1 'model name' /proc/cpuinfo; uptime; } | tee "$out/env.txt"
for r in $(seq 1 "$rounds"); do
    echo "== round $r: clayers bench --only train"
    (cd "$here" && ./clayers bench --only train --json "$out/bench-$r.json") > "$out/bench-$r.txt"
    for batch in $BATCHES; do
        echo "== round $r: NumPy, batch $batch"
        (cd "$work/peers" && python3 mlp_numpy.py --threads 2 --envs unset --batch "$batch" --iters $((100000 / batch))) \
            > "$out/numpy-$r-b$batch.txt"
    done
done
python3 - "$out" "$rounds" $batches <<'PY' | tee "$out/ratios.txt"
import json, re, statistics, sys
out, rounds, batches = sys.argv[1], int(sys.argv[2]), [int(b) for b in sys.argv[3:]]
print("samples/s (medians); ratio = fastest clayers device / NumPy")
print(f"{'round':>5} {'batch':>5} {'H':>5} {'fastest clayers':>24} {'NumPy':>10} {'ratio':>6}")
ratios = {}
for r in range(1, rounds + 1):
    bench = json.load(open(f"{out}/bench-{r}.json"))
    for b in batches:
        numpy = {}
        for line in open(f"{out}/numpy-{r}-b{b}.txt"):
            m = re.match(r"\s+(\d+)\s+\d+\s+(\d+)\s+\d+\s", line)
            if m: numpy[int(m.group(1))] = int(m.group(2))
        for h in sorted(numpy):
            name = f"784-{h}-10 batch {b}"
            found = [x for x in bench["results"] if x["workload"] == "train step" and x["caseName"] == name]
            if not found: continue
            best = max(found, key=lambda x: x["median"])
            ratio = best["median"] / numpy[h]
            ratios.setdefault((b, h), []).append(ratio)
            print(f"{r:>5} {b:>5} {h:>5} {best['median']:>13,.0f} ({best['device']:>9}) {numpy[h]:>10,} {ratio:>6.2f}")
for (b, h), v in ratios.items():
    print(f"batch {b} H={h}: ratio min {min(v):.2f} median {statistics.median(v):.2f} max {max(v):.2f} over {len(v)} rounds")
PY
echo "results in $out"
