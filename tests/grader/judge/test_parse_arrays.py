"""Tests for grader.judge.parse: tables of accepted and refused vectors, matrices, shapes and
options (each refused one with its message's fragment and caret position, as in
test_parse.py)."""

from __future__ import annotations

from typing import Any

import pytest

import grader.judge.parse_arrays as parse_arrays
from grader.judge.parse import (
    ParsedNumber,
    parse_choice,
    parse_choices,
    parse_matrix,
    parse_shape,
    parse_vector,
)

from .parse_cases import check_error, error_of

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
    ("1 2 3 4,5 6", "a comma is not accepted in a number", 7),  # a decimal comma (issue 13)
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
