"""Tests for grader.judge.check: `check(instance, part_id, text)` and
`check_all(instance, answers)`, answer type by answer type.

Real instances of the built-in templates at fixed params (the course notes' examples) and a small
template written to a temporary folder for the answer types the built-in bank does not use yet
(integer, matrix, choice, choices; `check_cases`). Tables of cases feed
`pytest.mark.parametrize`: the reference answer in every accepted notation, the generic
detectors, and multi-part scoring. The declared mistakes are in test_check_mistakes.py, the
hypothesis properties over many seeds in test_check_properties.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.judge.check import STATUSES, ItemResult, check, check_all
from questionbank import generate
from questionbank.errors import QuizError
from questionbank.instance import Instance, Part

from .check_cases import (
    LAYER,
    MIXED_POINTS,
    NOTES_MASK,
    NOTES_METRICS,
    assert_result,
    letter_of,
    letters,
)

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
