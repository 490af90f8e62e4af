#!/usr/bin/env python3
"""Times each op of an AlexNet in PyTorch on the CPU, beside the Rust `op_timing` example.

The ops come from the architecture JSON the Rust side writes (`op_timing --spec-out`, read by
`alexnet_spec.py`): every conv with its ReLU (forward, input gradient, weight and bias
gradients), every Caffe max-pool (ceil mode) and LRN (forward, backward). A backward time is
`torch.autograd.grad` on a graph built once, with a fixed random upstream gradient; each time is
the median of `--samples` calls after two warm-up calls. Prints one JSON line per measurement.

    python3 benches/ops_pytorch.py --spec spec.json --batch 128 --threads 2
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from alexnet_spec import load_or_exit  # noqa: E402


def median_ms(samples, f):
    f()
    f()
    times = []
    for _ in range(max(samples, 1)):
        start = time.perf_counter()
        f()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def measure(name, inputs, op, backward, samples):
    def report(pass_, ms):
        print(json.dumps({"framework": f"pytorch {torch.__version__}", "op": name, "pass": pass_, "ms": round(ms, 3)}))

    with torch.no_grad():
        report("forward", median_ms(samples, lambda: op(inputs)))
    for pass_, tracked in backward:
        leaves = [t.clone().requires_grad_(i in tracked) for i, t in enumerate(inputs)]
        y = op(leaves)
        upstream = torch.randn_like(y)
        wanted = [leaves[i] for i in tracked]
        report(pass_, median_ms(samples, lambda: torch.autograd.grad(y, wanted, upstream, retain_graph=True)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True, help="architecture JSON written by op_timing")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--samples", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    arch = load_or_exit(args.spec, "ops_pytorch")
    for layer, conv in enumerate(arch.convs, start=1):
        inputs = [
            torch.randn(args.batch, conv.in_channels, conv.in_size, conv.in_size),
            torch.randn(conv.out_channels, conv.in_channels // conv.groups, conv.kernel, conv.kernel)
            * (2.0 / conv.fan_in) ** 0.5,
            torch.randn(conv.out_channels) * 0.1,
        ]

        def conv_op(t, conv=conv):
            return F.relu(F.conv2d(t[0], t[1], t[2], conv.stride, conv.pad, 1, conv.groups))

        backward = ([("input_grad", [0])] if layer > 1 else []) + [("weight_grad", [1, 2])]
        measure(f"conv{layer}", inputs, conv_op, backward, args.samples)
        with torch.no_grad():
            x = conv_op(inputs)
        if conv.pool:
            def pool_op(t, pool=conv.pool):
                return F.max_pool2d(t[0], pool.kernel, pool.stride, ceil_mode=True)

            measure(f"pool{layer}", [x], pool_op, [("backward", [0])], args.samples)
            with torch.no_grad():
                x = pool_op([x])
        if conv.lrn:
            def lrn_op(t, lrn=conv.lrn):
                return F.local_response_norm(t[0], lrn.size, alpha=lrn.alpha, beta=lrn.beta, k=lrn.k)

            measure(f"lrn{layer}", [x], lrn_op, [("backward", [0])], args.samples)
            with torch.no_grad():
                x = lrn_op([x])
    return 0


if __name__ == "__main__":
    sys.exit(main())
