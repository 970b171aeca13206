"""Tests for grader.judge.check: `check(instance, part_id, text)` and
`check_all(instance, answers)`.

Real instances of the built-in templates at fixed params (the course notes' examples) and a small
template written to a temporary folder for the answer types the built-in bank does not use yet
(integer, matrix, choice, choices). Tables of cases feed `pytest.mark.parametrize`: the reference
answer in every accepted notation, the declared mistakes of the three families with the wrong
answer a student would type, the generic detectors, and multi-part scoring. Hypothesis properties
close the loop over many seeds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grader.judge.check import STATUSES, ItemResult, Result, check, check_all
from questionbank import generate
from questionbank.bank import load_bank
from questionbank.errors import QuizError
from questionbank.instance import Instance, Part
from questionbank.solvers.matcalc import FORMS

#: The built-in templates this module pins (others are being added to the bank).
TEMPLATES = (
    "metrics/confusion-matrix",
    "dropout/apply-mask",
    "dropout/inverted",
    "gradients/shape",
    "gradients/layer-shapes",
    "gradients/jacobian-shape",
    "gradients/matrix-calculus",
)

#: Params of the course notes' worked examples (so the expected values can be read off).
NOTES_METRICS = {"tp": 80, "fp": 80, "fn": 20, "tn": 820, "orientation": "predicted-rows"}
NOTES_MASK = {"a": [2.0, 5.0, 7.12, 4.5, 6.0], "m": [1, 0, 0, 1, 1]}
NOTES_INVERTED = {**NOTES_MASK, "p": 0.2}
LAYER = {"batch": 32, "n_in": 784, "n_out": 10}

# A template with the answer types the built-in bank does not use yet. `n` is fixed by the tests
# that need concrete values (n = 4: count 16, grid [[4, 1, 0], [2, 5, 5]], dims 4x3, ...).
MIXED_TEMPLATE = """\
title: Every answer type
topic: testing
difficulty: 1
version: 1
params:
  n: {type: int, min: 2, max: 9}
prompt: |
  n = {{ n }}.
solution: |
  See the parts.
parts:
  - id: count
    type: integer
    prompt: n squared
    answer: n * n
    points: 2
  - id: grid
    type: matrix
    prompt: A 2x3 matrix
    answer: "[[n, 1, 0], [2, n + 1, 5]]"
  - id: dims
    type: shape
    prompt: A shape with no declared mistakes
    answer: "[n + 10, 3]"
  - id: pick
    type: choice
    prompt: Which number is even?
    options:
      - {text: "2", correct: true, id: two}
      - {text: "3", feedback: "3 is odd.", id: three}
      - {text: "5", id: five}
  - id: picks
    type: choices
    prompt: Which numbers are prime?
    points: 3
    options:
      - {text: "2", correct: true, id: two}
      - {text: "3", correct: true, id: three}
      - {text: "4", feedback: "4 = 2 x 2.", id: four}
      - {text: "6", id: six}
  - id: picks_strict
    type: choices
    prompt: Which numbers are odd?
    partial: false
    options:
      - {text: "1", correct: true, id: one}
      - {text: "3", correct: true, id: three}
      - {text: "4", id: four}
  - id: vec
    type: vector
    prompt: A vector with per-entry partial credit
    partial: true
    answer: "[n, 2 * n, 3]"
  - id: expr
    type: expression
    prompt: The gradient of the squared Frobenius norm of X
    symbols: {X: [n, 3], a: [n, 1]}
    answer: "2*X"
