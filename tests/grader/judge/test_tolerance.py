"""Tests for grader.judge.tolerance: each tolerance mode on its edges, at 0, at 1e-300 and 1e300.

"Edge" cases sit exactly on the tolerance boundary (they pass: boundaries are inclusive);
"inside" and "outside" cases sit just either side of it.
"""

from __future__ import annotations

import math
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import grader.judge.tolerance as compare_module
from grader.judge.tolerance import (
    is_close_abs,
    is_close_decimals,
    is_close_rel,
    is_close_sigfigs,
    round_sigfigs,
    shape_and_values,
    within,
    within_all,
    within_each,
)
from questionbank.tolerance import Tolerance

NAN = math.nan
INF = math.inf


def test_public_api() -> None:
    assert sorted(compare_module.__all__) == sorted([
        "is_close_rel", "is_close_abs", "is_close_sigfigs", "is_close_decimals", "within",
        "within_all", "within_each", "round_sigfigs", "shape_and_values", "Window",
        "accepted_window",
    ])


# a_sub, a_tru, rtol, atol_floor, expected
REL_CASES = [
    (1.5, 1.0, 0.5, 1e-9, True),  # edge, exactly representable
    (1.01, 1.0, 0.01, 1e-9, True),  # edge typed in decimal (float slack)
    (0.99, 1.0, 0.01, 1e-9, True),  # edge below
    (1.0099, 1.0, 0.01, 1e-9, True),  # inside
    (1.0100001, 1.0, 0.01, 1e-9, False),  # just outside
    (0.9899999, 1.0, 0.01, 1e-9, False),
    (0.6180, 0.615, 0.005, 1e-9, True),
    (0.6181, 0.615, 0.005, 1e-9, False),
    (-1.005, -1.0, 0.005, 1e-9, True),  # negative values
    (-1.0051, -1.0, 0.005, 1e-9, False),
    (0.615, -0.615, 0.005, 1e-9, False),  # sign matters
    (0.0, 0.0, 0.01, 1e-9, True),  # zero: the floor applies
    (1e-9, 0.0, 0.01, 1e-9, True),
    (-1e-9, 0.0, 0.01, 1e-9, True),
    (1.1e-9, 0.0, 0.01, 1e-9, False),
    (1e-12, 0.0, 0.01, 0.0, False),  # no floor: zero must be matched exactly
    (0.0, 0.0, 0.01, 0.0, True),
    (1.004e-300, 1e-300, 0.005, 0.0, True),  # tiny, purely relative
    (1.006e-300, 1e-300, 0.005, 0.0, False),
    (5e-300, 1e-300, 0.005, 1e-9, True),  # tiny values all pass the default floor
    (1.004e300, 1e300, 0.005, 1e-9, True),  # huge
    (1.006e300, 1e300, 0.005, 1e-9, False),
    (-1.7e308, 1.7e308, 0.5, 1e-9, False),  # the difference overflows to inf: far apart
    (1.0, 1e300, 1e10, 1e-9, True),  # a silly rtol overflows the bound to inf: passes
]


@pytest.mark.parametrize(("a_sub", "a_tru", "rtol", "floor", "expected"), REL_CASES)
def test_is_close_rel(a_sub: float, a_tru: float, rtol: float, floor: float,
                      expected: bool) -> None:
    assert is_close_rel(a_sub, a_tru, rtol, floor) is expected
    assert within(Tolerance("rel", rtol, floor), a_sub, a_tru) is expected


def test_is_close_rel_default_floor() -> None:
    assert is_close_rel(1e-9, 0.0, 0.01)
    assert not is_close_rel(2e-9, 0.0, 0.01)


# a_sub, a_tru, atol, expected
ABS_CASES = [
    (1.5, 1.0, 0.5, True),  # edge, exactly representable
    (1.1, 1.0, 0.1, True),  # edge typed in decimal
    (0.9, 1.0, 0.1, True),
    (1.0999, 1.0, 0.1, True),
    (1.1000001, 1.0, 0.1, False),
    (0.8999999, 1.0, 0.1, False),
    (-0.95, -1.0, 0.05, True),
    (-0.9499, -1.0, 0.05, False),
    (0.0, 0.0, 1e-12, True),
    (1e-300, 0.0, 1e-300, True),
    (3e-300, 0.0, 1e-300, False),
    (1.5e300, 1e300, 5e299, True),
    (1.6e300, 1e300, 5e299, False),
    (-1e300, 1e300, 1e300, False),
    (1e6 + 0.1, 1e6, 0.1, True),  # edge far from 0: float noise is absorbed
    (1e6 + 0.1001, 1e6, 0.1, False),
]


