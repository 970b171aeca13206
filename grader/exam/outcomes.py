"""What batch grading found: one record per part, question, student and submission row.

A part's status is one of `PART_STATUSES`: ``correct``, ``incorrect``, ``invalid`` (could not
be read; the feedback says why), ``blank``, ``ungraded`` (its question could not be graded) or
``error`` (an internal error of mlquiz while grading this one answer). A row's status is one
of `ROW_STATUSES` (see `grader.exam.grade`).

`PartOutcome` and `ItemOutcome` are NamedTuples: a big class makes one per answer, and a
tuple is made in a third of the time of a frozen dataclass; holding only text and numbers,
they are also left alone by the cyclic garbage collector.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from grader.files import json_number, json_str

__all__ = [
    "CLASS_COUNTS", "GRADED_STATUSES", "PART_STATUSES", "ROW_STATUSES", "UNSCORED_STATUSES",
    "GradeReport", "ItemOutcome", "PartOutcome", "RowStatus", "StudentOutcome", "class_count",
    "round_score", "score_text", "total_points",
]

ROW_STATUSES = ("graded", "missing-columns", "incomplete", "ungradable", "blank", "superseded",
                "unknown-student", "missing-student", "malformed-row")
GRADED_STATUSES = ("graded", "missing-columns", "incomplete")
#: How the class's students are counted everywhere (the CLI, summary.html, report.json): each
#: roster student is in exactly one of these (`class_count`).
CLASS_COUNTS = ("graded", "blank", "ungradable", "unreadable", "no-submission")
#: Rows left out of every statistic (they still score 0 in the gradebook): nothing answered,
#: or nothing that could be graded.
UNSCORED_STATUSES = ("blank", "ungradable")


def class_count(status: str) -> str:
    """The `CLASS_COUNTS` entry of a roster student whose gradebook status is `status`:
    ``incomplete`` (some questions could not be graded) counts as ``ungradable``, a student
    whose only row could not be read as ``unreadable``."""
    if status in ("graded", "missing-columns"):
        return "graded"
    if status in ("incomplete", "ungradable"):
        return "ungradable"
    if status == "malformed-row":
        return "unreadable"
    return status  # blank, no-submission
PART_STATUSES = ("correct", "incorrect", "invalid", "blank", "ungraded", "error")


def round_score(x: float | None) -> float | None:
    """A score for ``report.json``: 6 decimals, and no ``-0.0``."""
    if x == 0:
        return 0.0
    if x is None or x == 1.0:  # the common scores, which rounding leaves alone
        return x
    value = round(x, 6)
    return 0.0 if value == 0 else value


def score_text(x: float | None, digits: int = 4) -> str:
    """A score as gradebook text: at most `digits` decimals, no trailing zeros (1, 0.5,
    0.3333)."""
    if x is None:
        return ""
    text = f"{round(x, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class PartOutcome(NamedTuple):
    """The grading of one part for one student."""

    column: str
    part: str
    answer: str
    status: str
    score: float
    points: float
    feedback: str
    mistake: str | None
    read_as: str | None
    reference: str
    #: the comment of a manual override (`grader.exam.overrides`), None when not overridden
    override: str | None = None
    #: the points graded automatically, before the override
    automatic: float | None = None

    @property
    def earned(self) -> float | None:
        if self.status == "ungraded" and self.override is None:
            return None
        return self.score * self.points

    def json_text(self) -> str:
        """The part's entry in ``report.json`` (``override`` only for an overridden part), as
        `grader.files.json_dump` writes it (sorted keys): see `grader.files.json_str`.

        What a part shares with the class's other answers to its column (all but the answer,
        how it was read and the key) is written once per combination (`_SHARED`): a class's
        answers have few of them (10,000 students x 10 parts: 444 combinations, 399 feedback
        texts), and its 100,000 parts took 90 ms instead of 158 (best of 5)."""
        (column, part, answer, status, score, points, feedback, mistake, read_as, reference,
         override, _) = self
        # an exact float key: 1 and 1.0 (equal keys) are written differently, and so are
        # 0.0 and -0.0 points (a score of -0.0 is written 0.0)
        if override is None and type(score) is float and type(points) is float and points > 0:
            key = (column, part, status, score, points, feedback, mistake)
            shared = _SHARED.get(key)
            if shared is None:
                if len(_SHARED) >= _SHARED_MAX:
                    _SHARED.clear()
                shared = _SHARED[key] = self._shared_json()
        else:
            shared = self._shared_json()
        return (f'{{"answer": {json_str(answer)}, {shared[0]}'
                f'{"null" if read_as is None else json_str(read_as)}, '
                f'"reference": {json_str(reference)}{shared[1]}')

    def _shared_json(self) -> tuple[str, str]:
        """The part's entry but its answer, ``read_as`` and ``reference`` (`json_text`): the
        text between ``"answer"``'s value and ``read_as``'s, and the text after
        ``reference``'s value."""
        mistake, override = self.mistake, self.override
        return (f'"column": {json_str(self.column)}, '
                f'"earned": {_score_json(self.earned)}, "feedback": {json_str(self.feedback)}, '
                f'"mistake": {"null" if mistake is None else json_str(mistake)}, '
                f'{"" if override is None else _override_json(override, self.automatic)}'
                f'"part": {json_str(self.part)}, "points": {json_number(self.points)}, '
                f'"read_as": ',
                f', "score": {_score_json(self.score)}, "status": {json_str(self.status)}}}')


