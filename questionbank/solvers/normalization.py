"""Batch normalization of one feature over a mini-batch, in training mode, as
`torch.nn.BatchNorm1d` computes it.

    μ = mean(x),  σ² = mean((x − μ)²)          (the biased variance, divided by n)
    x̂ = (x − μ) / √(σ² + ε),  y = γ·x̂ + β

The output uses the batch's own statistics; the running statistics are only updated (they are
used at inference). PyTorch updates them with momentum m = 0.1 and the **unbiased** batch
variance: running ← (1 − m)·running + m·batch, with σ²·n/(n − 1) for the variance.

The solver returns y (floats: a square root is involved) and what students get after the usual
slips (``y_<slip>``): the unbiased variance in the normalization, ε added after the root, the
running statistics used in training, γ and β left out, γ and β swapped, ε left out. Each slip
comes with ``keep_<slip>``: some entry lies at least `SEPARATION` from the answer and from every
slip kept before it, so the grader (to ±0.002) always recognises it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register

__all__ = ["MOMENTUM_KEEP", "SEPARATION", "SLIPS", "batchnorm", "normalize"]

#: how far apart (absolutely, in at least one entry) a kept slip is from the answer and from
#: the slips kept before it: ten times the template's tolerance of 0.002
SEPARATION = 0.02

#: the share of the running statistics kept at each step: 1 − PyTorch's momentum 0.1
MOMENTUM_KEEP = Fraction(9, 10)

#: the slips in the order the template declares them (earlier ones win a tie)
SLIPS = ("unbiased", "eps_outside", "running", "no_affine", "swapped", "no_eps")


def normalize(x: Sequence[Fraction], mean: Fraction, var: Fraction, eps: Fraction,
              gamma: Fraction, beta: Fraction, *, eps_outside: bool = False) -> list[float]:
    """γ·(x − mean)/√(var + ε) + β per entry (with `eps_outside`, γ·(x − mean)/(√var + ε) + β),
    in floating point (a square root is involved)."""
    denom = math.sqrt(var) + float(eps) if eps_outside else math.sqrt(var + eps)
    scale, shift, centre = float(gamma) / denom, float(beta), float(mean)
    return [scale * (float(xi) - centre) + shift for xi in x]


def _apart(a: Sequence[float], b: Sequence[float]) -> bool:
    return any(abs(p - q) >= SEPARATION for p, q in zip(a, b, strict=True))


def _array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@register("normalization.batchnorm", outputs=(
    "n", "mu", "var", "var_unb", "running_mean", "running_var", "centered", "xhat", "y",
    "root", "xhat_shown", "y_shown",
    *(f"y_{s}" for s in SLIPS), *(f"keep_{s}" for s in SLIPS)))
def batchnorm(v: Mapping[str, Any]) -> dict[str, Any]:
    """The training-mode output for the batch `x` (one feature), `gamma`, `beta`, `eps`, and
    the running statistics before the step, `running_mean0` and `running_var0` (for the
    slip that normalizes with them, and for their update with momentum 0.1 and the unbiased
    variance `var_unb`); ``*_shown`` are rounded to 4 decimals for the texts."""
    x = [Fraction(xi) for xi in np.asarray(v["x"], dtype=object).ravel()]
    if len(x) < 2:
        raise ValueError("a batch needs at least 2 examples")
    gamma, beta, eps = Fraction(v["gamma"]), Fraction(v["beta"]), Fraction(v["eps"])
    if eps <= 0:
        raise ValueError("eps must be positive")
    n = len(x)
    mu = sum(x, Fraction(0)) / n
    var = sum(((xi - mu) ** 2 for xi in x), Fraction(0)) / n
    var_unbiased = var * n / (n - 1)
    y = normalize(x, mu, var, eps, gamma, beta)
    xhat = normalize(x, mu, var, eps, Fraction(1), Fraction(0))
    slips = {
        "unbiased": normalize(x, mu, var_unbiased, eps, gamma, beta),
        "eps_outside": normalize(x, mu, var, eps, gamma, beta, eps_outside=True),
        "running": normalize(x, Fraction(v["running_mean0"]), Fraction(v["running_var0"]),
                             eps, gamma, beta),
        "no_affine": xhat,
        "swapped": normalize(x, mu, var, eps, beta, gamma),
        "no_eps": normalize(x, mu, var, Fraction(0), gamma, beta) if var > 0 else y,
    }
    out: dict[str, Any] = {
        "n": n, "mu": mu, "var": var, "var_unb": var_unbiased,
        "running_mean": MOMENTUM_KEEP * Fraction(v["running_mean0"]) + (1 - MOMENTUM_KEEP) * mu,
        "running_var": MOMENTUM_KEEP * Fraction(v["running_var0"])
        + (1 - MOMENTUM_KEEP) * var_unbiased,
        "centered": _array([xi - mu for xi in x]), "xhat": _array(xhat),
        "y": _array(y), "root": math.sqrt(var + eps),
        "xhat_shown": _array([round(t, 4) for t in xhat]),
        "y_shown": _array([round(t, 4) for t in y]),
    }
    kept: list[list[float]] = []
    for name, values in slips.items():
        keep = _apart(values, y) and all(_apart(values, other) for other in kept)
        if keep:
            kept.append(values)
        out[f"y_{name}"] = _array(values)
        out[f"keep_{name}"] = keep
    return out