@pytest.mark.parametrize(("a_sub", "a_tru", "atol", "expected"), ABS_CASES)
def test_is_close_abs(a_sub: float, a_tru: float, atol: float, expected: bool) -> None:
    assert is_close_abs(a_sub, a_tru, atol) is expected
    assert within(Tolerance("abs", atol), a_sub, a_tru) is expected


# a_sub, a_tru, digits, expected
SIGFIG_CASES = [
    (0.62, 0.615, 2, True),  # 0.615 rounds half up to 0.62
    (0.61, 0.615, 2, False),
    (0.615, 0.615, 2, True),  # lower edge of [0.615, 0.625]
    (0.625, 0.615, 2, True),  # upper edge
    (0.6249, 0.615, 2, True),
    (0.6251, 0.615, 2, False),
    (0.6149, 0.615, 2, False),
    (0.62, 0.6149999999999999, 2, True),  # a reference with float noise counts as 0.615
    (0.615, 0.61538461538, 3, True),
    (0.6154, 0.61538461538, 3, True),
    (0.616, 0.61538461538, 3, False),
    (-0.62, -0.615, 2, True),  # negative values
    (0.62, -0.615, 2, False),
    (0.6, 0.55, 1, True),  # half up and half to even agree: 0.6
    (0.5, 0.55, 1, False),
    (0.312, 0.3125, 3, True),  # they disagree: half to even (0.312) and half up (0.313)
    (0.313, 0.3125, 3, True),
    (0.311, 0.3125, 3, False),
    (0.314, 0.3125, 3, False),
    (-0.312, -0.3125, 3, True),
    (10.0, 9.995, 3, True),  # next to a power of ten: 10.0 either way
    (9.99, 9.995, 3, False),
    (10.0, 9.996, 3, True),  # rounding carries into a new digit: 10.0
    (9.99, 9.996, 3, False),
    (0.0, 0.0, 3, True),  # zero: |sub| <= 0.5 * 10**-digits
    (0.0005, 0.0, 3, True),
    (-0.0005, 0.0, 3, True),
    (0.00051, 0.0, 3, False),
    (1.23e-300, 1.234e-300, 3, True),  # tiny
    (1.2349e-300, 1.234e-300, 3, True),
    (1.24e-300, 1.234e-300, 3, False),
    (1.23e300, 1.2345e300, 3, True),  # huge
    (1.24e300, 1.2345e300, 3, False),
    (1e300, 9.996e299, 3, True),
    (123456.0, 123456.0, 20, True),  # more figures than a float holds: equality
    (123457.0, 123456.0, 20, False),
]


@pytest.mark.parametrize(("a_sub", "a_tru", "digits", "expected"), SIGFIG_CASES)
def test_is_close_sigfigs(a_sub: float, a_tru: float, digits: int, expected: bool) -> None:
    assert is_close_sigfigs(a_sub, a_tru, digits) is expected
    assert within(Tolerance("sigfigs", float(digits)), a_sub, a_tru) is expected


# a_sub, a_tru, digits, expected
DECIMAL_CASES = [
    (0.62, 0.615, 2, True),
    (0.61, 0.615, 2, False),
    (0.625, 0.615, 2, True),  # edge of [0.615, 0.625]
    (0.6251, 0.615, 2, False),
    (-1.25, -1.245, 2, True),  # negative: half away from zero
    (-1.24, -1.245, 2, True),  # or half to even
    (-1.23, -1.245, 2, False),
    (3.0, 2.5, 0, True),  # 0 decimals: whole numbers, 2.5 -> 3 (half up) or 2 (half to even)
    (2.5, 2.5, 0, True),
    (2.0, 2.5, 0, True),
    (1.0, 2.5, 0, False),
    (4.0, 3.5, 0, True),  # 3.5 -> 4 either way
    (3.0, 3.5, 0, False),
    (0.05, 0.0, 1, True),  # zero, on the edge
    (-0.05, 0.0, 1, True),
    (0.06, 0.0, 1, False),
    (0.0, 1e-300, 2, True),  # tiny values round to 0.00
    (1e-300, 0.0, 2, True),
    (1e300, 1e300, 2, True),  # huge: exact arithmetic, no overflow
    (1e300 * (1 + 1e-11), 1e300, 2, False),
    (0.30000000000000004, 0.3, 17, True),
    (0.12, 0.125, 2, True),  # half to even (0.12) and half up (0.13) disagree: both
    (0.13, 0.125, 2, True),
    (0.11, 0.125, 2, False),
    (0.14, 0.125, 2, False),
]


