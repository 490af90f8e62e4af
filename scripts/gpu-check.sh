#!/usr/bin/env bash
# The CUDA check, in one call on a GPU machine (it fits in well under 10 minutes):
#   1. checks the bundle, that the machine has a CUDA driver, and which libraries load;
#   2. runs the CUDA tests of convnet-train (CUDA against the CPU, TF32 against f32);
#   3. trains the smoke grid (configs/smoke.toml) on CUDA in fp32, TF32 and bf16, and on the CPU,
#      and compares the cells' top-1;
#   4. times the caffenet training step (227x227, batch 256) on the same GPU in candle
#      (`train_step`: fp32, TF32, bf16, frozen 7) and in PyTorch (benches/caffenet_step_pytorch.py:
#      fp32, TF32 with and without cuDNN's benchmark, bf16 autocast with and without channels-last,
#      frozen 7), each with its peak memory (benches/peak_memory.py), and prints one table of the
#      ratios;
#   5. with GPU_CHECK_GRID=1 (several minutes more), trains the embedded default on CUDA one cell
#      at a time and four at once (--jobs 4), and prints both wall times.
# It runs prebuilt binaries from the bundle that `cargo xtask cuda-build` writes
# (target/cuda/bundle; carry that folder to the GPU machine) through the bundle's launcher
# `run`, which puts the bundled CUDA libraries on LD_LIBRARY_PATH: nothing is compiled there.
#
#   scripts/gpu-check.sh                 # on the GPU machine
#   scripts/gpu-check.sh --cpu-dry-run   # the same steps on the CPU at tiny sizes, with CPU builds
#
# The dry run builds with cargo into $CARGO_TARGET_DIR when it is set (else target/). Both need
# python3; the PyTorch steps need torch too (else they are skipped).
# Results go to $OUT (default target/gpu-check): one log per step and summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=gpu
BUNDLE=${CUDA_BUNDLE:-target/cuda/bundle}
for arg in "$@"; do
    case "$arg" in
        --cpu-dry-run) MODE=cpu ;;
        --bundle=*) BUNDLE=${arg#--bundle=} ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-$ROOT/target/gpu-check}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
FAILED=0
START=$SECONDS

note() { echo "$*" | tee -a "$SUMMARY"; }
# step NAME TIMEOUT_S COMMAND...: runs a step with a time limit, its output to $OUT/NAME.log.
step() {
    local name=$1 limit=$2; shift 2
    local t0=$SECONDS
    echo "== $name: $*"
    timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    tail -n 25 "$OUT/$name.log"
    if [ $rc -eq 0 ]; then
        note "PASS $name ($((SECONDS - t0)) s)"
    else
        [ $rc -eq 124 ] && note "FAIL $name: timed out after $limit s" || note "FAIL $name: exit $rc ($((SECONDS - t0)) s)"
        FAILED=$((FAILED + 1))
    fi
    return $rc
}

note "gpu-check mode=$MODE at $(date -u +%FT%TZ) on $(hostname)"

# --- 1. libraries -------------------------------------------------------------------------
if [ "$MODE" = gpu ]; then
    command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$SUMMARY"
    nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | tee -a "$SUMMARY"
    for f in run xtask train_step convnet-train-cuda-tests lib/libcudart.so.13 lib/libcublas.so.13 \
        lib/libcublasLt.so.13 lib/libcurand.so.10 lib/libcudnn.so.9 stubs/libcuda.so.1; do
        if [ ! -e "$BUNDLE/$f" ]; then
            note "FAIL: $BUNDLE/$f is missing: run 'cargo xtask cuda-build' and carry $BUNDLE"
            exit 1
        fi
    done
    [ -f "$BUNDLE/BUILD-INFO.txt" ] && sed 's/^/bundle: /' "$BUNDLE/BUILD-INFO.txt" | tee -a "$SUMMARY"
    BUNDLE=$(cd "$BUNDLE" && pwd)
    # The bundle's launcher puts its CUDA libraries (lib/) on LD_LIBRARY_PATH; the driver is the
    # machine's, and only where there is none does it add the driver stub (and say so).
    RUN=$BUNDLE/run
    if [[ $("$RUN" true 2>&1) == *"driver stub"* ]]; then
        note "FAIL: no CUDA driver (libcuda.so.1) on this machine: the bundle would run on its driver stub"
        FAILED=$((FAILED + 1))
    fi
    "$RUN" sh -c 'echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"' 2>/dev/null >> "$SUMMARY"
    "$RUN" python3 - <<'EOF' 2>&1 | tee -a "$SUMMARY"
import ctypes
for name in ("libcuda.so.1", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10",
             "libcudart.so.13", "libcudnn.so.9", "libcudnn_cnn.so.9",
             "libcudnn_engines_precompiled.so.9"):
    try:
        ctypes.CDLL(name)
        print(f"found {name}")
    except OSError:
        print(f"NOT FOUND {name}")
EOF
    "$RUN" ldd "$BUNDLE/xtask" 2>/dev/null | grep -E 'not found|libcuda|libcudart|libcublas|libcurand|libcudnn' | tee -a "$SUMMARY"
    XTASK=("$RUN" xtask)
    TRAIN_STEP=("$RUN" train_step)
    DEVICE=cuda
else
    note "building the CPU binaries (release)"
    cargo build --release -q -p xtask && cargo build --release -q -p convnet-train --example train_step || exit 1
    TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-target}")
    XTASK=("$TARGET_DIR/release/xtask")
    TRAIN_STEP=("$TARGET_DIR/release/examples/train_step")
    DEVICE=cpu
