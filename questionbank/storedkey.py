"""A part judged against the key an exam's manifest stored (`Part.from_key`), not rebuilt.

Transitional: the manifest format belongs to `grader.exam` (issue 18), which will read stored
parts with its own type; this module then goes, with `Part.from_key`, `Part.stored_key` and
`Part.STORED_TYPES`. Nothing else in `questionbank` uses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from questionbank.answers import comparable_mistake
from questionbank.specs import PartSpec
from questionbank.tolerance import DEFAULT_TOLERANCE, Tolerance

if TYPE_CHECKING:
    from questionbank.instance import Mistake

__all__ = ["KeyedPart", "keyed_part"]


@dataclass(frozen=True)
class KeyedPart:
    """A part whose `value` is the stored JSON answer (floats, lists of floats), graded with
    the template's tolerance; its mistakes' values come from the stored ``[id, answer]``
    pairs when the key has them. It has what the judge reads of a part (the answer-key
    protocol, `grader.judge.key.AnswerKey`), and no texts. No __slots__: `cached_property`
    keeps its values in the instance's __dict__."""

    id: str
    type: str
    points: float
    value: Any
    answer: Any
    answer_text: str
    tolerance: Tolerance | None
    partial: bool
    #: the rebuilt instance's mistakes, computed on first use
    mistake_source: Callable[[], tuple[Mistake, ...]] = field(repr=False, compare=False)
    #: the key's list of ``[id, answer]`` pairs, or None for a key stored without it
    stored_mistakes: Any = field(default=None, repr=False, compare=False)

    @property
    def options(self) -> tuple[()]:
        return ()  # a stored part is never a choice part

    @property
    def symbols(self) -> None:
        return None  # nor an expression part

    @property
    def effective_tolerance(self) -> Tolerance:
        return self.tolerance or DEFAULT_TOLERANCE

    @cached_property
    def mistakes(self) -> tuple[Mistake, ...]:
        """The rebuilt instance's declared mistakes (the caller checks they are the stored
        ones)."""
        return self.mistake_source()

    def mistake_feedback(self, index: int) -> str:
        """The feedback of the `index`-th declared mistake (of `mistake_values`)."""
        return self.mistakes[index].feedback

    @cached_property
    def numeric_value(self) -> tuple[tuple[int, ...], tuple[float, ...]]:
        value = self.value
        if type(value) is list:  # a list of numbers, or of rows of numbers
            if type(value[0]) is list:
                return (len(value), len(value[0])), tuple(float(v) for r in value for v in r)
            return (len(value),), tuple(map(float, value))
        return (), (float(value),)

    @cached_property
    def mistake_values(self) -> tuple[tuple[str, Any], ...]:
        """The stored mistakes: a wrong answer that matches none of them is explained without
        rebuilding the instance, and one that matches reads its feedback from `mistakes`
        (which rebuilds it). Stored pairs not in the expected form leave it to the rebuilt
        mistakes."""
        if self.stored_mistakes is not None:
            try:
                return tuple((_stored_id(mistake_id), comparable_mistake(
                    self.type, _stored_value(self.type, answer)))
                    for mistake_id, answer in self.stored_mistakes)
            except (ValueError, TypeError, AttributeError):
                pass  # not in the form of a stored key: the rebuilt mistakes decide
        return tuple((m.id, comparable_mistake(self.type, m.value)) for m in self.mistakes)


def keyed_part(spec: PartSpec, answer: Any, answer_text: str, points: float,
               mistakes: Callable[[], tuple[Mistake, ...]],
               stored_mistakes: Any = None) -> KeyedPart:
    """A part judged against a stored key (an exam's ``answer`` and ``answer_text``) with
    the template's tolerance and partial-credit rule; `mistakes` is called only when a
    wrong answer matches a declared mistake (or, without `stored_mistakes`, when any
    wrong answer needs explaining). Checking reads the reference answer of these types as
    floats (``answer`` is exactly the float of the exact value), so the verdict is the one
    the rebuilt instance would give.

    `stored_mistakes` is the key's list of ``[id, answer]`` (`Part.stored_key`), or None for
    a key stored without it; it is read when an answer is wrong (and if it is not in that
    form, the rebuilt instance's mistakes decide). Raises ValueError when `answer` does not
    have the form of `spec.type`."""
    return KeyedPart(id=spec.id, type=spec.type, points=points,
                     value=_stored_value(spec.type, answer), answer=answer,
                     answer_text=answer_text, tolerance=spec.tolerance, partial=spec.partial,
                     mistake_source=mistakes, stored_mistakes=stored_mistakes)


def _stored_value(ptype: str, answer: Any) -> Any:
    """A stored JSON answer checked for its part's type (a tuple of dimensions for a shape)."""
    def number(x: Any) -> bool:
        return type(x) in (int, float) and math.isfinite(x)

    def row(x: Any) -> bool:
        return isinstance(x, list) and bool(x) and all(map(number, x))

    if ptype == "number" and number(answer):
        return answer
    if ptype == "integer" and type(answer) is int:
        return answer
    if ptype == "vector" and row(answer):
        return answer
    if ptype == "matrix" and isinstance(answer, list) and answer and all(map(row, answer)) \
            and len({len(r) for r in answer}) == 1:
        return answer
    if ptype == "shape" and isinstance(answer, list) and answer and all(
            (type(d) is int and d >= 1) or (isinstance(d, str) and d) for d in answer):
        return tuple(answer)
    raise ValueError(f"a stored {ptype} answer cannot be {answer!r}")


def _stored_id(mistake_id: Any) -> str:
    if not isinstance(mistake_id, str):
        raise ValueError(f"a stored mistake's id must be text, not {mistake_id!r}")
    return mistake_id
