"""Writes the PyTorch fixtures of crates/transfer/tests/torchvision.rs.

A tiny net in torchvision's AlexNet layout (`features.0`, `features.3`, `features.6`,
`features.8`, `features.10`, `classifier.1`, `classifier.4`, `classifier.6`; no LRN, no
groups, max-pool after conv1, conv2 and conv5), at widths 4-8-8-8-8 / 16-16 and 5 classes, on
63x63 inputs (where every max-pool gives the same size rounding up, as Caffe does, and down,
as PyTorch does; the adaptive average pool is then 1x1, an identity), whose spec in this
project's terms is `torchvision-tiny-spec.toml`:

- `torchvision-tiny.pth`: its state dict, saved by `torch.save`;
- `torchvision-tiny-logits.safetensors`: the logits PyTorch gives two images whose pixels are
  `sin(0.1 (x + 2 y + 3 c + 5 i))` (the test computes the same images);
- `torchvision-tiny-bad.pth`: the same state dict with conv2's weight one filter short.

    pip install torch safetensors && python3 make_torchvision_fixture.py
"""

import pathlib

import torch
from torch import nn
from safetensors.torch import save_file

HERE = pathlib.Path(__file__).parent


class TinyAlexNet(nn.Module):
    """torchvision.models.AlexNet's modules, narrower."""

    def __init__(self, classes: int = 5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(4, 8, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(8, 8, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Linear(8, 16),
            nn.ReLU(inplace=True),
            nn.Dropout(p=0.5),
            nn.Linear(16, 16),
            nn.ReLU(inplace=True),
            nn.Linear(16, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def main() -> None:
    torch.manual_seed(0)
    net = TinyAlexNet().eval()
    # Biases away from zero, so that a bias loaded into the wrong place shows.
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                module.bias.uniform_(0.0, 0.2)
    state = net.state_dict()
    torch.save(state, HERE / "torchvision-tiny.pth")
    i, c, y, x = torch.meshgrid(
        *(torch.arange(n, dtype=torch.float64) for n in (2, 3, 63, 63)), indexing="ij"
    )
    images = torch.sin(0.1 * (x + 2 * y + 3 * c + 5 * i)).float()
    with torch.no_grad():
        logits = net(images)
    save_file({"logits": logits}, HERE / "torchvision-tiny-logits.safetensors")
    bad = dict(state)
    bad["features.3.weight"] = bad["features.3.weight"][:7].clone()
    torch.save(bad, HERE / "torchvision-tiny-bad.pth")


if __name__ == "__main__":
    main()
