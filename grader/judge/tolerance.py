"""Is a submitted number close enough to the true one? The tolerance modes, as pure functions.

Named as in PrairieLearn's grading helpers: the mode is in the function name, ``a_sub`` is the
submitted value and ``a_tru`` the true (reference) value. The parsers have already refused nan
and inf in student input, so a non-finite value or a non-positive tolerance reaching these
functions is a bug in the caller: it raises `ValueError` instead of quietly returning False.

Two choices apply to every mode:

- **Boundaries are inclusive, with a float slack.** A value exactly on the edge of the
  tolerance passes. Because ``1.01 - 1.0`` is ``0.010000000000000009`` in floating point, the
  comparison allows an extra ``1e-12`` times the larger magnitude of the two values, so a
  decimal typed exactly on the edge is not failed by binary rounding. (That is far below any
  sensible tolerance: a float carries about 16 significant digits.)
- **Rounding modes read the float as the decimal it stands for.** `is_close_sigfigs` and
  `is_close_decimals` (and `round_sigfigs`) first round both values to 15 significant digits,
  so a reference computed as ``0.6149999999999999`` counts as 0.615, then round the true value
  half away from zero (school rounding: 0.615 -> 0.62 to two figures). The arithmetic after
  that is exact (`decimal`), so there is no overflow in ``10**n`` at 1e300 and no loss at
  1e-300.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from typing import Any

from questionbank.tolerance import Tolerance

__all__ = [
    "Window",
    "accepted_window",
    "is_close_abs",
    "is_close_decimals",
    "is_close_rel",
    "is_close_sigfigs",
    "round_sigfigs",
    "shape_and_values",
    "within",
    "within_all",
    "within_each",
]

_isfinite = math.isfinite
_INF = math.inf

_SLACK = 1e-12  # relative float slack on every boundary (see the module docstring)
_DENOISE_DIGITS = 15  # significant digits a float is read to before rounding
_MAX_SIGFIGS = 1000  # a sanity bound; figures past the 15th are float noise (see below)
_MAX_DECIMALS = 300

_DENOISE = Context(prec=_DENOISE_DIGITS, rounding=ROUND_HALF_EVEN)
# Wide enough that sums and differences of two 15-digit values anywhere in the float range
# (1e-324 to 1e308), and rounding to 300 decimals, are exact.
_EXACT = Context(prec=2000, rounding=ROUND_HALF_EVEN)
_SIGFIG_ROUNDERS = {
    d: Context(prec=d, rounding=ROUND_HALF_UP) for d in range(1, _DENOISE_DIGITS + 1)
}
_DECIMAL_SLACK = Decimal("1e-12")
#: `is_close_sigfigs` decides in floats up to this many figures, for keys of a magnitude in
#: this range (far from float underflow and overflow), unless a value is near an edge
_FLOAT_SIGFIGS = 9
_FLOAT_RANGE = (1e-280, 1e280)


def _require_finite(a_sub: float, a_tru: float) -> None:
    """Raise ValueError unless both values are finite numbers (nan/inf here is a caller bug)."""
    if not (_isfinite(a_sub) and _isfinite(a_tru)):
        raise ValueError(f"values must be finite, got a_sub={a_sub!r}, a_tru={a_tru!r}")


def _require_positive(name: str, value: float) -> None:
    """Raise ValueError unless `value` is a finite number > 0."""
    if not 0.0 < value < _INF:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def _whole(name: str, value: float, lowest: int, highest: int) -> int:
    """`value` as an int in [lowest, highest] (3.0 is accepted as 3: tolerances are floats)."""
    try:
        whole = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if whole != value or not lowest <= whole <= highest:
        raise ValueError(f"{name} must be a whole number from {lowest} to {highest}, "
                         f"got {value!r}")
    return whole


def is_close_rel(a_sub: float, a_tru: float, rtol: float, atol_floor: float = 1e-9) -> bool:
    """Relative tolerance: ``|sub - tru| <= max(rtol * |tru|, atol_floor)``.

    The absolute floor stops a true value of 0 (or nearly 0) from demanding an exact match;
    it may be 0 for a purely relative test. `rtol` must be > 0.
    """
    if not (_isfinite(a_sub) and _isfinite(a_tru)):
        _require_finite(a_sub, a_tru)
    if not 0.0 < rtol < _INF:
        _require_positive("rtol", rtol)
    if not 0.0 <= atol_floor < _INF:
        raise ValueError(f"atol_floor must be a finite number >= 0, got {atol_floor!r}")
    magnitude = abs(a_tru)
    bound = rtol * magnitude
    if bound < atol_floor:
        bound = atol_floor
    sub_magnitude = abs(a_sub)
    if sub_magnitude > magnitude:
        magnitude = sub_magnitude
    return abs(a_sub - a_tru) <= bound + _SLACK * magnitude


def is_close_abs(a_sub: float, a_tru: float, atol: float) -> bool:
    """Absolute tolerance: ``|sub - tru| <= atol`` (`atol` > 0)."""
    _require_finite(a_sub, a_tru)
    _require_positive("atol", atol)
    magnitude = max(abs(a_sub), abs(a_tru))
    return abs(a_sub - a_tru) <= atol + _SLACK * magnitude


def _denoised(x: float) -> Decimal:
    """The float `x` read as a decimal of 15 significant digits (0.6149999999999999 -> 0.615)."""
    return _DENOISE.create_decimal_from_float(x)


def _rounded_sigfigs(x: float, digits: int) -> Decimal:
    """`x` rounded to `digits` significant figures, half away from zero, as an exact Decimal.

    Beyond 15 figures there is nothing left to round: the 15-digit reading is returned.
    """
    return _SIGFIG_ROUNDERS[min(digits, _DENOISE_DIGITS)].plus(_denoised(x))


def _within_window(a_sub: float, rounded: Decimal, below: Decimal, above: Decimal) -> bool:
    """Whether ``rounded - below <= a_sub <= rounded + above``, plus the float slack."""
    slack = _EXACT.multiply(_DECIMAL_SLACK, _EXACT.abs(rounded))
    difference = _EXACT.subtract(_denoised(a_sub), rounded)
    return -_EXACT.add(below, slack) <= difference <= _EXACT.add(above, slack)


def is_close_sigfigs(a_sub: float, a_tru: float, digits: int) -> bool:
    """Whether `a_sub` rounds to the same `digits` significant figures as `a_tru`.

    With ``r = round_sigfigs(a_tru, digits)`` and ``e`` the exponent of its leading digit
    (``floor(log10|r|)``), this accepts ``|sub - r| <= 0.5 * 10**(e - digits + 1)``: half a unit
    in the last kept figure, boundaries included (so 0.625 passes for both 0.62 and 0.63).
    A key exactly halfway where rounding half up and half to even disagree accepts both
    roundings (0.3125 to 3 figures: 0.313 and 0.312; 0.615 to 2 is 0.62 either way).
    When ``|r|`` is a power of ten the figures below it are a decade finer, and so is the
    window on that side: 9.996 is 10.0 to 3 figures, which 9.995 rounds to but 9.99 does not.
    A true value of 0 has no leading digit; it is treated like 0.00...0 with `digits`
    decimals: ``|sub| <= 0.5 * 10**-digits``. `digits` is 1 to 1000; past 15 the window is
    narrower than the float slack, so it amounts to equality within 1e-12 relative.
    """
    return _close_sigfigs(a_sub, a_tru, _whole("digits", digits, 1, _MAX_SIGFIGS))


def _close_sigfigs(a_sub: float, a_tru: float, digits: int) -> bool:
    """`is_close_sigfigs` for `digits` already checked (`within` checks its tolerance's).

    A value is always within its own window (it rounds to the key's rounding, and the window
    is around that): an answer typed as the key's exact value (the entries of a right vector,
    a fraction) is decided at once, 0.1 us instead of 0.5."""
    if not (_isfinite(a_sub) and _isfinite(a_tru)):
        _require_finite(a_sub, a_tru)
    if a_sub == a_tru:
        return True
    verdict = _sigfigs_in_floats(a_sub, a_tru, digits)
    if verdict is not None:
        return verdict
    return _within_window(a_sub, *_sigfigs_window(a_tru, digits))


def _sigfigs_in_floats(a_sub: float, a_tru: float, digits: int) -> bool | None:
    """The verdict of `is_close_sigfigs` worked out in floats, or None when the values are
    near an edge of the rule, where only the exact decimal window decides.

    In units of the last kept figure (``10**(e - digits + 1)``) the key is ``scaled``, and
    it rounds to the whole number ``kept``; away from the edges the rule is
    ``|sub - kept| <= 1/2`` in those units. The floats here are off by less than 1e-6 units
    (for `digits` <= 9; the 15-digit reading and the 1e-12 slack by less than 1e-3), so a
    margin of 0.01 units keeps every verdict exact. The edges left to the decimal window:
    a key within 0.01 units of a halfway point (where the two roundings may disagree), a
    rounded key that is a power of ten (its window is lopsided), and an answer within 0.01
    units of the window's ends. A comparison in the decimal window takes 6.5 us, this one
    0.6 us (grading 10,000 x 10, `is_close_sigfigs` was a quarter of the judging time).
    """
    magnitude = abs(a_tru)
    if magnitude == 0 and digits <= _FLOAT_SIGFIGS:
        # A key of 0 (a dropped entry of a dropout vector: a sixth of the entries graded in
        # the 10,000 x 10 bench) is decided here too, in units of 10**-digits.
        distance = abs(a_sub) * 10.0 ** digits
        return True if distance < 0.49 else False if distance > 0.51 else None
    if not (digits <= _FLOAT_SIGFIGS and _FLOAT_RANGE[0] < magnitude < _FLOAT_RANGE[1]):
        return None
    unit = 10.0 ** (math.floor(math.log10(magnitude)) - digits + 1)
    scaled = magnitude / unit
    kept = math.floor(scaled + 0.5)
    if not 10 ** (digits - 1) < kept < 10 ** digits or abs(scaled - kept) > 0.49:
        return None
    distance = abs((a_sub if a_tru > 0 else -a_sub) / unit - kept)
    if distance < 0.49:
        return True
    if distance > 0.51:
        return False
    return None


def _sigfigs_window(a_tru: float, digits: int) -> tuple[Decimal, Decimal, Decimal]:
    """(the key rounded to `digits` figures, margin below, margin above) of `is_close_sigfigs`,
    exact: half a unit in the last kept figure, a decade finer toward zero next to a power of
    ten, and ``0.5 * 10**-digits`` around a key of 0."""
    if a_tru == 0:
        half = Decimal((0, (5,), -digits - 1))
        return Decimal(0), half, half
    rounded = _rounded_sigfigs(a_tru, digits)
    half = Decimal((0, (5,), rounded.adjusted() - digits))
    toward_zero = half
    if rounded.normalize(_EXACT).as_tuple().digits == (1,):  # |r| is a power of ten
        toward_zero = Decimal((0, (5,), rounded.adjusted() - digits - 1))
    even = Context(prec=min(digits, _DENOISE_DIGITS), rounding=ROUND_HALF_EVEN).plus(
        _denoised(a_tru))
    if even != rounded:
        return _both_roundings(rounded, even)
    if rounded > 0:
        return rounded, toward_zero, half
    return rounded, half, toward_zero


def is_close_decimals(a_sub: float, a_tru: float, digits: int) -> bool:
    """Whether `a_sub` rounds to the same `digits` decimal places as `a_tru`.

    With ``r`` the true value rounded to `digits` places (half away from zero), this accepts
    ``|sub - r| <= 0.5 * 10**-digits``, boundaries included. `digits` is 0 (round to a whole
    number: within 0.5) to 300.
    """
    _require_finite(a_sub, a_tru)
    digits = _whole("digits", digits, 0, _MAX_DECIMALS)
    return _within_window(a_sub, *_decimals_window(a_tru, digits))


def _decimals_window(a_tru: float, digits: int) -> tuple[Decimal, Decimal, Decimal]:
    """(the key rounded to `digits` places, margin below, margin above) of `is_close_decimals`."""
    rounded = _denoised(a_tru).quantize(Decimal((0, (1,), -digits)), ROUND_HALF_UP, _EXACT)
    half = Decimal((0, (5,), -digits - 1))
    even = _denoised(a_tru).quantize(Decimal((0, (1,), -digits)), ROUND_HALF_EVEN, _EXACT)
    if even != rounded:
        return _both_roundings(rounded, even)
    return rounded, half, half


def _both_roundings(up: Decimal, even: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """The window of a key exactly halfway between two roundings where rounding half up and
    half to even disagree (0.3125 to 3 figures: 0.313 or 0.312; Python's `round` and numpy
    round half to even): from one rounding to the other, both accepted."""
    low, high = min(up, even), max(up, even)
    centre = _EXACT.divide(_EXACT.add(low, high), 2)
    margin = _EXACT.subtract(centre, low)
    return centre, margin, margin


def round_sigfigs(x: float, digits: int) -> float:
    """`x` rounded to `digits` (1 to 1000) significant figures, half away from zero.

    The float is first read as a 15-digit decimal, so ``round_sigfigs(0.615, 2) == 0.62``, and
    asking for more than 15 figures returns that 15-digit reading.
    Raises OverflowError, like the built-in `round`, when rounding up goes past the largest
    float (only possible above about 1.7e308).
    """
    if not _isfinite(x):
        raise ValueError(f"x must be finite, got {x!r}")
    digits = _whole("digits", digits, 1, _MAX_SIGFIGS)
    if x == 0:
        return float(x)
    result = float(_rounded_sigfigs(x, digits))
    if not _isfinite(result):
        raise OverflowError(f"{x!r} rounded to {digits} significant figures is too large")
    return result


def _sigfigs_of(tol: Tolerance) -> int:
    """The figures of a ``sigfigs`` tolerance: a whole number in range (as a template's always
    is) as it is, anything else through `_whole`, which refuses what is not one."""
    digits = tol.value
    if type(digits) is not int or not 1 <= digits <= _MAX_SIGFIGS:
        digits = _whole("sigfigs", digits, 1, _MAX_SIGFIGS)
    return digits


def within(tol: Tolerance, a_sub: float, a_tru: float) -> bool:
    """Whether `a_sub` is within the tolerance `tol` of `a_tru` (dispatch on ``tol.mode``).

    A whole number of figures (as a template's tolerance always is) is used as it is, the
    check of `_whole` skipped (`_sigfigs_of`): about 0.2 us less a call, 0.6 us in all (grading
    2,500 x 4 numbers to 3 figures calls this 15,000 times)."""
    mode = tol.mode
    if mode == "sigfigs":
        return _close_sigfigs(a_sub, a_tru, _sigfigs_of(tol))
    if mode == "rel":
        return is_close_rel(a_sub, a_tru, tol.value, tol.floor)
    if mode == "abs":
        return is_close_abs(a_sub, a_tru, tol.value)
    if mode == "decimals":
        return is_close_decimals(a_sub, a_tru, _whole("decimals", tol.value, 0, _MAX_DECIMALS))
    raise ValueError(f"unknown tolerance mode {mode!r}")


def within_each(tol: Tolerance, a_subs: Sequence[float], a_trus: Sequence[float]
                ) -> list[bool]:
    """`within` applied to each pair of entries of two flat sequences of the same length.

    The vectorised form the judge uses for vector and matrix entries, declared mistakes and
    the generic detectors, so that an entry of an array passes exactly when the same value as
    a number part would. Plain Python on purpose: an answer has 2 to 10 entries, where one
    loop is faster than numpy's overhead per call. Raises ValueError when the lengths differ.
    """
    if len(a_subs) != len(a_trus):  # zip(strict=True) would say it only after comparing
        raise ValueError(f"the sequences have different lengths: {len(a_subs)} and "
                         f"{len(a_trus)}")
    pairs = zip(a_subs, a_trus, strict=True)
    mode = tol.mode
    # The same functions as `within`, with the mode looked up once for all the entries.
    if mode == "rel":
        rtol, floor = tol.value, tol.floor
        return [is_close_rel(a_sub, a_tru, rtol, floor) for a_sub, a_tru in pairs]
    if mode == "abs":
        atol = tol.value
        return [is_close_abs(a_sub, a_tru, atol) for a_sub, a_tru in pairs]
    if mode == "sigfigs":
        digits = _sigfigs_of(tol)
        return [_close_sigfigs(a_sub, a_tru, digits) for a_sub, a_tru in pairs]
    return [within(tol, a_sub, a_tru) for a_sub, a_tru in pairs]


def shape_and_values(x: Any, name: str = "value") -> tuple[tuple[int, ...], list[float]]:
    """The shape of a number, a (nested) sequence of numbers or an array, and its entries
    as floats, row by row (`name` is what error messages call `x`).

    Arrays are recognised by their ``shape`` and ``ravel`` (so numpy is not imported here).
    A ragged nesting has no shape and raises ValueError; non-numbers raise TypeError.
    """
    if type(x) is list and x and all([type(v) is float for v in x]):
        return (len(x),), list(x)  # a row of floats (a stored vector), without ABC checks
    if isinstance(x, numbers.Real):
        return (), [float(x)]
    shape = getattr(x, "shape", None)
    if shape is not None and hasattr(x, "ravel"):
        values = x.ravel().tolist()
        for value in values:
            if not isinstance(value, numbers.Real):
                raise TypeError(f"{name} must hold real numbers, got {value!r}")
        return tuple(int(n) for n in shape), [float(v) for v in values]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{name} must be a number, a sequence of numbers or an array, "
                        f"got {type(x).__name__}")
    if not x:
        return (0,), []
    parts = [shape_and_values(item, name) for item in x]
    inner = parts[0][0]
    flat: list[float] = []
    for part_shape, part_values in parts:
        if part_shape != inner:
            raise ValueError(f"{name} is ragged: entries of shapes {inner} and {part_shape}")
        flat.extend(part_values)
    return (len(x), *inner), flat


def within_all(tol: Tolerance, a_sub: Any, a_tru: Any) -> bool:
    """Whether the arrays have exactly the same shape and every entry is `within` `tol`.

    `a_sub` and `a_tru` are numbers, (nested) sequences of numbers or numpy arrays. There is no
    broadcasting: a shape mismatch (a 3-vector against a 1x3 matrix, say) is simply False.
    Every value is checked to be finite before anything is compared.
    """
    sub_shape, sub_values = shape_and_values(a_sub, "a_sub")
    tru_shape, tru_values = shape_and_values(a_tru, "a_tru")
    for value in sub_values + tru_values:
        if not _isfinite(value):
            raise ValueError(f"values must be finite, got {value!r}")
    within(tol, 1.0, 1.0)  # validates the tolerance even when there is nothing to compare
    if sub_shape != tru_shape:
        return False
    return all(within_each(tol, sub_values, tru_values))


# --------------------------------------------------------------------------- as an interval


@dataclass(slots=True, frozen=True)
class Window:
    """The closed interval ``[center - half, center + half]`` (``half`` >= 0): how an LMS
    stores a numeric answer (Moodle's tolerance, GIFT's ``value:tolerance``, QTI's margin)."""

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


_MAX_NUDGES = 64


def _bounds(tol: Tolerance, a_tru: float) -> tuple[Decimal, Decimal, Decimal]:
    """(centre, margin below, margin above) of what `within(tol, ., a_tru)` accepts, exact
    (the same windows the comparisons use, without their float slack)."""
    mode = tol.mode
    if mode in ("rel", "abs"):
        bound = Decimal(tol.value if mode == "abs" else max(tol.value * abs(a_tru), tol.floor))
        return Decimal(a_tru), bound, bound
    if mode == "decimals":
        return _decimals_window(a_tru, _whole("decimals", tol.value, 0, _MAX_DECIMALS))
    if mode == "sigfigs":
        return _sigfigs_window(a_tru, _whole("sigfigs", tol.value, 1, _MAX_SIGFIGS))
    raise ValueError(f"unknown tolerance mode {mode!r}")


def _float_down(x: Decimal) -> float:
    """The largest float <= x (x >= 0)."""
    f = float(x)
    if Decimal(f) > x:
        f = math.nextafter(f, -math.inf)
    return max(f, 0.0)


def accepted_window(tol: Tolerance, a_tru: float) -> Window:
    """The widest window (centre, margin) inside what `within(tol, ., a_tru)` accepts: what an
    LMS must accept for this key, so that it accepts nothing the judge refuses.

    For ``rel`` and ``abs`` the centre is the key itself. For ``decimals`` and ``sigfigs`` the
    judge accepts the values that round like the key, a window around the *rounded* key (and
    lopsided next to a power of ten for ``sigfigs``): its midpoint is the centre. The window is
    computed exactly, rounded inward, narrowed by the float slack and checked with `within` at
    both ends.
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
    # give up the float slack (twice over): an end then passes every comparison of the judge
    half = max(0.0, half - 2 * _SLACK * (abs(center) + half))
    for _ in range(_MAX_NUDGES):  # the LMS adds in floats: make sure both ends pass
        if within(tol, center - half, a_tru) and within(tol, center + half, a_tru):
            return Window(center, half)
        half = max(0.0, half - math.ulp(max(abs(center), half)))
    raise AssertionError(f"no window found for {a_tru!r} under {tol!r}")  # pragma: no cover
