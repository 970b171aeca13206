"""Dropout: plain masking (a ⊙ m) and inverted dropout (a ⊙ m / (1 - p)), exact."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register


def _exact_vector(values: Any) -> list[Fraction]:
    items = values.ravel().tolist() if isinstance(values, np.ndarray) else \
        np.asarray(values, dtype=object).ravel().tolist()
    return [x if type(x) is Fraction else Fraction(x) for x in items]


def _array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@register("dropout.mask", outputs=("output", "dropped", "kept", "kept_values"))
def apply_mask(v: Mapping[str, Any]) -> dict[str, Any]:
    """a ⊙ m, which positions were dropped and kept (1-based, for the worked solution), and
    the kept activations alone (the slip of leaving the dropped entries out)."""
    a, m = _exact_vector(v["a"]), [int(x) for x in v["m"]]
    if len(a) != len(m):
        raise ValueError(f"a has {len(a)} entries but m has {len(m)}")
    return {
        "output": _array([x if k == 1 else x * k for x, k in zip(a, m, strict=True)]),
        "dropped": tuple(i + 1 for i, k in enumerate(m) if k == 0),
        "kept": tuple(i + 1 for i, k in enumerate(m) if k == 1),
        "kept_values": _array([x for x, k in zip(a, m, strict=True) if k == 1]),
    }


@register("dropout.inverted", outputs=("output", "scale", "inference", "dropped", "kept"))
def inverted(v: Mapping[str, Any]) -> dict[str, Any]:
    """Inverted dropout (PyTorch's training mode): a ⊙ m / (1 - p); at inference the layer is
    the identity, so the output is a itself."""
    base = apply_mask(v)
    p = Fraction(v["p"])
    if not 0 <= p < 1:
        raise ValueError(f"drop probability must be in [0, 1), got {p}")
    scale = 1 / (1 - p)
    return {
        "output": _array([x * scale if x else x for x in base["output"].tolist()]),
        "scale": scale,
        "inference": _array(_exact_vector(v["a"])),
        "dropped": base["dropped"],
        "kept": base["kept"],
    }