"""

MIXED_POINTS = {"count": 2.0, "grid": 1.0, "dims": 1.0, "pick": 1.0, "picks": 3.0,
                "picks_strict": 1.0, "vec": 1.0, "expr": 1.0}


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bank")
    (folder / "mixed.yaml").write_text(MIXED_TEMPLATE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mixed(mixed_dir: Path) -> Instance:
    """The mixed template with n = 4."""
    template = load_bank([mixed_dir], builtin=False, use_env=False).get("mixed")
    return generate(template, 5, {"n": 4})


def letters(part: Part, correct: bool) -> list[str]:
    """The letters of the right (or wrong) options, in the order shown to this student."""
    return [o.letter for o in part.options if o.correct is correct]


def letter_of(part: Part, option_id: str) -> str:
    return next(o.letter for o in part.options if o.id == option_id)


def assert_result(result: Result, status: str, mistake: str | None = None) -> None:
    """`result` has `status` (and names `mistake`), with a score and feedback that fit it."""
    assert result.status == status, (result.status, result.feedback)
    assert result.mistake == mistake, (result.mistake, result.feedback)
    assert result.feedback
    if status == "correct":
        assert result.score == 1.0 and result.correct
    else:
        assert not result.correct and 0.0 <= result.score < 1.0


# --------------------------------------------------------------------------------------------
# the API


def test_public_api() -> None:
    import grader.judge.check as module

    assert sorted(module.__all__) == sorted(["STATUSES", "ItemResult", "Result", "check",
                                             "check_all", "check_key"])
    assert STATUSES == ("correct", "incorrect", "invalid")


def test_result_is_frozen_and_serialises_the_json_contract() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    result = check(instance, "f1", "61.5")
    with pytest.raises(AttributeError):  # a NamedTuple's fields cannot be set
        result.score = 1.0  # type: ignore[misc]
    data = result.to_dict()
    assert {"status", "score", "correct", "feedback", "mistake"} <= set(data)
    assert data["status"] == "incorrect" and data["correct"] is False
    assert data["mistake"] == "percent-without-sign" and data["score"] == 0.0
    assert result.answer == "61.5" and result.value == 61.5


def test_unknown_part_is_a_quiz_error_naming_the_parts() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    with pytest.raises(QuizError, match=r"has no part 'f2' \(parts: accuracy, precision, "
                                        r"recall, f1\)"):
        check(instance, "f2", "8/13")


def test_answer_must_be_text() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    with pytest.raises(TypeError, match="answer must be text"):
        check(instance, "f1", 0.615)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "   ", "\n", "\t \r\n"])
def test_blank_answer_is_invalid(text: str) -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    result = check(instance, "f1", text)
    assert_result(result, "invalid")
    assert result.feedback == "No answer was given."


def test_overlong_answer_is_invalid_and_says_how_long() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    result = check(instance, "f1", "1" * 100_001)
    assert_result(result, "invalid")
    assert result.feedback == ("The answer is too long (100001 characters; at most 100000).")


# --------------------------------------------------------------------------------------------
# numbers: notations, statuses, generic detectors

NUMBER_CASES = [
    # (part, answer, status, mistake)  -- the notes: accuracy 0.9, precision 0.5, recall 0.8,
    # F1 8/13 = 0.61538...
    ("f1", "8/13", "correct", None),
    ("f1", "0.615", "correct", None),
    ("f1", ".615", "correct", None),
    ("f1", "6.15e-1", "correct", None),
    ("f1", "6.153846E-1", "correct", None),
    ("f1", "61.5%", "correct", None),
    ("f1", "61.5 %", "correct", None),
    ("f1", "+0.615", "correct", None),
    ("f1", "16/26", "correct", None),
    ("f1", " 8 / 13 \n", "correct", None),
    ("f1", "0.6154", "correct", None),
    ("accuracy", "0.9", "correct", None),
    ("accuracy", "90%", "correct", None),
    ("accuracy", "9/10", "correct", None),
    ("precision", "1/2", "correct", None),
    ("recall", "0.80", "correct", None),
    # generic detectors
    ("f1", "61.5", "incorrect", "percent-without-sign"),
    ("accuracy", "90", "incorrect", "percent-without-sign"),
    ("f1", "0.62", "incorrect", "rounded-too-coarsely"),
    ("f1", "0.6", "incorrect", "rounded-too-coarsely"),
    ("f1", "-0.615", "incorrect", "sign-error"),
    ("f1", "-8/13", "incorrect", "sign-error"),
    ("f1", "\u22120.615", "incorrect", "sign-error"),  # a unicode minus is read as '-'
    ("f1", "0.7", "incorrect", None),
    ("f1", "1", "incorrect", None),
    # unreadable
    ("f1", "0,615", "invalid", None),
    ("f1", "8/0", "invalid", None),
    ("f1", "nan", "invalid", None),
    ("f1", "inf", "invalid", None),
    ("f1", "1e309", "invalid", None),
    ("f1", "0x10", "invalid", None),
    ("f1", "1_000", "invalid", None),
    ("f1", "\uff10.615", "invalid", None),
    ("f1", "8/13 + 0", "invalid", None),
]


@pytest.mark.parametrize(("part", "text", "status", "mistake"), NUMBER_CASES)
def test_number_answers(part: str, text: str, status: str, mistake: str | None) -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    assert_result(check(instance, part, text), status, mistake)


@pytest.mark.parametrize(("text", "fragment"), [
    ("61.5", "It looks like a percentage without its % sign: 61.5 means 61.5, not 0.615. "
             "Write it as a fraction or decimal (0.615) or add the sign (61.5%)."),
    ("0.62", "Right value, but rounded too coarsely (2 significant figures). The answer must be "
             "correct to 3 significant figures: keep more digits, or give the exact fraction."),
    ("0.6", "rounded too coarsely (1 significant figure)."),
    ("-0.615", "The size is right but the sign is wrong."),
    ("0.7", "Not correct: the answer must be correct to 3 significant figures."),
])
def test_number_feedback_says_why(text: str, fragment: str) -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    assert fragment in check(instance, "f1", text).feedback


def test_invalid_number_points_at_the_problem() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    feedback = check(instance, "f1", "0,615").feedback
    lines = feedback.split("\n")
    assert lines[0] == "Could not read the answer as a number: a comma is not accepted in a number."
    echo, caret = lines[1], lines[2]
    assert echo.strip() == "0,615"
    assert caret.index("^") == echo.index(",")


def test_percentage_of_a_declared_mistake_names_it_and_the_sign() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    result = check(instance, "f1", "65")  # the arithmetic mean, 0.65, written as a percentage
    assert_result(result, "incorrect", "arithmetic-mean")
    assert result.feedback.endswith("(Also: a percentage needs its % sign.)")


# --------------------------------------------------------------------------------------------
# integers, vectors, matrices, shapes, choices, expressions: statuses

INTEGER_CASES = [
    # count = n * n = 16; a whole number written as a decimal is read as that number
    ("16", "correct", None), (" +16\n", "correct", None), ("16.0", "correct", None),
    ("1.6e1", "correct", None), ("-16", "incorrect", "sign-error"), ("15", "incorrect", None),
    ("16.5", "invalid", None), ("32/2", "invalid", None), ("1600%", "invalid", None),
    ("sixteen", "invalid", None), ("1" * 19, "invalid", None),
]


@pytest.mark.parametrize(("text", "status", "mistake"), INTEGER_CASES)
def test_integer_answers(mixed: Instance, text: str, status: str, mistake: str | None) -> None:
    assert_result(check(mixed, "count", text), status, mistake)


VECTOR_CASES = [
    # apply-mask, the notes' question 8: the output is [2, 0, 0, 4.5, 6]
    ("[2, 0, 0, 4.5, 6]", "correct", None),
    ("2 0 0 4.5 6", "correct", None),
    ("2, 0, 0, 4.5, 6", "correct", None),
    ("(2, 0, 0, 4.5, 6)", "correct", None),
    ("[2.0, 0.0, 0.0, 4.50, 6.00]\n", "correct", None),
    ("[200%, 0, 0, 450%, 600%]", "correct", None),
    ("[4/2, 0, 0, 9/2, 6]", "correct", None),
    ("[6, 0, 0, 4.5, 2]", "incorrect", "wrong-order"),
    ("[-2, 0, 0, -4.5, -6]", "incorrect", "sign-error"),
    ("[2, 0, 0, 4.5]", "incorrect", "wrong-shape"),
    ("[2, 0, 0, 4.5, 6, 0]", "incorrect", "wrong-shape"),
    ("[2, 0, 0, 4.6, 6]", "incorrect", None),
    ("[2; 0; 0; 4.5; 6]", "correct", None),  # a column, read as the vector (issue 13)
    ("[[2, 0, 0, 4.5, 6]]", "invalid", None),
    ("[2, 0, 0, 4.5, 6", "invalid", None),
    ("[]", "invalid", None),
    ("[2, 0, 0, 4,5, 6]", "invalid", None),  # a decimal comma among separators (issue 13)
]


@pytest.mark.parametrize(("text", "status", "mistake"), VECTOR_CASES)
def test_vector_answers(text: str, status: str, mistake: str | None) -> None:
    instance = generate("dropout/apply-mask", 1, NOTES_MASK)
    assert_result(check(instance, "output", text), status, mistake)


def test_vector_feedback_names_the_wrong_entries_and_shapes() -> None:
    instance = generate("dropout/apply-mask", 1, NOTES_MASK)
    assert check(instance, "output", "[2, 0, 0, 4.6, 6]").feedback == (
        "Not correct: entry 4 is wrong (each entry must be within 0.5% of the exact value).")
    assert check(instance, "output", "[2, 0, 0, 4.5]").feedback == (
        "Wrong shape: the answer has 5 entries, yours has 4 entries.")


def test_vector_of_fractions_in_percent_is_a_generic_mistake() -> None:
    """The percent detector for vectors applies when every true entry is in [0, 1]."""
    instance = generate("dropout/inverted", 1, {"a": [0.5, 0.8, 0.6, 0.9], "m": [1, 1, 0, 1],
                                                  "p": 0.2})
    assert_result(check(instance, "inference", "[50, 80, 60, 90]"), "incorrect",
                  "percent-without-sign")
    assert_result(check(instance, "inference", "[50%, 80%, 60%, 90%]"), "correct")


def test_vector_partial_credit_per_entry(mixed: Instance) -> None:
    assert_result(check(mixed, "vec", "[4, 8, 3]"), "correct")
    result = check(mixed, "vec", "[4, 8, 4]")
    assert_result(result, "incorrect")
    assert result.score == pytest.approx(2 / 3)
    assert check(mixed, "vec", "[1, 1, 1]").score == 0.0


MATRIX_CASES = [
    # grid with n = 4: [[4, 1, 0], [2, 5, 5]]
    ("[[4, 1, 0], [2, 5, 5]]", "correct", None),
    ("4 1 0; 2 5 5", "correct", None),
    ("4, 1, 0; 2, 5, 5", "correct", None),
    ("4 1 0\n2 5 5", "correct", None),
    ("[[4, 2], [1, 5], [0, 5]]", "incorrect", "transposed"),
    ("[[-4, -1, 0], [-2, -5, -5]]", "incorrect", "sign-error"),
    ("[[4, 1], [2, 5]]", "incorrect", "wrong-shape"),
    ("[[4, 1, 0], [2, 5, 6]]", "incorrect", None),
    ("[[4, 1, 0], [2, 5]]", "invalid", None),
    ("[4, 1, 0, 2, 5, 5]", "incorrect", "wrong-shape"),
    ("[[4, 1, 0], [2, 5, 5]", "invalid", None),
]


@pytest.mark.parametrize(("text", "status", "mistake"), MATRIX_CASES)
def test_matrix_answers(mixed: Instance, text: str, status: str, mistake: str | None) -> None:
    assert_result(check(mixed, "grid", text), status, mistake)


def test_matrix_feedback_names_cells_and_shapes(mixed: Instance) -> None:
    """Wrong entries of a matrix are named by (row, column); shapes as rows×columns."""
    assert check(mixed, "grid", "[[4, 1, 1], [2, 5, 6]]").feedback == (
        "Not correct: entries (1, 3), (2, 3) are wrong (each entry must be within 0.5% of the "
        "exact value).")
    assert check(mixed, "grid", "[[4, 1], [2, 5]]").feedback == (
        "Wrong shape: the answer has 2×3, yours has 2×2.")
    assert check(mixed, "grid", "[[4, 2], [1, 5], [0, 5]]").feedback == (
        "These are the right numbers, but transposed: rows and columns are swapped.")


SHAPE_CASES = [
    # gradients/shape, the notes' question 1: a 3x4 matrix
    ("shape", "3x4", "correct", None),
    ("shape", "3 x 4", "correct", None),
    ("shape", "3×4", "correct", None),
    ("shape", "3 × 4", "correct", None),
    ("shape", "(3, 4)", "correct", None),
    ("shape", "3 by 4", "correct", None),
    ("shape", "[3, 4]", "correct", None),
    ("shape", "3X4", "correct", None),
    ("shape", "4x3", "incorrect", "transposed-shape"),
    ("shape", "12", "incorrect", "flattened"),
    ("shape", "1", "incorrect", "scalar-gradient"),
    ("shape", "n x m", "incorrect", "symbolic-shape"),
    ("shape", "3x4x1", "incorrect", None),
    ("shape", "3 * 4", "invalid", None),
    ("shape", "3.5x4", "invalid", None),
    ("shape", "0x4", "invalid", None),
]


@pytest.mark.parametrize(("part", "text", "status", "mistake"), SHAPE_CASES)
def test_shape_answers(part: str, text: str, status: str, mistake: str | None) -> None:
    instance = generate("gradients/shape", 1, {"n": 3, "m": 4})
    assert_result(check(instance, part, text), status, mistake)


@pytest.mark.parametrize(("text", "status", "mistake"), [
    ("14x3", "correct", None),
    ("3x14", "incorrect", "transposed-shape"),   # generic: no mistake declared on this part
    ("42", "incorrect", "flattened-shape"),
    ("n x 3", "incorrect", "symbolic-shape"),
    ("14x4", "incorrect", None),
])
def test_generic_shape_detectors(mixed: Instance, text: str, status: str,
                                 mistake: str | None) -> None:
    assert_result(check(mixed, "dims", text), status, mistake)


@pytest.mark.parametrize("text", ["10", "(10)", "[10]", "(10,)"])
def test_vector_shape_notations(text: str) -> None:
    instance = generate("gradients/layer-shapes", 1, LAYER)
    assert_result(check(instance, "db", text), "correct")


def test_choice_answers(mixed: Instance) -> None:
    part = mixed.part("pick")
    right = letters(part, True)[0]
    for text in (right, right.lower(), f"({right})", f" {right}\n", f"option {right}"):
        assert_result(check(mixed, "pick", text), "correct")
    odd = letter_of(part, "three")
    result = check(mixed, "pick", odd)
    assert_result(result, "incorrect", "three")
    assert result.feedback == "3 is odd."
    assert_result(check(mixed, "pick", letter_of(part, "five")), "incorrect", "five")
    assert check(mixed, "pick", letter_of(part, "five")).feedback == "Not the right option."
    for text in ("D", "Z", "A, B", "AB", "1", "two"):
        assert_result(check(mixed, "pick", text), "invalid")


def choices_cases(part: Part) -> Iterator[tuple[str, float]]:
    """(answer, expected score) for a choices part with two right options out of four."""
    r1, r2 = letters(part, True)
    w1, w2 = letters(part, False)
    yield f"{r1}, {r2}", 1.0
    yield f"{r2},{r1}", 1.0
    yield f"{r1} {r2}", 1.0
    yield r1, 0.5                       # one of two right options
    yield f"{r1}, {r2}, {w1}", 0.5      # 1 - 1/2 for one of two wrong options
    yield f"{r1}, {w1}", 0.0            # 1/2 - 1/2
    yield f"{w1}, {w2}", 0.0
    yield f"{r1}, {r2}, {w1}, {w2}", 0.0


def test_choices_partial_credit(mixed: Instance) -> None:
    """Choices: hits / right options minus false alarms / wrong options, never below 0."""
    part = mixed.part("picks")
    assert part.partial
    for text, score in choices_cases(part):
        result = check(mixed, "picks", text)
        assert result.score == pytest.approx(score), (text, result)
        assert result.status == ("correct" if score == 1.0 else "incorrect"), text


def test_choices_feedback_and_mistake(mixed: Instance) -> None:
    part = mixed.part("picks")
    r1, _ = letters(part, True)
    four = letter_of(part, "four")
    result = check(mixed, "picks", f"{r1}, {four}")
    assert result.mistake == "four"
    assert result.feedback == ("Partly right: 1 of your choices is not right and 1 right option "
                               "is missing. 4 = 2 x 2.")
    result = check(mixed, "picks", r1)
    assert result.mistake == "missed-options"
    assert result.feedback == "Partly right: 1 right option is missing."


def test_choices_without_partial_credit(mixed: Instance) -> None:
    part = mixed.part("picks_strict")
    assert not part.partial
    r1, r2 = letters(part, True)
    assert check(mixed, "picks_strict", f"{r1}, {r2}").score == 1.0
    result = check(mixed, "picks_strict", r1)
    assert_result(result, "incorrect", "missed-options")
    assert result.score == 0.0


EXPRESSION_CASES = [
    # least squares: the gradient is 2*(W*x - y)*x^T, W 3x4, x 4x1, y 3x1
    ("least-squares", "2*(W*x - y)*x^T", "correct", None),
    ("least-squares", "2 (W x - y) x^T", "correct", None),
    ("least-squares", "2(W x - y)x'", "correct", None),
    ("least-squares", "2*(W*x - y)*transpose(x)", "correct", None),
    ("least-squares", "2*(W@x - y)@x^T", "correct", None),
    ("least-squares", "2*W*x*x^T - 2*y*x^T", "correct", None),
    ("least-squares", "transpose(2*x*(W*x - y)^T)", "correct", None),
    ("least-squares", "2*(W*x - y)*x**T", "correct", None),
    ("least-squares", "4*(W*x - y)*x^T", "incorrect", "constant-factor"),
    ("least-squares", "x", "incorrect", "wrong-shape"),
    ("least-squares", "W", "incorrect", None),
    ("least-squares", "W*W", "incorrect", "invalid-dimensions"),
    ("least-squares", "2(Wx - y)x^T", "invalid", None),   # 'Wx' is not a symbol
    ("least-squares", "2*(W*x - y", "invalid", None),
    ("least-squares", "W.T", "invalid", None),
    ("frobenius", "2X", "correct", None),
    ("frobenius", "X + X", "correct", None),
    ("frobenius", "-2*X", "incorrect", "sign-error"),
    ("frobenius", "3*X", "incorrect", "constant-factor"),
    ("aTXb", "a b^T", "correct", None),
    ("aTXb", "a*transpose(b)", "correct", None),
    ("aTXb", "a b'", "correct", None),
    ("trAXB", "A' B'", "correct", None),
    ("trAXB", "(B A)^T", "correct", None),
    ("trAXB", "transpose(B*A)", "correct", None),
]


@pytest.mark.parametrize(("form", "text", "status", "mistake"), EXPRESSION_CASES)
def test_expression_answers(form: str, text: str, status: str, mistake: str | None) -> None:
    instance = generate("gradients/matrix-calculus", 1, {"form": form, "n": 3, "m": 4, "k": 2})
    assert_result(check(instance, "grad", text), status, mistake)


def test_expression_feedback() -> None:
    instance = generate("gradients/matrix-calculus", 1,
                        {"form": "least-squares", "n": 3, "m": 4, "k": 2})
    result = check(instance, "grad", "2 (W x - y) x'")
    assert result.read_as == "2*(W*x - y)*x^T"
    assert check(instance, "grad", "x").feedback == (
        "Wrong shape: your expression is 4×1 but the answer is 3×4.")
    assert check(instance, "grad", "4*(W*x - y)*x^T").feedback == (
        "Right up to a constant factor: yours is 2 times the answer.")
    invalid = check(instance, "grad", "2(Wx - y)x^T").feedback
    assert invalid.startswith("Could not read the expression: unknown name 'Wx'")
    assert "Write products with '*' or spaces, e.g. W * x." in invalid


def test_generic_expression_transpose(mixed: Instance) -> None:
    """No declared mistake: the transposed answer is still recognised (X is 4x3)."""
    assert_result(check(mixed, "expr", "2*X"), "correct")
    result = check(mixed, "expr", "2*X^T")
    assert_result(result, "incorrect", "transposed")
    assert result.feedback == "This is the transpose of the right answer."
    assert_result(check(mixed, "expr", "X*X"), "incorrect", "invalid-dimensions")
    assert_result(check(mixed, "expr", "a*a^T"), "incorrect", "wrong-shape")


# --------------------------------------------------------------------------------------------
# the declared mistakes of the three families, each with the wrong answer a student would type

FORM_DIMS = {"n": 3, "m": 4, "k": 2}

MISTAKE_CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    # metrics (the notes: accuracy 0.9, precision 0.5, recall 0.8, F1 8/13)
    ("metrics/confusion-matrix", NOTES_METRICS, "accuracy", "forgot-true-negatives", "0.08"),
    ("metrics/confusion-matrix", NOTES_METRICS, "accuracy", "predicted-positive-rate", "16%"),
    ("metrics/confusion-matrix", NOTES_METRICS, "accuracy", "actual-positive-rate", "1/10"),
    ("metrics/confusion-matrix", NOTES_METRICS, "precision", "recall-for-precision", "0.8"),
    ("metrics/confusion-matrix", NOTES_METRICS, "precision", "tp-over-total", "80/1000"),
    ("metrics/confusion-matrix", NOTES_METRICS, "recall", "precision-for-recall", "0.5"),
    ("metrics/confusion-matrix", NOTES_METRICS, "recall", "specificity-for-recall", "0.911"),
    ("metrics/confusion-matrix", NOTES_METRICS, "f1", "arithmetic-mean", "0.65"),
    ("metrics/confusion-matrix", NOTES_METRICS, "f1", "product-without-sum", "0.80"),
    # dropout (a = [2, 5, 7.12, 4.5, 6], m = [1, 0, 0, 1, 1], p = 0.2)
    ("dropout/apply-mask", NOTES_MASK, "output", "inverted-mask", "[0, 5, 7.12, 0, 0]"),
    ("dropout/apply-mask", NOTES_MASK, "output", "mask-unchanged", "1 0 0 1 1"),
    ("dropout/apply-mask", NOTES_MASK, "output", "no-dropout", "2, 5, 7.12, 4.5, 6"),
    ("dropout/inverted", NOTES_INVERTED, "output", "no-scaling", "[2, 0, 0, 4.5, 6]"),
    ("dropout/inverted", NOTES_INVERTED, "output", "scaled-by-p", "[0.4, 0, 0, 0.9, 1.2]"),
    ("dropout/inverted", NOTES_INVERTED, "output", "scaled-by-one-over-p", "[10, 0, 0, 22.5, 30]"),
    ("dropout/inverted", NOTES_INVERTED, "output", "scaled-by-keep-probability",
     "[1.6, 0, 0, 3.6, 4.8]"),
    ("dropout/inverted", NOTES_INVERTED, "inference", "mask-at-inference", "[2, 0, 0, 4.5, 6]"),
    ("dropout/inverted", NOTES_INVERTED, "inference", "scaled-at-inference",
     "[1.6, 4, 5.696, 3.6, 4.8]"),
    ("dropout/inverted", NOTES_INVERTED, "inference", "training-output-at-inference",
     "[2.5, 0, 0, 5.625, 7.5]"),
    # gradients: shapes
    ("gradients/shape", {"n": 3, "m": 4}, "shape", "transposed-shape", "4x3"),
    ("gradients/shape", {"n": 3, "m": 4}, "shape", "flattened", "12"),
    ("gradients/shape", {"n": 3, "m": 4}, "shape", "scalar-gradient", "1"),
    ("gradients/layer-shapes", LAYER, "dW", "transposed-weight-gradient", "784 x 10"),
    ("gradients/layer-shapes", LAYER, "dW", "output-shape", "32x10"),
    ("gradients/layer-shapes", LAYER, "db", "per-example-bias-gradient", "32 × 10"),
    ("gradients/layer-shapes", LAYER, "dX", "output-shape", "(32, 10)"),
    ("gradients/layer-shapes", LAYER, "dX", "transposed-input-gradient", "784 by 32"),
    ("gradients/jacobian-shape", {"n": 4, "k": 3}, "shape", "denominator-layout", "4x3"),
    ("gradients/jacobian-shape", {"n": 4, "k": 3}, "shape", "square-input", "4x4"),
    ("gradients/jacobian-shape", {"n": 4, "k": 3}, "shape", "flattened", "12"),
    ("gradients/matrix-calculus", {"form": "frobenius", **FORM_DIMS}, "shape",
     "transposed-shape", "4x3"),
]

# gradients/matrix-calculus: the mistakes of every form, as a student would type them
FORM_MISTAKE_ANSWERS: dict[str, dict[str, str]] = {
    "aTx": {"transposed": "a'"},
    "xTx": {"no-factor-2": "x", "transposed": "2x^T"},
    "xTAx": {"assumed-symmetric": "2 A x", "one-term": "A x", "one-term-transposed": "A' x",
             "transposed": "x^T (A + A^T)"},
    "aTXb": {"transposed": "b a^T"},
    "trATX": {"transposed": "transpose(A)"},
    "trXA": {"transposed": "A"},
    "trAXB": {"transposed": "B A"},
    "frobenius": {"no-factor-2": "X", "transposed": "2 X'"},
    "trXTAX": {"assumed-symmetric": "2 A X", "one-term": "A X",
               "transposed": "X^T (A + A')"},
    "trXBXT": {"assumed-symmetric": "2 X B", "one-term": "X B", "transposed": "(B + B^T) X^T"},
    "least-squares": {"no-factor-2": "(W x - y) x^T", "transposed": "2 x (W x - y)^T",
                      "wrt-x": "2 W^T (W x - y)", "sign": "-2 (W x - y) x'"},
    "least-squares-x": {"no-factor-2": "A^T (A x - b)", "transposed": "2 (A x - b)^T A",
                        "wrt-A": "2 (A x - b) x^T", "sign": "2 A^T (b - A x)"},
}

MISTAKE_CASES += [
    ("gradients/matrix-calculus", {"form": form, **FORM_DIMS}, "grad", mistake_id, text)
    for form, answers in FORM_MISTAKE_ANSWERS.items() for mistake_id, text in answers.items()
]

# the mistakes issue 12 added (bank quality)
MISTAKE_CASES += [
    ("metrics/confusion-matrix", NOTES_METRICS, "f1", "geometric-mean", "0.6325"),
    ("metrics/confusion-matrix", NOTES_METRICS, "f1", "harmonic-without-two", "4/13"),
    ("dropout/apply-mask", NOTES_MASK, "output", "kept-entries-only", "[2, 4.5, 6]"),
    ("dropout/inverted", NOTES_INVERTED, "output", "scaled-by-kept-share", "[10/3, 0, 0, 7.5, 10]"),
    ("gradients/layer-shapes", LAYER, "db", "bias-as-row", "1x10"),
    ("gradients/layer-shapes", LAYER, "db", "bias-as-column", "10 x 1"),
]


def _case_id(case: tuple[str, dict[str, Any], str, str, str]) -> str:
    template, params, part, mistake_id, _ = case
    form = f"[{params['form']}]" if "form" in params else ""
    return f"{template}{form}:{part}:{mistake_id}"


@pytest.mark.parametrize("case", MISTAKE_CASES, ids=[_case_id(c) for c in MISTAKE_CASES])
def test_declared_mistake_is_named(case: tuple[str, dict[str, Any], str, str, str]) -> None:
    template, params, part_id, mistake_id, text = case
    instance = generate(template, 1, params)
    declared = {m.id: m for m in instance.part(part_id).mistakes}
    assert mistake_id in declared, f"{mistake_id} is not declared at these params"
    result = check(instance, part_id, text)
    assert_result(result, "incorrect", mistake_id)
    assert result.feedback == declared[mistake_id].feedback


def declared_mistake_ids() -> set[tuple[str, str, str]]:
    """(template, part, mistake id) for every mistake the seven templates declare; the
    matrix-calculus mistakes come from the solver's form catalogue."""
    bank = load_bank(builtin=True, use_env=False)
    found: set[tuple[str, str, str]] = set()
    for template_id in TEMPLATES:
        for spec in bank.get(template_id).parts:
            if isinstance(spec.mistakes, str):
                found |= {(template_id, f"{spec.id}[{form.id}]", m.id)
                          for form in FORMS.values() for m in form.mistakes}
            else:
                found |= {(template_id, spec.id, m.id) for m in spec.mistakes}
    return found


