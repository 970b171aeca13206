"""The exact-mode shortcuts give what the general path gives, bit for bit.

`questionbank.expr` takes shortcuts in exact mode (an object array times the integer 1 or 0,
a Fraction meeting an array of floats, `exact_div` of a Fraction and a float, roots of
Fractions), and the optimizer solvers share work between their slips. Each property below
states the rule it checks against an independent computation: Python's own operators entry
by entry, as numpy's object loops apply them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionbank.arrays import float_errors_raise
from questionbank.expr import ExprError, evaluate, parse
from questionbank.expr.functions import exact_div
from questionbank.solvers.optim import adam, adam_run, momentum_run, rmsprop, rmsprop_run

FRACTIONS = st.fractions(min_value=-50, max_value=50, max_denominator=1000)
#: (no tiny floats: 50 / 1e-307 overflows, and numpy's loop warns or raises for that)
FLOATS = st.floats(min_value=-50, max_value=50, allow_nan=False,
                   allow_infinity=False).filter(lambda x: x == 0 or abs(x) > 1e-300)
NUMBERS = st.one_of(st.integers(-50, 50), FRACTIONS, FLOATS)
ENTRIES = st.lists(NUMBERS, min_size=1, max_size=4)


def _same(a: Any, b: Any) -> bool:
    """Same type and value; floats bit for bit (the sign of a zero too)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a.hex() == b.hex() or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _vector(entries: list[Any]) -> np.ndarray:
    out = np.empty(len(entries), dtype=object)
    out[:] = entries
    return out


def _python_div(a: Any, b: Any) -> Any:
    """Division as the exact domain defines it: int / int is a Fraction."""
    return Fraction(a, b) if type(a) is int and type(b) is int else a / b


OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": _python_div}


@settings(max_examples=300, deadline=None)
@given(entries=ENTRIES, number=st.one_of(NUMBERS, st.sampled_from([0, 1])),
       op=st.sampled_from(sorted(OPS)), number_first=st.booleans())
def test_a_number_and_a_vector_combine_entry_by_entry(entries: list[Any], number: Any, op: str,
                                                      number_first: bool) -> None:
    """``n op v`` and ``v op n`` in exact mode: entry i is Python's ``n op v[i]`` (or
    ``v[i] op n``), same type, same float bits, whatever the mix of ints, Fractions and
    floats (the shortcuts for 1 * v, 0 * v and a Fraction meeting floats included)."""
    divisor = entries if number_first else [number]
    if op == "/" and any(d == 0 for d in divisor):
        return
    text = f"n {op} v" if number_first else f"v {op} n"
    got = evaluate(parse(text), {"n": number, "v": _vector(entries)})
    fn = OPS[op]
    want = [fn(number, x) if number_first else fn(x, number) for x in entries]
    assert len(got) == len(want)
    assert all(_same(g, w) for g, w in zip(got.tolist(), want, strict=True)), (got, want)


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(FLOATS, min_size=1, max_size=4), q=FRACTIONS,
       op=st.sampled_from(sorted(OPS)))
def test_a_fraction_meeting_float_vectors_is_converted_as_fraction_converts_it(
        entries: list[float], q: Fraction, op: str) -> None:
    """A Fraction and a vector of floats: every entry has the bits of ``float(q) op x``."""
    if op == "/" and q == 0:
        return
    got = evaluate(parse(f"v {op} q"), {"q": q, "v": _vector(entries)})
    assert all(_same(g, OPS[op](x, float(q))) for g, x in zip(got.tolist(), entries, strict=True))


def test_zero_times_an_infinite_entry_still_raises_under_the_error_state() -> None:
    """numpy's object loop raises for 0 * inf under `float_errors_raise`; the 0 * v shortcut
    leaves such a vector to it."""
    env = {"z": 0, "v": _vector([Fraction(1, 2), math.inf])}
    with float_errors_raise(), pytest.raises(ExprError, match="cannot compute"):
        evaluate(parse("z * v"), env)
    assert _same(evaluate(parse("z * v"), {"z": 0, "v": _vector([Fraction(1, 2), -1.5])})[1],
                 -0.0)


@settings(max_examples=300, deadline=None)
@given(a=st.one_of(FRACTIONS, FLOATS), b=st.one_of(FRACTIONS, FLOATS))
def test_exact_div_of_fractions_and_floats_is_pythons_division(a: Any, b: Any) -> None:
    """`exact_div` of a Fraction and a float (either side) or two floats: Python's ``a / b``."""
    if b == 0:
        return
    assert _same(exact_div(a, b), a / b)


@settings(max_examples=300, deadline=None)
@given(q=st.fractions(min_value=0, max_value=10**6, max_denominator=10**6))
def test_the_root_of_a_fraction_is_exact_for_a_square_else_the_float_root(q: Fraction) -> None:
    """sqrt(q): the exact root of a rational square, else ``math.sqrt(q)`` bit for bit."""
    got = evaluate(parse("sqrt(q)"), {"q": q})
    if type(got) is Fraction:
        assert got * got == q
    else:
        assert _same(got, math.sqrt(q))
    assert _same(evaluate(parse("sqrt(v)"), {"v": _vector([q])})[0], got)


# ------------------------------------------------------------------- solvers' shared work

