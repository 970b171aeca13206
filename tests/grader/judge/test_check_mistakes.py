"""Tests for grader.judge.check: the declared mistakes of the three families of the notes, each
with the wrong answer a student would type, and every declared mistake distinguishable over
many seeds."""

from __future__ import annotations

from typing import Any

import pytest

from grader.judge.check import check
from questionbank import generate
from questionbank.bank import load_bank
from questionbank.solvers.matcalc import FORMS

from .check_cases import (
    FORM_DIMS,
    LAYER,
    NOTES_INVERTED,
    NOTES_MASK,
    NOTES_METRICS,
    TEMPLATES,
    assert_result,
)

# --------------------------------------------------------------------------------------------
# the declared mistakes of the three families, each with the wrong answer a student would type

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
