#!/usr/bin/env bash
# Side-by-side CPU timing of an AlexNet preset (default alexnet-32, batch 128, 2 threads) in this
# project (candle + its own conv/pool/LRN kernels) and in PyTorch: forward, full training step
# and frozen A7B-like step, each in its own process so that peak memory (ru_maxrss) is per mode.
# Each mode runs `repeats` times, the two frameworks alternating, and the fastest run of each is
# kept (the machine is shared: the minimum is the least disturbed measurement).
# Prints a Markdown table: times, ratio (candle / PyTorch), peak memory of each and its ratio.
#
#   benches/step_vs_pytorch.sh [preset] [batch] [threads] [steps] [repeats]
# Needs python3 with torch (plain `pip install torch` works on the CPU).
# Builds with cargo into $CARGO_TARGET_DIR when it is set (else target/).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-alexnet-32}
batch=${2:-128}
threads=${3:-2}
steps=${4:-10}
repeats=${5:-3}
cargo build --release -q -p convnet-alexnet --example step_timing
bin=${CARGO_TARGET_DIR:-target}/release/examples/step_timing
spec=$(mktemp --suffix=.json)
trap 'rm -f "$spec"' EXIT
"$bin" --preset "$preset" --spec-out "$spec"
export RAYON_NUM_THREADS=$threads OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
echo "preset $preset, batch $batch, $threads threads, $steps timed iterations after 2 warm-up," \
  "best of $repeats runs;" \
  "$(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| mode | candle ms | PyTorch ms | ratio | candle peak MiB | PyTorch peak MiB | memory ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for mode in forward step frozen; do
  ours=()
  theirs=()
  for _ in $(seq "$repeats"); do
    ours+=("$("$bin" --preset "$preset" --batch "$batch" --mode "$mode" --steps "$steps")")
    theirs+=("$(python3 benches/step_pytorch.py --spec "$spec" --batch "$batch" --mode "$mode" \
      --steps "$steps" --threads "$threads")")
  done
  python3 - "$mode" "$(printf '%s\n' "${ours[@]}")" "$(printf '%s\n' "${theirs[@]}")" <<'PY'
import json, sys
mode = sys.argv[1]
a = min((json.loads(l) for l in sys.argv[2].splitlines()), key=lambda r: r["ms"])
b = min((json.loads(l) for l in sys.argv[3].splitlines()), key=lambda r: r["ms"])
ma, mb = a["peak_rss_kib"] / 1024, b["peak_rss_kib"] / 1024
print(f"| {mode} | {a['ms']:.1f} | {b['ms']:.1f} | {a['ms'] / b['ms']:.2f} | {ma:.0f} | {mb:.0f} | {ma / mb:.2f} |")
PY
done
