"""Tests of the restricted expression language (`questionbank.expr`)."""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionbank.expr import ExprError, evaluate, parse, to_exact, unparse

# ----------------------------------------------------------------------------- exact mode

EXACT_ENV: dict[str, Any] = {
    "x": 3,
    "p": to_exact(0.2),
    "s": to_exact([1.5, 2.0, 3.25]),
    "v": to_exact([1, 2, 3]),
}

EXACT_CASES: list[tuple[str, Any]] = [
    ("8/13", Fraction(8, 13)),
    ("3/3", 1),
    ("2^-1", Fraction(1, 2)),
    ("2**-2", Fraction(1, 4)),
    ("-2^2", -4),
    ("(-2)^2", 4),
    ("2^3^2", 512),
    ("2x", 6),
    ("2(x + 1)", 8),
    ("2 x^2", 18),
    ("sqrt(9/4)", Fraction(3, 2)),
    ("sqrt(16)", 4),
    ("0.1 + 0.2", Fraction(3, 10)),
    ("1e-3", Fraction(1, 1000)),
    ("7.12", Fraction(178, 25)),
    ("1 - p", Fraction(4, 5)),
    ("1 / (1 - p)", Fraction(5, 4)),
    ("v + v", [2, 4, 6]),
    ("v * v", [1, 4, 9]),
    ("v / 2", [Fraction(1, 2), 1, Fraction(3, 2)]),
    ("v - 1", [0, 1, 2]),
    ("2 * s", [3, 4, Fraction(13, 2)]),
    ("s * (1 - [1, 0, 1])", [0, 2, 0]),
    ("v^2", [1, 4, 9]),
    ("s[1]", 2),
    ("s[-1]", Fraction(13, 4)),
    ("[10, 20, 30][x - 1]", 30),
    ("len(s)", 3),
    ("sum(v)", 6),
    ("sum(s)", Fraction(27, 4)),
    ("mean(v)", 2),
    ("min(v)", 1),
    ("max(4, x, 1)", 4),
    ("abs(-x)", 3),
    ("count([1, 0, 1], 1)", 2),
    ("round(2/3, 2)", Fraction(67, 100)),
    ("1 < 2 and 2 < 3", True),
    ("1 > 2 or 2 > 1", True),
    ("1 > 2 or 0 > 1", False),
    ("not x > 2", False),
    ("x == 3", True),
    ("x != 3", False),
    ("x >= 3 and x <= 3", True),
    ("v == [1, 2, 3]", True),
    ("v != [1, 2, 4]", True),
    ("ifelse(x > 2, 10, 20)", 10),
    ("ifelse(x > 5, 10, 20)", 20),
]


@pytest.mark.parametrize(("text", "expected"), EXACT_CASES)
def test_exact_evaluation(text: str, expected: Any) -> None:
    value = evaluate(parse(text), EXACT_ENV)
    if isinstance(expected, list):
        assert isinstance(value, np.ndarray)
        assert value.tolist() == expected
        assert not any(isinstance(v, float) for v in value.tolist())
    elif isinstance(expected, bool):
        assert value is expected or value == expected
        assert isinstance(value, bool | np.bool_)
    else:
        assert value == expected
        assert isinstance(value, int | Fraction), f"{text} lost exactness: {value!r}"


def test_irrational_functions_fall_back_to_float() -> None:
    assert evaluate(parse("sqrt(2)"), {}) == pytest.approx(math.sqrt(2), rel=1e-15)
    assert evaluate(parse("exp(1)"), {}) == pytest.approx(math.e, rel=1e-15)
    assert evaluate(parse("pi"), {}) == math.pi


def test_parse_reports_the_names_used() -> None:
    expr = parse("2 * tp / (tp + fp) + sqrt(x)")
    assert expr.names == {"tp", "fp", "x"}


# ----------------------------------------------------------------------------- numeric mode

_rng = np.random.default_rng(7)
NUM_ENV: dict[str, np.ndarray] = {
    "a": _rng.uniform(-2, 2, (3, 1)),
    "b": _rng.uniform(-2, 2, (4, 1)),
    "X": _rng.uniform(-2, 2, (3, 4)),
    "Y": _rng.uniform(-2, 2, (4, 2)),
}
A, B, X, Y = (NUM_ENV[k] for k in "abXY")

