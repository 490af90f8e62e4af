#!/usr/bin/env bash
# Side-by-side CPU timing of each op of an AlexNet preset (default alexnet-32, batch 128,
# 2 threads) in this project and in PyTorch: every conv (with its ReLU) forward, input gradient
# and weight + bias gradients; every max-pool and LRN forward and backward. Each side reports
# the median of `samples` calls per measurement; the two frameworks run one after the other.
# Prints a Markdown table: op, pass, times, ratio (candle / PyTorch), and the sums.
#
#   benches/ops_vs_pytorch.sh [preset] [batch] [threads] [samples]
# Needs python3 with torch (plain `pip install torch` works on the CPU).
# Builds with cargo into $CARGO_TARGET_DIR when it is set (else target/).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-alexnet-32}
batch=${2:-128}
threads=${3:-2}
samples=${4:-30}
cargo build --release -q -p convnet-ops --example op_timing
bin=${CARGO_TARGET_DIR:-target}/release/examples/op_timing
spec=$(mktemp --suffix=.json)
ours=$(mktemp)
theirs=$(mktemp)
trap 'rm -f "$spec" "$ours" "$theirs"' EXIT
"$bin" --preset "$preset" --spec-out "$spec"
export RAYON_NUM_THREADS=$threads OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
echo "preset $preset, batch $batch, $threads threads, median of $samples calls;" \
  "$(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$bin" --preset "$preset" --batch "$batch" --samples "$samples" > "$ours"
python3 benches/ops_pytorch.py --spec "$spec" --batch "$batch" --threads "$threads" \
  --samples "$samples" > "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1])]
theirs = {(r["op"], r["pass"]): r["ms"] for r in map(json.loads, open(sys.argv[2]))}
print("| op | pass | candle ms | PyTorch ms | ratio |")
print("| --- | --- | ---: | ---: | ---: |")
total = [0.0, 0.0]
for r in ours:
    them = theirs[(r["op"], r["pass"])]
    total[0] += r["ms"]
    total[1] += them
    print(f"| {r['op']} | {r['pass']} | {r['ms']:.2f} | {them:.2f} | {r['ms'] / them:.2f} |")
print(f"| all | | {total[0]:.2f} | {total[1]:.2f} | {total[0] / total[1]:.2f} |")
PY
