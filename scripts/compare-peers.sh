#!/usr/bin/env bash
# Throughput of clayers beside the peers of ../shared/peers, measured in one session so the ratios
# mean something on a shared, noisy machine. Tables go to out/compare-<UTC time>/.
#   PEERS      folder with the peer scripts (default: ../shared/peers beside the project)
#   TORCH_BLAS folder with an OpenBLAS libblas.so.3 for PyTorch (see the peers' README), optional
#   STEPS      subset of: bench sgemm_numpy clblast mlp_numpy mlp_torch dl4j (default: all)
# Nothing from the peers is built into clayers; they run from a temporary copy.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$here/../shared/peers}
STEPS=${STEPS:-"bench sgemm_numpy clblast mlp_numpy mlp_torch dl4j"}
has() { [[ " $STEPS " == *" $1 "* ]]; }
out=$here/out/compare-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
work=$(mktemp -d)
cp -r "$peers" "$work/peers"
chmod -R u+w "$work/peers"
{ date -u +%FT%TZ; nproc; grep -m1 'model name' /proc/cpuinfo; uptime; } | tee "$out/env.txt"

if has bench; then
    echo "== clayers bench"
    (cd "$here" && ./clayers bench --json "$out/bench.json" --csv "$out/bench.csv" --plot "$out/bench.png") | tee "$out/bench.txt"
fi
cd "$work/peers"
if has sgemm_numpy; then
    echo "== NumPy SGEMM (2 threads; OPENBLAS_CORETYPE=Haswell as-is, and unset)"
    OPENBLAS_CORETYPE=Haswell python3 sgemm_numpy.py --threads 2 --envs as-is,unset --reps 7 | tee "$out/sgemm_numpy.txt"
fi
if has clblast; then
    echo "== CLBlast SGEMM on the PoCL device"
    # The peer takes the first platform; with Oclgrind registered that can be the simulator (it
    # ran 256^3 at 0.0 GFLOP/s for minutes), so it sees only the real drivers' .icd files.
    vendors=$(mktemp -d)
    for icd in "${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"/*.icd; do
        [[ -e $icd && $(basename "$icd") != *oclgrind* ]] && ln -s "$icd" "$vendors/"
    done
    (cd clblast && mvn -q -B package) && OCL_ICD_VENDORS=$vendors java -jar clblast/target/cl-sgemm-bench.jar --peer clblast --reps 5 \
        | tee "$out/clblast.txt"
fi
if has mlp_numpy; then
    echo "== NumPy MLP training step, batch 100 and 1000 (the bench runs both)"
    python3 mlp_numpy.py --threads 2 --envs unset --iters 1000 | tee "$out/mlp_numpy.txt"
    python3 mlp_numpy.py --threads 2 --envs unset --iters 100 --batch 1000 | tee "$out/mlp_numpy-b1000.txt"
fi
if has mlp_torch; then
    echo "== PyTorch (CPU) MLP training step"
    if [[ -n "${TORCH_BLAS:-}" ]]; then
        OMP_WAIT_POLICY=PASSIVE LD_LIBRARY_PATH="$TORCH_BLAS" /usr/bin/python3 mlp_torch.py --threads 2 --envs as-is --iters 1000 \
            | tee "$out/mlp_torch.txt"
    else
        /usr/bin/python3 mlp_torch.py --threads 2 --envs as-is --iters 250 | tee "$out/mlp_torch.txt"
    fi
fi
if has dl4j; then
    echo "== DL4J MLP training step and ND4J SGEMM (AVX2 binary)"
    (cd dl4j && VARIANTS=linux-x86_64-avx2 EXTRA=0 BENCH_ARGS="--iters 500 --threads 2 --envs unset --hidden 50,100,1000 --batch 100" ./run.sh) \
        | tee "$out/dl4j.txt"
fi
echo "results in $out"
