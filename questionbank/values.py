"""Turning exact reference values into the JSON answer and the exact `answer_text`.

A rational answer keeps its exact form in the text: 9/10 is written ``0.9`` (it terminates), 8/13
stays ``8/13``. Floats (irrational results) are written with 12 significant digits, far inside
any tolerance a part may use.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["format_number", "is_terminating", "json_number", "terminates", "to_json"]


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
    if kind is Fraction:
        if x.denominator == 1:
            return str(x.numerator)
        return _fraction_text(x.numerator, x.denominator, style)
    if kind is float:
        return _float_text(x)
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, np.integer):
        x = int(x)
    if isinstance(x, np.floating):
        x = float(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        return _fraction_text(x.numerator, x.denominator, style)
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
    if isinstance(x, int | np.integer):
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
    if isinstance(value, int | float | Fraction | np.integer | np.floating):
        return json_number(value)
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value.tolist()] if value.ndim else to_json(value.item())
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")
