#!/usr/bin/env python3
"""Times the training step of an AlexNet in PyTorch, beside the Rust `train_step` example.

The net is built from the architecture JSON that the Rust side writes
(`cargo run ... --example train_step -- --spec-out spec.json`), read by `alexnet_spec.py`, so
both time the same layers: conv (grouped) + ReLU, then Caffe's max-pool (ceil mode) and LRN where
the spec says, fc6 and fc7 with ReLU and dropout, fc8. One step is forward, cross-entropy,
backward and momentum SGD (biases lr x2, decay 0), with the loss read back every step as the Rust
loop does.

Precision: `fp32` (TF32 off in matmuls and cuDNN convolutions), `tf32` (on in both), `bf16`
(`torch.autocast` to bfloat16 around the forward pass: fp32 master weights, the loss and the
update in fp32). TF32 and `--cudnn-benchmark` only matter on CUDA; `--channels-last` stores the
images and conv weights NHWC.

Prints one line of `key=value` fields with `ms_per_step=` and `images_per_s=`, and on CUDA
`peak_gpu_mib=` (`torch.cuda.max_memory_allocated`, warm-up included).

    python3 benches/caffenet_step_pytorch.py --spec spec.json --batch 256 --steps 20 --device cuda \
        --precision bf16 --channels-last --cudnn-benchmark
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from alexnet_spec import load_or_exit  # noqa: E402


def init_layer(module, layer, generator):
    """Draws `module`'s weights and sets its biases as `layer` (an `alexnet_spec` layer) says."""
    with torch.no_grad():
        module.weight.normal_(0.0, layer.init.std(layer.fan_in), generator=generator)
        module.bias.fill_(layer.init.bias)


def build(arch, generator):
    """The net of an `alexnet_spec.Arch`: 8 modules, one per layer (conv1..conv5, fc6, fc7, fc8)."""
    layers = []
    for conv in arch.convs:
        c = nn.Conv2d(
            conv.in_channels,
            conv.out_channels,
            conv.kernel,
            stride=conv.stride,
            padding=conv.pad,
            groups=conv.groups,
        )
        init_layer(c, conv, generator)
        stage = [c, nn.ReLU(inplace=True)]
        if conv.pool:
            stage.append(nn.MaxPool2d(conv.pool.kernel, conv.pool.stride, ceil_mode=True))
        if conv.lrn:
            lrn = conv.lrn
            stage.append(nn.LocalResponseNorm(lrn.size, alpha=lrn.alpha, beta=lrn.beta, k=lrn.k))
        layers.append(nn.Sequential(*stage))
    for i, fc in enumerate(arch.fcs):
        linear = nn.Linear(fc.in_features, fc.out_features)
        init_layer(linear, fc, generator)
        stage = [linear, nn.ReLU(inplace=True), nn.Dropout(arch.dropout)]
        if i == 0:
            stage.insert(0, nn.Flatten())
        layers.append(nn.Sequential(*stage))
    fc8 = nn.Linear(arch.fc8.in_features, arch.fc8.out_features)
    init_layer(fc8, arch.fc8, generator)
    layers.append(fc8)
    return nn.Sequential(*layers)


def random_batch(arch, batch, generator):
    """Images and labels as the Rust examples make them: N(0, 50^2) pixels, label i * 7919 mod outputs."""
    s = arch.input_size
    images = torch.randn(batch, arch.input_channels, s, s, generator=generator).mul_(50.0)
    labels = torch.arange(batch) * 7919 % arch.outputs
    return images, labels


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True, help="architecture JSON written by the Rust example")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cuda")
    p.add_argument("--frozen", type=int, default=0, help="leading layers left out of training")
    p.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    p.add_argument("--channels-last", action="store_true", help="images and conv weights in NHWC")
    p.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN pick kernels by timing")
    args = p.parse_args(argv)
    if args.steps < 1 or args.batch < 1:
        p.error("--steps and --batch must be at least 1")
    arch = load_or_exit(args.spec, "caffenet_step_pytorch")
    if not 0 <= args.frozen < len(arch.layers):
        p.error(f"--frozen must be in 0..{len(arch.layers) - 1}")

    device = torch.device(args.device)
    if device.type == "cuda":
        tf32 = args.precision == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = args.cudnn_benchmark
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    generator = torch.Generator().manual_seed(0)
    net = build(arch, generator).to(device, memory_format=memory_format).train()
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
    images, labels = random_batch(arch, args.batch, generator)
    images = images.to(device).contiguous(memory_format=memory_format)
    labels = labels.to(device)
    loss_fn = nn.CrossEntropyLoss()
    bf16 = args.precision == "bf16"

    def step():
        sgd.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = net(images)
        loss = loss_fn(logits.float(), labels)
        loss.backward()
        sgd.step()
        return loss.item()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for _ in range(args.warmup):
        step()
    sync()
    start = time.perf_counter()
    loss = float("nan")
    for _ in range(args.steps):
        loss = step()
    sync()
    seconds = time.perf_counter() - start
    peak = f" peak_gpu_mib={torch.cuda.max_memory_allocated(device) / 2**20:.0f}" if device.type == "cuda" else ""
    print(
        f"pytorch {torch.__version__} input={arch.input_size} batch={args.batch} frozen={args.frozen} "
        f"device={device} precision={args.precision} channels_last={args.channels_last} "
        f"cudnn_benchmark={args.cudnn_benchmark} steps={args.steps} ms_per_step={seconds * 1000 / args.steps:.2f} "
        f"last_loss={loss:.4f} images_per_s={args.steps * args.batch / seconds:.1f}{peak}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
