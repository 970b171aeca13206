"""The value answer types (`questionbank.answers`): checking a computed reference value, its
JSON answer and exact text, and the forms the judge compares answers with."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from questionbank.answers import (
    VALUE_TYPES,
    WrongValue,
    answer_json,
    answer_value,
    comparable_mistake,
)

# (type, exact value, format style, JSON answer, exact text)
WRITTEN = [
    pytest.param("number", Fraction(8, 13), None, 8 / 13, "8/13", id="number-fraction"),
    pytest.param("number", Fraction(9, 10), None, 0.9, "0.9", id="number-terminating"),
    pytest.param("number", Fraction(1, 2), "fraction", 0.5, "1/2", id="number-as-fraction"),
    pytest.param("number", Fraction(1, 3), "decimal", 1 / 3, "0.333333333333",
                 id="number-as-decimal"),
    pytest.param("number", 7, None, 7, "7", id="number-int"),
    pytest.param("integer", Fraction(6, 2), None, 3, "3", id="integer"),
    pytest.param("integer", 3.0, None, 3, "3", id="integer-float"),
    pytest.param("vector", np.array([Fraction(1, 2), 2], dtype=object), None, [0.5, 2],
                 "[0.5, 2]", id="vector"),
    pytest.param("matrix", np.array([[1, Fraction(1, 4)], [0, 2]], dtype=object), None,
                 [[1, 0.25], [0, 2]], "[[1, 0.25], [0, 2]]", id="matrix"),
    pytest.param("shape", (3, "n"), None, [3, "n"], "3xn", id="shape"),
    pytest.param("expression", "2*x", None, "2*x", "2*x", id="expression"),
]


@pytest.mark.parametrize(("ptype", "value", "style", "answer", "text"), WRITTEN)
def test_a_value_is_written_as_json_and_exact_text(ptype: str, value: Any, style: str | None,
                                                   answer: Any, text: str) -> None:
    """`answer_json` gives the JSON-native answer (ints stay ints) and the exact text;
    `answer_value` gives the same answer alone."""
    got = answer_json(ptype, value, style)
    assert got == (answer, text)
    assert [type(v) for v in np.ravel(np.asarray(got[0], dtype=object))] == \
        [type(v) for v in np.ravel(np.asarray(answer, dtype=object))]
    assert answer_value(ptype, value) == answer


# (type, computed value, what the error says it must be)
WRONG = [
    pytest.param("number", [1, 2], "a number", id="number-list"),
    pytest.param("number", True, "a number", id="number-bool"),
    pytest.param("number", float("inf"), "a finite number", id="number-inf"),
    pytest.param("integer", 2.5, "a whole number", id="integer-half"),
    pytest.param("integer", Fraction(1, 3), "a whole number", id="integer-fraction"),
    pytest.param("vector", [], "a non-empty list", id="vector-empty"),
    pytest.param("vector", [[1, 2]], "a non-empty list", id="vector-2d"),
    pytest.param("vector", [1, float("nan")], "finite numbers", id="vector-nan"),
    pytest.param("vector", np.array([1.0, np.inf]), "finite numbers", id="vector-float-inf"),
    pytest.param("vector", np.array([[1.0]]), "a non-empty list", id="vector-float-2d"),
    pytest.param("vector", ["a"], "finite numbers", id="vector-text"),
    pytest.param("matrix", [1, 2], "a non-empty matrix", id="matrix-1d"),
    pytest.param("shape", [0, 3], "a list of positive whole numbers", id="shape-zero"),
    pytest.param("shape", [2.5], "a list of positive whole numbers", id="shape-half"),
    pytest.param("expression", 3, "expression text", id="expression-number"),
]


@pytest.mark.parametrize(("ptype", "value", "expected"), WRONG)
def test_a_value_of_the_wrong_type_is_refused(ptype: str, value: Any, expected: str) -> None:
    """A template computing a value its part's type cannot hold is told what it must be."""
    with pytest.raises(WrongValue) as info:
        VALUE_TYPES[ptype].check(value)
    assert info.value.expected == expected


