"""Tests for grader.judge.parse: the longest inputs take bounded time, and properties over
generated text (only AnswerError is ever raised, numbers and vectors round-trip)."""

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

from grader.judge.parse import (
    parse_choice,
    parse_choices,
    parse_integer,
    parse_matrix,
    parse_number,
    parse_shape,
    parse_vector,
)
from questionbank.errors import AnswerError

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
