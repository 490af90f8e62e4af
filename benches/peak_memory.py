#!/usr/bin/env python3
"""Runs a command and prints its peak memory after its own output, measured from outside, so that
programs that do not report their memory compare with those that do.

- `peak_rss_mib=`: the largest resident set of the command or of any process it waited for
  (`ru_maxrss` from `wait4`); it counts the memory of this Python process that started it (about
  14 MiB), so it is no smaller than that.
- with `--gpu ID`: `peak_gpu_used_mib=`, the largest memory in use on that GPU (nvidia-smi's
  `memory.used`, ID as nvidia-smi numbers GPUs) while the command ran, less the amount in use just
  before it started; nvidia-smi samples it every 100 ms, so a shorter peak can be missed, and
  other processes on the GPU count too.

Exits with the command's status.

    python3 benches/peak_memory.py --gpu 0 -- python3 benches/caffenet_step_pytorch.py --spec spec.json
"""

import argparse
import os
import shutil
import subprocess
import sys
import threading


def gpu_used_mib(gpu, extra=()):
    return ["nvidia-smi", f"--id={gpu}", "--query-gpu=memory.used", "--format=csv,noheader,nounits", *extra]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gpu", metavar="ID", help="also sample this GPU's memory in use with nvidia-smi")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    args = p.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("no command given")

    sampler, samples, baseline = None, [], None
    if args.gpu is not None:
        if shutil.which("nvidia-smi") is None:
            print("peak_memory: nvidia-smi is not on PATH: no GPU memory figure", file=sys.stderr)
        else:
            first = subprocess.run(gpu_used_mib(args.gpu), capture_output=True, text=True)
            if first.returncode != 0:
                print(f"peak_memory: nvidia-smi failed: {first.stderr.strip()}", file=sys.stderr)
            else:
                baseline = int(first.stdout.split()[0])
                sampler = subprocess.Popen(
                    gpu_used_mib(args.gpu, ["--loop-ms=100"]), stdout=subprocess.PIPE, text=True
                )

                def read():
                    for line in sampler.stdout:
                        if line.strip().isdigit():
                            samples.append(int(line))

                reader = threading.Thread(target=read, daemon=True)
                reader.start()

    sys.stdout.flush()
    try:
        child = subprocess.Popen(command)
    except OSError as e:
        sys.exit(f"peak_memory: cannot run {command[0]}: {e.strerror}")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    fields = [f"peak_rss_mib={usage.ru_maxrss / 1024:.0f}"]
    if sampler is not None:
        sampler.terminate()
        sampler.wait()
        reader.join(timeout=5)
        if samples:
            fields.append(f"peak_gpu_used_mib={max(0, max(samples) - baseline)}")
    print(" ".join(fields), flush=True)
    code = child.returncode
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