# (type, exact value as computed, its canonical checked form)
CHECKED = [
    pytest.param("number", Fraction(8, 13), Fraction(8, 13), id="number"),
    pytest.param("integer", 3.0, 3.0, id="integer-float"),
    pytest.param("shape", [3.0, "n"], (3, "n"), id="shape"),
    pytest.param("vector", np.array([0.5, 2.0]), [0.5, 2.0], id="vector-float"),
    pytest.param("matrix", [[1, Fraction(1, 4)]], [[1, Fraction(1, 4)]], id="matrix"),
]


@pytest.mark.parametrize(("ptype", "value", "checked"), CHECKED)
def test_a_checked_value_has_its_canonical_form(ptype: str, value: Any, checked: Any) -> None:
    """Shapes become tuples of ints and names, vectors and matrices object arrays."""
    got = VALUE_TYPES[ptype].check(value)
    if ptype in ("vector", "matrix"):
        assert got.dtype == object
        assert got.tolist() == checked
    else:
        assert got == checked
        assert type(got) is type(checked)


@pytest.mark.parametrize(("ptype", "value"), [
    ("number", Fraction(8, 13)),
    ("integer", 4),
    ("vector", np.array([Fraction(1, 3), 2], dtype=object)),
    ("matrix", np.array([[Fraction(1, 3), 2], [0, Fraction(-7, 5)]], dtype=object)),
    ("shape", (3, "n")),
])
def test_a_mistake_compares_the_same_rebuilt_or_stored(ptype: str, value: Any) -> None:
    """The comparable form of a mistake's exact value equals that of its JSON answer (what an
    exam's manifest stores), so grading from a stored key matches the rebuilt instance."""
    from_exact = comparable_mistake(ptype, value)
    from_json = comparable_mistake(ptype, answer_value(ptype, value))
    assert type(from_exact) is type(from_json)
    assert np.array_equal(from_exact, from_json)


@pytest.mark.parametrize(("ptype", "value", "expected"), [
    ("number", Fraction(1, 4), 0.25),
    ("integer", Fraction(6, 2), 3),
    ("shape", [3, "n"], (3, "n")),
    ("expression", "2*x", "2*x"),
])
def test_comparable_form_of_a_scalar(ptype: str, value: Any, expected: Any) -> None:
    """A number compares as a float, an integer as an int, a shape as a tuple."""
    got = comparable_mistake(ptype, value)
    assert got == expected
    assert type(got) is type(expected)


def test_comparable_form_of_an_array_is_a_float_array() -> None:
    got = comparable_mistake("matrix", [[Fraction(1, 2), 1], [0, 2]])
    assert got.dtype == np.float64
    assert got.tolist() == [[0.5, 1.0], [0.0, 2.0]]


@pytest.mark.parametrize(("ptype", "value", "numeric"), [
    ("number", Fraction(1, 4), ((), (0.25,))),
    ("integer", 3, ((), (3.0,))),
    ("vector", np.array([Fraction(1, 2), 2], dtype=object), ((2,), (0.5, 2.0))),
    ("matrix", np.array([[1, 2], [3, Fraction(1, 2)]], dtype=object),
     ((2, 2), (1.0, 2.0, 3.0, 0.5))),
])
def test_numeric_form_is_shape_and_flat_floats(ptype: str, value: Any,
                                               numeric: tuple[Any, Any]) -> None:
    """What the judge's tolerance compares: the shape (``()`` for a number) and the entries
    as floats, row by row."""
    convert = VALUE_TYPES[ptype].numeric
    assert convert is not None
    assert convert(value) == numeric


def test_only_numeric_types_have_a_numeric_form() -> None:
    assert {name for name, t in VALUE_TYPES.items() if t.numeric is not None} == {
        "number", "integer", "vector", "matrix"}