def test_every_declared_mistake_has_a_case() -> None:
    """The table above covers every mistake of the three families (a new mistake needs a
    case), and names none that is not declared."""
    covered = set()
    for template, params, part, mistake_id, _ in MISTAKE_CASES:
        key = f"{part}[{params['form']}]" if part == "grad" else part
        covered.add((template, key, mistake_id))
    assert covered == declared_mistake_ids()


@pytest.mark.slow
@pytest.mark.parametrize("template_id", TEMPLATES)
def test_declared_mistakes_are_distinguishable_over_500_seeds(template_id: str) -> None:
    """For seeds 0..499, every declared mistake's own answer text is not correct under the
    part's tolerance and is named as that mistake (not another one, not a generic one)."""
    problems = []
    for seed in range(500):
        instance = generate(template_id, seed)
        for part in instance.parts:
            for mistake in part.mistakes:
                result = check(instance, part.id, mistake.answer_text)
                if result.status != "incorrect" or result.mistake != mistake.id:
                    problems.append((seed, part.id, mistake.id, mistake.answer_text,
                                     result.status, result.mistake))
    assert not problems, problems[:10]


# --------------------------------------------------------------------------------------------
# check_all


def test_check_all_weights_by_points(mixed: Instance) -> None:
    picks = mixed.part("picks")
    r1 = letters(picks, True)[0]
    answers = {"count": "16", "picks": r1, "grid": "[[0, 0, 0], [0, 0, 0]]"}
    item = check_all(mixed, answers)
    assert isinstance(item, ItemResult)
    assert [r.part for r in item.results] == list(MIXED_POINTS)
    assert item.max_points == sum(MIXED_POINTS.values()) == 11.0
    assert item.points == pytest.approx(2.0 * 1.0 + 3.0 * 0.5)
    assert item.fraction == pytest.approx(3.5 / 11.0)
    by_part = {r.part: r for r in item.results}
    assert by_part["count"].status == "correct"
    assert by_part["grid"].status == "incorrect"
    for missing in ("dims", "pick", "picks_strict", "vec", "expr"):
        assert by_part[missing].status == "invalid"
        assert by_part[missing].feedback == "No answer was given."
        assert by_part[missing].score == 0.0


