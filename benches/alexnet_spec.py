#!/usr/bin/env python3
"""Reads the architecture JSON that the Rust side writes (`ArchSpec` in
`crates/alexnet/src/spec.rs`, from `--spec-out` of the `step_timing`, `op_timing` and
`train_step` examples) into a plain description of the 8 layers for the PyTorch benchmarks.

Every key is checked, at the top level and in each layer: a missing key, a key this reader does
not know, or a value of the wrong type or out of range is an error that names the key, so that a
field renamed on the Rust side fails here instead of building another net. It does not import
torch.

    python3 benches/alexnet_spec.py --check spec.json    # a one-line summary, or the error
"""

import argparse
import json
import math
import sys
from dataclasses import dataclass


class SpecError(ValueError):
    """A spec this reader does not understand; the message names the key."""


@dataclass(frozen=True)
class Init:
    """A layer's initialisation: Gaussian weights, constant bias (`LayerInit`)."""

    kind: str  # "gaussian": std = scale; "fan_in": std = scale / sqrt(fan_in)
    scale: float
    bias: float

    def std(self, fan_in):
        """The weights' standard deviation, as `WeightInit::std` computes it."""
        return self.scale if self.kind == "gaussian" else self.scale / math.sqrt(fan_in)


@dataclass(frozen=True)
class Pool:
    """Caffe's max-pool: output size rounds up (PyTorch's `ceil_mode=True`)."""

    kernel: int
    stride: int

    def output_size(self, size):
        return -(-(size - self.kernel) // self.stride) + 1


@dataclass(frozen=True)
class Lrn:
    """Caffe's cross-channel LRN, `x * (k + alpha / size * sum x^2) ^ -beta`."""

    size: int
    alpha: float
    beta: float
    k: float


@dataclass(frozen=True)
class Conv:
    """A conv stage: convolution and ReLU, then the pool and the LRN where they are not None."""

    name: str
    in_channels: int
    in_size: int  # side of the input feature map
    out_channels: int
    kernel: int
    stride: int
    pad: int
    groups: int
    out_size: int  # side of the convolution's output, before the pool
    pool: Pool | None
    lrn: Lrn | None
    init: Init

    @property
    def fan_in(self):
        return self.in_channels // self.groups * self.kernel * self.kernel

    @property
    def stage_size(self):
        """Side of the stage's output (after the pool)."""
        return self.pool.output_size(self.out_size) if self.pool else self.out_size

    @property
    def params(self):
        return self.out_channels * self.fan_in + self.out_channels


@dataclass(frozen=True)
class Fc:
    """A fully connected layer: fc6 and fc7 are followed by ReLU and dropout, fc8 by nothing."""

    name: str
    in_features: int
    out_features: int
    init: Init

    @property
    def fan_in(self):
        return self.in_features

    @property
    def params(self):
        return self.out_features * self.in_features + self.out_features


@dataclass(frozen=True)
class Arch:
    input_size: int
    input_channels: int
    convs: tuple  # conv1..conv5
    fcs: tuple  # fc6, fc7
    fc8: Fc
    dropout: float  # after fc6 and fc7, in training

    @property
    def outputs(self):
        return self.fc8.out_features

    @property
    def layers(self):
        """The 8 layers in order: what `--frozen N` counts."""
        return self.convs + self.fcs + (self.fc8,)

    def summary(self):
        def after(what):
            return ",".join(c.name for c in self.convs if getattr(c, what)) or "none"

        convs = ", ".join(
            f"{c.name} {c.out_channels} {c.kernel}x{c.kernel}/{c.stride}"
            + (f" pad {c.pad}" if c.pad else "")
            + (f" group {c.groups}" if c.groups > 1 else "")
            + f" -> {c.stage_size}"
            for c in self.convs
        )
        fcs = ", ".join(f"{f.name} {f.out_features}" for f in self.layers[5:])
        params = sum(layer.params for layer in self.layers)
        return (
            f"input {self.input_channels}x{self.input_size}x{self.input_size}; {convs}; "
            f"pool after {after('pool')}, LRN after {after('lrn')}; {fcs}; "
            f"dropout {self.dropout:g}; {params:,} parameters"
        )


def _at(where, key):
    return f"{where}.{key}" if where else key


def _object(value, where, keys):
    """`value` as a dict holding exactly `keys`."""
    if not isinstance(value, dict):
        raise SpecError(f"{where or 'top level'}: expected an object, found {json.dumps(value)}")
    problems = []
    missing = [k for k in keys if k not in value]
    if missing:
        problems.append("missing key " + ", ".join(repr(k) for k in missing))
    unknown = [k for k in value if k not in keys]
    if unknown:
        problems.append(
            "unknown key " + ", ".join(repr(k) for k in unknown) + f" (this reader knows {', '.join(keys)})"
        )
    if problems:
        raise SpecError(f"{where or 'top level'}: " + "; ".join(problems))
    return value


def _int(obj, key, where, minimum=1):
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(f"{_at(where, key)}: expected a whole number >= {minimum}, found {json.dumps(value)}")
    return value


def _float(obj, key, where, minimum=None):
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"{_at(where, key)}: expected a finite number, found {json.dumps(value)}")
    if minimum is not None and value < minimum:
        raise SpecError(f"{_at(where, key)}: expected a number >= {minimum}, found {value}")
    return float(value)


def _bool(obj, key, where):
    value = obj[key]
    if not isinstance(value, bool):
        raise SpecError(f"{_at(where, key)}: expected true or false, found {json.dumps(value)}")
    return value


def _list(obj, key, where, length):
    value = obj[key]
    if not isinstance(value, list) or len(value) != length:
        found = f"{len(value)} entries" if isinstance(value, list) else json.dumps(value)
        raise SpecError(f"{_at(where, key)}: expected a list of {length} layers, found {found}")
    return value


