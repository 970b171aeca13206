"""The answer types whose reference answer is a computed value, each in one place.

For every type (number, integer, vector, matrix, shape, expression) an `AnswerType` says how a
value computed by a template is checked, written (the JSON-native ``answer`` and the exact
``answer_text`` of DESIGN.md section 5), and put in the form the judge compares answers with.
Choice parts take their reference answer from their options instead (`questionbank.instance`).

To add an answer type: write its functions in a section below, add it to `VALUE_TYPES`, to
`questionbank.specs.ANSWER_TYPES` and to the judge (`grader.judge`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from questionbank.arrays import is_array
from questionbank.values import format_number, json_number

__all__ = ["VALUE_TYPES", "AnswerType", "WrongValue", "answer_json", "answer_value",
           "comparable_mistake"]


class WrongValue(ValueError):
    """A computed value that does not have its part's type (a template bug): `expected` says
    what it must be, e.g. ``"a whole number"``."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass(frozen=True, slots=True)
class AnswerType:
    """How the reference values of one answer type are checked, written and compared."""

    name: str
    #: the value in its canonical form, or `WrongValue` when it does not have the type
    check: Callable[[Any], Any]
    #: the JSON-native answer and its exact text; the style (``fraction``/``decimal``) is a
    #: part's ``format``
    write: Callable[[Any, str | None], tuple[Any, str]]
    #: the JSON-native answer alone (what an exam's key stores of a mistake)
    json: Callable[[Any], Any]
    #: a checked value (exact or float) in the form the judge compares an answer with
    comparable: Callable[[Any], Any]
    #: a number, integer, vector or matrix value as (shape, flat floats); None for the others
    numeric: Callable[[Any], tuple[tuple[int, ...], tuple[float, ...]]] | None = None


def answer_json(ptype: str, value: Any, style: str | None = None) -> tuple[Any, str]:
    """The JSON-native answer and its exact text for an exact-domain reference value."""
    return VALUE_TYPES[ptype].write(value, style)


def answer_value(ptype: str, value: Any) -> Any:
    """The JSON-native part of `answer_json` alone (an exam manifest stores the mistakes'
    answers, not their texts)."""
    return VALUE_TYPES[ptype].json(value)


def comparable_mistake(ptype: str, value: Any) -> Any:
    """A declared mistake's value in the form answers are compared with: a float (number), an
    int (integer), a float array (vector, matrix), a tuple of dimensions (shape), the text
    (expression). The same from the exact or float value of a rebuilt mistake as from its JSON
    answer in a manifest (``json_number`` keeps the float)."""
    return VALUE_TYPES[ptype].comparable(value)


def _whole(value: Any) -> bool:
    """Whether a number (not a bool) is a whole number: 3, 3.0, Fraction(6, 2)."""
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return value.is_integer()
    return not isinstance(value, bool | str) and Fraction(value).denominator == 1


# --------------------------------------------------------------------------- number, integer