def test_check_all_everything_right_scores_full_points(mixed: Instance) -> None:
    answers = {p.id: p.answer_text for p in mixed.parts}
    item = check_all(mixed, answers)
    assert all(r.status == "correct" for r in item.results)
    assert item.points == item.max_points == 11.0 and item.fraction == 1.0


def test_check_all_nothing_answered() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    item = check_all(instance, {})
    assert [r.status for r in item.results] == ["invalid"] * 4
    assert item.points == 0.0 and item.max_points == 4.0 and item.fraction == 0.0


def test_check_all_notes_example() -> None:
    instance = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    item = check_all(instance, {"accuracy": "90%", "precision": "0.8", "recall": "0.8",
                                "f1": "61.5"})
    assert [(r.status, r.mistake) for r in item.results] == [
        ("correct", None), ("incorrect", "recall-for-precision"), ("correct", None),
        ("incorrect", "percent-without-sign")]
    assert item.points == 2.0 and item.fraction == 0.5


# --------------------------------------------------------------------------------------------
# properties


def _fraction(value: Any) -> Fraction:
    q = Fraction(value)
    return q if q.denominator < 10**12 else q.limit_denominator(10**12)


def _g(value: Any) -> str:
    return format(float(value), ".12g")


def number_notations(value: Any) -> list[str]:
    """A number as a decimal, a fraction, in scientific notation and as a percentage."""
    q = _fraction(value)
    return [_g(value), f"{q.numerator}/{q.denominator}", format(float(value), ".10e"),
            _g(float(value) * 100) + "%"]


