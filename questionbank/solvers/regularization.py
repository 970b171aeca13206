"""One regularized step three ways (the template `regularization/weight-decay-step`):

- SGD on L + λ‖w‖² (no ½, the bias not penalized): w ← (1 − 2ηλ)·w − η·g, b ← b − η·∂L/∂b;
- the proximal step of an L1 penalty λ₁‖w‖₁: z = w − η·g, then soft thresholding
  wᵢ ← sign(zᵢ)·max(|zᵢ| − ηλ₁, 0), which sets every |zᵢ| ≤ ηλ₁ exactly to 0;
- the first step (t = 1, ε = 0) of `torch.optim.Adam` with weight_decay = 2λ, which adds 2λw to
  the gradient before the moments, and of `torch.optim.AdamW` with the same weight_decay, which
  multiplies the weights by 1 − η·2λ and steps with g alone. At t = 1 the bias-corrected moments
  are m̂₁ = g₁ and v̂₁ = g₁², so with ε = 0 the Adam step is η·g₁/|g₁| = η·sign(g₁).

Everything is exact (`Fraction`s). The template's constraints keep the samples where every slip
shows; they are written on the params alone (in floating point, so that rejected samples are
cheap), and this solver computes the values once a sample is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register

__all__ = ["adam_first_step", "soft_threshold", "weight_decay_step"]


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def _array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def soft_threshold(z: Sequence[Fraction], t: Fraction) -> list[Fraction]:
    """sign(zᵢ)·max(|zᵢ| − t, 0) per entry: the proximal map of t·|·|."""
    return [_sign(zi) * max(abs(zi) - t, Fraction(0)) for zi in z]


def adam_first_step(w: Sequence[Fraction], grad: Sequence[Fraction], lr: Fraction
                    ) -> list[Fraction]:
    """Adam's first step with ε = 0: w − lr·m̂₁/√v̂₁ = w − lr·sign(grad) per entry."""
    return [wi - lr * _sign(gi) for wi, gi in zip(w, grad, strict=True)]


@register("regularization.weight_decay_step", outputs=(
    "wd", "decay", "z", "t", "w_sgd", "b_sgd", "w_l1", "gl2", "flips", "w_adam_l2", "w_adamw",
    "w_adam_no_decay"))
def weight_decay_step(v: Mapping[str, Any]) -> dict[str, Any]:
    """The three steps for the params `w`, `g` (vectors), `b`, `gb`, `lr`, `lam` (the L2
    strength) and `lam1` (the L1 strength). `flips` counts the weights whose gradient sign
    the L2 term flips (only there does Adam's weight_decay change the first step)."""
    w = [Fraction(x) for x in np.asarray(v["w"], dtype=object).ravel()]
    g = [Fraction(x) for x in np.asarray(v["g"], dtype=object).ravel()]
    if len(w) != len(g) or not w:
        raise ValueError(f"w has {len(w)} entries but g has {len(g)}")
    lr, lam, lam1 = Fraction(v["lr"]), Fraction(v["lam"]), Fraction(v["lam1"])
    wd = 2 * lam
    decay = 1 - lr * wd
    z = [wi - lr * gi for wi, gi in zip(w, g, strict=True)]
    t = lr * lam1
    gl2 = [gi + wd * wi for gi, wi in zip(g, w, strict=True)]
    adam = adam_first_step(w, g, lr)
    return {
        "wd": wd, "decay": decay, "z": _array(z), "t": t,
        "w_sgd": _array([decay * wi - lr * gi for wi, gi in zip(w, g, strict=True)]),
        "b_sgd": Fraction(v["b"]) - lr * Fraction(v["gb"]),
        "w_l1": _array(soft_threshold(z, t)),
        "gl2": _array(gl2),
        "flips": sum(_sign(a) != _sign(b) for a, b in zip(gl2, g, strict=True)),
        "w_adam_l2": _array(adam_first_step(w, gl2, lr)),
        "w_adamw": _array([decay * wi - (wi - ai) for wi, ai in zip(w, adam, strict=True)]),
        "w_adam_no_decay": _array(adam),
    }
