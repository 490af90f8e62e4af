#!/usr/bin/env python3
"""Times one mode of an AlexNet in PyTorch on the CPU, beside the Rust `step_timing` example.

The net comes from the architecture JSON the Rust side writes (`step_timing --spec-out`), read by
`alexnet_spec.py` and built by `caffenet_step_pytorch.build` (same convs with groups, Caffe's
ceil-mode max-pool and LRN, fc6 and fc7 with ReLU and dropout, fc8). Modes, as in the Rust
example:

- forward: evaluation pass under `torch.no_grad()`;
- step: forward, cross-entropy, backward and a plain SGD update of every layer;
- frozen: the same with the first `--frozen` layers excluded from training (A7B-like).

Prints one JSON line with the time per iteration and the peak resident memory (ru_maxrss).

    python3 benches/step_pytorch.py --spec spec.json --mode step --batch 128 --threads 2
"""

import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from alexnet_spec import load_or_exit  # noqa: E402
from caffenet_step_pytorch import build, random_batch  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True, help="architecture JSON written by step_timing")
    p.add_argument("--mode", choices=["forward", "step", "frozen"], default="step")
    p.add_argument("--frozen", type=int, default=7)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    arch = load_or_exit(args.spec, "step_pytorch")
    frozen = args.frozen if args.mode == "frozen" else 0
    if not 0 <= frozen < len(arch.layers):
        p.error(f"--frozen must be in 0..{len(arch.layers) - 1}")
    generator = torch.Generator().manual_seed(0)
    net = build(arch, generator)
    for layer in list(net)[:frozen]:
        layer.requires_grad_(False)
    params = [q for q in net.parameters() if q.requires_grad]
    sgd = torch.optim.SGD(params, lr=0.001)
    images, labels = random_batch(arch, args.batch, generator)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        if args.mode == "forward":
            net.eval()
            with torch.no_grad():
                return net(images).sum().item()
        net.train()
        sgd.zero_grad(set_to_none=True)
        if frozen:
            # As the Rust net detaches layer `frozen`'s output: no graph below it.
            with torch.no_grad():
                features = net[:frozen](images)
            loss = loss_fn(net[frozen:](features), labels)
        else:
            loss = loss_fn(net(images), labels)
        loss.backward()
        sgd.step()
        return loss.item()

    for _ in range(args.warmup):
        run()
    start = time.perf_counter()
    last = float("nan")
    for _ in range(args.steps):
        last = run()
    ms = (time.perf_counter() - start) * 1e3 / args.steps
    print(
        json.dumps(
            {
                "framework": f"pytorch {torch.__version__}",
                "mode": args.mode,
                "batch": args.batch,
                "frozen": frozen,
                "threads": torch.get_num_threads(),
                "ms": round(ms, 2),
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "last": last,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