NUMERIC_CASES: list[tuple[str, np.ndarray]] = [
    ("a b^T", A @ B.T),
    ("a*b^T", A @ B.T),
    ("a' X b", A.T @ X @ B),
    ("a^T X b", A.T @ X @ B),
    ("transpose(a) * X * b", A.T @ X @ B),
    ("X'", X.T),
    ("transpose(X)", X.T),
    ("X * Y", X @ Y),
    ("X @ Y", X @ Y),
    ("X Y", X @ Y),
    ("(X Y)^T", (X @ Y).T),
    ("2X", 2 * X),
    ("X + X - 3*X", -X),
    ("X / 2", X / 2),
    ("tr(X Y Y^T X^T)", np.trace(X @ Y @ Y.T @ X.T)),
    ("a^T a", A.T @ A),
    ("2*(X*b - a)*b^T", 2 * (X @ B - A) @ B.T),
]


@pytest.mark.parametrize(("text", "expected"), NUMERIC_CASES)
def test_numeric_matrix_evaluation(text: str, expected: np.ndarray) -> None:
    value = evaluate(parse(text, set(NUM_ENV), allow_logic=False), NUM_ENV, exact=False)
    value = np.asarray(value, dtype=float)
    assert value.shape == np.shape(expected)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("text", "expected"), [
    ("2^10", 1024.0),
    ("2^0.5", math.sqrt(2)),
    ("(-2)^3", -8.0),
    ("(0 - 3)^2", 9.0),
    ("[1, 2]^2", [1.0, 4.0]),
    ("2^-2", 0.25),
])
def test_numeric_powers(text: str, expected: Any) -> None:
    value = evaluate(parse(text), {}, exact=False)
    np.testing.assert_allclose(np.asarray(value, dtype=float), expected, rtol=1e-15)


# ----------------------------------------------------------------------------- errors

SHAPES = {"a", "b", "X", "Y"}
DEEP = "(" * 200 + "1" + ")" * 200
HUGE_STRING = "'" + "a" * 100_000 + "'"

# (text, the names allowed (None: any), mode, fragment of the message, caret position)
ERRORS: list[tuple[str, set[str] | None, str, str, int]] = [
    ("y + 1", {"x"}, "exact", "unknown name 'y' (the symbols here are: x)", 0),
    ("2*x + z", {"x", "y"}, "exact", "unknown name 'z' (the symbols here are: x, y)", 6),
    ("x", set(), "exact", "unknown name 'x' (the symbols here are: none)", 0),
    ("__import__('os')", {"x"}, "exact", "unknown name '__import__'", 0),
    ("__import__('os')", None, "exact", "unexpected \"'\"", 11),
    ("x.y", None, "exact", "unexpected character '.'", 1),
    ("x.__class__", {"x"}, "exact", "unexpected character '.'", 1),
    ("lambda: 1", None, "exact", "unexpected character ':'", 6),
    ("f(1)", None, "exact", "unknown name 'f'", 0),
    ("9^9^9^9", None, "exact", "the exponent 387420489 is too large (at most 256)", 3),
    ("10**10**10", None, "exact", "the exponent 10000000000 is too large (at most 256)", 2),
    ("9^9^9^9", None, "numeric", "the result is too large", 3),
    ("1" * 50, None, "exact", "number with more than 40 digits", 0),
    ("1e999", None, "exact", "the exponent of this number is too large", 0),
    ("exp(1000)", None, "exact", "exp(): exp overflows", 0),
    (DEEP, None, "exact", "expression is nested too deeply", 40),
    (HUGE_STRING, None, "exact", "the expression is longer than 2000 characters", 0),
    ("a + X", SHAPES, "numeric", "cannot combine shapes 3x1 and 3x4 with '+'", 2),
    ("X * X", SHAPES, "numeric", "cannot multiply a 3x4 matrix by a 3x4 matrix", 2),
    ("X + 1", SHAPES, "numeric", "cannot add a scalar and a 3x4 matrix", 2),
    ("X @ 2", SHAPES, "numeric", "'@' needs two matrices", 2),
    ("[1, 2] + [1, 2, 3]", None, "exact", "cannot combine shapes 2 and 3 with '+'", 7),
    ("1/0", None, "exact", "division by zero", 1),
    ("2 3", None, "exact", "two numbers in a row", 2),
    ("sqrt 2", None, "exact", "function 'sqrt' needs parentheses", 5),
    ("sum(1, 2)", None, "exact", "sum() takes 1 argument(s), got 2", 0),
    ("1 < 2 < 3", None, "exact", "chained comparisons are not supported; use 'and'", 6),
    ("", None, "exact", "the expression is empty", 0),
    ("(1", None, "exact", "expected ')' but found the end of the input", 2),
    ("2 \u2212 1", None, "exact", "unexpected character U+2212 (MINUS SIGN)", 2),
    ("[1, 2][5]", None, "exact", "index 5 is out of range for length 2", 6),
    ("x > 1", {"x"}, "answer", "comparison '>' is not allowed in an answer", 2),
    ("x and 1", {"x"}, "answer", "'and' is not allowed in an answer", 2),
    ("not x", {"x"}, "answer", "'not' is not allowed in an answer", 0),
]


