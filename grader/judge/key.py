"""The answer key the judge reads: what it must know about one part to grade an answer to it.

Two kinds of object satisfy `AnswerKey`: a `questionbank.instance.Part` of a freshly generated
instance, and a part stored in an exam's manifest (`grader.exam.manifest.StoredPart`), which
is graded without rebuilding its question. The judge never asks which one it has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from questionbank.tolerance import Tolerance

__all__ = ["AnswerKey", "OptionKey"]


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
    """One part's reference answer and the rules to judge a submission against it.

    - `numeric_value`: for number, vector and matrix parts, the shape (``()`` for a number)
      and the entries as floats, row by row (the values the tolerance compares).
    - `answer`: the JSON-native reference (an int for integer parts, the dimensions for a
      shape part, ...); `answer_text` its exact text (the reference of an expression part).
    - `mistake_values`: ``(id, value)`` of each declared mistake that applies, in declaration
      order (the judge names the first one an answer matches), each value in the form the
      judge compares an answer with: a number (number parts), a float array or nested lists
      of numbers (vector, matrix), an int (integer), a tuple of dimensions (shape), the
      expression's text (expression). `mistake_feedback(i)` renders the feedback of the i-th
      one; the judge calls it only when an answer matches that mistake, and before it reads
      that mistake's id.
    - `options` (choice parts) and `symbols` (expression parts): empty / None otherwise.
    - `effective_tolerance` (number, vector, matrix) and `partial` (vector, matrix, choices).
    """

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def effective_tolerance(self) -> Tolerance: ...
    @property
    def partial(self) -> bool: ...
    @property
    def answer(self) -> Any: ...
    @property
    def answer_text(self) -> str: ...
    @property
    def numeric_value(self) -> tuple[tuple[int, ...], tuple[float, ...]]: ...
    @property
    def mistake_values(self) -> tuple[tuple[str, Any], ...]: ...
    def mistake_feedback(self, index: int) -> str: ...
    @property
    def options(self) -> Sequence[OptionKey]: ...
    @property
    def symbols(self) -> Mapping[str, tuple[int, ...]] | None: ...
