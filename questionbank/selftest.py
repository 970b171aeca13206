"""Running a template's own ``tests:`` (fixed params with expected answers).

Expected numbers are compared by how they are written: an exact form (an integer, ``8/13``)
must match exactly, and a decimal must match the answer rounded to as many decimal places as it
shows, so the notes' ``F1 = 0.615`` checks 8/13 at three decimals. Choice answers are given by
option id or option text, expressions by value at random points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.errors import QuizError
from questionbank.expr import ExprError, evaluate, parse
from questionbank.exprcheck import compare_values, random_points, values_at
from questionbank.instance import Instance, Part, generate
from questionbank.schema import Template, TestCase

__all__ = ["TestFailure", "run_template_tests"]


@dataclass(frozen=True)
class TestFailure:
    """One expectation that did not hold (or a test that could not run)."""

    __test__ = False  # not a pytest class

    template: str
    test: str
    part: str
    message: str
    line: int

    def __str__(self) -> str:
        return f"{self.template} [{self.test}] {self.part}: {self.message}"


def _round_half_away(q: Fraction, places: int) -> Fraction:
    """Round half away from zero (as people and the grader's sigfigs/decimals modes do)."""
    scale = 10 ** places
    scaled = abs(q) * scale
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if q >= 0 else -whole, scale)


def _matches_number(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool):
        return False
    if isinstance(expected, str):
        try:
            value = evaluate(parse(expected), {})
        except ExprError:
            return False
        return Fraction(value) == Fraction(actual) if not isinstance(actual, float) else \
            abs(float(value) - actual) <= 1e-12 * max(1.0, abs(actual))
    if isinstance(expected, int):
        return Fraction(actual) == expected if not isinstance(actual, float) else \
            actual == expected
    if isinstance(expected, float):
        exponent = Decimal(repr(expected)).as_tuple().exponent
        if not isinstance(exponent, int):  # 'n' or 'F': no reference answer is NaN or inf
            return False
        places = max(0, -exponent)
        exact = Fraction(actual) if not isinstance(actual, float) else Fraction(repr(actual))
        return _round_half_away(exact, places) == Fraction(repr(expected))
    return False


def _check(part: Part, expected: Any) -> str | None:
    """None when `expected` matches the part's reference answer, else what differs."""
    ptype = part.type
    if ptype in ("number", "integer"):
        return None if _matches_number(expected, part.value) else \
            f"expected {expected!r}, got {part.answer_text}"
    if ptype in ("vector", "matrix"):
        actual = np.asarray(part.value, dtype=object)
        exp = np.asarray(expected, dtype=object)
        if exp.shape != actual.shape:
            return f"expected shape {exp.shape}, got {actual.shape} ({part.answer_text})"
        if all(_matches_number(e, a) for e, a in zip(exp.ravel(), actual.ravel(), strict=True)):
            return None
        return f"expected {expected!r}, got {part.answer_text}"
    if ptype == "shape":
        return None if list(expected) == list(part.answer) else \
            f"expected {expected!r}, got {part.answer_text}"
    if ptype in ("choice", "choices"):
        wanted = {expected} if isinstance(expected, str) else set(expected)
        right = {o.id for o in part.options if o.correct} | \
            {o.text for o in part.options if o.correct}
        right_ids = {o.id for o in part.options if o.correct}
        ok = all(w in right for w in wanted) and len(wanted) == len(right_ids)
        return None if ok else f"expected {sorted(wanted)}, the correct options are " \
            f"{sorted(o.text for o in part.options if o.correct)}"
    if ptype == "expression":
        assert part.symbols is not None
        points = random_points(part.symbols, seed=12345)
        try:
            verdict = compare_values(values_at(parse(str(expected), set(part.symbols)), points),
                                     values_at(parse(part.answer_text, set(part.symbols)),
                                               points))
        except ExprError as exc:
            return f"cannot evaluate {expected!r}: {exc.message}"
        return None if verdict == "equal" else \
            f"expected {expected!r}, got {part.answer_text} ({verdict})"
    raise AssertionError(ptype)


def run_template_tests(template: Template, seeds: Sequence[int] = (0,)) -> list[TestFailure]:
    """Every failed expectation of the template's declared tests (empty when all pass)."""
    failures = []
    for case in template.tests:
        failures.extend(_run_case(template, case, seeds))
    return failures


def _run_case(template: Template, case: TestCase, seeds: Sequence[int]) -> list[TestFailure]:
    failures = []
    for seed in seeds:
        try:
            instance: Instance = generate(template, seed, case.params)
        except QuizError as exc:
            return [TestFailure(template.id, case.name, "-", f"cannot generate: {exc}",
                                case.line)]
        for part_id, expected in case.expect.items():
            problem = _check(instance.part(part_id), expected)
            if problem:
                failures.append(TestFailure(template.id, case.name, part_id,
                                            f"{problem} (seed {seed})", case.line))
    return failures
