"""Gradient clipping by the L2 norm, as `torch.nn.utils.clip_grad_norm_` does (without its ε).

    clipped = g · min(1, c / ‖g‖₂)

When ‖g‖₂ ≤ c nothing changes and the answer stays exact (the entries of g as `Fraction`s);
otherwise the scale is irrational in general and the answer is a float vector.

The solver also returns what students get after the usual slips (``m_<slip>``): clipping each
entry to [−c, c], forgetting to clip, scaling by c/‖g‖ when no clipping was needed, using the L1
norm or the squared norm, and the ratio upside down. Each slip comes with ``keep_<slip>``: it
applies to this instance and differs, in some entry, by more than 2% (relatively) from the
answer and from every slip kept before it (`questionbank.solvers.slips.keep_apart`), so the
grader can always recognise it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register
from questionbank.solvers.slips import keep_apart

__all__ = ["SLIPS", "clip_by_norm", "clip_norm"]

#: the slips in the order the template declares them (earlier ones win a tie)
SLIPS = ("entrywise", "unclipped", "scaled_anyway", "l1_norm", "squared_norm", "inverted")


def clip_by_norm(g: Sequence[float], c: float) -> np.ndarray:
    """g · min(1, c/‖g‖₂) in floating point (the plain reference formula)."""
    arr = np.asarray(g, dtype=float)
    norm = float(np.linalg.norm(arr))
    return arr * min(1.0, c / norm) if norm > 0 else arr.copy()


def _exact_array(values: Sequence[Fraction]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@register("clipping.clip_norm", outputs=(
    "norm", "norm_squared", "scale", "needs_clip", "clipped", "l1",
    *(f"m_{s}" for s in SLIPS), *(f"keep_{s}" for s in SLIPS)))
def clip_norm(v: Mapping[str, Any]) -> dict[str, Any]:
    """The clipped gradient for the params ``g`` (a vector) and ``c`` (the max norm > 0)."""
    exact = [Fraction(x) for x in np.asarray(v["g"], dtype=object).ravel()]
    c = Fraction(v["c"])
    if c <= 0:
        raise ValueError(f"the max norm c must be positive, got {c}")
    if not any(exact):
        raise ValueError("g must not be the zero vector")
    g = np.array([float(x) for x in exact])
    norm_squared = sum(x * x for x in exact)
    norm = math.sqrt(norm_squared)
    cf = float(c)
    needs_clip = norm > cf
    scale = cf / norm if needs_clip else 1.0
    clipped: np.ndarray = g * scale if needs_clip else _exact_array(exact)
    l1 = float(np.sum(np.abs(g)))
    slips: dict[str, tuple[np.ndarray, bool]] = {
        "entrywise": (np.clip(g, -cf, cf), needs_clip),
        "unclipped": (g.copy(), needs_clip),
        "scaled_anyway": (g * (cf / norm), not needs_clip),
        "l1_norm": (g * min(1.0, cf / l1), True),
        "squared_norm": (g * min(1.0, cf / float(norm_squared)), True),
        "inverted": (g * (norm / cf), needs_clip),
    }
    kept = keep_apart(np.asarray(clipped, dtype=float), slips, SLIPS)
    result: dict[str, Any] = {
        "norm": norm,
        "norm_squared": norm_squared,
        "scale": scale,
        "needs_clip": needs_clip,
        "clipped": clipped,
        "l1": l1,
    }
    result.update({f"m_{name}": value for name, (value, _) in slips.items()})
    result.update({f"keep_{name}": kept[name] for name in SLIPS})
    return result
