#!/usr/bin/env python3
"""Times the training step of an AlexNet in PyTorch, beside the Rust `train_step` example.

The net is built from the architecture JSON that the Rust side writes
(`cargo run ... --example train_step -- --spec-out spec.json`), so both time the same layers:
conv (grouped) + ReLU, then Caffe's max-pool (ceil mode) and LRN where the spec says, fc6 and fc7
with ReLU and dropout, fc8. One step is forward, cross-entropy, backward and momentum SGD
(biases lr x2, decay 0), with the loss read back every step as the Rust loop does.

Prints one line ending in `images_per_s=...`.

    python3 benches/caffenet_step_pytorch.py --spec spec.json --batch 256 --steps 20 --device cuda
"""

import argparse
import json
import math
import sys
import time

import torch
from torch import nn


def weight_std(init, fan_in):
    """The standard deviation of a layer's Gaussian weights, as `WeightInit::std` computes it."""
    if init["kind"] == "gaussian":
        return init["std"]
    if init["kind"] == "fan_in":
        return init["gain"] / math.sqrt(fan_in)
    raise ValueError(f"spec: unknown weight init kind {init['kind']!r}")


def init_layer(layer, init, fan_in, generator):
    with torch.no_grad():
        layer.weight.normal_(0.0, weight_std(init["weight"], fan_in), generator=generator)
        layer.bias.fill_(init["bias"])


def pool_output_size(size, kernel, stride):
    return -(-(size - kernel) // stride) + 1


def build(spec, generator):
    """The net of an `ArchSpec` JSON object, and the number of its leading modules per layer."""
    layers = []
    channels, size = spec["input_channels"], spec["input_size"]
    pool, lrn = spec["pool"], spec["lrn"]
    for conv in spec["conv"]:
        c = nn.Conv2d(
            channels,
            conv["out_channels"],
            conv["kernel"],
            stride=conv["stride"],
            padding=conv["pad"],
            groups=conv["groups"],
        )
        init_layer(c, conv["init"], channels // conv["groups"] * conv["kernel"] ** 2, generator)
        stage = [c, nn.ReLU(inplace=True)]
        size = (size + 2 * conv["pad"] - conv["kernel"]) // conv["stride"] + 1
        if conv["pool"]:
            stage.append(nn.MaxPool2d(pool["kernel"], pool["stride"], ceil_mode=True))
            size = pool_output_size(size, pool["kernel"], pool["stride"])
        if conv["lrn"]:
            stage.append(nn.LocalResponseNorm(lrn["size"], alpha=lrn["alpha"], beta=lrn["beta"], k=lrn["k"]))
        layers.append(nn.Sequential(*stage))
        channels = conv["out_channels"]
    features = channels * size * size
    for i, fc in enumerate(spec["fc"]):
        linear = nn.Linear(features, fc["out_features"])
        init_layer(linear, fc["init"], features, generator)
        stage = [linear, nn.ReLU(inplace=True), nn.Dropout(spec["dropout"])]
        if i == 0:
            stage.insert(0, nn.Flatten())
        layers.append(nn.Sequential(*stage))
        features = fc["out_features"]
    fc8 = nn.Linear(features, spec["outputs"])
    init_layer(fc8, spec["fc8_init"], features, generator)
    layers.append(fc8)
    return nn.Sequential(*layers)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True, help="architecture JSON written by the Rust example")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cuda")
    p.add_argument("--frozen", type=int, default=0, help="leading layers left out of training")
    p.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls and convolutions")
    p.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN pick kernels by timing")
    args = p.parse_args(argv)

    with open(args.spec) as f:
        spec = json.load(f)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
        torch.backends.cudnn.benchmark = args.cudnn_benchmark
    generator = torch.Generator().manual_seed(0)
    net = build(spec, generator).to(device).train()
    for layer in list(net)[: args.frozen]:
        layer.requires_grad_(False)
    weights = [p for n, p in net.named_parameters() if p.requires_grad and n.endswith("weight")]
    biases = [p for n, p in net.named_parameters() if p.requires_grad and n.endswith("bias")]
    lr = 0.001
    sgd = torch.optim.SGD(
        [
            {"params": weights, "lr": lr, "weight_decay": 5e-4},
            {"params": biases, "lr": 2 * lr, "weight_decay": 0.0},
        ],
        lr=lr,
        momentum=0.9,
    )
    s = spec["input_size"]
    images = torch.randn(args.batch, spec["input_channels"], s, s, generator=generator).mul_(50.0).to(device)
    labels = (torch.arange(args.batch) * 7919 % spec["outputs"]).to(device)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        sgd.zero_grad(set_to_none=True)
        loss = loss_fn(net(images), labels)
        loss.backward()
        sgd.step()
        return loss.item()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(args.warmup):
        step()
    sync()
    start = time.perf_counter()
    loss = float("nan")
    for _ in range(args.steps):
        loss = step()
    sync()
    seconds = time.perf_counter() - start
    print(
        f"pytorch {torch.__version__} input={s} batch={args.batch} frozen={args.frozen} device={device} "
        f"tf32={args.tf32} steps={args.steps} ms_per_step={seconds * 1000 / args.steps:.2f} "
        f"last_loss={loss:.4f} images_per_s={args.steps * args.batch / seconds:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
