"""The numbers an LMS must accept for a key: the judge's tolerance as one closed interval.

An LMS stores a numeric answer as a centre and an absolute margin (Moodle's tolerance, GIFT's
``value:tolerance``, Canvas's exact answer with a margin). `accepted_window` turns a part's
`Tolerance` and a reference value into that centre and margin so that the LMS accepts exactly
what `grader.judge.tolerance.within` accepts, up to the judge's documented float slack (1e-12
relative): the window is computed exactly (`decimal`), rounded *inward* and narrowed by that
slack, and checked against `within` at both ends, so nothing the judge refuses is accepted by
the LMS.

(This rule belongs next to `within` in ``grader/judge/tolerance.py``; it lives here until the
judge package grows it.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

from grader.judge.tolerance import within
from questionbank.tolerance import Tolerance

__all__ = ["Window", "accepted_window", "exact_window", "narrowed_clear_of"]

_DENOISE = Context(prec=15, rounding=ROUND_HALF_EVEN)  # the judge reads floats to 15 figures
_EXACT = Context(prec=2000, rounding=ROUND_HALF_EVEN)
_MAX_NUDGES = 64
_SLACK = 1e-12  # the judge's relative float slack on every boundary (grader.judge.tolerance)


@dataclass(slots=True, frozen=True)
class Window:
    """The closed interval ``[center - half, center + half]`` (``half`` >= 0)."""

    center: float
    half: float

    @property
    def lo(self) -> float:
        return self.center - self.half

    @property
    def hi(self) -> float:
        return self.center + self.half

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    def overlaps(self, other: Window) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


def exact_window(value: float) -> Window:
    """Only `value` itself (an integer part, compared exactly)."""
    return Window(float(value), 0.0)


def _denoised(x: float) -> Decimal:
    """The float read as the decimal of 15 significant digits it stands for (as the judge)."""
    return _DENOISE.create_decimal_from_float(x)


def _bounds(tol: Tolerance, a_tru: float) -> tuple[Decimal, Decimal, Decimal]:
    """(centre, lower margin, upper margin) of what `within` accepts, in exact decimals."""
    mode = tol.mode
    if mode in ("rel", "abs"):
        bound = tol.value if mode == "abs" else max(tol.value * abs(a_tru), tol.floor)
        b = Decimal(bound)
        return Decimal(a_tru), b, b
    digits = int(tol.value)
    if mode == "decimals":
        rounded = _denoised(a_tru).quantize(Decimal((0, (1,), -digits)), ROUND_HALF_UP, _EXACT)
        half = Decimal((0, (5,), -digits - 1))
        return rounded, half, half
    if mode != "sigfigs":
        raise ValueError(f"unknown tolerance mode {mode!r}")
    if a_tru == 0:
        half = Decimal((0, (5,), -digits - 1))
        return Decimal(0), half, half
    rounded = Context(prec=min(digits, 15), rounding=ROUND_HALF_UP).plus(_denoised(a_tru))
    half = Decimal((0, (5,), rounded.adjusted() - digits))
    toward_zero = half
    if rounded.normalize(_EXACT).as_tuple().digits == (1,):  # a power of ten: finer below
        toward_zero = Decimal((0, (5,), rounded.adjusted() - digits - 1))
    if rounded > 0:
        return rounded, toward_zero, half
    return rounded, half, toward_zero


def _float_down(x: Decimal) -> float:
    """The largest float <= x (x >= 0)."""
    f = float(x)
    if Decimal(f) > x:
        f = math.nextafter(f, -math.inf)
    return max(f, 0.0)


def accepted_window(tol: Tolerance, a_tru: float) -> Window:
    """The widest window (centre, margin) inside what `within(tol, ., a_tru)` accepts.

    For ``rel`` and ``abs`` the centre is the key itself. For ``decimals`` and ``sigfigs`` the
    judge accepts the values that round like the key, a window around the *rounded* key (and
    lopsided next to a power of ten for ``sigfigs``): its midpoint is the centre.
    """
    if not math.isfinite(a_tru):
        raise ValueError(f"the key must be finite, got {a_tru!r}")
    mid, below, above = _bounds(tol, a_tru)
    center_exact = _EXACT.add(mid, _EXACT.divide(_EXACT.subtract(above, below), 2))
    half_exact = _EXACT.divide(_EXACT.add(above, below), 2)
    center = float(center_exact)
    # the float centre is off the exact one by up to half an ulp: take it off the margin
    shift = _EXACT.abs(_EXACT.subtract(Decimal(center), center_exact))
    half = _float_down(max(Decimal(0), _EXACT.subtract(half_exact, shift)))
    # Give up the judge's float slack (twice over): an end then passes every comparison of
    # the judge, also one made without the slack (the judge's vector check, as of this writing).
    half = max(0.0, half - 2 * _SLACK * (abs(center) + half))
    for _ in range(_MAX_NUDGES):  # the LMS adds in floats: make sure both ends pass
        if within(tol, center - half, a_tru) and within(tol, center + half, a_tru):
            return Window(center, half)
        half = max(0.0, half - math.ulp(max(abs(center), half)))
    raise AssertionError(f"no window found for {a_tru!r} under {tol!r}")  # pragma: no cover


def narrowed_clear_of(window: Window, avoid: Window) -> Window | None:
    """`window` with its margin cut so that it stays clear of `avoid` (a mistake's window
    beside the correct one), or None when its centre lies inside `avoid` or no margin is
    left: an LMS checks its answers in order, but the export never relies on that."""
    if avoid.contains(window.center) or window.center == avoid.lo or window.center == avoid.hi:
        return None
    if not window.overlaps(avoid):
        return window
    gap = avoid.lo - window.center if window.center < avoid.lo else window.center - avoid.hi
    step = math.ulp(max(abs(window.center), abs(avoid.lo), abs(avoid.hi)))
    half = min(window.half, gap - step)
    # stay clear after the LMS's own float arithmetic on centre +- margin
    while half > 0 and Window(window.center, half).overlaps(avoid):
        half -= step
    return Window(window.center, half) if half > 0 else None