#: The shared pieces of parts' entries in ``report.json``, by what they are made of (see
#: `PartOutcome.json_text`); emptied when it holds `_SHARED_MAX` (about 2 MB).
_SHARED: dict[tuple[str, str, str, float, float, str, str | None], tuple[str, str]] = {}
_SHARED_MAX = 4096


def _override_json(comment: str, automatic: float | None) -> str:
    """The ``override`` entry of an overridden part, with the key after it."""
    return f'"override": {{"automatic": {_score_json(automatic)}, "comment": ' \
           f'{json_str(comment)}}}, '


#: The JSON text of the scores that almost every part has, by value (`_score_json`).
_COMMON_SCORES = {0.0: "0.0", 1.0: "1.0"}


def _score_json(x: float | None) -> str:
    """``json_number(round_score(x))``: a score or points earned as ``report.json`` writes it;
    0.0 and 1.0 (and -0.0, which is written 0.0) looked up."""
    if type(x) is float:
        text = _COMMON_SCORES.get(x)
        if text is not None:
            return text
    return json_number(round_score(x))


class ItemOutcome(NamedTuple):
    """One question of one student: `status` is graded, key-changed, template-missing or error
    (an internal error while rebuilding it)."""

    number: int
    template: str
    status: str
    message: str
    parts: tuple[PartOutcome, ...]

    def json_text(self) -> str:
        """The item's entry in ``report.json`` (as `PartOutcome.json_text`); the text around
        its parts is the same for a question's items of a class, and written once
        (`_ITEM_ENDS`): 40,000 items of 10,000 students, 20 ms less."""
        number = self.number
        if type(number) is int:  # (True, an equal key, is written differently)
            key = (self.message, number, self.status, self.template)
            ends = _ITEM_ENDS.get(key)
            if ends is None:
                if len(_ITEM_ENDS) >= _SHARED_MAX:
                    _ITEM_ENDS.clear()
                ends = _ITEM_ENDS[key] = self._ends_json()
        else:
            ends = self._ends_json()
        return ends[0] + ", ".join([p.json_text() for p in self.parts]) + ends[1]

    def _ends_json(self) -> tuple[str, str]:
        """The item's entry before its parts' entries and after them (`json_text`)."""
        return (f'{{"message": {json_str(self.message)}, "number": '
                f'{json_number(self.number)}, "parts": [',
                f'], "status": {json_str(self.status)}, "template": {json_str(self.template)}}}')


#: The text around the parts of items' entries in ``report.json``, by what it is made of (see
#: `ItemOutcome.json_text`); emptied when it holds `_SHARED_MAX`.
_ITEM_ENDS: dict[tuple[str, int, str, str], tuple[str, str]] = {}


@dataclass(slots=True, frozen=True)
class StudentOutcome:
    """A graded row: the student, the row's line and status, and every item."""

    student: str
    line: int
    status: str
    message: str
    items: tuple[ItemOutcome, ...]

    @property
    def parts(self) -> Iterator[PartOutcome]:
        for item in self.items:
            yield from item.parts

    @property
    def total(self) -> float:
        return total_points([p.earned for item in self.items for p in item.parts])


def total_points(earned: list[float | None]) -> float:
    """A student's total from the points earned on each of their parts (`PartOutcome.earned`,
    None counts 0): `StudentOutcome.total`."""
    # a list, not a generator: 1.8 us for 12 parts instead of 2.2 (fsum is exact, so the
    # order and form do not change the sum)
    return math.fsum([e or 0.0 for e in earned])


@dataclass(slots=True, frozen=True)
class RowStatus:
    """One submission row as the report lists it."""

    line: int
    student: str | None
    status: str
    message: str
    #: the 1-based index of a JSON/YAML record (None for a CSV row)
    record: int | None = None

    @property
    def where(self) -> str:
        """``line 4``, or ``record 3 (line 1)`` for a JSON/YAML record."""
        return f"line {self.line}" if self.record is None else \
            f"record {self.record} (line {self.line})"

    def json_text(self) -> str:
        """The row's entry in ``report.json`` (``record`` only for a JSON/YAML record), as
        `PartOutcome.json_text` writes a part: 2,500 rows took 1.3 ms, 5.1 as dicts for the
        JSON encoder."""
        record = "" if self.record is None else f'"record": {json_number(self.record)}, '
        student = "null" if self.student is None else json_str(self.student)
        return (f'{{"line": {json_number(self.line)}, "message": {json_str(self.message)}, '
                f'{record}"status": {json_str(self.status)}, "student": {student}}}')


@dataclass(slots=True, frozen=True)
class GradeReport:
    """What `grade_exam` wrote and found."""

    out_dir: Path
    gradebook: Path
    report: Path
    summary: Path
    feedback_dir: Path | None
    rows: tuple[RowStatus, ...]
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: the roster's students by `CLASS_COUNTS` entry (all entries, in that order)
    class_counts: dict[str, int] = field(default_factory=dict)

    @property
    def not_graded(self) -> tuple[RowStatus, ...]:
        """Rows that were not graded (superseded, unknown student, malformed ...)."""
        return tuple(r for r in self.rows if r.status not in GRADED_STATUSES)