def vector_notations(values: list[Any]) -> list[str]:
    items = [_g(v) for v in values]
    return ["[" + ", ".join(items) + "]", " ".join(items), ", ".join(items),
            "(" + ", ".join(items) + ")"]


def shape_notations(dims: list[int]) -> list[str]:
    if len(dims) == 1:
        (d,) = dims
        return [f"{d}", f"({d})", f"[{d}]"]
    r, c = dims
    return [f"{r}x{c}", f"{r} x {c}", f"{r}×{c}", f"{r} × {c}", f"({r}, {c})", f"{r} by {c}",
            f"[{r}, {c}]"]


_NAME_TRANSPOSED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\^T")


def expression_notations(text: str) -> list[str]:
    """Implicit multiplication, ' for ^T, transpose(...) for NAME^T, and all of them at once."""
    implicit = re.sub(r"\s*\*\s*", " ", text)
    return [text, implicit, text.replace("^T", "'"), _NAME_TRANSPOSED.sub(r"transpose(\1)", text),
            implicit.replace("^T", "'")]


NOTATIONS: dict[str, Callable[[Part], list[str]]] = {
    "number": lambda p: number_notations(p.value),
    "vector": lambda p: vector_notations(list(p.answer)),
    "shape": lambda p: shape_notations(list(p.answer)),
    "expression": lambda p: expression_notations(p.answer_text),
}


