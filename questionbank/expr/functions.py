"""The values of the expression language: constants, the function table, and the two domains.

Exact domain (templates): ints and `Fraction`s, numpy object arrays of them; float domain
(student expressions, constraints, mistakes): floats and float64 arrays. `to_exact` and
`to_float` convert a value between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from questionbank.arrays import is_array, is_numpy_float

if TYPE_CHECKING:  # numpy is imported where an array is made or met (`questionbank.arrays`)
    import numpy as np

__all__ = ["CONSTANTS", "FUNCTIONS", "exact_div", "is_array", "shape_text", "to_exact",
           "to_float", "transpose", "truth"]

CONSTANTS: dict[str, float] = {"pi": math.pi}


def shape_text(x: Any) -> str:
    if is_array(x):
        return "x".join(str(d) for d in x.shape) if x.ndim else "scalar"
    return "scalar"


def _sqrt(x: Any) -> Any:
    if is_array(x):
        import numpy as np

        if x.dtype != object:
            return np.sqrt(x)
        # entry by entry in a list: `np.vectorize` took 10 us more for 3 entries
        out = np.empty(x.size, dtype=object)
        out[:] = [_scalar_sqrt(v) for v in x.ravel().tolist()]
        return out.reshape(x.shape)
    return _scalar_sqrt(x)


def _scalar_sqrt(x: Any) -> Any:
    """√x of a number: exact for the square of a rational, else a float."""
    if isinstance(x, Fraction | int) and not isinstance(x, bool):
        num, den = x.numerator, x.denominator
        if num < 0:
            raise ValueError("square root of a negative number")
        rn, rd = math.isqrt(num), math.isqrt(den)
        if rn * rn == num and rd * rd == den:
            return Fraction(rn, rd)
        return math.sqrt(num / den)  # float(x), correctly rounded as `Fraction.__float__` is
    if x < 0:
        raise ValueError("square root of a negative number")
    return math.sqrt(x)


def _elementwise(fn: Callable[[float], float], np_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        if is_array(x):
            if x.dtype == object:
                import numpy as np

                return np.array([fn(float(v)) for v in x.ravel()], dtype=float).reshape(x.shape)
            return np_fn(x)
        return fn(float(x))
    return apply


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError("logarithm of a non-positive number")
    return math.log(x)


def _exp(x: float) -> float:
    if x > 700:
        raise OverflowError("exp overflows")
    return math.exp(x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    ex = math.exp(x)
    return ex / (1.0 + ex)


def _np_log(x: np.ndarray) -> np.ndarray:
    import numpy as np

    if np.any(x <= 0):
        raise ValueError("logarithm of a non-positive number")
    return np.log(x)


def _np_exp(x: np.ndarray) -> np.ndarray:
    import numpy as np

    if np.any(x > 700):
        raise OverflowError("exp overflows")
    return np.exp(x)


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _np_tanh(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.tanh(x)


def _abs(x: Any) -> Any:
    return abs(x)  # numpy's abs for an array (``np.abs``), Python's for a number


def _sign(x: Any) -> Any:
    if is_array(x):
        import numpy as np

        return np.array([(v > 0) - (v < 0) for v in x.ravel()], dtype=object).reshape(x.shape) \
            if x.dtype == object else np.sign(x)
    return (x > 0) - (x < 0)


def _trace(x: Any) -> Any:
    if not is_array(x) or x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"trace needs a square matrix, got {shape_text(x)}")
    return x.trace()


def transpose(x: Any) -> Any:
    if not is_array(x):
        return x
    if x.ndim == 1:
        return x.reshape(1, -1)
    return x.T


def _sum(x: Any) -> Any:
    return x.sum() if is_array(x) else x


def _len(x: Any) -> int:
    if not is_array(x) or x.ndim == 0:
        raise ValueError("len() needs a vector")
    return int(x.shape[0])


def _mean(x: Any) -> Any:
    if not is_array(x):
        return x
    total = x.sum()
    if isinstance(total, float) or is_numpy_float(total):
        return total / x.size
    return Fraction(total) / x.size


def _minmax(pick: Callable[..., Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        if len(args) == 1:
            if not is_array(args[0]):
                return args[0]
            return pick(args[0].ravel().tolist())
        if any(is_array(a) for a in args):
            raise ValueError("min/max of several values takes scalars")
        return pick(args)
    return apply


def _norm(x: Any, p: Any = 2) -> Any:
    if not is_array(x):
        return abs(x)
    if p == 1:
        return _abs(x).sum()
    if p == 2:
        return _sqrt((x * x).sum())
    raise ValueError("norm(x, p) supports p = 1 or 2")


def _dot(a: Any, b: Any) -> Any:
    if not (is_array(a) and is_array(b)) or a.shape != b.shape:
        raise ValueError(f"dot needs two arrays of the same shape, got {shape_text(a)} and "
                         f"{shape_text(b)}")
    return (a * b).sum()


def _count(x: Any, value: Any) -> int:
    if not is_array(x):
        raise ValueError("count() needs a vector")
    return int(sum(1 for v in x.ravel() if v == value))


def _ifelse(cond: Any, a: Any, b: Any) -> Any:
    return a if truth(cond) else b


def _round(x: Any, digits: Any = 0) -> Any:
    return round(Fraction(x), int(digits)) if not isinstance(x, float) else round(x, int(digits))


def _zeros(n: Any) -> np.ndarray:
    n = int(n)
    if not 0 < n <= 10_000:
        raise ValueError("zeros(n) needs 1 <= n <= 10000")
    import numpy as np

    return np.array([0] * n, dtype=object)


# name -> (min args, max args, implementation)
FUNCTIONS: dict[str, tuple[int, int, Callable[..., Any]]] = {
    "exp": (1, 1, _elementwise(_exp, _np_exp)),
    "log": (1, 1, _elementwise(_log, _np_log)),
    "ln": (1, 1, _elementwise(_log, _np_log)),
    "sqrt": (1, 1, _sqrt),
    "abs": (1, 1, _abs),
    "sigmoid": (1, 1, _elementwise(_sigmoid, _np_sigmoid)),
    "tanh": (1, 1, _elementwise(math.tanh, _np_tanh)),
    "sign": (1, 1, _sign),
    "tr": (1, 1, _trace),
    "trace": (1, 1, _trace),
    "transpose": (1, 1, transpose),
    "sum": (1, 1, _sum),
    "mean": (1, 1, _mean),
    "len": (1, 1, _len),
    "min": (1, 8, _minmax(min)),
    "max": (1, 8, _minmax(max)),
    "norm": (1, 2, _norm),
    "dot": (2, 2, _dot),
    "count": (2, 2, _count),
    "ifelse": (3, 3, _ifelse),
    "ceil": (1, 1, math.ceil),
    "floor": (1, 1, math.floor),
    "round": (1, 2, _round),
    "zeros": (1, 1, _zeros),
}


@lru_cache(maxsize=65536)
def _decimal_fraction(x: float) -> Fraction:
    """The exact value of the shortest decimal that reads back as `x` (7.12 -> 178/25),
    by integer arithmetic: three times faster than ``Fraction(repr(x))``. Cached: sampled
    decimals lie on a few step grids, so the same values come back again and again."""
    text = repr(x)
    if "e" in text or "n" in text:
        return Fraction(text)
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if not frac:
        return Fraction(int(whole))
    numerator = int(whole + frac) if not whole.startswith("-") else -int(whole[1:] + frac)
    return Fraction(numerator, 10 ** len(frac))


def to_exact(value: Any) -> Any:
    """Convert a parameter value to the exact domain: floats via their shortest decimal repr.

    A decimal parameter sampled as 7.12 is the float closest to 7.12; its repr is '7.12', so
    `Fraction('7.12')` recovers the number the student sees, exactly.
    """
    if isinstance(value, bool | int | Fraction | str):
        return value
    if isinstance(value, float):
        return _decimal_fraction(value) if math.isfinite(value) else value
    if isinstance(value, list | tuple):
        import numpy as np

        arr = np.empty(len(value), dtype=object)
        if all(type(v) is float for v in value) and all(map(math.isfinite, value)):
            arr[:] = [_decimal_fraction(v) for v in value]
            return arr
        items = [to_exact(v) for v in value]
        if items and is_array(items[0]):
            return np.array(items, dtype=object)
        arr[:] = items
        return arr
    if is_array(value):
        return to_exact(value.tolist())
    return value


def to_float(value: Any) -> Any:
    """An exact-domain value in the float domain (ints and booleans stay as they are)."""
    if isinstance(value, bool | int | str | float) or value is None:
        return value
    if isinstance(value, Fraction):
        return float(value)
    if is_array(value):
        if value.dtype == object:
            try:
                return value.astype(float)
            except (TypeError, ValueError):
                return value
        return value
    if isinstance(value, list | tuple):
        import numpy as np

        try:
            return np.array(value, dtype=float)
        except (TypeError, ValueError):
            return value
    return value


def exact_div(a: Any, b: Any) -> Any:
    """Division that stays rational when both sides are (int / int is a Fraction, not a float)."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return Fraction(a, b)
    if (ta is Fraction or ta is int) and (tb is Fraction or tb is int):
        # a Fraction divides by a Fraction or an int exactly as it is: no copies (`Fraction`
        # of a Fraction is a new object): 2.4 us a division of two Fractions, was 5.4 us
        return a / b
    if tb is float and (ta is float or ta is Fraction):
        # a Fraction meeting a float becomes ``float(q)``, as `Fraction`'s operator makes it,
        # without its type tests: 0.25 us, was 1.1 us (optimizers/adam divides ~90 entries so)
        return (a if ta is float else a.numerator / a.denominator) / b
    if ta is float and tb is Fraction:
        return a / (b.numerator / b.denominator)
    if isinstance(a, int | Fraction) and isinstance(b, int | Fraction):
        return Fraction(a) / Fraction(b)
    return a / b


def truth(x: Any) -> bool:
    """Whether a value counts as true in a condition: an array when all its entries do."""
    if is_array(x):
        return bool(all(bool(v) for v in x.ravel()))
    return bool(x)