@pytest.mark.parametrize(("a_sub", "a_tru", "digits", "expected"), DECIMAL_CASES)
def test_is_close_decimals(a_sub: float, a_tru: float, digits: int, expected: bool) -> None:
    assert is_close_decimals(a_sub, a_tru, digits) is expected
    assert within(Tolerance("decimals", float(digits)), a_sub, a_tru) is expected


@pytest.mark.parametrize(("x", "digits", "expected"), [
    (0.615, 2, 0.62),
    (0.625, 2, 0.63),
    (-0.615, 2, -0.62),
    (0.6149999999999999, 2, 0.62),
    (123456.0, 2, 120000.0),
    (0.000123456, 3, 0.000123),
    (9.995, 3, 10.0),
    (2.5, 1, 3.0),
    (1e300, 3, 1e300),
    (1.2345e300, 2, 1.2e300),
    (1.234e-300, 2, 1.2e-300),
    (0.0, 3, 0.0),
    (0.1 + 0.2, 17, 0.3),
    (7, 3, 7.0),
])
def test_round_sigfigs(x: float, digits: int, expected: float) -> None:
    assert round_sigfigs(x, digits) == expected


def test_round_sigfigs_overflow() -> None:
    with pytest.raises(OverflowError):
        round_sigfigs(1.7976931348623157e308, 1)


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: is_close_rel(NAN, 1.0, 0.01), "finite"),
    (lambda: is_close_rel(1.0, INF, 0.01), "finite"),
    (lambda: is_close_rel(1.0, 1.0, 0.0), "rtol"),
    (lambda: is_close_rel(1.0, 1.0, -0.01), "rtol"),
    (lambda: is_close_rel(1.0, 1.0, NAN), "rtol"),
    (lambda: is_close_rel(1.0, 1.0, INF), "rtol"),
    (lambda: is_close_rel(1.0, 1.0, 0.01, -1e-9), "atol_floor"),
    (lambda: is_close_rel(1.0, 1.0, 0.01, NAN), "atol_floor"),
    (lambda: is_close_abs(-INF, 1.0, 0.1), "finite"),
    (lambda: is_close_abs(1.0, 1.0, 0.0), "atol"),
    (lambda: is_close_abs(1.0, 1.0, -1.0), "atol"),
    (lambda: is_close_sigfigs(NAN, 1.0, 3), "finite"),
    (lambda: is_close_sigfigs(1.0, 1.0, 0), "digits"),
    (lambda: is_close_sigfigs(1.0, 1.0, 2.5), "digits"),
    (lambda: is_close_sigfigs(1.0, 1.0, NAN), "digits"),
    (lambda: is_close_sigfigs(1.0, 1.0, 1001), "digits"),
    (lambda: is_close_decimals(1.0, INF, 2), "finite"),
    (lambda: is_close_decimals(1.0, 1.0, -1), "digits"),
    (lambda: is_close_decimals(1.0, 1.0, 301), "digits"),
    (lambda: round_sigfigs(INF, 2), "finite"),
    (lambda: round_sigfigs(1.0, 0), "digits"),
    (lambda: within(Tolerance("rel", 0.0), 1.0, 1.0), "rtol"),
    (lambda: within(Tolerance("abs", -0.1), 1.0, 1.0), "atol"),
    (lambda: within(Tolerance("sigfigs", 2.5), 1.0, 1.0), "sigfigs"),
    (lambda: within(Tolerance("decimals", -1.0), 1.0, 1.0), "decimals"),
    (lambda: within(Tolerance("percent", 1.0), 1.0, 1.0), "unknown tolerance mode"),
    (lambda: within_all(Tolerance(), [1.0, NAN], [1.0, 1.0]), "finite"),
    (lambda: within_all(Tolerance(), [1.0], [1.0, 2.0, INF]), "finite"),
    (lambda: within_all(Tolerance("rel", 0.0), [], []), "rtol"),
    (lambda: within_all(Tolerance(), [[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0, 4.0]]), "ragged"),
    (lambda: within_each(Tolerance(), [1.0, 2.0], [1.0]), "different lengths"),
    (lambda: within_each(Tolerance(), [1.0, NAN], [1.0, 1.0]), "finite"),
    (lambda: within_each(Tolerance("abs", 0.0), [1.0], [1.0]), "atol"),
    (lambda: shape_and_values([[1.0], [2.0, 3.0]]), "ragged"),
])
def test_bugs_raise_value_error(call: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        call()


@pytest.mark.parametrize("value", ["1.0", b"1", None, {1: 2}, [1.0, "2"], np.array(["1.0"]),
                                   np.array([1 + 2j])])
def test_within_all_refuses_non_numbers(value: Any) -> None:
    with pytest.raises(TypeError):
        within_all(Tolerance(), value, [1.0])


TOL = Tolerance("rel", 0.01)


@pytest.mark.parametrize(("a_sub", "a_tru", "expected"), [
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], True),
    ((1.005, 2.01, 2.97), [1.0, 2.0, 3.0], True),
    ([1.0, 2.0, 3.1], [1.0, 2.0, 3.0], False),  # one entry outside
    ([1.0, 2.0], [1.0, 2.0, 3.0], False),  # length mismatch
    ([[1.0, 2.0, 3.0]], [1.0, 2.0, 3.0], False),  # 1x3 against 3: no broadcasting
    ([1.0], 1.0, False),
    (1.0, 1.0, True),  # scalars have shape ()
    ([[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]]), True),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 3.0], [2.0, 4.0]]), False),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0, 3.0, 4.0]), False),
    (np.ones((2, 3)), np.ones((3, 2)), False),
    (np.float64(2.0), 2.0, True),
    (np.array(2.0), 2.0, True),
    ([np.array([1.0, 2.0]), np.array([3.0, 4.0])], [[1.0, 2.0], [3.0, 4.0]], True),
    ([], [], True),
    (np.zeros((0, 3)), [], False),
    ([[], []], np.zeros((2, 0)), True),
    ([0.0, -1e-300, 1e300], [1e-10, 0.0, 1.004e300], True),
])
def test_within_all(a_sub: Any, a_tru: Any, expected: bool) -> None:
    assert within_all(TOL, a_sub, a_tru) is expected