def test_notation_helpers_cover_the_parts_of_the_seven_templates() -> None:
    types = {p.type for t in TEMPLATES for p in generate(t, 0).parts}
    assert types <= set(NOTATIONS)


@settings(max_examples=120, deadline=None)
@given(template_id=st.sampled_from(TEMPLATES), seed=st.integers(0, 2**63 - 1))
def test_reference_answer_in_every_notation_scores_one(template_id: str, seed: int) -> None:
    """For every template and seed, the reference answer of every part scores 1 whatever
    accepted notation it is written in (decimal, fraction, scientific, percent; [..], spaces,
    commas; 3x4, 3 × 4, (3, 4), 3 by 4; implicit products, ' and transpose(...))."""
    instance = generate(template_id, seed)
    for part in instance.parts:
        for text in [part.answer_text, *NOTATIONS[part.type](part)]:
            result = check(instance, part.id, text)
            assert (result.status, result.score) == ("correct", 1.0), (part.id, text, result)


#: Number parts graded within a relative tolerance.
REL_PARTS = [("optimization/gd-step", "grad_w"), ("optimization/gd-step", "grad_b"),
             ("regularization/penalty", "l1"), ("regularization/penalty", "l2"),
             ("metrics/choose-metric", "accuracy")]


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), where=st.sampled_from(REL_PARTS),
       fraction_of_tol=st.floats(-0.99, 0.99))