def _run(text: str, names: set[str] | None, mode: str) -> Any:
    expr = parse(text, names, allow_logic=mode != "answer")
    if mode == "numeric":
        return evaluate(expr, NUM_ENV, exact=False)
    return evaluate(expr, {"x": 1, "y": 2, "z": 3} if names is None else
                    {n: 1 for n in names})


@pytest.mark.parametrize(("text", "names", "mode", "fragment", "position"), ERRORS,
                         ids=[e[0][:24] for e in ERRORS])
def test_errors_carry_message_and_caret(text: str, names: set[str] | None, mode: str,
                                        fragment: str, position: int) -> None:
    start = time.perf_counter()
    with pytest.raises(ExprError) as info:
        _run(text, names, mode)
    # generous: a backtracking blow-up takes minutes, and CI machines are shared
    assert time.perf_counter() - start < 3.0, "a hostile input must fail fast"
    err = info.value
    assert fragment in err.message
    assert err.position == position
    lines = str(err).split("\n")
    assert lines[0] == err.message
    if not text:
        assert lines == [err.message]
    elif len(text) < 60:
        # The caret line points at the offending character of the echoed input.
        assert lines[1] == "  " + text
        assert lines[2] == "  " + " " * position + "^"
    else:
        assert "^" in lines[2]
        assert len(lines[1]) < 80, "a long input is shown as a short window"


@pytest.mark.parametrize(("text", "names", "hint"), [
    ("xy", {"x", "y"}, "Write products with '*' or spaces, e.g. x * y."),
    ("2 \u2212 1", None, "Use the ASCII minus sign '-'."),
    ("2 \u00d7 3", None, "Use '*' for multiplication."),
    ("x.y", None, "Attribute access is not part of the expression language."),
])
def test_errors_with_a_hint(text: str, names: set[str] | None, hint: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text, names)
    assert info.value.hint == hint
    assert str(info.value).endswith("\n" + hint)


# ----------------------------------------------------------------------------- unparse

ROUND_TRIP: list[tuple[str, str]] = [
    ("-2^2", "-2^2"),
    ("(-2)^2", "(-2)^2"),
    ("2^-1", "2^(-1)"),
    ("2^3^2", "2^3^2"),
    ("(2^3)^2", "(2^3)^2"),
    ("2 - (3 - 4)", "2 - (3 - 4)"),
    ("(2 - 3) - 4", "2 - 3 - 4"),
    ("1 / (2 * 3)", "1/(2*3)"),
    ("a b^T", "a*b^T"),
    ("a' X b", "a^T*X*b"),
    ("(X Y)^T", "(X*Y)^T"),
    ("-(X)^T", "-X^T"),
    ("(-X)^T", "(-X)^T"),
    ("transpose(X) * a", "transpose(X)*a"),
    ("not (1 and 0)", "not (1 and 0)"),
    ("(not 1) + 1", "(not 1) + 1"),
    ("(1 or 0) and 1", "(1 or 0) and 1"),
    ("[1, 2][0]", "[1, 2][0]"),
    ("ifelse(1 < 2, 1, 2) * 3", "ifelse(1 < 2, 1, 2)*3"),
    ("X''", "(X^T)^T"),
    ("a^T'", "(a^T)^T"),
    ("(2^T)^2", "(2^T)^2"),
    ("(1 < 2) == 1", "(1 < 2) == 1"),
    ("(1 < 2) == (3 < 2)", "(1 < 2) == (3 < 2)"),
]


