"""Reading a submissions file: CSV (the ``answers.csv`` that ``mlquiz generate`` writes), JSON
or YAML (a list of records with the same keys).

Every value is taken as *text* and read by the grader, never by the file format: ``NO``,
``012`` and ``1e-3`` arrive as typed. Nothing from a submission ever becomes a file path. A
bad row does not stop the file: it gets a `SubmissionRow.problem`; only an unreadable file
raises `InputError`.

Hostile files (see ``docs/security.md``):

- CSV is split by `grader.exam.csvrows` (no field-size limit to overflow: a quoted cell of
  any size is one cell; an unbalanced quote is reported on its line, and the next rows are
  read as rows). JSON records are reported by their index (``record 3 (line 1)``), so a
  one-line file still names the bad record. JSON and YAML values nested deeper than
  `MAX_DEPTH` are refused (the cell, or for YAML the file, with its line).
- A cell is checked on its own (`_checked_cell`): one longer than `MAX_CELL_CHARS`, or
  holding a control character (NUL, ESC, ...) or an unpaired surrogate, is an ``invalid``
  answer with a message (`SubmissionRow.invalid`); what is kept of it is shown visibly
  escaped (``\\u001b``), so every output stays valid UTF-8 and inert on a terminal. Such a
  student cell makes the row malformed. The rest of the row and the file are unaffected.
- Columns named like the gradebook's own (`RESERVED_COLUMNS`) or given twice are an error
  of the file; unknown columns are a note.
- Given the roster (`students`), rows of other students and rows superseded by a later row
  of the same student keep no cells, so a million-row file is read in bounded memory.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.exam.csvrows import csv_rows
from grader.files import read_input_text, sniff_delimiter, unneutralise
from questionbank.errors import InputError

if TYPE_CHECKING:  # JSON and YAML files are read there, imported only for one (0.7 ms)
    from grader.exam.submission_records import Record

__all__ = ["MAX_CELL_CHARS", "MAX_DEPTH", "RESERVED_COLUMNS", "RefusedValue", "SubmissionRow",
           "Submissions", "read_submissions"]

_STUDENT_KEYS = ("student", "id", "student_id")
#: The longest answer read; a longer one is ``invalid`` (and only its start is kept).
MAX_CELL_CHARS = 100_000
#: The deepest nesting of a JSON or YAML value (a list in a list ... in a record).
MAX_DEPTH = 32
#: Columns that ``gradebook.csv`` writes: a submissions file with one is refused.
RESERVED_COLUMNS = ("total", "max", "percent", "status")
#: At most this many names are listed in a note (then: "and N more").
_MAX_LISTED = 20
#: C0 and C1 control characters except tab and line ends, and unpaired surrogates.
_UNTYPABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_KEPT_CHARS = 200
#: The cells of every row that will not be graded (one shared empty dict: never changed).
_NO_CELLS: dict[str, str] = {}
#: Columns that are not answers and are not reported as unknown: the student's name (ignored)
#: and the exam id (checked by `grader.exam.identity.check_submissions_exam`).
_INFO_KEYS = ("name", "exam")


@dataclass(slots=True, frozen=True)
class SubmissionRow:
    """One row (CSV) or record (JSON/YAML) as read: `line` is 1-based in the file, `record`
    the 1-based index of a JSON/YAML record; `cells` maps column names to the text as typed;
    `problem` says why the row is malformed, if it is; `missing` lists the part columns it
    lacks; `invalid` holds (column, message) for each cell that cannot be an answer."""

    line: int
    student: str | None
    cells: dict[str, str]
    problem: str | None = None
    missing: tuple[str, ...] = ()
    record: int | None = None
    invalid: tuple[tuple[str, str], ...] = ()

    @property
    def where(self) -> str:
        """``line 4``, or ``record 3 (line 1)`` for a JSON/YAML record."""
        return f"line {self.line}" if self.record is None else \
            f"record {self.record} (line {self.line})"


@dataclass(slots=True, frozen=True)
class Submissions:
    """A whole submissions file: its rows in file order and notes about its columns."""

    rows: tuple[SubmissionRow, ...]
    notes: tuple[str, ...] = ()


def read_submissions(path: str | Path, columns: Sequence[str],
                     students: Container[str] | None = None) -> Submissions:
    """Read a CSV, JSON or YAML submissions file (by extension; otherwise by content).

    `columns` are the exam's part columns; they are used to report missing and unknown ones.
    `students` (the roster's ids), when given, lets rows that will not be graded drop their
    cells as soon as that is known (bounded memory for huge files). An unreadable file
    raises `InputError`; a bad row only gets a `problem`, a bad cell an `invalid` entry.
    """
    path = Path(path)
    text = read_input_text(path, "the submissions")
    suffix = path.suffix.lower()
    rows = _Rows(path, columns, students)
    if suffix == ".json" or (suffix not in (".csv", ".tsv", ".txt", ".yaml", ".yml") and \
            text.lstrip().startswith(("[", "{"))):
        from grader.exam.submission_records import json_records

        return rows.records(json_records(text, path))
    if suffix in (".yaml", ".yml"):
        from grader.exam.submission_records import yaml_records

        return rows.records(yaml_records(text, path))
    return rows.csv(text)


def _student_key(keys: Sequence[str]) -> str | None:
    lowered = {k.strip().lower(): k for k in keys}
    return next((lowered[k] for k in _STUDENT_KEYS if k in lowered), None)


def _listed(names: Sequence[str]) -> str:
    """Names for a note: the first `_MAX_LISTED`, then how many more."""
    shown = ", ".join(names[:_MAX_LISTED])
    more = len(names) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _visible(text: str) -> str:
    """`text` with each control character or unpaired surrogate written as ``\\uXXXX``."""
    return _UNTYPABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _untypable(text: str) -> str | None:
    """What in `text` no one types (a control character, an unpaired surrogate), or None."""
    bad = _UNTYPABLE.search(text)
    if bad is None:
        return None
    code = ord(bad.group())
    kind = "an unpaired surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"{kind} (U+{code:04X}) at character {bad.start() + 1}"


class RefusedValue(str):
    """A JSON record's value that cannot be an answer (`grader.exam.submission_records`): the
    text is the reason."""


def _checked_cell(text: str) -> tuple[str, str | None]:
    """A cell as kept (visibly escaped, and cut when too long) and why it cannot be an
    answer, if it cannot."""
    if isinstance(text, RefusedValue):
        return "", str(text)
    if len(text) > MAX_CELL_CHARS:
        return (_visible(text[:_KEPT_CHARS]) + "...",
                f"The answer is too long ({len(text)} characters; at most {MAX_CELL_CHARS}).")
    found = _untypable(text)
    if found is None:
        return text, None
    return _visible(text), (f"The answer holds {found}, which cannot be part of an answer; "
                            "type it again as plain text.")


def _checked_key(key: str) -> str:
    """A column name or key as kept: stripped, visibly escaped, at most 200 characters."""
    key = _visible(key.strip())
    return key if len(key) <= _KEPT_CHARS else key[:_KEPT_CHARS] + "..."


class _Rows:
    """Makes the `SubmissionRow`s of a file from its rows or records, checking each cell,
    and the notes about its columns and repeated students."""

    def __init__(self, path: Path, columns: Sequence[str], students: Container[str] | None
                 ) -> None:
        self.path, self.columns, self.students = path, columns, students
        self.wanted = frozenset(columns)
        self.rows: list[SubmissionRow] = []
        self.last: dict[str, int] = {}  # student -> index of their last row so far
        self.repeated: set[str] = set()

    def add(self, row: SubmissionRow) -> None:
        """Keep `row`; drop the cells of rows that will not be graded (with `students`)."""
        student = row.student
        if student is not None and (self.students is None or student in self.students):
            earlier = self.last.get(student)
            if earlier is not None:
                self.repeated.add(student)
                if self.students is not None:
                    self.rows[earlier] = _without_cells(self.rows[earlier])
            self.last[student] = len(self.rows)
        self.rows.append(row)

    def row(self, line: int, record: int | None, pairs: Sequence[tuple[str, str]],
            raw_student: str, missing: tuple[str, ...]) -> SubmissionRow:
        """The row of (column, text) pairs: its student read, its cells checked (unless it
        will not be graded: a student not in `students`)."""
        student, problem = _student(raw_student)
        if self.students is not None and (student is None or student not in self.students):
            return SubmissionRow(line=line, student=student, cells=_NO_CELLS, problem=problem,
                                 record=record)
        cells: dict[str, str] = {}
        invalid = []
        values = [value for _, value in pairs]
        # Almost every row's cells are all fine: checked at once (10,000 rows of 11 cells:
        # 0.013 s of CPU less); else cell by cell, to say which and why.
        if values and set(map(type, values)) == {str} and \
                max(map(len, values)) <= MAX_CELL_CHARS and \
                _UNTYPABLE.search("".join(values)) is None:
            return SubmissionRow(line=line, student=student, cells=dict(pairs),
                                 problem=problem, missing=missing, record=record)
        for key, value in pairs:
            kept, refused = _checked_cell(value)
            cells[key] = kept
            if refused is not None and key in self.wanted:
                invalid.append((key, refused))
        return SubmissionRow(line=line, student=student, cells=cells, problem=problem,
                             missing=missing, record=record, invalid=tuple(invalid))

    def notes(self, unknown: Sequence[str], missing: Sequence[str], what: str) -> list[str]:
        notes = []
        if unknown:
            notes.append(f"ignored {what} that are not part of the exam: {_listed(unknown)}")
        if missing:
            notes.append(f"the file has no column for {_listed(missing)}: those answers count "
                         "as blank")
        if self.repeated:
            count = len(self.repeated)
            notes.append(f"{count} student{'s' * (count != 1)} "
                         f"{'have' if count != 1 else 'has'} more than one row: the last row "
                         "of each counts, the earlier ones are reported as superseded")
        return notes

    def reserved(self, keys: Sequence[str], where: str) -> None:
        """Refuse a file with a gradebook column (it is most likely a gradebook)."""
        taken = [k for k in keys if k.strip().lower() in RESERVED_COLUMNS]
        if taken:
            raise InputError(f"{self.path}:{where}: the column {taken[0]!r} is one that "
                             f"gradebook.csv writes ({', '.join(RESERVED_COLUMNS)}): is this "
                             "a gradebook rather than a submissions file?")

    def csv(self, text: str) -> Submissions:
        header: list[str] | None = None
        named = False  # whether every column of the header has a name
        student_col = -1
        missing: tuple[str, ...] = ()
        for read in csv_rows(text, sniff_delimiter(text)):
            if read.problem is not None:
                if header is None:
                    raise InputError(f"{self.path}:{read.line}: cannot read the header: "
                                     f"{read.problem}")
                self.add(SubmissionRow(line=read.line, student=None, cells={},
                                       problem=f"unreadable CSV: {read.problem}"))
                continue
            row = read.cells
            # blank cells found in the joined text: 2,500 rows were read in 14.8 ms instead
            # of 16.0 with a generator over the cells (here and for trailing cells below)
            joined = "".join(row)
            if not joined.strip():
                continue
            if header is None:
                header, student_col, missing = self.csv_header(row, read.line)
                named = all(header)
                continue
            if len(row) < len(header) or (len(row) > len(header) and
                                          "".join(row[len(header):]).strip()):
                student = _student(row[student_col])[0] if student_col < len(row) else None
                self.add(SubmissionRow(
                    line=read.line, student=student, cells={},
                    problem=f"{len(row)} cells where the header has {len(header)}"))
                continue
            plain = self.plain_csv_row(read.line, row, joined, header, student_col, missing) \
                if named else None
            self.add(plain or self.row(read.line, None, [(h, c) for h, c in zip(
                header, row, strict=False) if h], row[student_col], missing))
        if header is None:
            raise InputError(f"{self.path}: the file is empty (expected a header line "
                             "'student,Q1...')")
        unknown = [c for c in header if c and c not in self.wanted and c != header[student_col]
                   and c not in _INFO_KEYS]
        return Submissions(rows=tuple(self.rows),
                           notes=tuple(self.notes(unknown, missing, "columns")))

    def plain_csv_row(self, line: int, row: list[str], joined: str, header: list[str],
                      student_col: int, missing: tuple[str, ...]) -> SubmissionRow | None:
        """The row of a CSV line whose every cell is fine (nearly every line), under a header
        without unnamed columns; else None, and `row` reads it cell by cell. What `row` does,
        written out for the whole line at once (its cells checked in the line's joined text,
        no (column, cell) pairs made): reading the 2,500 rows of 4 answers took 10.1 ms of
        CPU instead of 15.3, the 10,000 rows of 10 answers 75 ms instead of 98 (medians of 9)."""
        if max(map(len, row)) > MAX_CELL_CHARS or _UNTYPABLE.search(joined) is not None:
            return None
        student = unneutralise(row[student_col].strip()) or None
        if self.students is not None and (student is None or student not in self.students):
            return SubmissionRow(line, student, _NO_CELLS)
        # (a row may end in blank cells past the header's: not kept)
        return SubmissionRow(line, student, dict(zip(header, row, strict=False)), None,
                             missing)

    def csv_header(self, row: list[str], line: int) -> tuple[list[str], int, tuple[str, ...]]:
        """The header's column names, the student column and the exam's columns it lacks."""
        header = [_checked_key(c) for c in row]
        key = _student_key(header)
        if key is None:
            found = ", ".join(repr(c) for c in header[:6])
            raise InputError(f"{self.path}:{line}: the header has no 'student' column (found "
                             f"{found}); use the answers.csv written by 'mlquiz generate'")
        doubled = sorted({c for c in header if c and header.count(c) > 1})
        if doubled:
            raise InputError(f"{self.path}:{line}: the header repeats the column "
                             f"{', '.join(map(repr, doubled))}")
        self.reserved(header, str(line))
        return header, header.index(key), tuple(c for c in self.columns if c not in header)

    def records(self, records: Iterator[Record]) -> Submissions:
        seen_keys: dict[str, None] = {}
        for rec in records:
            if rec.pairs is None:
                self.add(SubmissionRow(line=rec.line, student=None, cells={},
                                       problem=rec.problem, record=rec.index))
                continue
            pairs = [(_checked_key(k), v) for k, v in rec.pairs]
            keys = [k for k, _ in pairs]
            self.reserved(keys, f"{rec.line}: record {rec.index}")
            seen_keys.update(dict.fromkeys(keys))
            doubled = sorted({k for k in keys if keys.count(k) > 1})
            key = _student_key(keys)
            if doubled:
                student = _student(_pairs_get(pairs, key))[0] if key else None
                self.add(SubmissionRow(line=rec.line, student=student, cells={},
                                       problem=f"the key {', '.join(map(repr, doubled))} "
                                               "appears twice", record=rec.index))
                continue
            missing = tuple(c for c in self.columns if c not in keys)
            self.add(self.row(rec.line, rec.index, pairs, _pairs_get(pairs, key), missing))
        unknown = sorted(k for k in seen_keys if k not in self.wanted and k.strip().lower()
                         not in _STUDENT_KEYS and k not in _INFO_KEYS)
        return Submissions(rows=tuple(self.rows),
                           notes=tuple(self.notes(unknown, (), "keys")))


def _pairs_get(pairs: Sequence[tuple[str, str]], key: str | None) -> str:
    """The value of `key` among `pairs` ('' if absent)."""
    return next((v for k, v in pairs if k == key), "")


def _student(raw: str) -> tuple[str | None, str | None]:
    """The student id of a cell (None if blank) and why it cannot be one, if it cannot."""
    text = unneutralise(raw.strip())
    if not text:
        return None, None
    found = _untypable(text) if len(text) <= MAX_CELL_CHARS else \
        f"{len(text)} characters"
    if found is None:
        return text, None
    shown = _visible(text[:60]) + ("..." if len(text) > 60 else "")
    return None, f"the student cell cannot be an id: it holds {found} ('{shown}')"


def _without_cells(row: SubmissionRow) -> SubmissionRow:
    return SubmissionRow(line=row.line, student=row.student, cells=_NO_CELLS,
                         problem=row.problem, record=row.record)
