"""Tests for grader.judge.parse: tables of accepted and refused numbers and integers.

Each refused answer is checked for a fragment of its message and, where the problem has a
place, for the caret position (an index into the original text, surrounding spaces included).
Vectors, matrices, shapes and options are in test_parse_arrays.py; bounded time and the
properties over generated text in test_parse_properties.py.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import grader.judge.parse as parse_module
from grader.judge.parse import (
    ParsedNumber,
    parse_integer,
    parse_number,
)

from .parse_cases import check_error, error_of


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