@pytest.mark.parametrize(("value", "shape", "entries"), [
    (2, (), [2.0]),
    ([1, 2.5], (2,), [1.0, 2.5]),
    ([[1, 2, 3], [4, 5, 6]], (2, 3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), (2, 2), [1.0, 2.0, 3.0, 4.0]),
    ([], (0,), []),
])
def test_shape_and_values(value: Any, shape: tuple[int, ...], entries: list[float]) -> None:
    assert shape_and_values(value) == (shape, entries)
    assert all(type(entry) is float for entry in shape_and_values(value)[1])


@pytest.mark.parametrize("tol", [Tolerance("rel", 0.01), Tolerance("abs", 0.01),
                                 Tolerance("sigfigs", 2), Tolerance("decimals", 2)])
def test_within_each_is_within_entry_by_entry(tol: Tolerance) -> None:
    """The vectorised form gives, entry by entry, what the scalar form gives: boundaries
    (1.01 against 1 within abs 0.01, on the edge) included."""
    subs = [1.01, 1.0101, 0.99, -1.01, 0.0, 1.005, 1.0049, 123.4]
    trus = [1.0, 1.0, 1.0, -1.0, 0.001, 1.0, 1.0, 123.0]
    expected = [within(tol, s, t) for s, t in zip(subs, trus, strict=True)]
    assert within_each(tol, subs, trus) == expected
    assert within_each(Tolerance("abs", 0.01), [1.01, 1.01], [1.0, 1.0]) == [True, True]
    assert within_each(tol, [], []) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), max_size=12),
       st.sampled_from([Tolerance("rel", 0.005), Tolerance("abs", 0.01),
                        Tolerance("sigfigs", 3), Tolerance("decimals", 1)]))
def test_within_each_agrees_with_within(pairs: list[tuple[float, float]],
                                        tol: Tolerance) -> None:
    """Rule: within_each(tol, subs, trus)[i] == within(tol, subs[i], trus[i]) for every i."""
    subs, trus = [s for s, _ in pairs], [t for _, t in pairs]
    assert within_each(tol, subs, trus) == [within(tol, s, t) for s, t in pairs]


def test_within_all_dispatches_every_mode() -> None:
    assert within_all(Tolerance("abs", 0.1), [1.05, 2.0], [1.0, 2.0])
    assert within_all(Tolerance("sigfigs", 2), [0.62, 120.0], [0.615, 123.0])
    assert not within_all(Tolerance("decimals", 1), [0.66, 1.0], [0.6, 1.0])


# --------------------------------------------------------------------------------------------
# properties

MAGNITUDES = st.floats(min_value=1e-300, max_value=1e300)


@settings(max_examples=300, deadline=None)
@given(MAGNITUDES, st.booleans(), st.floats(min_value=1e-6, max_value=0.5),
       st.floats(min_value=-0.999, max_value=0.999))
