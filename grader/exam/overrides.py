"""Manual overrides: ``mlquiz grade ... --overrides overrides.csv``.

A TA accepts an answer the tolerance refused, or gives method marks: one CSV row per changed
part, with the columns ``student``, ``part`` (the submission column, e.g. ``Q2.f1``),
``points`` (from 0 to the part's points) and ``comment`` (optional; shown to the student, on
one line). Overrides are applied after automatic grading (`Overrides.apply`): the part keeps
the judge's status and feedback, its points become the given ones, and it is marked
overridden in the gradebook (column ``overridden``), in ``report.json`` (the part's
``override``) and on the student's feedback page, with the comment. Re-grading with the same
file gives the same bytes.

The file is checked whole before anything is graded: an unknown student or part, points
outside the part's range or not a plain number, a part overridden twice, or a student with no
graded submission is an `InputError` naming the file and line (every bad line, up to
`MAX_ERRORS`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.exam.manifest import Manifest, column_name
from grader.exam.outcomes import ItemOutcome, PartOutcome, StudentOutcome
from grader.files import read_input_text
from questionbank.errors import InputError

__all__ = ["MAX_COMMENT", "MAX_ERRORS", "Override", "Overrides", "read_overrides"]

MAX_ERRORS = 20
MAX_COMMENT = 2000
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_COLUMNS = ("student", "part", "points")


@dataclass(slots=True, frozen=True)
class Override:
    """One overridden part: new points and the comment, and where the file gave them."""

    points: float
    comment: str
    line: int


@dataclass(slots=True, frozen=True)
class Overrides:
    """Every override of a file, by (student, part column)."""

    path: str
    by_part: dict[tuple[str, str], Override]

    def note(self) -> str:
        """What the class report says about the overrides."""
        n = len(self.by_part)
        return f"{n} part{'s' * (n != 1)} overridden by {self.path}"

    def apply(self, outcome: StudentOutcome) -> StudentOutcome:
        """The student's outcome with their overridden parts changed (the same object when
        they have none)."""
        if not any((outcome.student, p.column) in self.by_part for p in outcome.parts):
            return outcome
        items = []
        for item in outcome.items:
            parts = tuple(self._part(outcome.student, p) for p in item.parts)
            items.append(ItemOutcome(item.number, item.template, item.status, item.message,
                                     parts))
        return StudentOutcome(outcome.student, outcome.line, outcome.status, outcome.message,
                              tuple(items))

    def _part(self, student: str, part: PartOutcome) -> PartOutcome:
        override = self.by_part.get((student, part.column))
        if override is None:
            return part
        score = override.points / part.points if part.points else 0.0
        return part._replace(score=score, override=override.comment,
                             automatic=part.earned or 0.0)


def _points(text: str, maximum: float, where: str, column: str) -> tuple[float | None, str]:
    """The points of a cell, or None and the message."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        shown = text if len(text) <= 40 else text[:40] + "..."
        return None, f"{where}: points must be a plain number such as 1 or 0.5, got {shown!r}"
    value = float(text)
    if not (math.isfinite(value) and 0 <= value <= maximum):
        return None, f"{where}: {text} points is outside [0, {maximum:g}] for {column}"
    return value, ""


def _header(rows: list[list[str]], path: Path) -> dict[str, int]:
    header = [c.strip().lower() for c in rows[0]] if rows else []
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        found = ", ".join(repr(c) for c in header[:6]) or "nothing"
        raise InputError(f"{path}:1: the header needs the columns student, part, points "
                         f"(and optionally comment); found {found}")
    return {name: header.index(name) for name in (*_COLUMNS, "comment") if name in header}


def read_overrides(path: str | Path, manifest: Manifest) -> Overrides:
    """Read and check an overrides file against the exam (see the module docstring)."""
    path = Path(path)
    text = read_input_text(path, "the overrides")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not readable as CSV ({exc})") from None
    index = _header([row for _, row in rows[:1]], path)
    parts = {s.id: {column_name(i.number, p.id): float(p.points) for i in s.items
                    for p in i.parts} for s in manifest.students}
    by_part: dict[tuple[str, str], Override] = {}
    errors: list[str] = []
    for line, row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        where = f"{path}:{line}"
        cell = {name: (row[i] if i < len(row) else "") for name, i in index.items()}
        student, column = cell["student"].strip(), cell["part"].strip()
        if student not in parts:
            errors.append(f"{where}: unknown student {student!r} (not in the exam's roster)")
            continue
        if column not in parts[student]:
            known = ", ".join(list(parts[student])[:8])
            errors.append(f"{where}: unknown part {column!r} for student {student!r} (parts: "
                          f"{known}{', ...' if len(parts[student]) > 8 else ''})")
            continue
        points, problem = _points(cell["points"], parts[student][column], where, column)
        earlier = by_part.get((student, column))
        if earlier is not None:
            problem = f"{where}: {student} {column} is overridden already on line {earlier.line}"
        if points is None or earlier is not None:
            errors.append(problem)
            continue
        comment = " ".join("".join(ch for ch in cell.get("comment", "")
                                   if ch.isprintable() or ch.isspace()).split())[:MAX_COMMENT]
        by_part[student, column] = Override(points, comment, line)
    _raise(errors)
    return Overrides(str(path), by_part)


def check_submitted(overrides: Overrides, graded: Iterable[str]) -> None:
    """Refuse overrides of students without a graded row (nothing to override)."""
    have = set(graded)
    _raise([f"{overrides.path}:{o.line}: student {student!r} has no graded submission to "
            "override" for (student, _), o in sorted(overrides.by_part.items(),
                                                     key=lambda kv: kv[1].line)
            if student not in have])


def _raise(errors: list[str]) -> None:
    if errors:
        more = len(errors) - MAX_ERRORS
        raise InputError("\n".join(errors[:MAX_ERRORS])
                         + (f"\n... and {more} more" if more > 0 else ""))
