"""`accepted_window` is exactly what the judge's `within` accepts: both ends pass, a step
beyond either end (larger than the judge's documented 1e-12 float slack) fails."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from grader.export.interval import Window, accepted_window, exact_window, narrowed_clear_of
from grader.judge.tolerance import within
from questionbank.tolerance import Tolerance

keys = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-10**6, max_value=10**6).map(float),
    st.integers(min_value=-99999, max_value=99999).map(lambda n: n / 1000),
    st.sampled_from([0.0, 1.0, 10.0, 0.1, 0.615, 9.996, 0.00995, -100.0, 1e-9, 0.625]))
tolerances = st.one_of(
    st.builds(Tolerance, st.just("rel"), st.sampled_from([0.005, 0.01, 0.1, 1e-6]),
              st.sampled_from([1e-9, 0.0, 1e-3])),
    st.builds(Tolerance, st.just("abs"), st.sampled_from([0.0005, 0.5, 1e-7, 3.0])),
    st.builds(Tolerance, st.just("sigfigs"), st.integers(1, 15).map(float)),
    st.builds(Tolerance, st.just("decimals"), st.integers(0, 8).map(float)))


def _step(window: Window) -> float:
    """Past the judge's slack (1e-12 relative) and the 15-digit reading of the rounding modes."""
    return max(abs(window.lo), abs(window.hi)) * 1e-9 + window.half * 1e-6


@settings(max_examples=400, deadline=None)
@given(tolerances, keys)
@example(Tolerance("sigfigs", 3.0), 9.996)   # next to a power of ten: lopsided window
@example(Tolerance("sigfigs", 2.0), -0.0615)
@example(Tolerance("decimals", 2.0), 0.6149)
@example(Tolerance("rel", 0.005, 1e-9), 0.0)  # the absolute floor
def test_window_is_what_within_accepts(tol: Tolerance, key: float) -> None:
    """Both ends are accepted, the key is inside, and a step past either end is refused."""
    assume(not (tol.mode == "rel" and tol.floor == 0.0 and key == 0.0))  # nothing accepted
    window = accepted_window(tol, key)
    assert window.half >= 0
    assert within(tol, window.lo, key) and within(tol, window.hi, key)
    step = _step(window)
    assert window.lo - step <= key <= window.hi + step
    assume(step > 0)
    assert not within(tol, window.lo - step, key)
    assert not within(tol, window.hi + step, key)


@pytest.mark.parametrize(("tol", "key", "lo", "hi"), [
    (Tolerance("rel", 0.005), 0.615, 0.611925, 0.618075),
    (Tolerance("abs", 0.0005), -19.5, -19.5005, -19.4995),
    (Tolerance("rel", 0.005, 1e-9), 0.0, -1e-9, 1e-9),
    (Tolerance("decimals", 2.0), 0.6149, 0.605, 0.615),
    (Tolerance("sigfigs", 3.0), 9.996, 9.995, 10.05),
    (Tolerance("sigfigs", 2.0), 0.0, -0.005, 0.005),
])
def test_window_ends(tol: Tolerance, key: float, lo: float, hi: float) -> None:
    window = accepted_window(tol, key)
    # (narrowed by the judge's float slack, 1e-12 relative, at most twice over)
    assert math.isclose(window.lo, lo, rel_tol=1e-11, abs_tol=1e-20)
    assert math.isclose(window.hi, hi, rel_tol=1e-11, abs_tol=1e-20)
    assert window.lo >= lo - 1e-15 * abs(lo) and window.hi <= hi + 1e-15 * abs(hi)


def test_rel_window_is_centred_on_the_key() -> None:
    assert accepted_window(Tolerance("rel", 0.01), 1.849e-5).center == 1.849e-5


def test_a_non_finite_key_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        accepted_window(Tolerance(), math.inf)


@pytest.mark.parametrize(("window", "avoid", "expected"), [
    (Window(2.0, 0.5), Window(0.0, 1.0), Window(2.0, 0.5)),       # clear already
    (Window(2.0, 1.5), Window(0.0, 1.0), "narrowed"),              # cut short of 1.0
    (Window(0.5, 0.1), Window(0.0, 1.0), None),                   # inside the correct window
    (Window(1.0, 0.1), Window(0.0, 1.0), None),                   # on its edge
    (exact_window(3.0), exact_window(4.0), exact_window(3.0)),
    (exact_window(4.0), exact_window(4.0), None),
])
def test_mistake_windows_stay_clear(window: Window, avoid: Window, expected: object) -> None:
    placed = narrowed_clear_of(window, avoid)
    if expected == "narrowed":
        assert placed is not None and placed.center == window.center
        assert 0 < placed.half < window.half and not placed.overlaps(avoid)
    else:
        assert placed == expected


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(0, 1e3), st.floats(-1e6, 1e6), st.floats(0, 1e3))
def test_a_placed_mistake_never_overlaps(c1: float, h1: float, c2: float, h2: float) -> None:
    placed = narrowed_clear_of(Window(c1, h1), Window(c2, h2))
    if placed is not None:
        assert not placed.overlaps(Window(c2, h2)) and placed.half <= h1