def _check_number(value: Any) -> Any:
    if isinstance(value, tuple | list | str | bool) or is_array(value):
        raise WrongValue("a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise WrongValue("a finite number")
    return value


def _check_integer(value: Any) -> Any:
    if not _whole(_check_number(value)):
        raise WrongValue("a whole number")
    return value


def _write_number(value: Any, style: str | None) -> tuple[Any, str]:
    return json_number(value), format_number(value, style)


def _write_integer(value: Any, style: str | None) -> tuple[Any, str]:
    return int(value), str(int(value))


def _numeric_number(value: Any) -> tuple[tuple[int, ...], tuple[float, ...]]:
    return (), (float(value),)


# --------------------------------------------------------------------------- vector, matrix


def _check_array(value: Any, ndim: int) -> Any:
    """A non-empty array of `ndim` dimensions of finite numbers, as a numpy object array."""
    import numpy as np  # the array types import numpy where they use it: `questionbank.arrays`

    noun = "matrix" if ndim == 2 else "list"
    if type(value) is np.ndarray and value.dtype.kind == "f":
        # a mistake's value, computed in floating point: checked without an object array
        if value.ndim != ndim or value.size == 0:
            raise WrongValue("a non-empty " + noun)
        if not np.isfinite(value).all():
            raise WrongValue("finite numbers")
        return value.astype(object)
    arr = np.asarray(value, dtype=object)
    if arr.ndim != ndim or arr.size == 0:
        raise WrongValue("a non-empty " + noun)
    for v in arr.ravel():
        if type(v) is Fraction or type(v) is int:
            continue  # exact numbers are always finite
        if isinstance(v, bool | str) or not math.isfinite(float(v)):
            raise WrongValue("finite numbers")
    return arr


def _vector_items(value: Any) -> list[Any]:
    import numpy as np

    return (value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
            ).ravel().tolist()


def _write_vector(value: Any, style: str | None) -> tuple[Any, str]:
    items = _vector_items(value)
    return ([json_number(v) for v in items],
            "[" + ", ".join([format_number(v, style) for v in items]) + "]")


def _json_vector(value: Any) -> Any:
    return [json_number(v) for v in _vector_items(value)]


def _write_matrix(value: Any, style: str | None) -> tuple[Any, str]:
    import numpy as np

    rows = [list(r) for r in np.asarray(value, dtype=object)]
    return ([[json_number(v) for v in r] for r in rows],
            "[" + ", ".join("[" + ", ".join(format_number(v, style) for v in r) + "]"
                            for r in rows) + "]")


def _json_matrix(value: Any) -> Any:
    import numpy as np

    return [[json_number(v) for v in r] for r in np.asarray(value, dtype=object)]


def _comparable_array(value: Any) -> Any:
    import numpy as np

    return np.asarray(np.asarray(value, dtype=object), dtype=float)


def _numeric_array(value: Any) -> tuple[tuple[int, ...], tuple[float, ...]]:
    import numpy as np

    arr = np.asarray(value, dtype=object)
    return arr.shape, tuple(float(v) for v in arr.ravel())


# --------------------------------------------------------------------------- shape


def _check_shape(value: Any) -> tuple[int | str, ...]:
    """Dimensions: positive whole numbers or symbolic names (``n``), as a tuple."""
    import numpy as np

    arr = np.asarray(value, dtype=object)
    if arr.ndim != 1 or arr.size == 0:
        raise WrongValue("a non-empty list")
    dims = arr.tolist()
    if not all(type(d) is str or (_whole(d) and d >= 1) for d in dims):
        raise WrongValue("a list of positive whole numbers")
    return tuple(d if type(d) is str else int(d) for d in dims)


def _write_shape(value: Any, style: str | None) -> tuple[Any, str]:
    import numpy as np

    dims = [d if isinstance(d, str) else int(d) for d in np.asarray(value, dtype=object)]
    return dims, "x".join(str(d) for d in dims)


def _json_shape(value: Any) -> Any:
    if type(value) is tuple:  # checked by _check_shape: ints and names
        return list(value)
    return _write_shape(value, None)[0]


# --------------------------------------------------------------------------- expression


def _check_expression(value: Any) -> str:
    if not isinstance(value, str):
        raise WrongValue("expression text")
    return value


def _write_expression(value: Any, style: str | None) -> tuple[Any, str]:
    return str(value), str(value)


VALUE_TYPES: dict[str, AnswerType] = {
    "number": AnswerType("number", _check_number, _write_number, json_number, float,
                         _numeric_number),
    "integer": AnswerType("integer", _check_integer, _write_integer, int, int,
                          _numeric_number),
    "vector": AnswerType("vector", lambda v: _check_array(v, 1), _write_vector, _json_vector,
                         _comparable_array, _numeric_array),
    "matrix": AnswerType("matrix", lambda v: _check_array(v, 2), _write_matrix, _json_matrix,
                         _comparable_array, _numeric_array),
    "shape": AnswerType("shape", _check_shape, _write_shape, _json_shape, tuple),
    "expression": AnswerType("expression", _check_expression, _write_expression, str,
                             lambda v: v),
}
