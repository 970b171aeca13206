"""The course notes' worked examples, as golden tests, and every template's own ``tests:``.

Notes (seeds/000_cd5403ad6a1e5571): question 1 (the gradient of a scalar f of an n×m matrix is
n×m), question 2 (confusion matrix TP=80, FP=80, FN=20, TN=820: accuracy 0.90, precision 0.50,
recall 0.80, F1 0.615) and question 8 (dropout of a = [2.0, 5.0, 7.12, 4.5, 6.0] with
m = [1, 0, 0, 1, 1] gives [2.0, 0, 0, 4.5, 6.0]).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from questionbank import generate, load_bank, schema
from questionbank.selftest import run_template_tests

BANK = load_bank(builtin=True, use_env=False)

NOTES_COUNTS = {"tp": 80, "fp": 80, "fn": 20, "tn": 820}
NOTES_A = [2.0, 5.0, 7.12, 4.5, 6.0]
NOTES_M = [1, 0, 0, 1, 1]


def _first_constraint_line(template: str = "gradients/shape") -> int:
    """The line of the first constraint in a built-in template file (1-based)."""
    lines = (Path(__file__).resolve().parents[2] / "questionbank" / "bank" /
             f"{template}.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index("constraints:") + 2


# ----------------------------------------------------------------------------- question 2

@pytest.mark.parametrize(("part_id", "exact", "answer_text", "answer"), [
    ("accuracy", Fraction(9, 10), "0.9", 0.9),
    ("precision", Fraction(1, 2), "0.5", 0.5),
    ("recall", Fraction(4, 5), "0.8", 0.8),
    ("f1", Fraction(8, 13), "8/13", 8 / 13),
])
@pytest.mark.parametrize("orientation", ["predicted-rows", "actual-rows"])
def test_confusion_matrix_worked_example(part_id: str, exact: Fraction, answer_text: str,
                                         answer: float, orientation: str) -> None:
    instance = generate("metrics/confusion-matrix", 0,
                        dict(NOTES_COUNTS, orientation=orientation))
    part = instance.part(part_id)
    assert part.value == exact
    assert part.answer_text == answer_text
    assert part.answer == answer


def test_notes_f1_rounds_to_0_615() -> None:
    f1 = generate("metrics/confusion-matrix", 3, NOTES_COUNTS).part("f1")
    assert round(f1.answer, 3) == 0.615
    assert f1.answer == pytest.approx(0.615, abs=5e-4)


def test_confusion_matrix_prompt_shows_the_notes_table() -> None:
    template = BANK.get("metrics/confusion-matrix")
    labels = next(p for p in template.params if p.name == "label").values
    cancer = next(v for v in labels if v["pos"] == "Cancer")
    instance = generate(template, 0, dict(NOTES_COUNTS, label=cancer,
                                          orientation="predicted-rows"))
    assert "On a test set of 1000 cases" in instance.prompt
    assert "| Predicted: Cancer | 80 | 80 |" in instance.prompt
    assert "| Predicted: No cancer | 20 | 820 |" in instance.prompt
    assert "|  | Actual: Cancer | Actual: No cancer |" in instance.prompt
    assert "TP = 80, FP = 80," in instance.solution
    assert "FN = 20, TN = 820; total = 1000" in instance.solution
    assert "= 8/13 ≈ 0.6154" in instance.solution


# ----------------------------------------------------------------------------- question 8

def test_dropout_worked_example() -> None:
    instance = generate("dropout/apply-mask", 0, {"a": NOTES_A, "m": NOTES_M})
    part = instance.part("output")
    assert part.answer == [2.0, 0, 0, 4.5, 6.0]
    assert [Fraction(v) for v in part.value] == [2, 0, 0, Fraction(9, 2), 6]
    assert part.answer_text == "[2, 0, 0, 4.5, 6]"
    assert "a = [2.0, 5.0, 7.12, 4.5, 6.0]" in instance.prompt
    assert "m = [1, 0, 0, 1, 1]" in instance.prompt
    assert "a′ = [2.0×1, 5.0×0, 7.12×0, 4.5×1, 6.0×1]" in instance.solution
    assert "Units 2, 3 are dropped" in instance.solution


def test_dropout_worked_example_keeps_decimals_exact() -> None:
    """7.12 must stay 7.12 (not 7.1199999...) wherever it shows up."""
    instance = generate("dropout/apply-mask", 0, {"a": NOTES_A, "m": NOTES_M})
    mistakes = {m.id: m for m in instance.part("output").mistakes}
    assert mistakes["inverted-mask"].answer_text == "[0, 5, 7.12, 0, 0]"
    assert mistakes["no-dropout"].answer == NOTES_A
    assert instance.params["a"] == tuple(NOTES_A)


def test_inverted_dropout_with_the_notes_activations() -> None:
    instance = generate("dropout/inverted", 0, {"a": NOTES_A, "m": NOTES_M, "p": 0.2})
    assert instance.part("output").answer == [2.5, 0, 0, 5.625, 7.5]
    assert instance.part("inference").answer == NOTES_A


# ----------------------------------------------------------------------------- question 1

@pytest.mark.parametrize(("n", "m"), [(3, 4), (4, 3), (2, 64), (64, 2), (17, 5)])
def test_gradient_has_the_shape_of_the_matrix(n: int, m: int) -> None:
    template = BANK.get("gradients/shape")
    forms = next(p for p in template.params if p.name == "form").values
    for form in forms:
        instance = generate(template, 0, {"n": n, "m": m, "form": form})
        part = instance.part("shape")
        assert part.answer == [n, m]
        assert part.answer_text == f"{n}x{m}"
        assert f"with n = {n} rows and m = {m} columns" in instance.prompt
        assert f"**{n}x{m}**" in instance.solution


# ----------------------------------------------------------------------------- template tests

@pytest.mark.parametrize("template_id", BANK.ids())
def test_template_declared_tests_pass(template_id: str) -> None:
    template = BANK.get(template_id)
    assert template.tests, f"{template_id} declares no tests"
    failures = run_template_tests(template, seeds=(0, 1, 2))
    assert failures == [], "\n".join(map(str, failures))


# (template, params, wrong expectations, fragment of the failure message)
WRONG_EXPECTATIONS: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("metrics/confusion-matrix", NOTES_COUNTS, {"f1": 0.616}, "f1: expected 0.616, got 8/13"),
    ("metrics/confusion-matrix", NOTES_COUNTS, {"f1": "8/12"}, "f1: expected '8/12', got 8/13"),
    ("metrics/confusion-matrix", NOTES_COUNTS, {"accuracy": 0.91},
     "accuracy: expected 0.91, got 0.9"),
    ("metrics/confusion-matrix", NOTES_COUNTS, {"precision": 1}, "precision: expected 1"),
    ("dropout/apply-mask", {"a": NOTES_A, "m": NOTES_M}, {"output": [2.0, 0, 0, 4.5, 6.1]},
     "output: expected [2.0, 0, 0, 4.5, 6.1], got [2, 0, 0, 4.5, 6]"),
    ("dropout/apply-mask", {"a": NOTES_A, "m": NOTES_M}, {"output": [2.0, 0, 0, 4.5]},
     "output: expected shape (4,), got (5,)"),
    ("gradients/shape", {"n": 3, "m": 4}, {"shape": [4, 3]}, "shape: expected [4, 3], got 3x4"),
    ("gradients/matrix-calculus", {"form": "aTXb", "n": 3, "m": 4, "k": 2},
     {"grad": "b*a^T"}, "grad: expected 'b*a^T', got a*b^T (shape)"),
    ("gradients/matrix-calculus", {"form": "aTXb", "n": 3, "m": 4, "k": 2},
     {"grad": "2*a*b^T"}, "grad: expected '2*a*b^T', got a*b^T (different)"),
    ("gradients/shape", {"n": 3, "m": 3}, {"shape": [3, 3]},
     f"cannot generate: bank/gradients/shape.yaml:{_first_constraint_line()}: constraints[0]"),
]


@pytest.mark.parametrize(("template_id", "params", "expect", "fragment"), WRONG_EXPECTATIONS)
def test_a_wrong_expectation_fails(template_id: str, params: dict[str, Any],
                                   expect: dict[str, Any], fragment: str) -> None:
    """The runner can fail: a deliberately wrong expected answer is reported."""
    template = dataclasses.replace(
        BANK.get(template_id), tests=(schema.TestCase("deliberately wrong", params, expect, 99),))
    failures = run_template_tests(template)
    assert len(failures) == 1
    failure = failures[0]
    assert failure.template == template_id
    assert failure.test == "deliberately wrong"
    assert failure.line == 99
    assert fragment in str(failure)


def test_a_wrong_expectation_in_a_template_file_fails(load_template_text: Any) -> None:
    source = BANK.path("metrics/confusion-matrix").read_text(encoding="utf-8")
    assert "expect: {f1: 0.615}" in source
    template = load_template_text(source.replace("expect: {f1: 0.615}", "expect: {f1: 0.62}")
                                  .replace("expect: {accuracy: 0.85,", "expect: {accuracy: 0.86,"),
                                  name="metrics/confusion-matrix")
    failures = run_template_tests(template)
    # 0.62 is 8/13 to two places, which the notes' rounding rule accepts; 0.86 is wrong.
    assert [(f.test, f.part) for f in failures] == [("rows = actual", "accuracy")]
    assert "expected 0.86, got 0.85" in str(failures[0])
