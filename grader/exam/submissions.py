"""Reading a submissions file: CSV (the ``answers.csv`` that ``mlquiz generate`` writes), JSON
or YAML (a list of records with the same keys).

Every value is taken as *text* and read by the grader, never by the file format: ``NO``,
``012`` and ``1e-3`` arrive as typed. Nothing from a submission ever becomes a file path. A
bad row does not stop the file: it gets a `SubmissionRow.problem`; only an unreadable file
raises `InputError`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.files import read_input_text, sniff_delimiter, unneutralise
from questionbank.errors import InputError

__all__ = ["SubmissionRow", "Submissions", "read_submissions"]

_STUDENT_KEYS = ("student", "id", "student_id")
#: Columns that are not answers and are not reported as unknown: the student's name (ignored)
#: and the exam id (checked by `grader.exam.identity.check_submissions_exam`).
_INFO_KEYS = ("name", "exam")


@dataclass(slots=True, frozen=True)
class SubmissionRow:
    """One row (CSV) or record (JSON/YAML) as read: `line` is 1-based in the file; `cells`
    maps column names to the text as typed; `problem` says why the row is malformed, if it is;
    `missing` lists the part columns it lacks."""

    line: int
    student: str | None
    cells: dict[str, str]
    problem: str | None = None
    missing: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class Submissions:
    """A whole submissions file: its rows in file order and notes about its columns."""

    rows: tuple[SubmissionRow, ...]
    notes: tuple[str, ...] = ()


def read_submissions(path: str | Path, columns: Sequence[str]) -> Submissions:
    """Read a CSV, JSON or YAML submissions file (by extension; otherwise by content).

    `columns` are the exam's part columns; they are used to report missing and unknown ones.
    An unreadable file raises `InputError`; a bad row only gets a `problem`.
    """
    path = Path(path)
    text = read_input_text(path, "the submissions")
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix not in (".csv", ".tsv", ".txt", ".yaml", ".yml") and \
            text.lstrip().startswith(("[", "{"))):
        return _read_records(_json_records(text, path), columns)
    if suffix in (".yaml", ".yml"):
        return _read_records(_yaml_records(text, path), columns)
    return _read_csv(text, path, columns)


def _student_key(keys: Sequence[str]) -> str | None:
    lowered = {k.strip().lower(): k for k in keys}
    return next((lowered[k] for k in _STUDENT_KEYS if k in lowered), None)


def _column_notes(present: Sequence[str], columns: Sequence[str], student_key: str) -> list[str]:
    unknown = [c for c in present if c not in columns and c != student_key
               and c not in _INFO_KEYS]
    return [f"ignored columns that are not part of the exam: {', '.join(unknown)}"] if unknown \
        else []


def _read_csv(text: str, path: Path, columns: Sequence[str]) -> Submissions:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[SubmissionRow] = []
    header: list[str] | None = None
    student_col = -1
    missing: tuple[str, ...] = ()
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                raise InputError(f"{path}:{reader.line_num}: cannot read the header: "
                                 f"{exc}") from None
            rows.append(SubmissionRow(line=before + 1, student=None, cells={},
                                      problem=f"unreadable CSV: {exc}"))
            if reader.line_num == before:
                break
            continue
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if header is None:
            header = [c.strip() for c in row]
            key = _student_key(header)
            if key is None:
                found = ", ".join(repr(c) for c in header[:6])
                raise InputError(f"{path}:{line}: the header has no 'student' column (found "
                                 f"{found}); use the answers.csv written by 'mlquiz generate'")
            student_col = header.index(key)
            doubled = sorted({c for c in header if c and header.count(c) > 1})
            if doubled:
                raise InputError(f"{path}:{line}: the header repeats the column "
                                 f"{', '.join(map(repr, doubled))}")
            missing = tuple(c for c in columns if c not in header)
            continue
        student = unneutralise(row[student_col].strip()) if student_col < len(row) else None
        extra = row[len(header):]
        if len(row) < len(header) or any(c.strip() for c in extra):
            rows.append(SubmissionRow(
                line=line, student=student or None, cells={},
                problem=f"{len(row)} cells where the header has {len(header)}"))
            continue
        cells = {h: c for h, c in zip(header, row, strict=False) if h}
        rows.append(SubmissionRow(line=line, student=student or None, cells=cells,
                                  missing=missing))
    if header is None:
        raise InputError(f"{path}: the file is empty (expected a header line 'student,Q1...')")
    notes = _column_notes(header, columns, header[student_col])
    if missing:
        notes.append(f"the file has no column for {', '.join(missing)}: those answers count "
                     "as blank")
    return Submissions(rows=tuple(rows), notes=tuple(notes))


@dataclass(slots=True, frozen=True)
class _Record:
    """A JSON/YAML record before conversion: key/value pairs as text, or a problem."""

    line: int
    pairs: list[tuple[str, str]] | None
    problem: str | None = None


def _read_records(records: Iterator[_Record], columns: Sequence[str]) -> Submissions:
    rows: list[SubmissionRow] = []
    seen_keys: set[str] = set()
    for rec in records:
        if rec.pairs is None:
            rows.append(SubmissionRow(line=rec.line, student=None, cells={},
                                      problem=rec.problem))
            continue
        keys = [k for k, _ in rec.pairs]
        seen_keys.update(keys)
        doubled = sorted({k for k in keys if keys.count(k) > 1})
        key = _student_key(keys)
        student = dict(rec.pairs).get(key, "").strip() if key else ""
        if doubled:
            rows.append(SubmissionRow(line=rec.line, student=student or None, cells={},
                                      problem=f"the key {', '.join(map(repr, doubled))} "
                                              "appears twice"))
            continue
        cells = dict(rec.pairs)
        rows.append(SubmissionRow(line=rec.line, student=student or None, cells=cells,
                                  missing=tuple(c for c in columns if c not in cells)))
    unknown = sorted(k for k in seen_keys if k not in columns and k.strip().lower()
                     not in _STUDENT_KEYS and k not in _INFO_KEYS)
    notes = [f"ignored keys that are not part of the exam: {', '.join(unknown)}"] if unknown \
        else []
    return Submissions(rows=tuple(rows), notes=tuple(notes))


def _json_text(value: Any) -> str:
    """A JSON value as the text the student typed (numbers were kept as text by the decoder)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Pairs):
        return "{" + ", ".join(f"{k}: {_json_text(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    return str(value)


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object kept as its list of (key, value) pairs, so duplicate keys are visible."""


def _json_records(text: str, path: Path) -> Iterator[_Record]:
    decoder = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str,
                               object_pairs_hook=_Pairs)

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def fail(i: int, message: str) -> InputError:
        return InputError(f"{path}:{text.count(chr(10), 0, i) + 1}: {message}")

    i = skip(0)
    if i >= len(text) or text[i] != "[":
        raise fail(i, "expected a JSON list of records, e.g. [{\"student\": \"s001\", "
                      "\"Q1.f1\": \"8/13\"}]")
    i = skip(i + 1)
    line, counted = 1, 0
    first = True
    while True:
        if i < len(text) and text[i] == "]":
            break
        if not first:
            if i >= len(text) or text[i] != ",":
                raise fail(i, "expected ',' or ']' between records")
            i = skip(i + 1)
        first = False
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        line += text.count("\n", counted, i)
        counted = i
        if isinstance(value, _Pairs):
            pairs = [(str(k), _json_text(v)) for k, v in value]
            yield _Record(line=line, pairs=pairs)
        else:
            yield _Record(line=line, pairs=None, problem="the record is not a JSON object")
        i = skip(end)
    if skip(i + 1) != len(text):
        raise fail(skip(i + 1), "unexpected text after the list of records")


def _yaml_records(text: str, path: Path) -> Iterator[_Record]:
    """Records from YAML *nodes*: nothing is constructed, so every scalar is the text as typed
    and tags (``!!python/...``) are inert; aliases are refused (no exponential expansion)."""
    import yaml  # type: ignore[import-untyped]  # (no types-PyYAML in the environment)

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                line = self.peek_event().start_mark.line + 1
                raise InputError(f"{path}:{line}: YAML aliases (*name) are not allowed in "
                                 "submissions")
            return super().compose_node(parent, index)

    try:
        root = yaml.compose(text, Loader=NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{where}: not valid YAML ({problem})") from None
    if root is None:
        return
    if not isinstance(root, yaml.SequenceNode):
        raise InputError(f"{path}:{root.start_mark.line + 1}: expected a YAML list of records "
                         "(- student: s001 ...)")

    def as_text(node: Any) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        if isinstance(node, yaml.SequenceNode):
            return "[" + ", ".join(as_text(v) for v in node.value) + "]"
        return "{" + ", ".join(f"{as_text(k)}: {as_text(v)}" for k, v in node.value) + "}"

    for item in root.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            yield _Record(line=line, pairs=None, problem="the record is not a mapping")
            continue
        yield _Record(line=line, pairs=[(as_text(k), as_text(v)) for k, v in item.value])