def test_number_perturbed_inside_the_tolerance_passes(seed: int, where: tuple[str, str],
                                                      fraction_of_tol: float) -> None:
    """A value within `rtol` of the reference (relative) is correct."""
    template_id, part_id = where
    instance = generate(template_id, seed)
    part = instance.part(part_id)
    tol = part.effective_tolerance
    assert tol.mode == "rel"
    submitted = float(part.value) * (1 + fraction_of_tol * tol.value)
    assert check(instance, part_id, repr(submitted)).status == "correct"


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), where=st.sampled_from(REL_PARTS),
       fraction_of_tol=st.floats(1.01, 100.0), sign=st.sampled_from([-1, 1]))
def test_number_perturbed_outside_the_tolerance_fails(seed: int, where: tuple[str, str],
                                                      fraction_of_tol: float, sign: int) -> None:
    """A value further than `rtol` from the reference (relative) is not correct."""
    template_id, part_id = where
    instance = generate(template_id, seed)
    part = instance.part(part_id)
    tol = part.effective_tolerance
    assume(part.value != 0)
    submitted = float(part.value) * (1 + sign * min(fraction_of_tol * tol.value, 0.9))
    assert check(instance, part_id, repr(submitted)).status == "incorrect"


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**63 - 1),
       part_id=st.sampled_from(["accuracy", "precision", "recall", "f1"]),
       offset=st.floats(-1.5, 1.5))
