#!/bin/sh
# The launcher of the CUDA bundle (`cargo xtask cuda-build` copies it to <bundle>/run):
#
#   <bundle>/run PROGRAM [ARGS...]
#
# runs PROGRAM (a binary of the bundle, e.g. `xtask`, `train_step`, `convnet-train-cuda-tests`,
# or else any command, e.g. `ldd`) with the bundle's CUDA libraries (<bundle>/lib: the runtime,
# cuBLAS, cuBLASLt, cuRAND, cuDNN's front library) first on LD_LIBRARY_PATH, after the machine's
# own cuDNN (its engines are not in the bundle): $CUDNN_LIBRARY_PATH, else the `nvidia.cudnn`
# package of the machine's python3 (PyTorch's). The driver, libcuda.so.1, comes
# from the machine. Only where the machine has none (not in `ldconfig -p`, not in a folder of
# LD_LIBRARY_PATH, not in the usual library folders) does the bundle's driver stub
# (<bundle>/stubs) go last on LD_LIBRARY_PATH: the binaries then start, every CUDA call
# answers CUDA_ERROR_STUB_LIBRARY, `--device cuda` fails with "no CUDA device 0 found" and
# `--device auto` trains on the CPU. A real driver is never shadowed by the stub.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
if [ $# -eq 0 ]; then
    usage >&2
    exit 2
fi
case "$1" in -h|--help) usage; exit 0 ;; esac

has_driver() {
    for ldconfig in ldconfig /sbin/ldconfig /usr/sbin/ldconfig; do
        if command -v "$ldconfig" > /dev/null 2>&1; then
            "$ldconfig" -p 2> /dev/null | grep -q 'libcuda\.so\.1 ' && return 0
            break
        fi
    done
    old_ifs=$IFS
    IFS=:
    for dir in ${LD_LIBRARY_PATH:-} /lib64 /usr/lib64 /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib; do
        if [ -n "$dir" ] && [ -e "$dir/libcuda.so.1" ]; then
            IFS=$old_ifs
            return 0
        fi
    done
    IFS=$old_ifs
    return 1
}

# The folder of the machine's cuDNN 9 (libcudnn.so.9 and the engines it loads), if any.
cudnn_dir() {
    if [ -n "${CUDNN_LIBRARY_PATH:-}" ]; then
        echo "$CUDNN_LIBRARY_PATH"
        return
    fi
    command -v python3 > /dev/null 2>&1 || return 0
    python3 -c 'import os, nvidia.cudnn as c; print(os.path.join(list(c.__path__)[0], "lib"))' 2> /dev/null || true
}

libs=$here/lib
cudnn=$(cudnn_dir)
if [ -n "$cudnn" ] && [ -e "$cudnn/libcudnn.so.9" ]; then
    libs=$cudnn:$libs
fi
if ! has_driver; then
    echo "run: no CUDA driver (libcuda.so.1) on this machine: using the bundle's driver stub; CUDA devices cannot be opened" >&2
    libs=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}:$here/stubs
else
    libs=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
export LD_LIBRARY_PATH="$libs"

program=$1
shift
case "$program" in
    */*) ;;
    *) [ -f "$here/$program" ] && [ -x "$here/$program" ] && program=$here/$program ;;
esac
exec "$program" "$@"
