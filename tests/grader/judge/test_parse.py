"""Tests for grader.judge.parse: tables of accepted and refused answers, and properties.

Each refused answer is checked for a fragment of its message and, where the problem has a
place, for the caret position (an index into the original text, surrounding spaces included).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import grader.judge.parse as parse_module
import grader.judge.parse_arrays as parse_arrays
from grader.judge.parse import (
    ParsedNumber,
    parse_choice,
    parse_choices,
    parse_integer,
    parse_matrix,
    parse_number,
    parse_shape,
    parse_vector,
)
from questionbank.errors import AnswerError


def error_of(parser: Callable[..., Any], text: str, *args: Any) -> AnswerError:
    """The AnswerError that `parser(text, *args)` raises (fails the test if it returns)."""
    with pytest.raises(AnswerError) as info:
        parser(text, *args)
    error = info.value
    assert error.text == text
    assert str(error)  # renders, whatever the characters
    return error


def check_error(error: AnswerError, fragment: str, position: int | None) -> None:
    """The message contains `fragment` and the caret is at `position` (None: not checked)."""
    assert fragment in error.message, error.message
    if position is not None:
        assert error.position == position, (error.position, str(error))


def test_public_api() -> None:
    assert sorted(parse_module.__all__) == sorted([
        "ParsedNumber", "parse_number", "parse_integer", "parse_vector", "parse_matrix",
        "parse_shape", "parse_choice", "parse_choices",
    ])


# --------------------------------------------------------------------------------------------
# numbers

# text, exact value, percent, decimals, sigfigs
VALID_NUMBERS = [
    ("0.615", Fraction(123, 200), False, 3, 3),
    (".615", Fraction(123, 200), False, 3, 3),
    ("+0.615", Fraction(123, 200), False, 3, 3),
    ("-2", Fraction(-2), False, 0, 1),
    ("6.15e-1", Fraction(123, 200), False, 3, 3),
    ("6.15E-1", Fraction(123, 200), False, 3, 3),
    ("6.15e+2", Fraction(615), False, 0, 3),
    ("6.15e3", Fraction(6150), False, 0, 3),
    ("8/13", Fraction(8, 13), False, None, None),
    ("-8/13", Fraction(-8, 13), False, None, None),
    ("+8/13", Fraction(8, 13), False, None, None),
    ("8 / 13", Fraction(8, 13), False, None, None),
    ("8\u00a0/\u00a013", Fraction(8, 13), False, None, None),  # no-break spaces
    ("0.5/2", Fraction(1, 4), False, None, None),
    ("61.5%", Fraction(123, 200), True, 3, 3),
    ("61.5 %", Fraction(123, 200), True, 3, 3),
    ("61.5\u00a0%", Fraction(123, 200), True, 3, 3),
    ("6.15e1%", Fraction(123, 200), True, 3, 3),
    ("\u22122", Fraction(-2), False, 0, 1),  # Unicode minus
    ("\u20130.5", Fraction(-1, 2), False, 1, 1),  # en dash
    ("5.", Fraction(5), False, 0, 1),
    ("0.50", Fraction(1, 2), False, 2, 2),
    ("5", Fraction(5), False, 0, 1),
    ("500", Fraction(500), False, 0, 3),
    ("0.0500", Fraction(1, 20), False, 4, 3),
    ("0", Fraction(0), False, 0, 1),
    ("0.00", Fraction(0), False, 2, 2),
    ("0e5", Fraction(0), False, 0, 1),
    ("0.0%", Fraction(0), True, 3, 1),
    ("-0", Fraction(0), False, 0, 1),
    ("007", Fraction(7), False, 0, 1),
    ("  0.615\n", Fraction(123, 200), False, 3, 3),
    ("1e300", Fraction(10**300), False, 0, 1),
    ("1e-300", Fraction(1, 10**300), False, 300, 1),
    ("123456789012345678901234567890", Fraction(123456789012345678901234567890), False, 0, 30),
    ("8" * 30 + "/" + "9" * 30, Fraction(int("8" * 30), int("9" * 30)), False, None, None),
]


@pytest.mark.parametrize(("text", "exact", "percent", "decimals", "sigfigs"), VALID_NUMBERS)
def test_parse_number_valid(text: str, exact: Fraction, percent: bool, decimals: int | None,
                            sigfigs: int | None) -> None:
    number = parse_number(text)
    assert number.exact == exact
    assert number.value == float(exact)
    assert number.percent is percent
    assert number.decimals == decimals
    assert number.sigfigs == sigfigs
    assert number.text == text.strip()


def test_parsed_number_is_frozen_and_equal_to_a_constructed_one() -> None:
    number = parse_number("61.5%")
    assert number == ParsedNumber(0.615, 123, 200, True, 3, 3, "61.5%")
    with pytest.raises(AttributeError):
        number.value = 1.0  # type: ignore[misc]
    assert parse_number("-0").value == 0.0 and math.copysign(1, parse_number("-0").value) == 1


def test_parsed_number_exact_value_is_reduced_hashable_and_survives_pickling() -> None:
    """The exact value is kept as numerator and denominator in lowest terms (a Fraction on
    request), and the number hashes, compares and pickles like a value."""
    import pickle

    half = parse_number("-0.50/1.0")
    assert (half.numerator, half.denominator) == (-1, 2)
    assert half.exact == Fraction(-1, 2) and half.exact.denominator == 2
    assert half == ParsedNumber(-0.5, -1, 2, False, None, None, "-0.50/1.0")
    assert (parse_number("0.00").numerator, parse_number("0.00").denominator) == (0, 1)
    assert (parse_number("61.5%").numerator, parse_number("61.5%").denominator) == (123, 200)
    assert hash(parse_number("2/4")) == hash(parse_number("2/4"))
    assert parse_number("2/4") != parse_number("1/2")  # typed differently
    assert {parse_number("12.5%"), parse_number("12.5%")} == {parse_number("12.5%")}
    again = pickle.loads(pickle.dumps(parse_number("6.15e-1")))
    assert again == parse_number("6.15e-1") and again.exact == Fraction(123, 200)
    assert repr(half) == ("ParsedNumber(value=-0.5, exact=Fraction(-1, 2), percent=False, "
                          "decimals=None, sigfigs=None, text='-0.50/1.0')")
    with pytest.raises(AttributeError):
        del half.text


# text, message fragment, caret position
INVALID_NUMBERS = [
    ("", "the answer is empty", None),
    ("   \n", "the answer is empty", None),
    ("nan", "not a finite number", 0),
    ("NaN", "not a finite number", 0),
    ("-inf", "not a finite number", 1),
    ("inf", "not a finite number", 0),
    ("Infinity", "not a finite number", 0),
    ("\u221e", "not a finite number", 0),
    ("0x10", "hexadecimal is not accepted", 1),
    ("1_000", "underscores are not accepted", 1),
    ("1,000", "a comma is not accepted", 1),
    ("0,615", "a comma is not accepted", 1),
    ("\uff11\uff12", "use the digits 0-9", 0),  # full-width 12
    ("\u0661\u0662", "use the digits 0-9", 0),  # Arabic-Indic 12
    ("1\u00b2", "use the digits 0-9", 1),  # superscript two
    ("0.6\u200b15", "invisible character (ZERO WIDTH SPACE, U+200B)", 3),
    ("\ufeff0.615", "invisible character (ZERO WIDTH NO-BREAK SPACE, U+FEFF)", 0),
    ("12\x07", "invisible character (control character, U+0007)", 2),
    ("1\u0301", "unexpected '\u0301' (COMBINING ACUTE ACCENT, U+0301)", 1),
    ("1\ue000", "unexpected character (U+E000)", 1),  # private use: no name, not printable
    ("6.15\u00d710", "unexpected '\u00d7' (MULTIPLICATION SIGN, U+00D7)", 4),
    ("8/0", "division by zero", 2),
    ("8/0.00", "division by zero", 2),
    ("1/2/3", "only one '/'", 3),
    ("1/2%", "cannot also be a percentage", 3),
    ("2 3", "more than one number", 2),
    ("1 000", "more than one number", 2),
    ("1/2 3", "more than one number", 4),
    ("1/2x", "unexpected 'x'", 3),
    ("1/2.5.", "unexpected '.'", 5),
    ("2 nan", "not a finite number", 2),
    ("2x", "unexpected 'x'", 1),
    ("x2", "unexpected 'x'", 0),
    ("5 kg", "unexpected 'k'", 2),
    ("0.6a15", "unexpected 'a'", 3),
    ("--2", "unexpected '-'", 1),
    ("+-2", "unexpected '-'", 1),
    ("- 2", "space after '-'", 1),
    ("-", "a number is missing after '-'", 1),
    (".", "a decimal point needs digits", 0),
    ("-.e5", "a decimal point needs digits", 1),
    ("1.2.3", "only one decimal point", 3),
    ("1e5.3", "exponent must be a whole number", 3),
    ("1e", "digits are missing after 'e'", 2),
    ("1e+", "digits are missing after 'e'", 3),
    ("e5", "unexpected 'e'", 0),
    ("1e5e3", "unexpected 'e'", 3),
    ("1e309", "too large", 2),
    ("1e301", "too large", 2),
    ("1e-301", "too small", 2),
    ("1000000000e300", "too large", 0),
    ("0.0000000001e-300", "too close to zero", 0),
    ("1234567890123456789012345678901", "more than 30 significant digits", 30),
    ("0.00001234567890123456789012345678901", "more than 30 significant digits", 36),
    ("1" * 31 + "/2", "numerator has more than 30 digits", 0),
    ("1/" + "2" * 31, "denominator has more than 30 digits", 2),
    ("1e3/2", "without exponents", 1),
    ("1/2e3", "without exponents", 3),
    ("8/-13", "unexpected '-'", 2),
    ("8/", "denominator is missing", 2),
    ("/2", "unexpected '/'", 0),
    ("2-3", "unexpected '-'", 1),
    ("2+3", "unexpected '+'", 1),
    ("10^3", "unexpected '^'", 2),
    ("(2)", "unexpected '('", 0),
    ("5%%", "unexpected '%'", 2),
    ("%5", "unexpected '%'", 0),
    ("5% x", "unexpected 'x'", 3),
    ("true", "'true' is not a number", 0),
    ("False", "'False' is not a number", 0),
    ("$5", "unexpected '$'", 0),
    ("  2 3\n", "more than one number", 4),  # positions count the leading spaces
    ("1" * 201, "too long (201 characters; at most 200)", 200),
]


@pytest.mark.parametrize(("text", "fragment", "position"), INVALID_NUMBERS)
def test_parse_number_invalid(text: str, fragment: str, position: int | None) -> None:
    error = error_of(parse_number, text)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as a number: ")


@pytest.mark.parametrize(("text", "hint"), [
    ("0,615", "use a decimal point, e.g. 0.615"),
    ("--2", "single sign"),
    ("2-3", "not a calculation"),
    ("10^3", "6.15e-1"),
    ("0.6\u200b15", "Delete it"),
    ("1/2%", "either a fraction"),
    ("8/-13", "in front of the fraction"),
])
def test_parse_number_hints(text: str, hint: str) -> None:
    error = error_of(parse_number, text)
    assert error.hint is not None and hint.lower() in error.hint.lower()


def test_invisible_characters_do_not_break_the_caret_line() -> None:
    error = error_of(parse_number, "0.6\u200b15")
    shown, caret = str(error).splitlines()[1:3]
    assert "\u200b" not in shown
    assert caret.index("^") == shown.index("?")


# --------------------------------------------------------------------------------------------
# integers

@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("+42", 42), ("-3", -3), ("\u22123", -3), ("42.0", 42), ("4.2e1", 42),
    (" 42\n", 42), ("0", 0), ("-0", 0), ("999999999999999999", 10**18 - 1),
    ("0000000000000000000042", 42),
])
def test_parse_integer_valid(text: str, value: int) -> None:
    assert parse_integer(text) == value
    assert type(parse_integer(text)) is int


@pytest.mark.parametrize(("text", "fragment", "position"), [
    ("4.5", "expected a whole number", 1),
    ("1e-3", "expected a whole number", 0),
    ("8/2", "not a fraction", 0),
    ("42%", "not a percentage", 2),
    ("1000000000000000000", "more than 18 digits", 0),
    ("1e20", "more than 18 digits", 0),
    ("", "the answer is empty", None),
    ("x", "unexpected 'x'", 0),
    ("1,000", "a comma is not accepted", 1),
    ("1" * 101, "too long", 100),
])
def test_parse_integer_invalid(text: str, fragment: str, position: int | None) -> None:
    error = error_of(parse_integer, text)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as a whole number: ")


# --------------------------------------------------------------------------------------------
# vectors

@pytest.mark.parametrize(("text", "values"), [
    ("[2, 0, 0, 4.5, 6]", [2, 0, 0, 4.5, 6]),
    ("(2, 0, 0, 4.5, 6)", [2, 0, 0, 4.5, 6]),
    ("2 0 0 4.5 6", [2, 0, 0, 4.5, 6]),
    ("2, 0, 0, 4.5, 6", [2, 0, 0, 4.5, 6]),
    ("2,0,0,4.5,6", [2, 0, 0, 4.5, 6]),
    ("0,615", [0, 615]),
    ("[1/2, 50%, -8/13, 6.15e-1]", [0.5, 0.5, -8 / 13, 0.615]),
    ("[1/2, 61.5 %, 8 / 13]", [0.5, 0.615, 8 / 13]),
    ("  [ 1  \u22122 ]\n", [1, -2]),
    ("7", [7]),
    ("1\t2", [1, 2]),
])
def test_parse_vector_valid(text: str, values: list[float]) -> None:
    vector = parse_vector(text)
    assert isinstance(vector, tuple)
    assert all(isinstance(entry, ParsedNumber) for entry in vector)
    assert [entry.value for entry in vector] == values


def test_parse_vector_keeps_each_entry_text() -> None:
    assert [entry.text for entry in parse_vector("[1/2,  50% ,3]")] == ["1/2", "50%", "3"]


@pytest.mark.parametrize(("text", "fragment", "position"), [
    ("", "the vector is empty", None),
    ("[]", "the vector is empty", 0),
    ("( )", "the vector is empty", 0),
    ("[[1, 2]]", "looks like a matrix", 1),
    ("[1, 2], [3, 4]", "looks like a matrix", 8),
    ("1 2; 3 4", "looks like a matrix", 3),
    ("1 2\n3 4", "looks like a matrix", 3),
    ("[1, 2", "the '[' is never closed", 0),
    ("1, 2]", "the ']' has no matching '['", 4),
    ("[1, 2)", "the '[' is closed by ')'", 5),
    ("[1, 2]]", "the ']' has no matching '['", 5),
    ("1, 2, x", "entry 3: unexpected 'x'", 6),
    ("1 2 3 4,5 6", "entry 1: it looks like more than one number", 2),  # commas separate
    ("true false", "entry 1: 'true' is not a number", 0),
    ("[1, 2, false]", "entry 3: 'false' is not a number", 7),
    ("1,,2", "entry 2 is empty", 2),
    ("1, 2,", "entry 3 is empty", 5),
    ("61.5 %", "entry 2: unexpected '%'", 5),
    ("1 2 0x10", "entry 3: hexadecimal", 5),
    ("1 " * 10_001, "too long", None),
])
def test_parse_vector_invalid(text: str, fragment: str, position: int | None) -> None:
    error = error_of(parse_vector, text)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as a vector: ")


def test_parse_vector_entry_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # 20,000 characters cannot hold more than 10,000 entries, so the limit is tested scaled down.
    monkeypatch.setattr(parse_arrays, "_MAX_ENTRIES", 3)
    assert len(parse_vector("1 2 3")) == 3
    check_error(error_of(parse_vector, "1 2 3 4"), "more than 3 entries", 6)
    check_error(error_of(parse_matrix, "1 2; 3 4"), "more than 3 entries", 7)


def test_parse_vector_hint_for_spaced_percent() -> None:
    error = error_of(parse_vector, "61.5 %")
    assert error.hint is not None and "without spaces" in error.hint


# --------------------------------------------------------------------------------------------
# matrices

@pytest.mark.parametrize("text", [
    "[[1, 2], [3, 4]]",
    "[[1,2],[3,4]]",
    "[[1 2] [3 4]]",
    "[[1, 2]; [3, 4]]",
    "((1, 2), (3, 4))",
    "1 2; 3 4",
    "1, 2; 3, 4",
    "[1 2; 3 4]",
    "[1, 2; 3, 4]",
    "1 2\n3 4",
    "1 2\r\n3 4\r\n",
    "1 2;\n3 4",
    "1 2\n\n3 4",
    "[1 2]\n[3 4]",
    "[[1, 2],\n [3, 4]]",
    "[[1,\n 2], [3, 4]]",
    "  1 2 ; 3 4  ",
    "[[1/1, 200%], [3, 4]]",
])
def test_parse_matrix_valid(text: str) -> None:
    matrix = parse_matrix(text)
    assert [[entry.value for entry in row] for row in matrix] == [[1, 2], [3, 4]]


@pytest.mark.parametrize(("text", "values"), [
    ("1 2 3", [[1, 2, 3]]),
    ("[1, 2, 3]", [[1, 2, 3]]),
    ("[[1], [2]]", [[1], [2]]),
    ("1; 2", [[1], [2]]),
    ("5", [[5]]),
])
def test_parse_matrix_shapes(text: str, values: list[list[float]]) -> None:
    assert [[entry.value for entry in row] for row in parse_matrix(text)] == values


@pytest.mark.parametrize(("text", "fragment", "position"), [
    ("", "the matrix is empty", None),
    ("[]", "the matrix is empty", 0),
    ("[[]]", "the matrix is empty", 0),
    ("[[1,2],[3,4,5]]", "row 2 has 3 entries, row 1 has 2", 8),
    ("1 2; 3 4 5", "row 2 has 3 entries, row 1 has 2", 5),
    ("1 2\n3", "row 2 has 1 entry, row 1 has 2", 4),
    ("[[], []]", "row 1 is empty", 2),
    ("1 2;;3 4", "row 2 is empty", 4),
    ("1 2; 3 4;", "row 3 is empty", 9),
    ("[[1,2],]", "row 2 is empty", 6),
    ("[, [1,2]]", "row 1 is empty", 1),
    ("[[1,2],,[3,4]]", "row 2 is empty", 7),
    ("[[[1]]]", "nested more than two deep", 2),
    ("[[1, 2], [3, 4]", "the '[' is never closed", 0),
    ("[[1, 2], [3, 4]]]", "the ']' has no matching '['", 16),
    ("[[1, 2), [3, 4]]", "the '[' is closed by ')'", 6),
    ("[[1, 2], 3]", "every row must be in brackets", 9),
    ("1 2; [3 4]", "every row must be in brackets", 0),
    ("[1 2] 3", "every row must be in brackets", 6),
    ("[[1,2] x [3,4]]", "unexpected 'x'", 7),
    ("[[1,2]] [[3,4]]", "one pair of brackets", 8),
    ("[[1, 2], [3, 4]]  5", "everything must be inside the matrix's brackets", 18),
    ("5 [[1, 2], [3, 4]]", "everything must be inside the matrix's brackets", 0),
    ("[[1, 2; 3]]", "row 1 contains ';'", 6),
    ("1 2; 3 x", "row 2, entry 2: unexpected 'x'", 7),
    ("[[1, 2], [3, 1/0]]", "row 2, entry 2: division by zero", 15),
    ("1 2 y", "entry 3: unexpected 'y'", 4),
    ("1 " * 10_001, "too long", None),
])
def test_parse_matrix_invalid(text: str, fragment: str, position: int | None) -> None:
    error = error_of(parse_matrix, text)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as a matrix: ")


# --------------------------------------------------------------------------------------------
# shapes

@pytest.mark.parametrize(("text", "shape"), [
    ("3x4", (3, 4)),
    ("3 x 4", (3, 4)),
    ("3X4", (3, 4)),
    ("3\u00d74", (3, 4)),
    ("3 \u00d7 4", (3, 4)),
    ("3 by 4", (3, 4)),
    ("3 BY 4", (3, 4)),
    ("(3, 4)", (3, 4)),
    ("[3, 4]", (3, 4)),
    ("3, 4", (3, 4)),
    ("(3, 4,)", (3, 4)),
    ("5", (5,)),
    ("(5,)", (5,)),
    ("(5)", (5,)),
    ("n x m", ("n", "m")),
    ("n\u00d7m", ("n", "m")),
    ("n x 3", ("n", 3)),
    ("3xn", (3, "n")),
    ("3 x4", (3, 4)),
    ("d_model x n_heads", ("d_model", "n_heads")),
    ("max x 2", ("max", 2)),
    ("1x2x3x4x5x6x7x8", (1, 2, 3, 4, 5, 6, 7, 8)),
    ("1000000000 x 1", (10**9, 1)),
    (" 2x3 \n", (2, 3)),
    ("N", ("N",)),
    ("a" * 20, ("a" * 20,)),
])
def test_parse_shape_valid(text: str, shape: tuple[int | str, ...]) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize(("text", "fragment", "position"), [
    ("0 x 3", "dimensions must be positive", 0),
    ("-3 x 4", "dimensions must be positive", 0),
    ("3.5x2", "dimensions must be whole numbers", 0),
    ("", "the shape is empty", None),
    ("()", "the shape is empty", 0),
    ("x4", "a dimension is missing before 'x'", 0),
    ("x 4", "a dimension is missing before 'x'", 0),
    ("3 x x 4", "a dimension is missing before 'x'", 4),
    ("3xx4", "unexpected 'x'", 2),
    ("3 x 4 x", "a dimension is missing after 'x'", 6),
    ("3,", "a dimension is missing after ','", 1),
    ("3*4", "'*' is not accepted here", 1),
    ("3 4", "must be separated by 'x'", 2),
    ("3n", "unexpected 'n'", 1),
    ("nxm", "'nxm' could be one name or several dimensions", 0),
    ("Nx3", "could be one name", 0),
    ("1x2x3x4x5x6x7x8x9", "at most 8 dimensions", 16),
    ("10000000000 x 2", "at most 1000000000", 0),
    ("1000000001 x 2", "at most 1000000000", 0),
    ("a" * 21, "at most 20 characters", 0),
    ("(3, 4", "the '(' is never closed", 0),
    ("3, 4)", "the ')' has no matching '('", 4),
    ("(3, 4]", "the '(' is closed by ']'", 5),
    ("((3, 4))", "unexpected '('", 1),
    ("(3), (4)", "the ')' has no matching '('", 2),
    ("3 x _n", "unexpected '_'", 4),
    ("3 x \uff14", "use the digits 0-9", 4),
    ("3\u200bx4", "invisible character (ZERO WIDTH SPACE", 1),
    ("3 x \u00e9", "unexpected '\u00e9' (LATIN SMALL LETTER E WITH ACUTE", 4),
    ("3" * 201, "too long", 200),
])
def test_parse_shape_invalid(text: str, fragment: str, position: int | None) -> None:
    error = error_of(parse_shape, text)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as a shape: ")


def test_parse_shape_hints() -> None:
    assert "3x4" in (error_of(parse_shape, "3*4").hint or "")
    assert "n x m" in (error_of(parse_shape, "nxm").hint or "")


# --------------------------------------------------------------------------------------------
# options

@pytest.mark.parametrize(("text", "index"), [
    ("B", 1), ("b", 1), ("(B)", 1), ("( b )", 1), ("B)", 1), ("B.", 1), ("[B]", 1),
    ("option B", 1), ("Option b)", 1), ("  A\n", 0), ("D", 3),
])
def test_parse_choice_valid(text: str, index: int) -> None:
    assert parse_choice(text, 4) == index


@pytest.mark.parametrize(("text", "n_options", "fragment", "position"), [
    ("F", 4, "there is no option F; the options are A to D", 0),
    ("(f)", 4, "there is no option F; the options are A to D", 1),
    ("B", 1, "there is no option B; the only option is A", 0),
    ("AB", 4, "give one option only", 1),
    ("A, C", 4, "give one option only", 3),
    ("A C", 4, "give one option only", 2),
    ("option AB", 4, "give one option only", 8),
    ("A F", 4, "there is no option F", 2),
    ("yes", 4, "expected the letter of one option, A to D", 0),
    ("option", 4, "expected the letter of one option", 0),
    ("()", 4, "expected the letter of one option", 0),
    ("2", 4, "give the letter of the option, not its number", 0),
    ("", 4, "the answer is empty", None),
    ("(B", 4, "unexpected '('", 0),
    ("B))", 4, "unexpected ')'", 1),
    ("B!", 4, "unexpected '!'", 1),
    ("\u200bB", 4, "invisible character (ZERO WIDTH SPACE", 0),
    ("\u0411", 4, "unexpected '\u0411' (CYRILLIC CAPITAL LETTER BE", 0),
    ("B" * 201, 4, "too long", 200),
])
def test_parse_choice_invalid(text: str, n_options: int, fragment: str,
                              position: int | None) -> None:
    error = error_of(parse_choice, text, n_options)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as an option: ")


@pytest.mark.parametrize(("text", "indices"), [
    ("A, C", {0, 2}), ("A C", {0, 2}), ("AC", {0, 2}), ("a,c", {0, 2}), ("{A, C}", {0, 2}),
    ("[A, C]", {0, 2}), ("(A, C)", {0, 2}), ("A; C", {0, 2}), ("A, A", {0}), ("C", {2}),
    ("a, B,c ,D", {0, 1, 2, 3}), ("A,,C", {0, 2}),
])
def test_parse_choices_valid(text: str, indices: set[int]) -> None:
    result = parse_choices(text, 4)
    assert isinstance(result, frozenset)
    assert result == indices


@pytest.mark.parametrize(("text", "fragment", "position"), [
    ("", "no option was given", None),
    ("{}", "no option was given", 0),
    (" , ", "no option was given", 1),
    ("A, F", "there is no option F; the options are A to D", 3),
    ("AE", "there is no option E", 1),
    ("A and C", "'and' is not an option", 2),
    ("A or C", "'or' is not an option", 2),
    ("1, 2", "give the letters of the options, not their numbers", 0),
    ("(A C", "the '(' is never closed", 0),
    ("{A, C]", "the '{' is closed by ']'", 5),
    ("A C}", "the '}' has no matching '{'", 3),
    ("A + C", "unexpected '+'", 2),
    ("A\u200b", "invisible character", 1),
    ("A" * 201, "too long", 200),
])
def test_parse_choices_invalid(text: str, fragment: str, position: int | None) -> None:
    error = error_of(parse_choices, text, 4)
    check_error(error, fragment, position)
    assert error.message.startswith("Could not read the answer as a set of options: ")


@pytest.mark.parametrize("n_options", [0, 27, -1, True, 2.0])
def test_option_count_is_checked(n_options: Any) -> None:
    with pytest.raises(ValueError, match="n_options"):
        parse_choice("A", n_options)
    with pytest.raises(ValueError, match="n_options"):
        parse_choices("A", n_options)


# --------------------------------------------------------------------------------------------
# bounded time

@pytest.mark.parametrize(("parser", "text"), [
    (parse_vector, " ".join(["-0.123456"] * 1_900)),
    (parse_vector, ",".join(["1"] * 10_000)),
    (parse_matrix, "; ".join(["1 2 3"] * 1_600)),
    (parse_matrix, "[" + ",".join(["[1,1]"] * 3_300) + "]"),
    (parse_vector, " " * 19_990 + "1"),
    (parse_vector, "1 " * 9_999 + "x"),
    (parse_number, "1" * 10**6),
    (parse_shape, "x" * 10**6),
    (lambda text: parse_choices(text, 4), "A" * 10**6),
], ids=["vector-spaces", "vector-commas", "matrix-flat", "matrix-nested", "vector-blank",
        "vector-bad-last-entry", "number-1e6-chars", "shape-1e6-chars", "choices-1e6-chars"])
def test_large_inputs_take_bounded_time(parser: Callable[[str], Any], text: str) -> None:
    """Rule: the longest accepted inputs, and far longer refused ones, take bounded time."""
    started = time.perf_counter()
    with contextlib.suppress(AnswerError):
        parser(text)
    # generous (these take about 20 ms): a quadratic blow-up takes minutes; CI machines are shared
    assert time.perf_counter() - started < 5.0


# --------------------------------------------------------------------------------------------
# properties

PARSERS: list[Callable[[str], Any]] = [
    parse_number,
    parse_integer,
    parse_vector,
    parse_matrix,
    parse_shape,
    lambda text: parse_choice(text, 4),
    lambda text: parse_choices(text, 26),
]

# Characters that the grammars care about, so generated text gets past the first character.
GRAMMAR_ALPHABET = "0123456789+-.eE%/ ,;_xXby()[]{}\n\t\u2212\u2013\u00d7\u200babcdABCDnanif"


def run_all_parsers(text: str) -> None:
    """Call every parser on `text`; anything but a value or an AnswerError fails the test."""
    for parser in PARSERS:
        try:
            parser(text)
        except AnswerError as error:
            str(error)
            assert error.position is None or 0 <= error.position <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_raise_only_answer_error_on_any_text(text: str) -> None:
    """Rule: on any str, every parser returns a value or raises AnswerError, nothing else."""
    run_all_parsers(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=40))
def test_parsers_raise_only_answer_error_on_grammar_like_text(text: str) -> None:
    """Rule: text built from the grammars' own characters also gives a value or AnswerError."""
    run_all_parsers(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_parsers_raise_only_answer_error_on_random_bytes(data: bytes) -> None:
    """Rule: random bytes decoded as UTF-8 (errors replaced) give a value or AnswerError."""
    run_all_parsers(data.decode("utf-8", errors="replace"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=GRAMMAR_ALPHABET, max_size=40))
def test_an_accepted_number_is_consistent(text: str) -> None:
    """Rule: a number that parses has a finite value equal to float(exact), and normal or 0."""
    try:
        number = parse_number(text)
    except AnswerError:
        return
    assert math.isfinite(number.value)
    assert number.value == float(number.exact)
    assert number.value == 0 or abs(number.value) >= 2.2250738585072014e-308


# Every float whose repr the number grammar accepts: 0, or 1e-300 <= |x| <= 1e300.
ACCEPTED_FLOATS = (
    st.floats(min_value=1e-300, max_value=1e300)
    | st.floats(min_value=-1e300, max_value=-1e-300)
    | st.sampled_from([0.0, -0.0, 1e-300, -1e300, 0.1, 2.5e-300])
)


@settings(max_examples=300, deadline=None)
@given(ACCEPTED_FLOATS)
def test_parse_number_round_trips_repr(x: float) -> None:
    """Rule: parse_number(repr(x)) gives back x exactly, for every float in the accepted range
    (0, or 1e-300 <= |x| <= 1e300: exponents are limited to +-300)."""
    number = parse_number(repr(x))
    assert number.value == x
    assert number.exact == Fraction(repr(x))


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**30) + 1, 10**30 - 1), st.integers(1, 10**30 - 1))
def test_parse_number_reads_fractions_exactly(n: int, d: int) -> None:
    """Rule: parse_number(f"{n}/{d}") is exactly Fraction(n, d), its value correctly rounded."""
    number = parse_number(f"{n}/{d}")
    assert number.exact == Fraction(n, d)
    assert number.value == Fraction(n, d).numerator / Fraction(n, d).denominator
    assert number.decimals is None and number.sigfigs is None


@settings(max_examples=100, deadline=None)
@given(st.lists(ACCEPTED_FLOATS, min_size=1, max_size=20),
       st.sampled_from([" ", ", ", ","]), st.booleans())
def test_parse_vector_round_trips(values: list[float], separator: str, brackets: bool) -> None:
    """Rule: a list of floats written with repr and any separator reads back as the same list."""
    text = separator.join(repr(v) for v in values)
    if brackets:
        text = f"[{text}]"
    assert [entry.value for entry in parse_vector(text)] == values
