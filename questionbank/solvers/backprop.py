"""Backpropagation by hand: softmax with cross-entropy, and a tiny two-layer network.

- ``backprop.softmax_cross_entropy``: for logits z and a true class c (1-based),
  p = softmax(z), L = −log p_c (natural log) and ∂L/∂z = p − y with y the one-hot label.
- ``backprop.two_layer``: x ∈ ℝ², z₁ = W₁x + b₁, a₁ = f(z₁) with f = ReLU (``act`` 1) or the
  sigmoid (``act`` 2), ŷ = w₂·a₁ + b₂ and the squared error L = (ŷ − y)² (no ½), then
  ∂L/∂ŷ = 2(ŷ − y), ∂L/∂z₁ = ∂L/∂ŷ · w₂ ⊙ f′(z₁), ∂L/∂W₁ = (∂L/∂z₁) xᵀ and ∂L/∂b₁ = ∂L/∂z₁.

With ReLU everything is an exact `Fraction`; the exponentials make the rest floats. Each
solver also returns the values students get after the common slips (``m_<slip>``) with
``keep_<slip>`` (see `questionbank.solvers.slips`), and the intermediate values the worked
solution shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register
from questionbank.solvers.slips import keep_flags

__all__ = ["SOFTMAX_SLIPS", "TWO_LAYER_SLIPS", "softmax", "softmax_cross_entropy", "two_layer"]

#: the slips of `softmax_cross_entropy`, per part in the template's order of its mistakes
SOFTMAX_SLIPS = {
    "p": ("p_exp", "p_sigmoid"),
    "loss": ("loss_logit", "loss_wrong_class", "loss_log10", "loss_sign"),
    "grad": ("grad_p", "grad_y_minus_p", "grad_logits", "grad_label_only"),
}

#: the slips of `two_layer`, per part in the template's order of its mistakes
TWO_LAYER_SLIPS = {
    "a": ("a_pre",),
    "yhat": ("yhat_no_bias", "yhat_pre"),
    "dW1": ("dW1_transposed", "dW1_no_deriv", "dW1_wrong_input", "dW1_half"),
    "db1": ("db1_no_deriv", "db1_no_w2", "db1_half"),
}


def _array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _matrix(rows: Sequence[Sequence[Any]]) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        out[i, :] = list(row)
    return out


def _vector(values: Any) -> list[Fraction]:
    return [Fraction(x) for x in np.asarray(values, dtype=object).ravel()]


def _shown(x: Any, digits: int = 6) -> Any:
    """A float as the worked solution prints it (`digits` significant figures); exact values
    stay as they are."""
    return float(f"{x:.{digits}g}") if isinstance(x, float) else x


# --------------------------------------------------------------------------- softmax


def softmax(z: Sequence[float]) -> list[float]:
    """softmax(z)ₖ = exp(zₖ − max z) / Σⱼ exp(zⱼ − max z) (shifted, so it never overflows)."""
    top = max(z)
    weights = [math.exp(x - top) for x in z]
    total = sum(weights)
    return [w / total for w in weights]


def _shown_softmax(p: Sequence[float], loss: float, grad: Sequence[float],
                   exps: Sequence[float], c: int) -> dict[str, Any]:
    """The rounded values the worked solution prints (rounded here: formatting them in the
    text took a third of the time of an instance)."""
    return {"p": [_shown(x, 4) for x in p], "grad": [_shown(x, 4) for x in grad],
            "exps": [_shown(x) for x in exps], "sum_exp": _shown(sum(exps)),
            "p_label": _shown(p[c], 4), "loss": _shown(loss, 4)}


@register("backprop.softmax_cross_entropy", outputs=(
    "p", "loss", "grad", "y_onehot", "shown", "other", "p_other",
    *(f"m_{s}" for names in SOFTMAX_SLIPS.values() for s in names),
    *(f"keep_{s}" for names in SOFTMAX_SLIPS.values() for s in names)))
def softmax_cross_entropy(v: Mapping[str, Any]) -> dict[str, Any]:
    """p, L = −log p_c and ∂L/∂z = p − y for the logits ``z`` and the 1-based class ``label``.

    The slips: the exponentials not normalised, a sigmoid per entry (probabilities); the logit
    −z_c taken for the loss (no softmax), −log of the most probable *other* class (``other``,
    1-based), log base 10, the minus sign dropped (loss); p alone, y − p, z − y (no softmax)
    and only the true class's entry p_c − 1 (gradient).
    """
    z = [float(x) for x in _vector(v["z"])]
    label = int(v["label"])
    if not 1 <= label <= len(z):
        raise ValueError(f"label must be a class from 1 to {len(z)}, got {label}")
    c = label - 1
    p = softmax(z)
    y = [int(k == c) for k in range(len(z))]
    loss = -math.log(p[c])
    grad = [pk - yk for pk, yk in zip(p, y, strict=True)]
    other = max((k for k in range(len(z)) if k != c), key=lambda k: p[k])
    exps = [math.exp(x) for x in z]
    answers = {"p": p, "loss": loss, "grad": grad}
    slips: dict[str, tuple[Any, bool]] = {
        "p_exp": (exps, True),
        "p_sigmoid": ([1 / (1 + math.exp(-x)) for x in z], True),
        "loss_logit": (-z[c], True),
        "loss_wrong_class": (-math.log(p[other]), True),
        "loss_log10": (loss / math.log(10), True),
        "loss_sign": (-loss, True),
        "grad_p": (p, True),
        "grad_y_minus_p": ([-g for g in grad], True),
        "grad_logits": ([zk - yk for zk, yk in zip(z, y, strict=True)], True),
        "grad_label_only": ([grad[k] if k == c else 0.0 for k in range(len(z))], True),
    }
    result: dict[str, Any] = {
        "p": _array(p), "loss": loss, "grad": _array(grad), "y_onehot": _array(y),
        "shown": _shown_softmax(p, loss, grad, exps, c), "other": other + 1,
        "p_other": p[other],
    }
    result.update({f"m_{name}": (_array(value) if isinstance(value, list) else value)
                   for name, (value, _) in slips.items()})
    result.update(keep_flags(answers, slips, SOFTMAX_SLIPS))
    return result


# --------------------------------------------------------------------------- two layers


def _activation(z: Any, act: int) -> tuple[Any, Any]:
    """f(z) and f′(z): ReLU (exact for a `Fraction`; f′ is 1 above 0 and 0 below) or the
    sigmoid (floats)."""
    if act == 1:
        if z == 0:
            raise ValueError("a ReLU unit has the pre-activation 0, where it has no derivative")
        return (z, 1) if z > 0 else (0 * z, 0)
    s = 1 / (1 + math.exp(-float(z)))
    return s, s * (1 - s)


def _outer(col: Sequence[Any], row: Sequence[Any]) -> list[list[Any]]:
    return [[a * b for b in row] for a in col]


def _inputs(v: Mapping[str, Any]) -> tuple[list[Fraction], list[list[Fraction]], list[Fraction],
                                          list[Fraction], Fraction, Fraction, int]:
    x, b1, w2 = _vector(v["x"]), _vector(v["b1"]), _vector(v["w2"])
    w1 = [[Fraction(e) for e in row] for row in np.asarray(v["W1"], dtype=object)]
    if len(x) != 2 or any(len(row) != 2 for row in w1):
        raise ValueError("x needs 2 entries and W1 one row of 2 per hidden unit")
    if not len(w1) == len(b1) == len(w2):
        raise ValueError(f"W1 has {len(w1)} rows, b1 {len(b1)} and w2 {len(w2)} entries: "
                         "one per hidden unit")
    act = int(v["act"])
    if act not in (1, 2):
        raise ValueError(f"act must be 1 (ReLU) or 2 (sigmoid), got {act}")
    return x, w1, b1, w2, Fraction(v["b2"]), Fraction(v["y"]), act


def _passes(x: Sequence[Any], w1: Sequence[Sequence[Any]], b1: Sequence[Any],
            w2: Sequence[Any], b2: Any, y: Any, act: int) -> dict[str, Any]:
    """The forward and backward pass, in the number type of the inputs (`Fraction`s give
    exact ReLU values; floats are for the slips, which are only compared within a
    tolerance)."""
    z1 = [row[0] * x[0] + row[1] * x[1] + b for row, b in zip(w1, b1, strict=True)]
    a1, deriv = (list(t) for t in zip(*(_activation(z, act) for z in z1), strict=True))
    yhat = b2 + sum(w * a for w, a in zip(w2, a1, strict=True))
    delta = 2 * (yhat - y)
    da = [delta * w for w in w2]
    gz = [d * f for d, f in zip(da, deriv, strict=True)]
    return {"z1": z1, "a1": a1, "deriv": deriv, "yhat": yhat, "delta": delta, "da": da,
            "gz": gz, "dW1": _outer(gz, x)}


@register("backprop.two_layer", outputs=(
    "z1", "a1", "yhat", "loss", "delta", "da", "deriv", "gz", "dW1", "db1", "shown",
    *(f"m_{s}" for names in TWO_LAYER_SLIPS.values() for s in names),
    *(f"keep_{s}" for names in TWO_LAYER_SLIPS.values() for s in names)))
def two_layer(v: Mapping[str, Any]) -> dict[str, Any]:
    """The forward pass and the gradients of W₁ and b₁ for the params ``x``, ``W1`` (one row
    per hidden unit), ``b1``, ``w2``, ``b2``, ``y`` and ``act`` (1 ReLU, 2 sigmoid).

    The slips: z₁ given for a₁; ŷ without b₂, or from z₁ (no activation); for ∂L/∂W₁ the
    transpose x(∂L/∂z₁)ᵀ, f′ left out, a₁ (the next layer's input) instead of x, and the 2 of
    the square dropped; for ∂L/∂b₁ f′ left out, w₂ left out, and the 2 dropped.
    """
    x, w1, b1, w2, b2, y, act = _inputs(v)
    r = _passes(x, w1, b1, w2, b2, y, act)
    xf, w2f = [float(e) for e in x], [float(e) for e in w2]
    f = _passes(xf, [[float(e) for e in row] for row in w1], [float(e) for e in b1], w2f,
                float(b2), float(y), act)
    answers = {"a": f["a1"], "yhat": f["yhat"], "dW1": f["dW1"], "db1": f["gz"]}
    slips: dict[str, tuple[Any, bool]] = {
        "a_pre": (f["z1"], True),
        "yhat_no_bias": (f["yhat"] - float(b2), True),
        "yhat_pre": (float(b2) + sum(w * z for w, z in zip(w2f, f["z1"], strict=True)), True),
        "dW1_transposed": (_outer(xf, f["gz"]), True),
        "dW1_no_deriv": (_outer(f["da"], xf), True),
        "dW1_wrong_input": (_outer(f["gz"], f["a1"]), True),
        "dW1_half": ([[e / 2 for e in row] for row in f["dW1"]], True),
        "db1_no_deriv": (f["da"], True),
        "db1_no_w2": ([f["delta"] * d for d in f["deriv"]], True),
        "db1_half": ([g / 2 for g in f["gz"]], True),
    }
    result: dict[str, Any] = {name: _array(r[name]) for name in ("z1", "a1", "da", "deriv",
                                                                  "gz")}
    result.update({
        "yhat": r["yhat"], "loss": (r["yhat"] - y) ** 2, "delta": r["delta"],
        "dW1": _matrix(r["dW1"]), "db1": _array(r["gz"]),
        "shown": {"a1": [_shown(a, 4) for a in r["a1"]], "yhat": _shown(r["yhat"], 4),
                  "loss": _shown((r["yhat"] - y) ** 2, 4), "delta": _shown(r["delta"], 4),
                  "da": [_shown(d, 4) for d in r["da"]],
                  "deriv": [_shown(d, 4) for d in r["deriv"]],
                  "gz": [_shown(g, 4) for g in r["gz"]],
                  "dW1": [[_shown(e, 4) for e in row] for row in r["dW1"]]},
    })
    for name, (value, _) in slips.items():
        if isinstance(value, list):
            value = _matrix(value) if isinstance(value[0], list) else _array(value)
        result[f"m_{name}"] = value
    result.update(keep_flags(answers, slips, TWO_LAYER_SLIPS))
    return result
