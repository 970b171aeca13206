"""Answers typed the way students really type them (issue 13): decimal commas in a vector get
the decimal-point hint, a single column is read as a vector (with a note), and words such as
'none' are not read letter by letter as options."""

from __future__ import annotations

import pytest

from grader.judge.check import check
from grader.judge.parse import parse_choices, parse_vector
from questionbank import generate
from questionbank.errors import AnswerError

MASK = {"a": [2.0, 5.0], "m": [1, 0]}  # dropout/apply-mask: the output is [2, 0]


@pytest.mark.parametrize(("text", "caret"), [("0,5 1,2", 1), ("[0,5; 1,2]", 2),
                                             ("[1,5, 2,5]", 2)])
def test_decimal_commas_in_a_vector_get_the_decimal_point_hint(text: str, caret: int) -> None:
    with pytest.raises(AnswerError) as info:
        parse_vector(text)
    message = str(info.value)
    assert "a comma is not accepted in a number" in message
    assert "Use a decimal point, e.g. 0.5" in message
    assert "more than one number" not in message and "looks like a matrix" not in message
    assert message.splitlines()[2] == " " * (2 + caret) + "^"


@pytest.mark.parametrize(("text", "values"), [("[ 1,2,3 ]", [1, 2, 3]), ("2,0,4.5", [2, 0, 4.5]),
                                              ("[2, 0, 4.5]", [2, 0, 4.5])])
def test_commas_that_only_separate_entries_still_read(text: str, values: list[float]) -> None:
    assert [n.value for n in parse_vector(text)] == values


@pytest.mark.parametrize("text", ["[2; 0]", "[[2], [0]]", "2\n0"])
def test_a_column_is_read_as_the_vector_with_a_note(text: str) -> None:
    result = check(generate("dropout/apply-mask", seed=1, params=MASK), "output", text)
    assert (result.status, result.score) == ("correct", 1.0)
    assert result.read_as == "[2, 0], a column read as a vector"


def test_a_matrix_of_several_columns_is_still_refused_for_a_vector() -> None:
    result = check(generate("dropout/apply-mask", seed=1, params=MASK), "output", "[2 0; 1 1]")
    assert result.status == "invalid"
    assert "this looks like a matrix" in result.feedback


@pytest.mark.parametrize("word", ["none", "None", "all", "both", "neither", "nothing"])
def test_a_word_is_not_read_as_option_letters(word: str) -> None:
    with pytest.raises(AnswerError) as info:
        parse_choices(word, 16)
    assert f"'{word}' is not an option" in str(info.value)
    assert "Give the letters of the options you choose, e.g. A, C." in str(info.value)
