#!/usr/bin/env bash
# A/B of two builds of clayers in one JVM, alternating slices (see scripts/ab/AbCompare.java):
# for changes of a few per cent that the machine's swings hide between separate runs.
#   scripts/ab-compare.sh A B [spec...]
# A and B: a clayers jar, or a git revision (built once into target/ab/<commit>/clayers.jar).
# Specs (default: train:50:100 train:100:100 train:1000:100):
#   train:H:B  784-H-10 ReLU training step, batch B, SGD (the bench's train step)
#   gemm:MxNxK[tA][tB]   softmax:R:C   sigmoid:R:C   gather:B:S (B 28x28 images shifted up to S pixels)
#   JAVA_OPTS: JVM options for the run, e.g. -XX:UseAVX=2 (an AVX2 machine on an AVX-512 one)
#   PROPS_A, PROPS_B: system properties (k=v, space-separated) for one side only, set while its
#   classes initialise: scripts/ab-compare.sh HEAD HEAD with PROPS_A=clayers.gemm.kc=512 compares
#   a tunable on one build
#   DEVICE (default cpu), ROUNDS (default 20), SLICE_MS (default 200), WARMUP_MS (default 6000),
#   PROCESSES (default 3): JVMs in a row; the JIT compiles a little differently in each (a few
#   per cent either way, seen as the same build's figure moving between processes), so one
#   process's A/B is not enough.
# A/B above 1: A faster.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 2 ]; then
    echo "usage: scripts/ab-compare.sh A B [spec...]  (A, B: a jar or a git revision)" >&2
    exit 2
fi
jar_of() {
    if [ -f "$1" ]; then readlink -f "$1"; return; fi
    local sha
    sha=$(git -C "$here" rev-parse --verify --quiet "$1^{commit}") || { echo "ab-compare.sh: '$1' is neither a file nor a git revision" >&2; exit 2; }
    local jar="$here/target/ab/$sha/clayers.jar"
    if [ ! -f "$jar" ]; then
        local tree
        tree=$(mktemp -d)
        echo "building $1 ($sha) ..." >&2
        git -C "$here" worktree add -q --detach "$tree" "$sha"
        if ! (cd "$tree" && { mvn -B -q -o package -DskipTests >&2 || mvn -B -q package -DskipTests >&2; }); then
            git -C "$here" worktree remove --force "$tree"
            echo "ab-compare.sh: building $1 failed (see above)" >&2
            exit 2
        fi
        mkdir -p "$(dirname "$jar")"
        cp "$tree/target/clayers.jar" "$jar"
        git -C "$here" worktree remove --force "$tree"
    fi
    echo "$jar"
}
a=$(jar_of "$1")
b=$(jar_of "$2")
shift 2
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(train:50:100 train:100:100 train:1000:100)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# AbWork is compiled against each jar on its own, so each loader links its own build.
for side in a b; do
    jar=$a; [ $side = b ] && jar=$b
    mkdir -p "$work/$side"
    javac -nowarn -d "$work/$side" -cp "$jar" "$here/scripts/ab/AbWork.java"
done
javac -d "$work" "$here/scripts/ab/AbCompare.java"
processes=${PROCESSES:-3}
for p in $(seq 1 "$processes"); do
    echo "== process $p of $processes"
    java --add-modules jdk.incubator.vector ${JAVA_OPTS:-} -cp "$work" AbCompare "$work" "$a" "$b" "${DEVICE:-cpu}" "${ROUNDS:-20}" "${SLICE_MS:-200}" \
        "${WARMUP_MS:-6000}" "${specs[@]}" 2> >(grep -v '^WARNING: Using incubator modules' >&2) | tee "$work/out-$p.txt"
done
echo "== A/B medians per process"
for s in "${specs[@]}"; do
    printf '%-24s' "$s"
    for p in $(seq 1 "$processes"); do
        awk -v s="$s" '$1 == s { sub(/.*A\/B /, ""); printf " %s", $1 }' "$work/out-$p.txt"
    done
    echo
done
