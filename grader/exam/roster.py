"""The class list of an exam: a roster CSV (`read_roster`), ``--count`` anonymous students
(`count_roster`), or `Student` records given by a caller (`roster_students`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.files import decode_text, sniff_delimiter
from questionbank.errors import InputError

__all__ = ["MAX_ID_LENGTH", "MAX_STUDENTS", "Student", "count_roster", "read_roster",
           "roster_students"]

DEFAULT_COUNT = 5
MAX_ID_LENGTH = 100
MAX_STUDENTS = 100_000

_ID_HEADERS = ("id", "student", "student_id", "student id")
_NAME_HEADERS = ("name", "student name", "full name")


@dataclass(slots=True, frozen=True)
class Student:
    """One roster entry; `line` is where it was read (None for `--count` rosters)."""

    id: str
    name: str = ""
    line: int | None = None


def _bad_characters(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def _columns(path: Path, line: int, cells: list[str]) -> tuple[int, int]:
    """The (id, name) column indexes of a roster header; name is -1 when there is none."""
    header = [c.lower() for c in cells]
    id_col = next((i for i, h in enumerate(header) if h in _ID_HEADERS), -1)
    name_col = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), -1)
    if id_col < 0:
        found = ", ".join(repr(c) for c in cells)
        raise InputError(f"{path}:{line}: the header has no 'id' column (found {found}); the "
                         "roster needs a header line such as 'id,name'")
    return id_col, name_col


def _student(path: Path, line: int, cells: list[str], id_col: int, name_col: int) -> Student:
    student_id = cells[id_col] if id_col < len(cells) else ""
    name = cells[name_col] if 0 <= name_col < len(cells) else ""
    if not student_id:
        raise InputError(f"{path}:{line}: the id is empty")
    if len(student_id) > MAX_ID_LENGTH:
        raise InputError(f"{path}:{line}: the id is longer than {MAX_ID_LENGTH} characters")
    if _bad_characters(student_id) or _bad_characters(name):
        raise InputError(f"{path}:{line}: the id or name contains control characters")
    return Student(id=student_id, name=name, line=line)


def read_roster(path: str | Path) -> list[Student]:
    """Students from a CSV with an ``id`` column and an optional ``name`` column.

    Handles a byte-order mark, ``;`` or tab separators and stray whitespace; blank lines are
    skipped. Duplicate ids are refused with every line they occur on.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the roster: {exc.strerror}") from None
    text = decode_text(data, str(path))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    columns: tuple[int, int] | None = None
    header_line = 0
    students: list[Student] = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if columns is None:
                columns, header_line = _columns(path, reader.line_num, cells), reader.line_num
            else:
                students.append(_student(path, reader.line_num, cells, *columns))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: cannot read the CSV: {exc}") from None
    _check_roster(path, students, f"{path}:{header_line}" if columns else str(path))
    return students


def _check_roster(path: Path, students: list[Student], where: str) -> None:
    """Refuse duplicate ids (with their lines), an empty roster and an oversized one."""
    seen: dict[str, list[int]] = {}
    for s in students:
        seen.setdefault(s.id, []).append(s.line or 0)
    duplicates = {k: v for k, v in seen.items() if len(v) > 1}
    if duplicates:
        listed = "; ".join(f"{k!r} on lines {', '.join(map(str, v))}"
                           for k, v in duplicates.items())
        raise InputError(f"{path}: duplicate student ids: {listed}")
    if not students:
        raise InputError(f"{where}: the roster lists no students")
    if len(students) > MAX_STUDENTS:
        raise InputError(f"{path}: more than {MAX_STUDENTS} students")


def count_roster(count: int) -> list[Student]:
    """`count` anonymous students ``s001``, ``s002``, ... (at least three digits)."""
    if not 1 <= count <= MAX_STUDENTS:
        raise InputError(f"the number of students must be from 1 to {MAX_STUDENTS}, got {count}")
    width = max(3, len(str(count)))
    return [Student(id=f"s{i:0{width}d}") for i in range(1, count + 1)]


def roster_students(roster: str | Path | Sequence[Student] | None, count: int | None
                    ) -> list[Student]:
    """The exam's students: from a roster CSV, from `Student` records (checked as a CSV's
    would be), or `count` anonymous ones (`DEFAULT_COUNT` when neither is given)."""
    if roster is not None and count is not None:
        raise InputError("give a roster or a count of students, not both")
    if roster is None:
        return count_roster(DEFAULT_COUNT if count is None else count)
    if isinstance(roster, str | Path):
        return read_roster(roster)
    students = list(roster)
    ids = [s.id for s in students]
    if len(set(ids)) != len(ids):
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"duplicate student ids in the roster: {', '.join(map(repr, doubled))}")
    if not students:
        raise InputError("the roster lists no students")
    if any(not i.strip() or _bad_characters(i) for i in ids):
        raise InputError("every student needs an id without control characters")
    return students
