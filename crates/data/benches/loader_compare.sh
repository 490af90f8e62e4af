#!/usr/bin/env bash
# Runs the Rust loader benchmark (image files, and a pack of the same images) and the PIL +
# numpy script on the same images, one after the other ROUNDS times (default 3), keeps the best
# rate of each, and prints images per second per core with the ratios.
#
#   crates/data/benches/loader_compare.sh [TINY_IMAGENET_DIR] [ROUNDS]
#
# Needs python3 with pillow and numpy (pip install pillow numpy); PYTHON names another
# interpreter. The packs and the photo go to $CARGO_TARGET_DIR/loader-bench (or target/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
tiny="${1:-$repo/../shared/data/tiny-imagenet-200-subset}"
# The benchmark runs in the crate's folder: give it the dataset's absolute path.
tiny="$(cd "$tiny" 2>/dev/null && pwd || echo "$tiny")"
rounds="${2:-3}"
python="${PYTHON:-python3}"
work="${CARGO_TARGET_DIR:-$repo/target}/loader-bench"
mkdir -p "$work"

rust_out="$work/rust.txt"
python_out="$work/python.txt"
: >"$rust_out"
: >"$python_out"
for _ in $(seq "$rounds"); do
    (cd "$repo" && cargo bench -q -p convnet-data --bench loader_throughput -- \
        --work "$work" --tiny "$tiny" --rounds 1) | tee -a "$rust_out"
    photo="$(awk '$1 == "photo" {print $2; exit}' "$rust_out")"
    "$python" "$here/loader_pil.py" --tiny "$tiny" --photo "$photo" | tee -a "$python_out"
done

echo
echo "best of $rounds rounds, images per second (1 core: one decoding thread; all: every core)"
printf '%-26s %10s %10s %10s %9s %9s %10s %10s\n' case "files 1" "pack 1" "pil 1" pack/files files/pil "files all" "pack all"
awk '
  function best(table, key, value) { if (!(key in table) || value > table[key]) table[key] = value }
  FNR == NR && $1 == "result" { best(rust, $2 SUBSEP $3, $4); if ($3 != 1) all[$2] = $3; next }
  $1 == "result" { best(python, $2, $4) }
  END {
    for (c in python) {
      files = rust[c SUBSEP 1]; pack = rust[c "-packed" SUBSEP 1]; n = all[c]
      printf "%-26s %10.1f %10.1f %10.1f %8.2fx %8.2fx %10.1f %10.1f\n", c, files, pack, python[c],
        pack / files, files / python[c], rust[c SUBSEP n], rust[c "-packed" SUBSEP n]
    }
  }' "$rust_out" "$python_out"
