"""Dropout: plain masking (a ⊙ m) and inverted dropout (a ⊙ m / (1 - p)), exact."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register


def _exact_vector(values: Any) -> list[Fraction]:
    return [Fraction(x) for x in np.asarray(values, dtype=object).ravel()]


@register("dropout.mask", outputs=("output", "dropped", "kept"))
def apply_mask(v: Mapping[str, Any]) -> dict[str, Any]:
    """a ⊙ m, and which positions were dropped (1-based, for the worked solution)."""
    a, m = _exact_vector(v["a"]), [int(x) for x in v["m"]]
    if len(a) != len(m):
        raise ValueError(f"a has {len(a)} entries but m has {len(m)}")
    out = np.array([x * k for x, k in zip(a, m, strict=True)], dtype=object)
    return {
        "output": out,
        "dropped": tuple(i + 1 for i, k in enumerate(m) if k == 0),
        "kept": tuple(i + 1 for i, k in enumerate(m) if k == 1),
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
    a = _exact_vector(v["a"])
    return {
        "output": np.array([x * scale for x in base["output"]], dtype=object),
        "scale": scale,
        "inference": np.array(a, dtype=object),
        "dropped": base["dropped"],
        "kept": base["kept"],
    }
