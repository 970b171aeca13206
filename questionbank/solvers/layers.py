"""Output shapes of a stack of convolutions, as `torch.nn.Conv2d` computes them.

Per spatial dimension, a layer with kernel K, stride S, zero padding P on each side and
dilation D maps a size `n` to

    ⌊(n + 2P − D·(K − 1) − 1) / S⌋ + 1

and the output has one channel per filter. The solver applies this layer by layer to the
height and the width, and does the same under the slips students make at every layer
(``<shape>_<slip>``): rounding up, padding one side only, ignoring the dilation and leaving out
the + 1. Each slip comes with ``keep_<shape>_<slip>``: it applies to this instance (a dilated
layer for the dilation slip), every size it gives is positive, and its shape differs from the
answer and from every slip kept before it, so the grader can always recognise it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from questionbank.solvers import register

__all__ = ["SLIPS", "ConvLayer", "conv_size", "conv_stack"]

#: the slips in the order the template declares them (earlier ones win a tie)
SLIPS = ("up", "one_side", "no_dilation", "no_plus_one")


@dataclass(slots=True, frozen=True)
class ConvLayer:
    """One square convolution: output channels, kernel, stride, padding, dilation."""

    channels: int
    kernel: int
    stride: int
    padding: int
    dilation: int


def conv_size(n: int, layer: ConvLayer, slip: str = "") -> int:
    """The output size along one dimension of input size `n`, under PyTorch's rule (`slip`
    empty) or under one of the `SLIPS`."""
    sides = 1 if slip == "one_side" else 2
    span = layer.kernel if slip == "no_dilation" else layer.dilation * (layer.kernel - 1) + 1
    room = n + sides * layer.padding - span
    steps = -(-room // layer.stride) if slip == "up" else room // layer.stride
    return steps if slip == "no_plus_one" else steps + 1


def _layers(v: Mapping[str, Any]) -> list[ConvLayer]:
    columns = [[int(x) for x in np.asarray(v[key], dtype=object).ravel()]
               for key in ("c", "k", "s", "p", "d")]
    if len({len(col) for col in columns}) != 1 or not columns[0]:
        raise ValueError("c, k, s, p and d need one entry per layer")
    layers = [ConvLayer(*row) for row in zip(*columns, strict=True)]
    if any(x.kernel < 1 or x.stride < 1 or x.padding < 0 or x.dilation < 1 for x in layers):
        raise ValueError("kernels, strides and dilations must be at least 1, paddings at least 0")
    return layers


def _run(h: int, w: int, layers: Sequence[ConvLayer], slip: str = "") -> list[tuple[int, int]]:
    """(height, width) after each layer; sizes below 1 are kept (a slip may give them)."""
    sizes = []
    for layer in layers:
        h, w = conv_size(h, layer, slip), conv_size(w, layer, slip)
        sizes.append((h, w))
    return sizes


def _keep(shape: list[int], key: list[int], kept: list[list[int]], applies: bool) -> bool:
    return applies and min(shape) >= 1 and shape != key and shape not in kept


@register("layers.conv_stack", outputs=(
    "shape1", "shape_out", "rows",
    *(f"shape1_{s}" for s in SLIPS), *(f"shape_out_{s}" for s in SLIPS),
    *(f"keep_shape1_{s}" for s in SLIPS), *(f"keep_shape_out_{s}" for s in SLIPS)))
def conv_stack(v: Mapping[str, Any]) -> dict[str, Any]:
    """The shapes after the first and the last layer for an input `c0`×`h0`×`w0` and the
    layers' vectors `c`, `k`, `s`, `p`, `d`; `rows` has, per layer, its number, input height
    and width, doubled padding, kernel span, stride and output height and width (for the
    worked solution)."""
    layers = _layers(v)
    h0, w0 = int(v["h0"]), int(v["w0"])
    sizes = _run(h0, w0, layers)
    if min(min(hw) for hw in sizes) < 1:
        raise ValueError(f"the image {h0}x{w0} is too small for these layers")
    out: dict[str, Any] = {
        "shape1": [layers[0].channels, *sizes[0]],
        "shape_out": [layers[-1].channels, *sizes[-1]],
        "rows": [[i + 1, *inp, 2 * x.padding, x.dilation * (x.kernel - 1) + 1, x.stride, *hw]
                 for i, (x, inp, hw) in enumerate(zip(layers, [(h0, w0), *sizes[:-1]], sizes,
                                                      strict=True))],
    }
    for name, index, depth in (("shape1", 0, 1), ("shape_out", -1, len(layers))):
        kept: list[list[int]] = []
        for slip in SLIPS:
            shape = [layers[index].channels, *_run(h0, w0, layers[:depth], slip)[-1]]
            applies = slip != "no_dilation" or any(x.dilation > 1 for x in layers[:depth])
            keep = _keep(shape, out[name], kept, applies)
            if keep:
                kept.append(shape)
            out[f"{name}_{slip}"] = [max(1, x) for x in shape]  # a shape is positive
            out[f"keep_{name}_{slip}"] = keep
    return out