# The tag of `WeightInit` and the key of its one value.
_WEIGHT_KINDS = {"gaussian": "std", "fan_in": "gain"}


def _init(value, where):
    obj = _object(value, where, ("weight", "bias"))
    weight_at = _at(where, "weight")
    weight = obj["weight"]
    if not isinstance(weight, dict) or "kind" not in weight:
        raise SpecError(f"{weight_at}: expected an object with key 'kind', found {json.dumps(weight)}")
    kind = weight["kind"]
    if kind not in _WEIGHT_KINDS:
        raise SpecError(
            f"{_at(weight_at, 'kind')}: unknown value {json.dumps(kind)} (this reader knows "
            f"{', '.join(_WEIGHT_KINDS)})"
        )
    scale_key = _WEIGHT_KINDS[kind]
    _object(weight, weight_at, ("kind", scale_key))
    return Init(kind, _float(weight, scale_key, weight_at, minimum=0.0), _float(obj, "bias", where))


_TOP_KEYS = (
    "input_size",
    "input_channels",
    "conv",
    "fc",
    "fc8_init",
    "outputs",
    "dropout",
    "pooling_param",
    "lrn_param",
)
_CONV_KEYS = ("out_channels", "kernel", "stride", "pad", "groups", "pool", "lrn", "init")
_FC_KEYS = ("out_features", "init")


def parse(value):
    """The `Arch` of a decoded `ArchSpec` JSON object; `SpecError` names what is wrong."""
    top = _object(value, "", _TOP_KEYS)
    pool_obj = _object(top["pooling_param"], "pooling_param", ("kernel_size", "stride"))
    pool = Pool(_int(pool_obj, "kernel_size", "pooling_param"), _int(pool_obj, "stride", "pooling_param"))
    lrn_obj = _object(top["lrn_param"], "lrn_param", ("local_size", "alpha", "beta", "k"))
    lrn = Lrn(
        _int(lrn_obj, "local_size", "lrn_param"),
        _float(lrn_obj, "alpha", "lrn_param"),
        _float(lrn_obj, "beta", "lrn_param"),
        _float(lrn_obj, "k", "lrn_param"),
    )
    if lrn.size % 2 != 1:
        raise SpecError(f"lrn_param.local_size: must be odd, found {lrn.size}")
    if lrn.k <= 0:
        raise SpecError(f"lrn_param.k: must be positive, found {lrn.k}")
    dropout = _float(top, "dropout", "", minimum=0.0)
    if dropout >= 1:
        raise SpecError(f"dropout: must be below 1, found {dropout}")

    channels, size = _int(top, "input_channels", ""), _int(top, "input_size", "")
    input_channels, input_size = channels, size
    convs = []
    for i, raw in enumerate(_list(top, "conv", "", 5)):
        where, name = f"conv[{i}]", f"conv{i + 1}"
        obj = _object(raw, where, _CONV_KEYS)
        out_channels, kernel = _int(obj, "out_channels", where), _int(obj, "kernel", where)
        stride, pad, groups = _int(obj, "stride", where), _int(obj, "pad", where, 0), _int(obj, "groups", where)
        for what, count in (("input channels", channels), ("out_channels", out_channels)):
            if count % groups:
                raise SpecError(f"{where}.groups: {groups} does not divide the {what} {count}")
        if size + 2 * pad < kernel:
            raise SpecError(f"{where}.kernel: {kernel} is larger than the padded input {size + 2 * pad}")
        conv = Conv(
            name=name,
            in_channels=channels,
            in_size=size,
            out_channels=out_channels,
            kernel=kernel,
            stride=stride,
            pad=pad,
            groups=groups,
            out_size=(size + 2 * pad - kernel) // stride + 1,
            pool=pool if _bool(obj, "pool", where) else None,
            lrn=lrn if _bool(obj, "lrn", where) else None,
            init=_init(obj["init"], _at(where, "init")),
        )
        if conv.pool and conv.out_size < pool.kernel:
            raise SpecError(
                f"{where}.pool: the pool window {pool.kernel} is larger than the feature map {conv.out_size}"
            )
        convs.append(conv)
        channels, size = out_channels, conv.stage_size

    features = channels * size * size
    fcs = []
    for j, raw in enumerate(_list(top, "fc", "", 2)):
        where = f"fc[{j}]"
        obj = _object(raw, where, _FC_KEYS)
        fc = Fc(f"fc{j + 6}", features, _int(obj, "out_features", where), _init(obj["init"], _at(where, "init")))
        fcs.append(fc)
        features = fc.out_features
    fc8 = Fc("fc8", features, _int(top, "outputs", ""), _init(top["fc8_init"], "fc8_init"))
    return Arch(input_size, input_channels, tuple(convs), tuple(fcs), fc8, dropout)


def load(path):
    """The `Arch` of the JSON file `path`; `SpecError` names the file and what is wrong."""
    try:
        with open(path) as f:
            value = json.load(f)
    except OSError as e:
        raise SpecError(f"{path}: cannot read it: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise SpecError(f"{path}: not JSON: {e}") from None
    try:
        return parse(value)
    except SpecError as e:
        raise SpecError(f"{path}: {e}") from None


def load_or_exit(path, program):
    """`load`, or the exit of `program` with the error, which names the file and the key."""
    try:
        return load(path)
    except SpecError as e:
        sys.exit(f"{program}: {e}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", nargs="+", required=True, metavar="SPEC", help="architecture JSON files to read")
    args = p.parse_args(argv)
    failed = 0
    for path in args.check:
        try:
            print(f"{path}: {load(path).summary()}")
        except SpecError as e:
            print(f"alexnet_spec: {e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
