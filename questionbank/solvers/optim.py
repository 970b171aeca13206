"""Optimizer updates (course notes, questions 9 and 10), computed as PyTorch computes them.

- one batch gradient-descent step of a linear regression ŷ = w·x + b under the mean squared
  error L = (1/N)·Σ(ŷ − y)² (no 1/2);
- `torch.optim.SGD` with momentum (dampening 0, no Nesterov): v ← βv + g, w ← w − lr·v;
- `torch.optim.RMSprop` (not centered, no momentum): s ← αs + (1 − α)g²,
  w ← w − lr·g/(√s + ε);
- `torch.optim.Adam` (no AMSGrad, no weight decay): m ← β₁m + (1 − β₁)g,
  v ← β₂v + (1 − β₂)g², w ← w − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).

Every optimizer starts from zero state and counts steps from t = 1; the gradients of the steps
are the rows of the matrix `g`. Everything is an exact `Fraction` until a square root appears:
the moment estimates (v, s, m) and the momentum weights stay exact, the RMSprop and Adam
weights are floats.

Besides the reference values, each solver returns what a student gets after the slips that
are common for that rule (named ``<quantity>_<slip>``), so that templates can declare them as
mistakes, and per-step records (``steps``) for the worked solution.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register
from questionbank.values import is_terminating

__all__ = ["adam_run", "gd_step", "momentum_run", "mse", "mse_gradient", "rmsprop_run"]

Vector = list[Any]  # Fractions, or floats once a square root is involved


def _fractions(values: Iterable[Any]) -> list[Fraction]:
    """The numbers as Fractions; a Fraction is kept, not copied (``Fraction(q)`` makes a new
    one: 0.4 us, a third of the time of an operation on it)."""
    return [x if type(x) is Fraction else Fraction(x) for x in values]


def _vector(values: Any) -> list[Fraction]:
    return _fractions(np.asarray(values, dtype=object).ravel().tolist())


def _rows(g: Any, width: int) -> list[list[Fraction]]:
    """The per-step gradients: the rows of `g` (a single vector is one step)."""
    arr = np.asarray(g, dtype=object)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise ValueError("g must hold one gradient vector per step")
    if arr.shape[1] != width:
        raise ValueError(f"each gradient needs {width} entries (one per weight), "
                         f"got {arr.shape[1]}")
    return [_fractions(row) for row in arr.tolist()]


def _array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _shown(x: Any, places: int | None = None) -> Any:
    """A value as the worked solution prints it: a short exact decimal stays exact, anything
    else becomes a float rounded to 6 significant figures (printed like 0.0316228), or to
    `places` decimal places (weights: the answer asks for 4)."""
    if isinstance(x, Fraction) and is_terminating(x) and x.denominator <= 10**10:
        return x
    if places is not None:
        return round(float(x), places)
    return float(f"{float(x):.6g}")


def _shown_all(values: Sequence[Any], places: int | None = None) -> np.ndarray:
    return _array([_shown(x, places) for x in values])


def _shown_root(x: Fraction) -> Any:
    """√x for the worked solution: exact when x is a perfect square (√0.0049 = 0.07)."""
    num, den = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if num * num == x.numerator and den * den == x.denominator:
        return Fraction(num, den)
    return _shown(math.sqrt(x))


# --------------------------------------------------------------------------- gradient descent


def mse(w: Fraction, b: Fraction, x: Sequence[Fraction], y: Sequence[Fraction]) -> Fraction:
    """L = (1/N)·Σ(w·xᵢ + b − yᵢ)², exact."""
    return sum(((w * xi + b - yi) ** 2 for xi, yi in zip(x, y, strict=True)),
               Fraction(0)) / len(x)


@register("optim.gd_step", outputs=(
    "y_hat", "residual", "grad_w", "grad_b", "w_new", "b_new", "loss", "loss_new", "data",
    "rows", "sum_r", "sum_rx", "b_new_sequential"))
def gd_step(v: Mapping[str, Any]) -> dict[str, Any]:
    """One batch gradient-descent step on ŷ = w·x + b with L = (1/N)·Σ(ŷ − y)².

    ∂L/∂w = (2/N)·Σ(ŷᵢ − yᵢ)·xᵢ and ∂L/∂b = (2/N)·Σ(ŷᵢ − yᵢ); then w ← w − lr·∂L/∂w and
    b ← b − lr·∂L/∂b, both from the gradients at the old (w, b). For the texts: `data` has a
    row (i, xᵢ, yᵢ) per point, `rows` a row (i, xᵢ, yᵢ, ŷᵢ, ŷᵢ − yᵢ, (ŷᵢ − yᵢ)·xᵢ). The slip
    `b_new_sequential` updates b with the gradient taken at the *new* w.
    """
    x, y = _vector(v["x"]), _vector(v["y"])
    if len(x) != len(y) or not x:
        raise ValueError(f"x has {len(x)} values but y has {len(y)}")
    w, b, lr = Fraction(v["w"]), Fraction(v["b"]), Fraction(v["lr"])
    grad_w, grad_b = mse_gradient(w, b, x, y)
    w_new, b_new = w - lr * grad_w, b - lr * grad_b
    y_hat = [w * xi + b for xi in x]
    residual = [p - yi for p, yi in zip(y_hat, y, strict=True)]
    return {
        "y_hat": _array(y_hat),
        "residual": _array(residual),
        "grad_w": grad_w,
        "grad_b": grad_b,
        "w_new": w_new,
        "b_new": b_new,
        "loss": mse(w, b, x, y),
        "loss_new": mse(w_new, b_new, x, y),
        "data": [[i, xi, yi] for i, (xi, yi) in enumerate(zip(x, y, strict=True), start=1)],
        "rows": [[i, xi, yi, p, r, r * xi] for i, (xi, yi, p, r)
                 in enumerate(zip(x, y, y_hat, residual, strict=True), start=1)],
        "sum_r": sum(residual, Fraction(0)),
        "sum_rx": sum((r * xi for r, xi in zip(residual, x, strict=True)), Fraction(0)),
        "b_new_sequential": b - lr * mse_gradient(w_new, b, x, y)[1],
    }


def mse_gradient(w: Fraction, b: Fraction, x: Sequence[Fraction],
                 y: Sequence[Fraction]) -> tuple[Fraction, Fraction]:
    """(∂L/∂w, ∂L/∂b) of L = (1/N)·Σ(w·xᵢ + b − yᵢ)², exact."""
    residual = [w * xi + b - yi for xi, yi in zip(x, y, strict=True)]
    n = len(x)
    grad_w = 2 * sum((r * xi for r, xi in zip(residual, x, strict=True)), Fraction(0)) / n
    return grad_w, 2 * sum(residual, Fraction(0)) / n


# --------------------------------------------------------------------------- momentum


def momentum_run(w: Sequence[Any], grads: Sequence[Sequence[Any]], lr: Any, beta: Any, *,
                 keep: Any = None, scale: Any = 1, record: bool = True,
                 ) -> tuple[Vector, Vector, list[dict[str, Any]]]:
    """SGD with momentum from v₀ = 0: v ← keep·v + scale·g, w ← w − lr·v, for each step.

    PyTorch's rule is keep = β, scale = 1 (the defaults); other coefficients give the slips.
    Returns the last velocity, the last weights and one record per step (none with
    `record=False`: the slips need no worked solution).
    """
    keep = Fraction(beta) if keep is None else Fraction(keep)
    scale, lr = Fraction(scale), Fraction(lr)
    weights = _fractions(w)
    vel: list[Fraction] = []
    steps = []
    for t, g in enumerate(grads, start=1):
        # keep·v + scale·g with the products that are known left out (v₀ = 0, a factor 1):
        # the same Fractions, a third fewer operations (momentum's solver: 155 us, was 278)
        scaled = _fractions(g) if scale == 1 else [scale * gi for gi in _fractions(g)]
        vel = scaled if t == 1 or not keep else [
            keep * vi + si for vi, si in zip(vel, scaled, strict=True)]
        step = [lr * vi for vi in vel]
        weights = [wi - si for wi, si in zip(weights, step, strict=True)]
        if record:
            steps.append({"t": t, "g": _array(g), "v": _array(vel), "step": _array(step),
                          "w": _array(weights)})
    return vel, weights, steps


@register("optim.momentum", outputs=(
    "v", "w_new", "steps", "change", "v_ema", "w_ema", "v_swapped", "w_swapped",
    "v_no_momentum", "w_no_momentum", "v_cs231n", "w_last_step_only"))
def momentum(v: Mapping[str, Any]) -> dict[str, Any]:
    """PyTorch's SGD with momentum over the rows of `g`, and the common slips:

    - ``ema``: the exponential-average form v ← βv + (1 − β)g;
    - ``swapped``: β and 1 − β swapped in PyTorch's rule, v ← (1 − β)v + g;
    - ``no_momentum``: plain SGD, v = the last gradient;
    - ``cs231n``: the velocity of the form v ← βv − lr·g (the weights come out the same);
    - ``last_step_only``: only the last step's update applied to the initial weights.
    """
    w = _vector(v["w"])
    grads = _rows(v["g"], len(w))
    lr, beta = Fraction(v["lr"]), Fraction(v["beta"])
    vel, w_new, steps = momentum_run(w, grads, lr, beta)
    v_ema, w_ema, _ = momentum_run(w, grads, lr, beta, scale=1 - beta, record=False)
    v_swapped, w_swapped, _ = momentum_run(w, grads, lr, beta, keep=1 - beta, record=False)
    v_plain, w_plain, _ = momentum_run(w, grads, lr, beta, keep=0, record=False)
    return {
        "v": _array(vel),
        "w_new": _array(w_new),
        "steps": steps,
        "change": _array([a - b for a, b in zip(w_new, w, strict=True)]),
        "v_ema": _array(v_ema),
        "w_ema": _array(w_ema),
        "v_swapped": _array(v_swapped),
        "w_swapped": _array(w_swapped),
        "v_no_momentum": _array(v_plain),
        "w_no_momentum": _array(w_plain),
        "v_cs231n": _array([-lr * x for x in vel]),
        "w_last_step_only": _array([wi - lr * x for wi, x in zip(w, vel, strict=True)]),
    }


# --------------------------------------------------------------------------- RMSprop


def _float_of(a: Any, b: Any, add: bool) -> float:
    """``float(a + b)`` (`add`) or ``float(a * b)``. Two Fractions are combined in one integer
    division, which rounds correctly as ``float()`` of their exact sum or product does, without
    making that Fraction (a product: 0.4 us, was 1.3 us; a sum: 0.75 us, was 2.1 us): RMSprop's
    solver, whose exact weights of the rule and three slips use them, 192 us, was 230 us."""
    if type(a) is Fraction and type(b) is Fraction:
        if add:
            return (a.numerator * b.denominator + b.numerator * a.denominator) / (
                a.denominator * b.denominator)
        return (a.numerator * b.numerator) / (a.denominator * b.denominator)
    return float(a + b) if add else float(a * b)


def _denominator(second: Any, eps: Fraction, *, eps_inside: bool, root: bool) -> float:
    """√s + ε (PyTorch); √(s + ε) with `eps_inside`; s + ε without the `root`."""
    if not root:
        return _float_of(second, eps, add=True)
    if eps_inside:
        return math.sqrt(_float_of(second, eps, add=True))
    return math.sqrt(float(second)) + float(eps)


def _scaled_step(weights: Sequence[Any], first: Sequence[Any], second: Sequence[Any], lr: Any,
                 eps: Any, *, eps_inside: bool, root: bool
                 ) -> tuple[list[float], list[float], list[float]]:
    """The step RMSprop and Adam share, entry by entry: w ← w − lr·x/(√s + ε), with x the
    gradient (RMSprop) or m̂ (Adam) in `first` and s the average of g² (RMSprop) or v̂ (Adam)
    in `second`; `eps_inside` and `root` as in `_denominator`. Returns the denominators, the
    updates and the new weights (floats: a square root is involved)."""
    denom = [_denominator(si, eps, eps_inside=eps_inside, root=root) for si in second]
    update = [_float_of(lr, xi, add=False) / d for xi, d in zip(first, denom, strict=True)]
    return denom, update, [float(wi) - u for wi, u in zip(weights, update, strict=True)]


def _shown_step(second: Sequence[Any], denom: Sequence[float], update: Sequence[float],
                weights: Sequence[float]) -> dict[str, Any]:
    """The entries of a `_scaled_step` that close a step record of the worked solution."""
    return {"root": _array([_shown_root(si) for si in second]), "denom": _shown_all(denom),
            "delta": _shown_all(update), "w": _shown_all(weights, places=6)}


def rmsprop_run(w: Sequence[Any], grads: Sequence[Sequence[Any]], lr: Any, alpha: Any, eps: Any,
                *, swapped: bool = False, square: bool = True, eps_inside: bool = False,
                root: bool = True, record: bool = True,
                ) -> tuple[Vector, Vector, list[dict[str, Any]]]:
    """RMSprop from s₀ = 0: s ← αs + (1 − α)g², w ← w − lr·g/(√s + ε), for each step.

    The switches give the slips: `swapped` (α and 1 − α exchanged), `square=False` (g instead
    of g² in the average; only s is meaningful then, the weights are not computed),
    `eps_inside` (√(s + ε)), `root=False` (no square root). Returns the last s (exact), the
    last weights (floats) and one record per step (none with `record=False`, for the slips).
    """
    lr, alpha, eps = Fraction(lr), Fraction(alpha), Fraction(eps)
    keep, mix = (1 - alpha, alpha) if swapped else (alpha, 1 - alpha)
    rows = [_fractions(g) for g in grads]
    averages = _rms_averages(rows, keep, mix, square=square)
    last = averages[-1] if averages else [Fraction(0)] * len(w)
    if not square:
        return last, _fractions(w), []
    weights, steps = _rms_weights(w, rows, averages, lr, eps, eps_inside=eps_inside,
                                  root=root, record=record)
    return last, weights, steps


def _rms_averages(grads: Sequence[list[Fraction]], keep: Fraction, mix: Fraction, *,
                  square: bool) -> list[list[Fraction]]:
    """s after each step, from s₀ = 0: s ← keep·s + mix·g² (mix·g without `square`), exact.
    The PyTorch rule's averages are computed once for its weights and two slips' weights
    (RMSprop's solver: 230 us, was 330 us)."""
    averages: list[list[Fraction]] = []
    for g in grads:
        x = [gi * gi for gi in g] if square else g
        averages.append([mix * xi for xi in x] if not averages else [
            keep * si + mix * xi for si, xi in zip(averages[-1], x, strict=True)])
    return averages


def _rms_weights(w: Sequence[Any], grads: Sequence[list[Fraction]],
                 averages: Sequence[list[Fraction]], lr: Fraction, eps: Fraction, *,
                 eps_inside: bool = False, root: bool = True, record: bool = True,
                 ) -> tuple[list[float], list[dict[str, Any]]]:
    """The weights after the steps with these `averages` (see `rmsprop_run`), and the step
    records of the worked solution when `record`."""
    weights: list[Any] = _fractions(w)
    steps = []
    for t, (g, s) in enumerate(zip(grads, averages, strict=True), start=1):
        denom, update, weights = _scaled_step(weights, g, s, lr, eps, eps_inside=eps_inside,
                                              root=root)
        if record:
            steps.append({"t": t, "g": _array(g), "g2": _array([gi * gi for gi in g]),
                          "s": _array(s), **_shown_step(s, denom, update, weights)})
    return weights, steps


@register("optim.rmsprop", outputs=(
    "s", "w_new", "steps", "s_swapped", "s_g_not_squared", "s_no_one_minus_alpha",
    "w_swapped", "w_eps_inside", "w_no_root", "w_sgd"))
def rmsprop(v: Mapping[str, Any]) -> dict[str, Any]:
    """PyTorch's RMSprop over the rows of `g`, and the slips named in `rmsprop_run`, plus
    ``s_no_one_minus_alpha`` (s ← αs + g², the (1 − α) factor forgotten) and plain SGD steps
    ``w_sgd`` (w ← w − lr·g)."""
    w = _vector(v["w"])
    grads = _rows(v["g"], len(w))
    lr, alpha, eps = Fraction(v["lr"]), Fraction(v["alpha"]), Fraction(v["eps"])
    averages = _rms_averages(grads, alpha, 1 - alpha, square=True)
    w_new, steps = _rms_weights(w, grads, averages, lr, eps)
    s_swapped, w_swapped, _ = rmsprop_run(w, grads, lr, alpha, eps, swapped=True, record=False)
    s_lin = _rms_averages(grads, alpha, 1 - alpha, square=False)[-1]
    slip: dict[str, Any] = {"record": False}
    w_eps_inside, _ = _rms_weights(w, grads, averages, lr, eps, eps_inside=True, **slip)
    w_no_root, _ = _rms_weights(w, grads, averages, lr, eps, root=False, **slip)
    s_full = _average(grads, alpha, Fraction(1), square=True)
    return {
        "s": _array(averages[-1]), "w_new": _array(w_new), "steps": steps,
        "s_swapped": _array(s_swapped), "s_g_not_squared": _array(s_lin),
        "s_no_one_minus_alpha": _array(s_full),
        "w_swapped": _array(w_swapped), "w_eps_inside": _array(w_eps_inside),
        "w_no_root": _array(w_no_root), "w_sgd": _sgd(w, grads, lr),
    }


# --------------------------------------------------------------------------- Adam


def adam_run(w: Sequence[Any], grads: Sequence[Sequence[Any]], lr: Any, beta1: Any, beta2: Any,
             eps: Any, *, swapped: bool = False, bias_correction: bool = True,
             correct: tuple[bool, bool] = (True, True), t_shift: int = 0,
             eps_inside: bool = False, root: bool = True, record: bool = True,
             exact: bool = True,
             ) -> tuple[Vector, Vector, Vector, list[dict[str, Any]]]:
    """Adam from m₀ = v₀ = 0 with t counting from 1, for each row of `grads`:

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ),
    w ← w − lr·m̂/(√v̂ + ε).

    The switches give the slips: `swapped` (β and 1 − β exchanged in both averages; the bias
    corrections keep 1 − βᵗ), `bias_correction=False` (m and v used as they are), `correct`
    (whether m and v are each bias-corrected: (True, False) corrects m only), `t_shift` (the
    corrections use 1 − βᵗ⁺ˢʰⁱᶠᵗ: t off by one), `eps_inside` (√(v̂ + ε)), `root=False`
    (v̂ + ε, no square root). Returns the last m and v (exact), the last weights (floats) and
    one record per step for the worked solution (none with `record=False`: formatting them
    was most of the solver's time for the slips, which no text shows). With `exact=False`
    everything is computed in floats, several times faster: enough for a slip's weights,
    which are floats and compared within a tolerance anyway.
    """
    num: Any = Fraction if exact else float
    moments = _adam_moments(grads, num(beta1), num(beta2), swapped=swapped, exact=exact)
    m, sq = moments[-1][1:] if moments else ([num(0)] * len(w), [num(0)] * len(w))
    weights, steps = _adam_weights(
        w, moments, lr, beta1, beta2, eps, bias_correction=bias_correction, correct=correct,
        t_shift=t_shift, eps_inside=eps_inside, root=root, record=record, exact=exact)
    return m, sq, weights, steps


#: One step's (g, m, v) of `_adam_moments`.
_Moments = tuple[list[Any], list[Any], list[Any]]


def _adam_moments(grads: Sequence[Sequence[Any]], beta1: Any, beta2: Any, *, swapped: bool,
                  exact: bool) -> list[_Moments]:
    """(g, m, v) of each step from m₀ = v₀ = 0 (see `adam_run`): the moments do not depend on
    the bias correction or on where ε goes, so the slips share one computation of them
    (Adam's solver: 365 us, was 420 us). Exact values start from the first step's products
    (a Fraction has no signed zero to keep); floats from zero, as the formula says."""
    num: Any = Fraction if exact else float
    k1, c1 = (1 - beta1, beta1) if swapped else (beta1, 1 - beta1)
    k2, c2 = (1 - beta2, beta2) if swapped else (beta2, 1 - beta2)
    zeros = [num(0)] * len(grads[0]) if grads else []
    m, sq = zeros, zeros
    moments = []
    for t, g in enumerate(grads, start=1):
        g = _fractions(g) if exact else [float(x) for x in g]
        if exact and t == 1:
            m, sq = [c1 * gi for gi in g], [c2 * gi * gi for gi in g]
        else:
            m = [k1 * mi + c1 * gi for mi, gi in zip(m, g, strict=True)]
            sq = [k2 * vi + c2 * gi * gi for vi, gi in zip(sq, g, strict=True)]
        moments.append((g, m, sq))
    return moments


def _adam_weights(w: Sequence[Any], moments: Sequence[_Moments], lr: Any, beta1: Any,
                  beta2: Any, eps: Any, *, bias_correction: bool = True,
                  correct: tuple[bool, bool] = (True, True), t_shift: int = 0,
                  eps_inside: bool = False, root: bool = True, record: bool = False,
                  exact: bool = True) -> tuple[list[Any], list[dict[str, Any]]]:
    """The weights after the steps with these `moments`, and the step records of the worked
    solution when `record`; the switches as in `adam_run`."""
    num: Any = Fraction if exact else float
    lr, beta1, beta2, eps = num(lr), num(beta1), num(beta2), num(eps)
    weights: list[Any] = [num(x) for x in w]
    steps = []
    for t, (g, m, sq) in enumerate(moments, start=1):
        one = num(1)
        bc1 = 1 - beta1**(t + t_shift) if bias_correction and correct[0] else one
        bc2 = 1 - beta2**(t + t_shift) if bias_correction and correct[1] else one
        m_hat = [mi / bc1 for mi in m]
        v_hat = [vi / bc2 for vi in sq]
        denom, update, weights = _scaled_step(weights, m_hat, v_hat, lr, eps,
                                              eps_inside=eps_inside, root=root)
        if record:
            steps.append({"t": t, "g": _array(g), "g2": _array([gi * gi for gi in g]),
                          "m": _array(m), "v": _array(sq), "bc1": bc1, "bc2": bc2,
                          "m_hat": _shown_all(m_hat), "v_hat": _shown_all(v_hat),
                          **_shown_step(v_hat, denom, update, weights)})
    return weights, steps


@register("optim.adam", outputs=(
    "m", "v", "w_new", "steps", "m_hat", "v_hat", "m_swapped", "v_swapped", "v_g_not_squared",
    "m_no_one_minus_beta", "w_no_bias_correction", "w_eps_inside", "w_swapped", "w_no_root",
    "w_correct_m_only", "w_correct_v_only", "w_t_plus_one", "w_sgd"))
def adam(v: Mapping[str, Any]) -> dict[str, Any]:
    """PyTorch's Adam over the rows of `g`, and the slips named in `adam_run`, plus the
    bias-corrected m̂ and v̂ (given for m and v), m ← β₁m + g (the 1 − β₁ forgotten),
    v ← β₂v + (1 − β₂)g (g not squared), the bias correction of only m or only v, the
    corrections with t + 1 (t off by one) and plain SGD steps w ← w − lr·g."""
    w = _vector(v["w"])
    grads = _rows(v["g"], len(w))
    params = (Fraction(v["lr"]), Fraction(v["beta1"]), Fraction(v["beta2"]), Fraction(v["eps"]))
    beta1, beta2 = params[1], params[2]
    m, sq, w_new, steps = adam_run(w, grads, *params)
    m_sw, v_sw, w_sw, _ = adam_run(w, grads, *params, swapped=True, record=False)
    # the slips' weights, in floats from one computation of the float moments (the floats
    # of the params and weights made once: `float` of a float is the float itself)
    fparams = tuple(float(x) for x in params)
    floats = _adam_moments(grads, fparams[1], fparams[2], swapped=False, exact=False)
    slip: dict[str, Any] = {"exact": False}
    wf = [float(x) for x in w]
    w_nobc, _ = _adam_weights(wf, floats, *fparams, bias_correction=False, **slip)
    w_eps, _ = _adam_weights(wf, floats, *fparams, eps_inside=True, **slip)
    w_noroot, _ = _adam_weights(wf, floats, *fparams, root=False, **slip)
    w_m_only, _ = _adam_weights(wf, floats, *fparams, correct=(True, False), **slip)
    w_v_only, _ = _adam_weights(wf, floats, *fparams, correct=(False, True), **slip)
    w_t_plus_one, _ = _adam_weights(wf, floats, *fparams, t_shift=1, **slip)
    t = len(grads)
    m_full = _average(grads, beta1, Fraction(1), square=False)
    v_lin = _average(grads, beta2, 1 - beta2, square=False)
    return {
        "m": _array(m), "v": _array(sq), "w_new": _array(w_new), "steps": steps,
        "m_hat": _array([x / (1 - beta1**t) for x in m]),
        "v_hat": _array([x / (1 - beta2**t) for x in sq]),
        "m_swapped": _array(m_sw), "v_swapped": _array(v_sw),
        "v_g_not_squared": _array(v_lin), "m_no_one_minus_beta": _array(m_full),
        "w_no_bias_correction": _array(w_nobc), "w_eps_inside": _array(w_eps),
        "w_swapped": _array(w_sw), "w_no_root": _array(w_noroot),
        "w_correct_m_only": _array(w_m_only), "w_correct_v_only": _array(w_v_only),
        "w_t_plus_one": _array(w_t_plus_one), "w_sgd": _sgd(w, grads, params[0]),
    }


def _sgd(w: Sequence[Fraction], grads: Sequence[Sequence[Fraction]], lr: Fraction
         ) -> np.ndarray:
    """Plain SGD steps w ← w − lr·g over the rows of `grads` (exact)."""
    totals = [sum(col, Fraction(0)) for col in zip(*grads, strict=True)]
    return _array([wi - lr * total for wi, total in zip(w, totals, strict=True)])


def _average(grads: Sequence[Sequence[Fraction]], keep: Fraction, mix: Fraction, *,
             square: bool) -> list[Fraction]:
    """a ← keep·a + mix·g (or mix·g² when `square`) over the steps, from a₀ = 0 (exact)."""
    acc = [Fraction(0)] * len(grads[0])
    for g in grads:
        acc = [keep * a + mix * (gi * gi if square else gi) for a, gi in zip(acc, g, strict=True)]
    return acc