def test_confusion_metrics_are_graded_to_three_significant_figures(
        seed: int, part_id: str, offset: float) -> None:
    """The prompt asks for at least 3 significant figures, and that is what is accepted: the
    key rounded to 3 figures, give or take less than half a unit in the third figure; a
    2-figure rounding that differs from it is not (0.88 for 0.878)."""
    instance = generate("metrics/confusion-matrix", seed)
    value = float(instance.part(part_id).value)
    assume(value != 0)
    rounded = float(f"{value:.2e}")
    unit = 10 ** (math.floor(math.log10(abs(rounded))) - 2)
    submitted = rounded + offset * unit
    expected = "correct" if abs(offset) < 0.49 else "incorrect"
    assume(abs(offset) < 0.49 or abs(offset) > 0.51)
    assume(abs(rounded) != 10 ** math.floor(math.log10(abs(rounded))))  # not next to 10^k
    # not a key exactly halfway at 3 figures (0.6325): both roundings are accepted there
    assume(f"{abs(value):.14e}"[4:16] != "5" + "0" * 11)
    assert check(instance, part_id, f"{submitted:.6g}").status == expected
    two = float(f"{value:.1e}")
    if two != rounded:
        assert check(instance, part_id, f"{two:g}").status == "incorrect"


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), data=st.data())
def test_vector_entry_perturbed_inside_passes_and_outside_fails(seed: int,
                                                                data: st.DataObject) -> None:
    """Every entry within its tolerance: correct; one nonzero entry outside: not correct."""
    instance = generate("dropout/inverted", seed)
    part = instance.part("output")
    rtol = part.effective_tolerance.value
    values = [float(v) for v in part.answer]
    inside = [v * (1 + data.draw(st.floats(-0.99, 0.99)) * rtol) for v in values]
    assert check(instance, "output", repr(inside)).status == "correct"
    index = data.draw(st.sampled_from([i for i, v in enumerate(values) if v != 0]))
    outside = list(values)
    outside[index] *= 1 + data.draw(st.sampled_from([-1, 1])) * data.draw(
        st.floats(1.01, 50.0)) * rtol
    assert check(instance, "output", repr(outside)).status == "incorrect"


def _every_part_type(mixed: Instance) -> list[tuple[Instance, str]]:
    metrics = generate("metrics/confusion-matrix", 1, NOTES_METRICS)
    mask = generate("dropout/apply-mask", 1, NOTES_MASK)
    shape = generate("gradients/shape", 1, {"n": 3, "m": 4})
    calc = generate("gradients/matrix-calculus", 1, {"form": "least-squares", **FORM_DIMS})
    targets = [(metrics, "f1"), (mixed, "count"), (mask, "output"), (mixed, "grid"),
               (shape, "shape"), (mixed, "pick"), (mixed, "picks"), (calc, "grad")]
    assert sorted(inst.part(pid).type for inst, pid in targets) == sorted(
        ["number", "integer", "vector", "matrix", "shape", "choice", "choices", "expression"])
    return targets


def _assert_sane(result: Result) -> None:
    assert result.status in STATUSES
    assert 0.0 <= result.score <= 1.0
    assert isinstance(result.feedback, str) and result.feedback
    if result.status == "invalid":
        assert result.score == 0.0 and result.mistake is None


@pytest.fixture(scope="module")
def every_part_type(mixed: Instance) -> list[tuple[Instance, str]]:
    return _every_part_type(mixed)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_check_never_raises_on_text(every_part_type: list[tuple[Instance, str]],
                                    text: str) -> None:
    """Whatever the text, `check` returns a Result with a known status for every part type."""
    for instance, part_id in every_part_type:
        _assert_sane(check(instance, part_id, text))


ANSWER_ALPHABET = "0123456789 .,;:%/+-*^()[]xX×eETby'\n\t−AaBbCcWy"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=ANSWER_ALPHABET, max_size=60))
def test_check_never_raises_on_answer_like_text(every_part_type: list[tuple[Instance, str]],
                                                text: str) -> None:
    """Text made of the characters answers are made of (digits, brackets, operators, letters)
    explores the parsers' deeper paths: still a known status, never an exception."""
    for instance, part_id in every_part_type:
        _assert_sane(check(instance, part_id, text))


@settings(max_examples=300, deadline=None)
@given(junk=st.binary(max_size=300))
def test_check_never_raises_on_binary_junk(every_part_type: list[tuple[Instance, str]],
                                           junk: bytes) -> None:
    """Random bytes decoded as UTF-8 (errors replaced) get a known status for every part type."""
    text = junk.decode("utf-8", errors="replace")
    for instance, part_id in every_part_type:
        _assert_sane(check(instance, part_id, text))
