"""The answer key the judge reads: what it must know about one part to grade an answer to it.

Two kinds of object satisfy `AnswerKey`: a `questionbank.instance.Part` of a freshly generated
instance, and a part stored in an exam's manifest (`grader.exam.manifest.StoredPart`), which
is graded without rebuilding its question. The judge never asks which one it has.

How a key is judged (its tolerance, partial credit and declared mistakes: `KeyRules`) comes
with it: a generated part carries its own (`OWN_RULES`); a stored part gets them from the item
being graded (`grader.exam.rebuild.ItemRebuild`: the template's rules, found once per
template, and the rebuilt question's mistakes), so that judging it makes no new key object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from questionbank.tolerance import Tolerance

__all__ = ["OWN_RULES", "AnswerKey", "KeyRules", "OptionKey", "OwnRules"]


class OptionKey(Protocol):
    """One option of a choice part, in the order shown to the student."""

    @property
    def letter(self) -> str: ...
    @property
    def correct(self) -> bool: ...
    @property
    def feedback(self) -> str: ...
    @property
    def id(self) -> str: ...


class AnswerKey(Protocol):
    """One part's reference answer: what the judge must know about it to read an answer.

    - `numeric_value`: for number, vector and matrix parts, the shape (``()`` for a number)
      and the entries as floats, row by row (the values the tolerance compares).
    - `answer`: the JSON-native reference (an int for integer parts, the dimensions for a
      shape part, ...); `answer_text` its exact text (the reference of an expression part).
    - `options` (choice parts) and `symbols` (expression parts): empty / None otherwise.
    """

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def answer(self) -> Any: ...
    @property
    def answer_text(self) -> str: ...
    @property
    def numeric_value(self) -> tuple[tuple[int, ...], tuple[float, ...]]: ...
    @property
    def options(self) -> Sequence[OptionKey]: ...
    @property
    def symbols(self) -> Mapping[str, tuple[int, ...]] | None: ...


class KeyRules(Protocol):
    """How a key is judged, given the key.

    - `tolerance` (number, vector, matrix) and `partial` (vector, matrix, choices).
    - `mistake_values`: ``(id, value)`` of each declared mistake that applies, in declaration
      order (the judge names the first one an answer matches), each value in the form the
      judge compares an answer with: a number (number parts), a float array or nested lists
      of numbers (vector, matrix), an int (integer), a tuple of dimensions (shape), the
      expression's text (expression). The judge reads it once per answer, and only for an
      answer that is not right (the integer and shape checkers: not exactly right).
    - `mistake_feedback(key, i)` renders the feedback of the i-th one; the judge calls it only
      when an answer matches that mistake.
    """

    def tolerance(self, key: Any) -> Tolerance: ...
    def partial(self, key: Any) -> bool: ...
    def mistake_values(self, key: Any) -> tuple[tuple[str, Any], ...]: ...
    def mistake_feedback(self, key: Any, index: int) -> str: ...


class OwnRules:
    """The `KeyRules` of a key that carries its own (a generated part): its
    ``effective_tolerance``, ``partial``, ``mistake_values`` and ``mistake_feedback(i)``."""

    __slots__ = ()

    def tolerance(self, key: Any) -> Tolerance:
        return key.effective_tolerance

    def partial(self, key: Any) -> bool:
        return key.partial

    def mistake_values(self, key: Any) -> tuple[tuple[str, Any], ...]:
        return key.mistake_values

    def mistake_feedback(self, key: Any, index: int) -> str:
        return key.mistake_feedback(index)


OWN_RULES = OwnRules()