def test_perturbation_inside_rtol_passes(magnitude: float, negative: bool, rtol: float,
                                         fraction: float) -> None:
    """Rule: a_tru * (1 + f * rtol) with |f| < 1 is within rtol of a_tru (floor 0)."""
    a_tru = -magnitude if negative else magnitude
    assert is_close_rel(a_tru * (1 + fraction * rtol), a_tru, rtol, 0.0)


@settings(max_examples=300, deadline=None)
@given(MAGNITUDES, st.booleans(), st.floats(min_value=1e-6, max_value=0.5),
       st.floats(min_value=1.001, max_value=100.0), st.booleans())
def test_perturbation_outside_rtol_fails(magnitude: float, negative: bool, rtol: float,
                                         factor: float, below: bool) -> None:
    """Rule: a_tru * (1 +- g * rtol) with g > 1.001 is not within rtol of a_tru (floor 0)."""
    a_tru = -magnitude if negative else magnitude
    a_sub = a_tru * (1 - factor * rtol if below else 1 + factor * rtol)
    assume(math.isfinite(a_sub))
    assert not is_close_rel(a_sub, a_tru, rtol, 0.0)


@settings(max_examples=300, deadline=None)
@given(st.one_of(MAGNITUDES, MAGNITUDES.map(lambda x: -x), st.just(0.0)),
       st.integers(min_value=1, max_value=15))
def test_rounded_value_is_close_in_sigfigs(x: float, digits: int) -> None:
    """Rule: is_close_sigfigs(round_sigfigs(x, d), x, d) holds for every normal float x."""
    assert is_close_sigfigs(round_sigfigs(x, digits), x, digits)


#: offsets (in units of the last kept figure) near the edges of a sigfigs window, or anywhere
EDGE_OFFSETS = st.one_of(st.sampled_from([0.0, 0.5, -0.5, 0.49, 0.51, -0.49, -0.51, 0.4999999,
                                          0.5000001, 1.5, -1.5]),
                         st.floats(min_value=-3, max_value=3))


@settings(max_examples=1500, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=-40, max_value=40),
       st.floats(min_value=0, max_value=1), st.sampled_from([0.0, 0.5, 0.495, 0.505, None]),
       EDGE_OFFSETS, st.booleans(), st.booleans())
def test_sigfigs_float_verdicts_are_the_decimal_ones(digits: int, exponent: int, lead: float,
                                                     half: float | None, offset: float,
                                                     negative: bool, typed: bool) -> None:
    """Rule: is_close_sigfigs gives the verdict of the exact decimal window alone (the float
    shortcut off), for keys on or near a halfway point or a power of ten and answers on or
    near the window's ends, as typed (few digits) or as computed floats."""
    unit = 10.0 ** (exponent - digits + 1)
    whole = 10 ** (digits - 1) + int(lead * 9 * 10 ** (digits - 1))
    a_tru = (whole + (lead if half is None else half)) * unit * (-1 if negative else 1)
    a_sub = a_tru + offset * unit
    if typed:
        a_sub = float(f"{a_sub:.{digits + 1}g}")
    with patch.object(compare_module, "_FLOAT_SIGFIGS", 0):
        exact = is_close_sigfigs(a_sub, a_tru, digits)
    assert is_close_sigfigs(a_sub, a_tru, digits) is exact


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=1, max_value=12), EDGE_OFFSETS, st.booleans())
def test_sigfigs_float_verdicts_for_a_key_of_zero(digits: int, offset: float,
                                                  typed: bool) -> None:
    """Rule: for a key of 0 the float shortcut gives the exact window's verdict too
    (``|sub| <= 0.5 * 10**-digits``), on and near the window's ends."""
    a_sub = offset * 10.0 ** -digits
    if typed:
        a_sub = float(f"{a_sub:.{digits + 1}g}")
    with patch.object(compare_module, "_FLOAT_SIGFIGS", 0):
        exact = is_close_sigfigs(a_sub, 0.0, digits)
    assert is_close_sigfigs(a_sub, 0.0, digits) is exact


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6), st.integers(min_value=0, max_value=8))
def test_rounded_value_is_close_in_decimals(x: float, digits: int) -> None:
    """Rule: x rounded to d decimals (half away from zero) is within d decimals of x."""
    rounded = float(round_half_away(x, digits))
    assert is_close_decimals(rounded, x, digits)


def round_half_away(x: float, digits: int) -> float:
    """Round x (read as its 15-significant-digit decimal) to `digits` places, ties up."""
    from decimal import ROUND_HALF_UP, Decimal

    reading = Decimal(f"{x:.15g}")
    return float(reading.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