fi

# --- 2. CUDA tests --------------------------------------------------------------------------
if [ "$MODE" = gpu ]; then
    step cuda-tests 240 "$RUN" convnet-train-cuda-tests --test-threads 1
else
    # Without the cuda feature the file compiles to nothing: this checks that it is gated.
    step cuda-tests 600 cargo test --release -q -p convnet-train --test cuda
fi

# --- 3. the smoke grid ---------------------------------------------------------------------
smoke() { # smoke NAME DEVICE [FLAGS...]
    local name=$1 device=$2; shift 2
    rm -rf "$OUT/$name"
    step "$name" 150 "${XTASK[@]}" reproduce --config configs/smoke.toml --device "$device" --run-dir "$OUT/$name" "$@"
}
smoke smoke "$DEVICE"
smoke smoke-bf16 "$DEVICE" --precision bf16
if [ "$MODE" = gpu ]; then
    smoke smoke-tf32 cuda --precision tf32
    smoke smoke-cpu cpu
fi
python3 - "$OUT" <<'EOF' 2>&1 | tee -a "$SUMMARY"
import csv, os, sys
out = sys.argv[1]
runs = {}
for name in ("smoke", "smoke-tf32", "smoke-bf16", "smoke-cpu"):
    path = os.path.join(out, name, "results.csv")
    if os.path.isfile(path):
        with open(path) as f:
            runs[name] = {r["cell"]: r for r in csv.DictReader(f)}
for name, rows in runs.items():
    ips = [float(r["images_per_s"]) for r in rows.values()]
    wall = sum(float(r["wall_s"]) for r in rows.values())
    devices = sorted({r["device"] for r in rows.values()})
    print(f"{name}: {len(rows)} cells on {','.join(devices)}, training {wall:.1f} s in all, "
          f"median {sorted(ips)[len(ips) // 2]:.0f} images/s")
base = runs.get("smoke")
for other in ("smoke-tf32", "smoke-bf16", "smoke-cpu"):
    if base and other in runs:
        common = sorted(set(base) & set(runs[other]))
        diffs = [abs(float(base[c]["top1"]) - float(runs[other][c]["top1"])) for c in common]
        if diffs:
            print(f"top-1 smoke vs {other}: {len(common)} cells, mean |diff| {sum(diffs) / len(diffs):.4f}, "
                  f"max {max(diffs):.4f}")
EOF

# --- 4. the caffenet training step, candle beside PyTorch ------------------------------------
if [ "$MODE" = gpu ]; then
    BENCH=(--preset caffenet --outputs 1000 --batch 256)
    PY_BENCH=(--batch 256)
    STEPS=(--steps 10 --warmup 2)
    MEASURE=(python3 benches/peak_memory.py --gpu 0 --)
else
    BENCH=(--preset alexnet-32 --outputs 100 --batch 8)
    PY_BENCH=(--batch 8)
    STEPS=(--steps 3 --warmup 1)
    MEASURE=(python3 benches/peak_memory.py --)
