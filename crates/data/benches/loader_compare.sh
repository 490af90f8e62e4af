#!/usr/bin/env bash
# Runs the Rust loader benchmark and the PIL + numpy script on the same images and prints the
# ratio of images per second per core (Rust / Python).
#
#   crates/data/benches/loader_compare.sh [TINY_IMAGENET_DIR]
#
# Needs python3 with pillow and numpy (pip install pillow numpy).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
tiny="${1:-$repo/../shared/data/tiny-imagenet-200-subset}"
work="$repo/target/loader-bench"
mkdir -p "$work"

rust_out="$work/rust.txt"
python_out="$work/python.txt"
(cd "$repo" && cargo bench -q -p convnet-data --bench loader_throughput -- --work "$work" --tiny "$tiny") | tee "$rust_out"
photo="$(awk '$1 == "photo" {print $2}' "$rust_out")"
python3 "$here/loader_pil.py" --tiny "$tiny" --photo "$photo" | tee "$python_out"

echo
printf '%-28s %14s %14s %8s %16s\n' case "rust img/s" "pil img/s" ratio "rust all cores"
awk '
  FNR == NR && $1 == "result" { if ($3 == 1) rust[$2] = $4; else all[$2] = $4 " (" $3 ")"; next }
  $1 == "result" { python[$2] = $4 }
  END {
    for (c in python)
      if (c in rust)
        printf "%-28s %14.1f %14.1f %7.2fx %16s\n", c, rust[c], python[c], rust[c] / python[c], all[c]
  }' "$rust_out" "$python_out"
