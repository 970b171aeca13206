"""Hypothesis properties of grader.judge.check: the reference answer in every notation scores
one, perturbations inside and outside the tolerance, and no text (hostile, answer-like or
binary junk) ever makes `check` raise."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grader.judge.check import STATUSES, Result, check
from questionbank import generate
from questionbank.instance import Instance, Part

from .check_cases import FORM_DIMS, NOTES_MASK, NOTES_METRICS, TEMPLATES

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