@pytest.mark.parametrize(("text", "canonical"), ROUND_TRIP)
def test_unparse_is_canonical_and_reparses(text: str, canonical: str) -> None:
    expr = parse(text)
    printed = unparse(expr.root)
    again = parse(printed)
    assert unparse(again.root) == printed
    if expr.names <= {"a", "b", "X", "Y"} and expr.names:
        want = evaluate(expr, NUM_ENV, exact=False)
        got = evaluate(again, NUM_ENV, exact=False)
        np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=1e-12)
    else:
        want = evaluate(expr, {})
        got = evaluate(again, {})
        assert np.array_equal(np.asarray(got, object), np.asarray(want, object))
    assert printed == canonical
    assert str(expr) == printed


PROP_ENV: dict[str, Any] = {"x": 3, "y": Fraction(1, 2), "z": -2}

_atoms = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(["x", "y", "z", "0.5", "2.25", "1e-2", "3e1"]),
)


def _arith(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children)
    compare = st.tuples(children, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children)
    condition = st.one_of(
        compare.map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        st.tuples(compare, compare, st.sampled_from(["and", "or"])).map(
            lambda t: f"(({t[0][0]}) {t[0][1]} ({t[0][2]})) {t[2]} "
                      f"(({t[1][0]}) {t[1][1]} ({t[1][2]}))"),
        compare.map(lambda t: f"not (({t[0]}) {t[1]} ({t[2]}))"),
        st.tuples(compare, compare, st.sampled_from(["==", "!="])).map(
            lambda t: f"(({t[0][0]}) {t[0][1]} ({t[0][2]})) {t[2]} "
                      f"(({t[1][0]}) {t[1][1]} ({t[1][2]}))"),
    )
    return st.one_of(
        binary.map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        binary.map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(children, st.integers(-3, 3)).map(lambda t: f"({t[0]})^({t[1]})"),
        st.tuples(children, st.integers(-3, 3)).map(lambda t: f"{t[0]}^{t[1]}"),
        children.map(lambda c: f"-({c})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"abs({c})"),
        children.map(lambda c: f"({c})^T"),
        children.map(lambda c: f"({c})'"),
        children.map(lambda c: f"transpose({c})"),
        children.map(lambda c: f"2({c})"),
        st.tuples(children, children).map(lambda t: f"sum([{t[0]}, {t[1]}])"),
        st.tuples(children, children, st.integers(0, 1)).map(
            lambda t: f"[{t[0]}, {t[1]}][{t[2]}]"),
        st.tuples(condition, children, children).map(
            lambda t: f"ifelse({t[0]}, {t[1]}, {t[2]})"),
    )


EXPRESSIONS = st.recursive(_atoms, _arith, max_leaves=10)


def _outcome(text: str) -> tuple[str, Any]:
    try:
        return "value", evaluate(parse(text), PROP_ENV)
    except ExprError as exc:
        return "error", exc.message


@settings(max_examples=100, deadline=None)
@given(EXPRESSIONS)
def test_unparse_round_trip_keeps_the_value(text: str) -> None:
    """parse(unparse(parse(t))) evaluates to exactly what parse(t) does (or fails the same way).

    Scalar arithmetic, powers, unary minus, transposes (the identity on scalars, so repeated
    and raised transposes are exercised), calls, lists, indexing, and comparisons (also of
    comparisons) with and/or/not inside ifelse.
    """
    expr = parse(text)
    printed = unparse(expr.root)
    kind, value = _outcome(text)
    kind2, value2 = _outcome(printed)
    assert kind2 == kind
    assert value2 == value
    assert type(value2) is type(value)


@settings(max_examples=50, deadline=None)
@given(EXPRESSIONS)
def test_unparse_is_idempotent(text: str) -> None:
    """Printing is a fixed point after one round: unparse(parse(unparse(e))) == unparse(e)."""
    printed = unparse(parse(text).root)
    assert unparse(parse(printed).root) == printed
    assert parse(printed).names == parse(text).names


@pytest.mark.parametrize(("text", "value"), [("(3)^T^2", 9), ("-((2)^T^3)", -8), ("2^T^T^2", 4)])
def test_a_raised_transpose_is_the_power_of_the_transpose(text: str, value: int) -> None:
    """``X^T^2`` reads as ``(X^T)^2`` (found by the round-trip property: it was refused)."""
    assert evaluate(parse(text), {}) == value