def _float_adam(w: list[Fraction], grads: list[list[Fraction]], lr: Fraction, b1: Fraction,
                b2: Fraction, eps: Fraction, *, bias: tuple[bool, bool], t_shift: int = 0,
                eps_inside: bool = False, root: bool = True) -> list[float]:
    """Adam's weights in floats, one independent run per slip (the formula as written)."""
    lr_f, b1_f, b2_f, eps_f = float(lr), float(b1), float(b2), float(eps)
    weights = [float(x) for x in w]
    m = [0.0] * len(w)
    v = [0.0] * len(w)
    for t, g in enumerate(grads, start=1):
        gf = [float(x) for x in g]
        m = [b1_f * mi + (1 - b1_f) * gi for mi, gi in zip(m, gf, strict=True)]
        v = [b2_f * vi + (1 - b2_f) * gi * gi for vi, gi in zip(v, gf, strict=True)]
        bc1 = 1 - b1_f ** (t + t_shift) if bias[0] else 1.0
        bc2 = 1 - b2_f ** (t + t_shift) if bias[1] else 1.0
        for i, (mi, vi) in enumerate(zip(m, v, strict=True)):
            m_hat, v_hat = mi / bc1, vi / bc2
            if not root:
                d = v_hat + eps_f
            elif eps_inside:
                d = math.sqrt(v_hat + eps_f)
            else:
                d = math.sqrt(v_hat) + eps_f
            weights[i] = weights[i] - lr_f * m_hat / d
    return weights


GRID = st.integers(-20, 20).filter(bool).map(lambda k: Fraction(k, 10))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 3), steps=st.integers(1, 3), data=st.data(),
       b1=st.sampled_from([Fraction(9, 10), Fraction(8, 10)]),
       b2=st.sampled_from([Fraction(999, 1000), Fraction(99, 100)]),
       eps=st.sampled_from([Fraction(1, 10), Fraction(3, 10)]))
def test_adams_slips_share_the_moments_and_keep_their_bits(
        n: int, steps: int, data: st.DataObject, b1: Fraction, b2: Fraction,
        eps: Fraction) -> None:
    """The slips' weights of `optim.adam`, computed from one set of float moments, are the
    weights of an independent float run of each slip, bit for bit; m and v are the exact
    moments of `adam_run`."""
    w = data.draw(st.lists(GRID, min_size=n, max_size=n))
    grads = [data.draw(st.lists(GRID, min_size=n, max_size=n)) for _ in range(steps)]
    lr = Fraction(1, 10)
    out = adam({"w": w, "g": grads, "lr": lr, "beta1": b1, "beta2": b2, "eps": eps})
    args = (w, grads, lr, b1, b2, eps)
    cases: dict[str, dict[str, Any]] = {"w_no_bias_correction": {"bias": (False, False)},
             "w_eps_inside": {"bias": (True, True), "eps_inside": True},
             "w_no_root": {"bias": (True, True), "root": False},
             "w_correct_m_only": {"bias": (True, False)},
             "w_correct_v_only": {"bias": (False, True)},
             "w_t_plus_one": {"bias": (True, True), "t_shift": 1}}
    for name, switches in cases.items():
        want = _float_adam(*args, **switches)
        assert all(_same(g, x) for g, x in zip(out[name].tolist(), want, strict=True)), name
    m, v, _, _ = adam_run(*args)
    assert list(out["m"]) == m and list(out["v"]) == v
    assert all(type(x) is Fraction for x in [*out["m"], *out["v"], *out["m_swapped"]])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 3), steps=st.integers(1, 3), data=st.data(),
       alpha=st.sampled_from([Fraction(9, 10), Fraction(99, 100)]))
def test_rmsprops_slips_share_the_averages(n: int, steps: int, data: st.DataObject,
                                           alpha: Fraction) -> None:
    """`optim.rmsprop` computes PyTorch's averages once for three weight rules: each equals
    its own `rmsprop_run` (exact s, float weights with the same bits)."""
    w = data.draw(st.lists(GRID, min_size=n, max_size=n))
    grads = [data.draw(st.lists(GRID, min_size=n, max_size=n)) for _ in range(steps)]
    lr, eps = Fraction(1, 100), Fraction(1, 20)
    out = rmsprop({"w": w, "g": grads, "lr": lr, "alpha": alpha, "eps": eps})
    for name, switches in (("w_new", {}), ("w_eps_inside", {"eps_inside": True}),
                           ("w_no_root", {"root": False})):
        s, weights, _ = rmsprop_run(w, grads, lr, alpha, eps, **switches)
        assert all(_same(g, x) for g, x in zip(out[name].tolist(), weights, strict=True))
        assert list(out["s"]) == s


@pytest.mark.parametrize(("keep", "scale"), [(None, 1), (None, Fraction(1, 10)),
                                             (Fraction(1, 10), 1), (0, 1)])
def test_momentum_runs_from_zero_velocity(keep: Any, scale: Any) -> None:
    """v ← keep·v + scale·g from v₀ = 0 and w ← w − lr·v, exact, for PyTorch's rule and the
    slips' coefficients; records or not, the same values."""
    w = [Fraction(1), Fraction(-1, 2)]
    grads = [[Fraction(3, 10), Fraction(-2)], [Fraction(1, 10), Fraction(1)],
             [Fraction(-1, 2), Fraction(7, 10)]]
    lr, beta = Fraction(1, 10), Fraction(9, 10)
    k = beta if keep is None else Fraction(keep)
    vel, weights = [Fraction(0)] * 2, list(w)
    for g in grads:
        vel = [k * vi + scale * gi for vi, gi in zip(vel, g, strict=True)]
        weights = [wi - lr * vi for wi, vi in zip(weights, vel, strict=True)]
    for record in (True, False):
        got_v, got_w, steps = momentum_run(w, grads, lr, beta, keep=keep, scale=scale,
                                           record=record)
        assert (got_v, got_w) == (vel, weights)
        assert all(type(x) is Fraction for x in [*got_v, *got_w])
        assert len(steps) == (3 if record else 0)
