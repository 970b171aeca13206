"""Turning exact reference values into the JSON answer and the exact `answer_text`.

A rational answer keeps its exact form in the text: 9/10 is written ``0.9`` (it terminates), 8/13
stays ``8/13``. Floats (irrational results) are written with 12 significant digits, far inside
any tolerance a part may use.

People read numbers differently: `readable_number` and `readable_answer` give the form shown in
keys, feedback and solutions, with at most `SHOWN_FIGURES` significant figures (grading still
uses the exact values).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from questionbank.arrays import is_array, is_numpy_float, is_numpy_int

__all__ = ["SHOWN_FIGURES", "format_number", "is_terminating", "json_number", "readable_answer",
           "readable_number", "significant_figures", "terminates", "to_json"]

#: The most significant figures of a number shown to a person (keys, feedback, solutions).
SHOWN_FIGURES = 6
#: A fraction p/q is short enough to read, and kept as it is, when q and |p| are below these.
_SHORT_DENOMINATOR, _SHORT_NUMERATOR = 1000, 10000
#: A number as `format_number` writes it: integer, decimal, exponent, or fraction.
NUMBER_TOKEN = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?(?:/\d+)?")


@lru_cache(maxsize=1024)
def terminates(denominator: int) -> bool:
    """True when a fraction with this (reduced) denominator has a finite decimal expansion:
    the denominator has no prime factor but 2 and 5. Cached: the same few denominators are
    asked about for every entry of every displayed vector."""
    d = denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def is_terminating(q: Fraction) -> bool:
    """True when `q` has a finite decimal expansion (denominator only 2s and 5s)."""
    return terminates(q.denominator)


def format_number(x: Any, style: str | None = None) -> str:
    """The exact text of a number: an integer, a terminating decimal, or a fraction ``p/q``.

    `style='fraction'` forces ``p/q`` for non-integers; `style='decimal'` forces a decimal (12
    significant digits when it does not terminate).
    """
    kind = type(x)
    if kind is int:
        return str(x)
    if kind is float:
        return _float_text(x)
    if isinstance(x, Fraction):  # a Fraction or a subclass (a text's `ExactNumber`: tested
        # before the numpy types, 0.5 us less on each number of a worked solution)
        if x.denominator == 1:
            return str(x.numerator)
        return _fraction_text(x.numerator, x.denominator, style)
    if isinstance(x, bool):
        return str(int(x))
    if is_numpy_int(x):
        x = int(x)
    if is_numpy_float(x):
        x = float(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return _float_text(x)
    raise TypeError(f"not a number: {x!r}")


@lru_cache(maxsize=8192)
def _fraction_text(numerator: int, denominator: int, style: str | None) -> str:
    """Cached: the same few values (activations, rates, scores) are written many times."""
    q = Fraction(numerator, denominator)
    if style != "fraction" and is_terminating(q):
        return _terminating_text(q)
    if style == "decimal":
        return _float_text(float(q))
    return f"{numerator}/{denominator}"


def _terminating_text(q: Fraction) -> str:
    """The exact decimal of a terminating fraction, by integer arithmetic (no rounding)."""
    d, twos, fives = q.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    places = max(twos, fives)
    scaled = abs(q.numerator) * (10 ** places // q.denominator)
    digits = str(scaled).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
    return "-" + text if q < 0 else text


def _float_text(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.12g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}e{int(exp)}"
    return text


def json_number(x: Any) -> int | float:
    """A JSON-native number: int when exactly integral, else float."""
    kind = type(x)
    if kind is float and math.isfinite(x):
        return x
    if kind is Fraction:
        return x.numerator if x.denominator == 1 else x.numerator / x.denominator
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int) or is_numpy_int(x):
        return int(x)
    if isinstance(x, Fraction):
        return x.numerator if x.denominator == 1 else float(x)
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {x!r}")
    return value


def to_json(value: Any) -> Any:
    """Params and derived values as JSON-native data (tuples -> lists, Fractions -> numbers)."""
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, int | float | Fraction) or is_numpy_int(value) or \
            is_numpy_float(value):
        return json_number(value)
    if is_array(value):
        return [to_json(v) for v in value.tolist()] if value.ndim else to_json(value.item())
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def significant_figures(token: str) -> int:
    """How many significant figures a written number carries: ``0.0265`` has 3, ``1.5e-4`` 2.
    Trailing zeros of a whole number are not counted (``1000`` has 1)."""
    mantissa = token.lstrip("-").split("e")[0]
    if "." in mantissa:
        digits = mantissa.replace(".", "").lstrip("0")
    else:
        digits = mantissa.lstrip("0").rstrip("0")
    return len(digits)


def readable_number(x: Any, style: str | None = None) -> str:
    """A computed number as a person reads it in a text: a float (an approximate result) to at
    most `SHOWN_FIGURES` significant figures; exact numbers as they are (whole numbers,
    terminating decimals, short fractions such as 8/13), a long fraction as a 6-figure decimal.
    `style='fraction'` keeps any fraction; `style='decimal'` never shows one."""
    if (isinstance(x, float) or is_numpy_float(x)) and math.isfinite(x) and \
            not float(x).is_integer():
        return _shown_decimal(repr(float(x)))
    if style == "decimal" and isinstance(x, Fraction) and not is_terminating(x):
        return _shown_decimal(x)
    text = format_number(x, style)
    if "/" not in text or style == "fraction" or (style != "decimal" and _is_short_fraction(text)):
        return text
    return _readable_token(text)


@lru_cache(maxsize=8192)
def _readable_token(token: str) -> str:
    """A number token of an answer text with at most `SHOWN_FIGURES` significant figures."""
    if "/" in token:
        numerator, denominator = token.split("/")
        return _shown_decimal(Fraction(int(numerator), int(denominator)))
    if ("." not in token and "e" not in token) or significant_figures(token) <= SHOWN_FIGURES:
        return token  # whole numbers are exact counts: never rounded
    return _shown_decimal(token)


def _is_short_fraction(token: str) -> bool:
    numerator, denominator = token.split("/")
    return int(denominator) < _SHORT_DENOMINATOR and abs(int(numerator)) < _SHORT_NUMERATOR


def _shown_decimal(exact: str | Fraction) -> str:
    """`exact` (a decimal text or a Fraction) rounded half up to `SHOWN_FIGURES` figures, as
    people round: 0.0009765625 is shown 0.000976563."""
    if isinstance(exact, Fraction):
        value = Decimal(exact.numerator) / Decimal(exact.denominator)
    else:
        value = Decimal(exact)
    if value == 0:
        return "0"
    quantum = Decimal(1).scaleb(value.adjusted() - SHOWN_FIGURES + 1)
    rounded = value.quantize(quantum, ROUND_HALF_UP)
    fixed = -4 <= rounded.adjusted() < 15  # as Python's 'g' writes small numbers: 1.5e-5
    text = f"{rounded.normalize():f}" if fixed else f"{rounded.normalize():e}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}e{int(exp)}"
    return text


@lru_cache(maxsize=8192)
def readable_answer(ptype: str, answer_text: str) -> str:
    """A reference answer as shown in keys, feedback pages and practice (never graded against).

    Numbers keep at most `SHOWN_FIGURES` significant figures. A short exact fraction keeps its
    form with the decimal beside it (``8/13 ≈ 0.615385``); a vector or matrix is shown in
    decimals, easier to mark on paper, followed by its exact form when it holds fractions
    (``[1.42857, 3] (exactly [10/7, 3])``). Other answer types are shown as they are."""
    if ptype == "number":
        shown = _readable_token(answer_text)
        if "/" in answer_text and _is_short_fraction(answer_text):
            return f"{answer_text} ≈ {shown}"
        return shown
    if ptype in ("vector", "matrix"):
        shown = NUMBER_TOKEN.sub(lambda m: _readable_token(m.group()), answer_text)
        if "/" in answer_text and len(answer_text) <= 80:
            return f"{shown} (exactly {answer_text})"
        return shown
    return answer_text