fi
SPEC=$OUT/bench-spec.json
rm -f "$SPEC" "$OUT"/bench-*.log
candle() { # candle NAME [FLAGS...]: train_step, logged as bench-candle-NAME
    local name=$1; shift
    step "bench-candle-$name" 150 "${MEASURE[@]}" "${TRAIN_STEP[@]}" "${BENCH[@]}" "${STEPS[@]}" --device "$DEVICE" "$@"
}
pytorch() { # pytorch NAME [FLAGS...]: caffenet_step_pytorch.py, logged as bench-pytorch-NAME
    local name=$1; shift
    step "bench-pytorch-$name" 150 "${MEASURE[@]}" python3 benches/caffenet_step_pytorch.py --spec "$SPEC" \
        "${PY_BENCH[@]}" "${STEPS[@]}" --device "$DEVICE" "$@"
}
candle fp32 --spec-out "$SPEC"
candle tf32 --precision tf32
candle bf16 --precision bf16
candle frozen7 --frozen 7
[ -f "$SPEC" ] && step bench-spec 30 python3 benches/alexnet_spec.py --check "$SPEC"
if python3 -c 'import torch' 2>/dev/null && [ -f "$SPEC" ]; then
    pytorch fp32 --precision fp32
    pytorch tf32 --precision tf32
    pytorch tf32-benchmark --precision tf32 --cudnn-benchmark
    pytorch bf16-benchmark --precision bf16 --cudnn-benchmark
    pytorch bf16-channels-last --precision bf16 --channels-last --cudnn-benchmark
    pytorch frozen7 --precision fp32 --frozen 7
else
    note "SKIP bench-pytorch: torch is not importable here, or train_step wrote no spec"
fi
python3 - "$OUT" "$MODE" <<'EOF' 2>&1 | tee -a "$SUMMARY"
import os, re, sys
out, mode = sys.argv[1:]
# (step, candle's log, PyTorch's log).
rows = [
    ("fp32", "fp32", "fp32"),
    ("TF32", "tf32", "tf32"),
    ("TF32; PyTorch with cuDNN benchmark", "tf32", "tf32-benchmark"),
    ("bf16 mixed; PyTorch autocast, cuDNN benchmark", "bf16", "bf16-benchmark"),
    ("bf16 mixed; PyTorch autocast, channels-last, cuDNN benchmark", "bf16", "bf16-channels-last"),
    ("frozen 7 (fc8 trained), fp32", "frozen7", "frozen7"),
]
memory = "peak_gpu_used_mib" if mode == "gpu" else "peak_rss_mib"


def fields(log):
    path = os.path.join(out, f"bench-{log}.log")
    text = open(path).read() if os.path.isfile(path) else ""
    return {k: float(v) for k, v in re.findall(r"\b(\w+)=([0-9.]+)\b", text)}


def ms(value):
    return "n/a" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.2f}"


def mib(value):
    return "n/a" if value is None else f"{value:.0f}"


print()
print("| step | candle ms | PyTorch ms | ratio | candle peak MiB | PyTorch peak MiB | PyTorch allocated MiB |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, ours, theirs in rows:
    a, b = fields("candle-" + ours), fields("pytorch-" + theirs)
    ma, mb = a.get("ms_per_step"), b.get("ms_per_step")
    ratio = f"{ma / mb:.2f}" if ma and mb else "n/a"
    print(f"| {name} | {ms(ma)} | {ms(mb)} | {ratio} | {mib(a.get(memory))} | {mib(b.get(memory))} "
          f"| {mib(b.get('peak_gpu_mib'))} |")
print()
print("ratio: candle ms / PyTorch ms per step (below 1: candle is faster). Peak MiB: "
      + ("memory in use on the GPU above its level before the step, sampled every 100 ms by nvidia-smi; "
         "allocated: torch.cuda.max_memory_allocated." if mode == "gpu" else
         "the process's peak resident memory (ru_maxrss)."))
EOF

# --- 5. the embedded default, one cell at a time and four at once ---------------------------
if [ "$MODE" = gpu ] && [ "${GPU_CHECK_GRID:-0}" = 1 ]; then
    for jobs in 1 4; do
        rm -rf "$OUT/embedded-jobs$jobs"
        t0=$SECONDS
        step "embedded-jobs$jobs" 400 "${XTASK[@]}" reproduce --device cuda --jobs "$jobs" \
            --run-dir "$OUT/embedded-jobs$jobs" \
            && note "embedded default, --jobs $jobs: $((SECONDS - t0)) s wall"
    done
fi

note "gpu-check done in $((SECONDS - START)) s: $FAILED step(s) failed; logs in $OUT"
[ "$FAILED" -eq 0 ]
