"""A chain of scalar sigmoid units: the gradient ∂a_L/∂x₀ and why it vanishes (or explodes).

The chain (course notes, question 5) has one unit per layer and no biases:

    a₀ = x₀,   zᵢ = wᵢ·aᵢ₋₁,   aᵢ = σ(zᵢ) = 1/(1 + e^(−zᵢ)),   i = 1 … L

so by the chain rule ∂a_L/∂x₀ = Πᵢ wᵢ·σ'(zᵢ) with σ'(z) = σ(z)(1 − σ(z)) ≤ 1/4. Everything is
computed in floating point (numpy), as a student's calculator would.

Besides the reference gradient, the solver returns the values of the slips students make
(``m_<slip>``) and, for each, whether it is safely distinguishable (``keep_<slip>``): more than
`SEPARATION` away, relatively, from the right answer and from every slip kept before it, so that
a declared mistake is only offered where the grader can recognise it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from questionbank.solvers import register

__all__ = ["SEPARATION", "SLIPS", "forward", "sigmoid_chain"]

#: how far apart (relatively) a slip must be from the answer and from earlier slips to be kept
SEPARATION = 0.03

#: the slips, in the order a template declares them (earlier ones win a tie)
SLIPS = ("no_weights", "activations", "quarter_factors", "last_layer", "formula_on_z",
         "wrt_first_weight")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z), stable for large |z| (never evaluates exp of a large positive number)."""
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))),
                    np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))


def forward(x0: float, w: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pre-activations zᵢ and activations aᵢ of the chain, layer by layer."""
    z = np.empty(len(w))
    a = np.empty(len(w))
    prev = float(x0)
    for i, wi in enumerate(w):
        z[i] = float(wi) * prev
        a[i] = float(_sigmoid(np.array(z[i])))
        prev = a[i]
    return z, a


def _apart(x: float, y: float) -> bool:
    return abs(x - y) > SEPARATION * max(abs(x), abs(y))


def _kept(answer: float, slips: Mapping[str, float]) -> dict[str, bool]:
    """Which slips are far enough from the answer and from every slip kept before them."""
    kept: dict[str, bool] = {}
    seen = [answer]
    for name in SLIPS:
        value = slips[name]
        ok = bool(np.isfinite(value)) and all(_apart(value, other) for other in seen)
        kept[name] = ok
        if ok:
            seen.append(value)
    return kept


@register("vanishing.sigmoid_chain", outputs=(
    "grad", "layers", "explodes", "dsig_product", "weight_product",
    *(f"m_{s}" for s in SLIPS), *(f"keep_{s}" for s in SLIPS)))
def sigmoid_chain(v: Mapping[str, Any]) -> dict[str, Any]:
    """∂a_L/∂x₀ of the chain for the params ``x0`` and ``w``, the per-layer table for the
    worked solution, and the common slips."""
    w = np.array([float(x) for x in np.asarray(v["w"], dtype=object).ravel()])
    if w.size == 0:
        raise ValueError("the chain needs at least one layer")
    x0 = float(v["x0"])
    z, a = forward(x0, w)
    dsig = a * (1.0 - a)
    factors = w * dsig
    grad = float(np.prod(factors))
    n = int(w.size)
    slips = {
        "no_weights": float(np.prod(dsig)),
        "activations": float(np.prod(w * a)),
        "quarter_factors": float(np.prod(w)) * 0.25 ** n,
        "last_layer": float(factors[-1]),
        "formula_on_z": float(np.prod(w * z * (1.0 - z))),
        "wrt_first_weight": grad * x0 / float(w[0]),
    }
    kept = _kept(grad, slips)
    layers = [
        {"i": i + 1, "w": float(w[i]), "input": float(x0 if i == 0 else a[i - 1]),
         "z": float(z[i]), "a": float(a[i]), "dsig": float(dsig[i]),
         "factor": float(factors[i])}
        for i in range(n)
    ]
    result: dict[str, Any] = {
        "grad": grad,
        "layers": layers,
        "explodes": abs(grad) > 1.0,
        "dsig_product": slips["no_weights"],
        "weight_product": float(np.prod(w)),
    }
    result.update({f"m_{name}": value for name, value in slips.items()})
    result.update({f"keep_{name}": kept[name] for name in SLIPS})
    return result
