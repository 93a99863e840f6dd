#!/usr/bin/env bash
# The training step of clayers (every device, `bench --only train`) and of NumPy
# (../shared/peers/mlp_numpy.py), measured alternately ROUNDS times. On a shared machine the load
# changes from one minute to the next (whole peer runs differ by up to 2x), so each round's ratio
# comes from two measurements seconds apart, and the rounds show the spread. Tables and the raw
# outputs go to out/train-<UTC time>/.
#   PEERS   folder with the peer scripts (default: ../shared/peers beside the project)
#   ROUNDS  how many rounds (default: 3)
#   BATCHES batch sizes for both sides (default: "100 1000"; the bench runs both anyway)
#   DEVICES clayers devices to time (default: all), e.g. cpu
#   NUMPY_ENV  OpenBLAS's kernel for NumPy: unset (default: the best for this CPU) or as-is (the
#           caller's OPENBLAS_CORETYPE, e.g. Haswell)
#   GEMM    1: each round also times square SGEMM (bench --only gemm, NumPy's sgemm_numpy.py)
# An AVX2 machine on an AVX-512 one, both sides limited to 256-bit vectors (PoCL is not, so cpu only):
#   DEVICES=cpu GEMM=1 NUMPY_ENV=as-is OPENBLAS_CORETYPE=Haswell CLAYERS_JAVA_OPTS=-XX:UseAVX=2 scripts/compare-train.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$here/../shared/peers}
rounds=${ROUNDS:-3}
batches=${BATCHES:-"100 1000"}
BATCHES=$batches
devices=${DEVICES:-all}
numpy_env=${NUMPY_ENV:-unset}
gemm=${GEMM:-0}
case "$numpy_env" in unset|as-is) ;; *) echo "compare-train.sh: NUMPY_ENV must be unset or as-is, got '$numpy_env'" >&2; exit 2 ;; esac
out=$here/out/train-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
work=$(mktemp -d)
cp -r "$peers" "$work/peers"
{ date -u +%FT%TZ; nproc; grep -m1 'model name' /proc/cpuinfo; uptime
  echo "DEVICES=$devices NUMPY_ENV=$numpy_env OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} CLAYERS_JAVA_OPTS=${CLAYERS_JAVA_OPTS:-} GEMM=$gemm"
} | tee "$out/env.txt"
only=train
[[ $gemm == 1 ]] && only=train,gemm
for r in $(seq 1 "$rounds"); do
    echo "== round $r: clayers bench --only $only --device $devices"
    (cd "$here" && ./clayers bench --only "$only" --device "$devices" --json "$out/bench-$r.json") > "$out/bench-$r.txt"
    for batch in $BATCHES; do
        echo "== round $r: NumPy, batch $batch"
        (cd "$work/peers" && python3 mlp_numpy.py --threads 2 --envs "$numpy_env" --batch "$batch" --iters $((100000 / batch))) \
            > "$out/numpy-$r-b$batch.txt"
    done
    if [[ $gemm == 1 ]]; then
        echo "== round $r: NumPy SGEMM"
        (cd "$work/peers" && python3 sgemm_numpy.py --threads 2 --envs "$numpy_env" --reps 7) > "$out/sgemm-$r.txt"
    fi
done
python3 - "$out" "$rounds" "$gemm" $batches <<'PY' | tee "$out/ratios.txt"
import json, os, re, statistics, sys
out, rounds, gemm, batches = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", [int(b) for b in sys.argv[4:]]
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
if gemm:
    print("SGEMM GFLOP/s (medians); ratio = fastest clayers device / NumPy (OpenBLAS)")
    print(f"{'round':>5} {'size':>5} {'fastest clayers':>24} {'OpenBLAS':>9} {'ratio':>6}  OpenBLAS kernel")
    gratios = {}
    for r in range(1, rounds + 1):
        bench = json.load(open(f"{out}/bench-{r}.json"))
        blas, kernel = {}, "?"
        for line in open(f"{out}/sgemm-{r}.txt"):
            k = re.search(r"get_corename=(\w+)", line)
            if k: kernel = k.group(1)
            m = re.match(r"\s+(\d+)\s+[\d.]+\s+([\d.]+)\s+[\d.]+\s*$", line)
            if m: blas[int(m.group(1))] = float(m.group(2))
        for size in (1024, 2048):
            found = [x for x in bench["results"] if x["workload"] == "gemm" and x["caseName"] == str(size)]
            if not found or size not in blas: continue
            best = max(found, key=lambda x: x["median"])
            ratio = best["median"] / blas[size]
            gratios.setdefault(size, []).append(ratio)
            print(f"{r:>5} {size:>5} {best['median']:>13,.1f} ({best['device']:>9}) {blas[size]:>9,.1f} {ratio:>6.2f}  {kernel}")
    for size, v in gratios.items():
        print(f"SGEMM {size}: ratio min {min(v):.2f} median {statistics.median(v):.2f} max {max(v):.2f} over {len(v)} rounds")
PY
echo "results in $out"
