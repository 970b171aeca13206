"""Batch grading: ``exam.json`` + a submissions file -> gradebook, feedback pages, class report.

Submissions are CSV (the ``answers.csv`` that ``mlquiz generate`` writes), JSON or YAML (a list
of records with the same keys). Every value is taken as *text* and read by the grader, never by
the file format: ``NO``, ``012`` and ``1e-3`` arrive as typed. Nothing from a submission ever
becomes a file path; output names come from the roster's ids (`student_stem`).

Each row is graded on its own and never stops the batch. A row's status is one of
`ROW_STATUSES`, reported with its line number:

- ``graded``: every part graded; ``missing-columns``: graded, but the file has no column for
  some parts (those count as blank); ``incomplete``: graded, but some questions could not be
  (their template is missing or changed since the exam was made, see below);
- ``superseded``: **duplicate rule: the last row for a student counts**; earlier rows for the
  same student are not graded and are reported with the line that replaced them;
- ``unknown-student``, ``missing-student`` (blank student cell), ``malformed-row`` (a ragged or
  unreadable row, or a record that is not a mapping): not graded.

In the gradebook a roster student without any row has the status ``no-submission``.

A part's status is ``correct``, ``incorrect``, ``invalid`` (could not be read; the feedback
says why), ``blank``, ``ungraded`` (its question could not be graded) or ``error`` (an
internal error of mlquiz while grading this one answer; reported, the batch goes on).

Grading never depends on sampling the same params again: a question is rebuilt from the params
stored in the manifest, and its reference answers are compared with the stored ones. When the
template's version or an answer differs, the question is *not* graded against a different key:
it is reported per item (``key-changed``). Which questions are rebuilt:

- with feedback pages (which show the worked solutions) or ``verify_keys``: every one;
- otherwise, for speed: the first item of each template in the roster (a template changed
  since the exam was made, in its keys or its declared mistakes, then has every item rebuilt
  and compared), and any item whose answers need the template: a wrong answer that matches a
  declared mistake (whose feedback is rendered from the instance), a choice or an expression.
  The manifest stores each part's key and its declared mistakes' answers, so right, blank,
  unreadable answers and wrong ones that no declared mistake explains are judged from it (the
  key the exam printed) with the template's tolerance. A manifest made before the mistakes
  were stored has the question rebuilt for every wrong answer.

Outputs (all written atomically, byte-identical for the same inputs, with any ``--jobs``):
``gradebook.csv``, ``report.json``, ``summary.html`` and ``feedback/<stem>.{html,md}``.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from grader.exam.sheets import (
    Progress,
    decode_text,
    load_manifest,
    sniff_delimiter,
    unwrap_paragraph,
)
from grader.files import (
    atomic_write_chunks,
    atomic_write_text,
    csv_text,
    json_chunks,
    md_code,
    student_stem,
    unneutralise,
)
from grader.judge.check import check_part
from questionbank.errors import InputError, QuizError
from questionbank.instance import Part, generate

__all__ = [
    "PART_STATUSES", "ROW_STATUSES", "GradeReport", "ItemOutcome", "PartOutcome", "RowStatus",
    "StudentOutcome", "SubmissionRow", "Submissions", "grade_exam", "read_submissions",
]

ROW_STATUSES = ("graded", "missing-columns", "incomplete", "superseded", "unknown-student",
                "missing-student", "malformed-row")
GRADED_STATUSES = ("graded", "missing-columns", "incomplete")
PART_STATUSES = ("correct", "incorrect", "invalid", "blank", "ungraded", "error")
REPORT_VERSION = 1
_STUDENT_KEYS = ("student", "id", "student_id")
_MAX_CELL = 100_000


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SubmissionRow:
    """One row (CSV) or record (JSON/YAML) as read: `line` is 1-based in the file; `cells`
    maps column names to the text as typed; `problem` says why the row is malformed, if it is;
    `missing` lists the part columns it lacks."""

    line: int
    student: str | None
    cells: dict[str, str]
    problem: str | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
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
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the submissions: {exc.strerror}") from None
    text = decode_text(data, str(path))
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
    unknown = [c for c in present if c not in columns and c != student_key]
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


@dataclass
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
                     not in _STUDENT_KEYS)
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
    import yaml

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


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True, slots=True)
class PartOutcome:
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

    @property
    def earned(self) -> float | None:
        return None if self.status == "ungraded" else self.score * self.points

    def to_dict(self) -> dict[str, Any]:
        """The part's entry in ``report.json`` (keys in sorted order, see `json_chunks`)."""
        return {"answer": self.answer, "column": self.column, "earned": _round(self.earned),
                "feedback": self.feedback, "mistake": self.mistake, "part": self.part,
                "points": self.points, "read_as": self.read_as,
                "reference": self.reference, "score": _round(self.score),
                "status": self.status}


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """One question of one student: `status` is graded, key-changed, template-missing or error
    (an internal error while rebuilding it)."""

    number: int
    template: str
    status: str
    message: str
    parts: tuple[PartOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        """The item's entry in ``report.json`` (keys in sorted order, see `json_chunks`)."""
        return {"message": self.message, "number": self.number,
                "parts": [p.to_dict() for p in self.parts], "status": self.status,
                "template": self.template}


@dataclass(frozen=True, slots=True)
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
        return math.fsum(p.earned or 0.0 for p in self.parts)


@dataclass(frozen=True)
class RowStatus:
    """One submission row as the report lists it."""

    line: int
    student: str | None
    status: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "student": self.student, "status": self.status,
                "message": self.message}


@dataclass(frozen=True)
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

    @property
    def not_graded(self) -> tuple[RowStatus, ...]:
        """Rows that were not graded (superseded, unknown student, malformed ...)."""
        return tuple(r for r in self.rows if r.status not in GRADED_STATUSES)


def _round(x: float | None) -> float | None:
    """A score for ``report.json``: 6 decimals, and no ``-0.0``."""
    if x == 0:
        return 0.0
    if x is None or x == 1.0:  # the common scores, which rounding leaves alone
        return x
    value = round(x, 6)
    return 0.0 if value == 0 else value


# --------------------------------------------------------------------------- grading


class _KeyChanged(Exception):
    """Raised while grading an item from its stored key, when the instance rebuilt to explain
    a wrong answer no longer gives that key: the item is then reported, not graded."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _StaleMistakes(Exception):
    """Raised when the rebuilt instance's declared mistakes differ from those stored with the
    key (the template changed them since the exam was made): the item is then graded again
    from the rebuilt instance, as `verify_keys` grades it."""


class _StoredItem:
    """An exam item graded from the key stored in the manifest: the key the exam printed.

    The instance is rebuilt from the stored params (and its key compared with the stored one)
    only when a part needs it: the feedback of a declared mistake that a wrong answer matches
    (the mistakes' answers are stored with the key; a manifest without them has the instance
    rebuilt for every wrong answer), the options of a choice part, the symbols of an
    expression. Most answers are right, blank, unreadable or wrong in a way no declared
    mistake explains, and need none of these.
    """

    def __init__(self, grader: _Grader, item: dict[str, Any], template: Any) -> None:
        self.seed = item["seed"]
        self._grader = grader
        self._item = item
        self._template = template
        self._rebuilt: Any = None

    def part_of(self, stored: dict[str, Any]) -> Any:
        """The part judged against its stored key (`stored`, one of the item's parts), or the
        rebuilt instance's part for the types whose key is not all in the manifest (choices,
        expressions). Not cached: each part is checked once, and a cache would make a
        reference cycle (part -> mistakes -> item)."""
        part_id = stored["id"]
        if stored["type"] not in Part.STORED_TYPES:
            return self.instance().part(part_id)
        known = stored.get("mistakes")
        try:
            return Part.from_key(
                self._template.part(part_id), stored["answer"], stored["answer_text"],
                float(stored["points"]), partial(self._mistakes, part_id, known), known)
        except (ValueError, TypeError, KeyError):
            # a stored answer of an unexpected form: compare with the rebuilt key
            return self.instance().part(part_id)

    def _mistakes(self, part_id: str, stored: list[Any] | None) -> tuple[Any, ...]:
        """The rebuilt part's mistakes, which must be the stored ones (`_StaleMistakes`)."""
        mistakes = self.instance().part(part_id).mistakes
        if stored is not None and not _same_mistakes(mistakes, stored):
            raise _StaleMistakes(part_id)
        return mistakes

    def instance(self) -> Any:
        """The rebuilt instance, its key checked against the stored one (`_KeyChanged`)."""
        if self._rebuilt is None:
            instance, status, message = self._grader._instance(self._item)
            if instance is None:
                raise _KeyChanged(status, message)
            self._rebuilt = instance
        return self._rebuilt


class _Grader:
    """Grades rows against the manifest; one per process (the worker of ``--jobs``).

    A worker gets the manifest without its students (`_header`) and the first item of each
    template (`_first_items`); each chunk of rows comes with the students' records.
    """

    def __init__(self, manifest: dict[str, Any], bank: Any, pages_dir: Path | None,
                 verify_all: bool = False,
                 first_items: dict[str, dict[str, Any]] | None = None) -> None:
        self.manifest = manifest
        self.bank = bank
        self.pages_dir = pages_dir
        self.verify_all = verify_all or pages_dir is not None
        self.students = {s["id"]: s for s in manifest["students"]}
        self._first = first_items if first_items is not None else _first_items(manifest)
        self._templates: dict[str, tuple[Any, str, str]] = {}
        self._probes: dict[str, bool] = {}

    def _template(self, template_id: str) -> tuple[Any, str, str]:
        """(template or None, item status, message), checked once per template."""
        if template_id not in self._templates:
            want = self.manifest["templates"].get(template_id)
            try:
                template = self.bank.get(template_id)
            except QuizError as exc:
                self._templates[template_id] = (
                    None, "template-missing",
                    f"template {template_id} cannot be loaded ({exc}); add its folder with "
                    "--bank to grade this question")
            else:
                if want is not None and template.version != want:
                    self._templates[template_id] = (
                        None, "key-changed",
                        f"template {template_id} is now version {template.version}, the exam "
                        f"was made with version {want}; not graded against a different key "
                        "(restore that version with --bank to grade it)")
                else:
                    self._templates[template_id] = (template, "graded", "")
        return self._templates[template_id]

    def _instance(self, item: dict[str, Any]) -> tuple[Any, str, str]:
        """The item's instance, rebuilt from its stored seed and params and checked against
        the stored key.

        The stored params fix every value, and option shuffles come from the seed alone, so
        this does not depend on numpy's random streams (which an upgrade may change). The
        reference answers must equal the stored ones, or the item is reported as
        ``key-changed``: a different key is never used.
        """
        template, status, message = self._template(item["template"])
        if template is None:
            return None, status, message
        try:
            instance = generate(template, item["seed"], item["params"], render_text=False)
        except QuizError as exc:
            return None, "key-changed", f"cannot rebuild the question from the stored params: {exc}"
        except Exception as exc:  # a bug in a solver must not stop the batch either
            return None, "error", (f"internal error of mlquiz while rebuilding the question "
                                   f"({type(exc).__name__}: {exc}); please report it")
        stored = {p["id"]: p for p in item["parts"]}
        now = {p.id: p for p in instance.parts}
        if list(stored) != list(now):
            return None, "key-changed", (f"the template's parts are now {', '.join(now)}; the "
                                         f"exam has {', '.join(stored)}")
        for pid, part in now.items():
            if part.type != stored[pid]["type"] or part.answer_text != stored[pid]["answer_text"]:
                return None, "key-changed", (
                    f"part {pid}: the template now gives the answer {part.answer_text!r}, the "
                    f"exam's key says {stored[pid]['answer_text']!r}; not graded against a "
                    "different key")
        return instance, "graded", ""

    def _probe(self, template_id: str) -> bool:
        """Whether the template still gives the stored key for the first item of the exam
        that uses it (rebuilt once per process, the same item in every worker). When it does
        not, the template has changed since the exam was made, and every item of it is
        rebuilt and checked against its stored key before grading."""
        if template_id not in self._probes:
            first = self._first[template_id]
            instance = self._instance(first)[0]
            self._probes[template_id] = instance is not None and all(
                _same_mistakes(instance.part(p["id"]).mistakes, p["mistakes"])
                for p in first["parts"] if p.get("mistakes") is not None)
        return self._probes[template_id]

    def _stored(self, item: dict[str, Any]) -> _StoredItem | None:
        """The item graded from its stored key, or None when it must be rebuilt first."""
        if self.verify_all:
            return None
        template = self._template(item["template"])[0]
        if template is None or not self._probe(item["template"]) or \
                [p["id"] for p in item["parts"]] != [p.id for p in template.parts]:
            return None
        return _StoredItem(self, item, template)

    def grade(self, row: SubmissionRow, record: dict[str, Any] | None = None
              ) -> tuple[StudentOutcome, dict[str, str] | None]:
        """Grade one accepted row (`record`: the student's entry in the manifest, looked up
        when not given); also render the student's feedback pages when asked."""
        assert row.student is not None
        if record is None:
            record = self.students[row.student]
        items: list[ItemOutcome] = []
        instances = []
        for item in record["items"]:
            stored_item = self._stored(item)
            if stored_item is not None:
                instance, status, message = stored_item, "graded", ""
            else:
                instance, status, message = self._instance(item)
            try:
                parts = self._item_parts(instance, item, row, message)
            except _StaleMistakes:
                instance = instance.instance()  # rebuilt, and its key checked, already
                parts = self._item_parts(instance, item, row, message)
            except _KeyChanged as exc:
                instance, status, message = None, exc.status, exc.message
                parts = self._item_parts(None, item, row, message)
            instances.append(instance)
            items.append(ItemOutcome(number=item["number"], template=item["template"],
                                     status=status, message=message, parts=tuple(parts)))
        if any(i.status != "graded" for i in items):
            status = "incomplete"
            message = "; ".join(f"Q{i.number}: {i.message}" for i in items
                                if i.status != "graded")
        elif row.missing:
            status = "missing-columns"
            message = f"no column for {', '.join(row.missing)} (counted as blank)"
        else:
            status, message = "graded", ""
        outcome = StudentOutcome(student=row.student, line=row.line, status=status,
                                 message=message, items=tuple(items))
        pages = None
        if self.pages_dir is not None:
            pages = self._pages(record, outcome, instances)
        return outcome, pages

    def _item_parts(self, instance: Any, item: dict[str, Any], row: SubmissionRow,
                    message: str) -> list[PartOutcome]:
        parts = []
        for stored in item["parts"]:
            column = f"Q{item['number']}.{stored['id']}"
            if instance is None:
                parts.append(_outcome(column, stored, row.cells.get(column, ""), "ungraded",
                                      0.0, "This question could not be graded: " + message))
            else:
                parts.append(self._part(instance, stored, column, row))
        return parts

    def _part(self, instance: Any, stored: dict[str, Any], column: str,
              row: SubmissionRow) -> PartOutcome:
        if column not in row.cells:
            return _outcome(column, stored, "", "blank", 0.0,
                            f"No answer: the submission has no column {column}.")
        text = row.cells[column]
        if len(text) > _MAX_CELL:
            return _outcome(column, stored, text[:200] + "...", "invalid", 0.0,
                            f"The answer is too long ({len(text)} characters).")
        if not text.strip():
            return _outcome(column, stored, text, "blank", 0.0, "No answer was given.")
        try:
            part = instance.part_of(stored) if type(instance) is _StoredItem else \
                instance.part(stored["id"])
            result = check_part(instance, part, text)
        except (_KeyChanged, _StaleMistakes):
            raise
        except QuizError as exc:
            return _outcome(column, stored, text, "invalid", 0.0, str(exc))
        except Exception as exc:  # one answer must never stop the batch
            return _outcome(column, stored, text, "error", 0.0,
                            f"This answer could not be graded because of an internal error "
                            f"in mlquiz ({type(exc).__name__}); please report it.")
        return _part_outcome(column, stored["id"], text, result.status, float(result.score),
                             float(stored["points"]), result.feedback, result.mistake,
                             result.read_as, stored["answer_text"])

    def _pages(self, record: dict[str, Any], outcome: StudentOutcome,
               instances: Sequence[Any]) -> dict[str, str]:
        from grader.pages import render_page

        assert self.pages_dir is not None
        stem = student_stem(record["id"])
        written = {}
        for fmt in ("html", "md"):
            view = _feedback_view(self.manifest, record, outcome, instances, fmt)
            path = self.pages_dir / f"{stem}.{fmt}"
            atomic_write_text(path, render_page(f"student_feedback.{fmt}.j2", **view))
            written[fmt] = f"feedback/{stem}.{fmt}"
        return written


def _same_mistakes(mistakes: Sequence[Any], stored: Any) -> bool:
    """Whether a rebuilt part's mistakes are the ones stored with its key (ids and answers,
    in order)."""
    return isinstance(stored, list) and len(stored) == len(mistakes) and all(
        isinstance(d, list) and d == [m.id, m.answer]
        for m, d in zip(mistakes, stored, strict=False))


def _outcome(column: str, stored: dict[str, Any], answer: str, status: str, score: float,
             feedback: str) -> PartOutcome:
    return _part_outcome(column, stored["id"], answer, status, score, float(stored["points"]),
                         feedback, None, None, stored["answer_text"])


_set_column, _set_part, _set_answer, _set_status, _set_score, _set_points, _set_feedback, \
    _set_mistake, _set_read_as, _set_reference = (getattr(PartOutcome, name).__set__
                                                  for name in PartOutcome.__slots__)


def _part_outcome(column: str, part: str, answer: str, status: str, score: float,
                  points: float, feedback: str, mistake: str | None, read_as: str | None,
                  reference: str) -> PartOutcome:
    """``PartOutcome(...)`` with its slots written directly, not through the frozen
    dataclass's ``__init__`` (a setattr call per field): a big class has one per answer."""
    outcome = object.__new__(PartOutcome)
    _set_column(outcome, column)
    _set_part(outcome, part)
    _set_answer(outcome, answer)
    _set_status(outcome, status)
    _set_score(outcome, score)
    _set_points(outcome, points)
    _set_feedback(outcome, feedback)
    _set_mistake(outcome, mistake)
    _set_read_as(outcome, read_as)
    _set_reference(outcome, reference)
    return outcome


# --------------------------------------------------------------------------- feedback pages


_LABELS = {"correct": "Correct", "incorrect": "Incorrect", "invalid": "Could not read",
           "blank": "No answer", "ungraded": "Not graded", "error": "Not graded (error)"}


def _md_text(text: str) -> str:
    """Feedback for a Markdown page: one line escaped; several lines as an indented block."""
    if "\n" in text:
        return "\n".join("    " + ln for ln in text.split("\n"))
    return text.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>") \
        .replace("&", "\\&").replace("[", "\\[").replace("]", "\\]")


def _feedback_view(manifest: dict[str, Any], record: dict[str, Any], outcome: StudentOutcome,
                   instances: Sequence[Any], fmt: str) -> dict[str, Any]:
    from markupsafe import Markup

    from grader.files import md_escape

    html = fmt == "html"
    wrap: Callable[[str], Any] = Markup if html else str
    items = []
    for item, instance in zip(outcome.items, instances, strict=True):
        parts = []
        for p in item.parts:
            prompt = solution = ""
            if instance is not None:
                prompt = unwrap_paragraph(instance.render_part_prompt(p.part, fmt)) if html else \
                    instance.render_part_prompt(p.part, fmt)
                solution = instance.part(p.part).solution
            parts.append({
                "column": p.column, "prompt": wrap(prompt), "status": p.status,
                "label": _LABELS[p.status], "earned": _num(p.earned) if p.earned is not None
                else "-", "points": _num(p.points),
                "answer": p.answer if html else md_code(p.answer),
                "read_as": (p.read_as if html else md_code(p.read_as)) if p.read_as and
                p.read_as.strip() != p.answer.strip() else None,
                "feedback": p.feedback if html else _md_text(p.feedback),
                "multiline": "\n" in p.feedback,
                "reference": p.reference if html else md_code(p.reference),
                "mistake": p.mistake,
                "solution": solution,
            })
        items.append({
            "number": item.number, "status": item.status, "message": item.message,
            "earned": _num(math.fsum(p.earned or 0.0 for p in item.parts)),
            "points": _num(math.fsum(p.points for p in item.parts)),
            "prompt": wrap(instance.render_prompt(fmt)) if instance is not None else "",
            "solution": wrap(instance.render_solution(fmt)) if instance is not None else "",
            "parts": parts,
        })
    esc = (lambda s: s) if html else md_escape
    total = outcome.total
    max_points = math.fsum(float(p["points"]) for i in record["items"] for p in i["parts"])
    return {
        "title": esc(manifest["title"]), "student": esc(record["id"]),
        "student_name": esc(record.get("name", "")), "code": record.get("code", ""),
        "status": outcome.status, "message": esc(outcome.message),
        "total": _num(total), "max": _num(max_points),
        "percent": _num(100 * total / max_points if max_points else 0.0, 1),
        "items": items,
    }


def _num(x: float | None, digits: int = 4) -> str:
    """A score as gradebook text: at most `digits` decimals, no trailing zeros (1, 0.5, 0.3333)."""
    if x is None:
        return ""
    text = f"{round(x, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --------------------------------------------------------------------------- workers

_worker: _Grader | None = None


def _first_items(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The first item of each template in the roster: the one `_Grader._probe` rebuilds."""
    first: dict[str, dict[str, Any]] = {}
    for student in manifest["students"]:
        for item in student["items"]:
            first.setdefault(item["template"], item)
    return first


def _header(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without its students: what a worker needs besides the rows' records."""
    return {**manifest, "students": []}


def _init_worker(header: dict[str, Any], first_items: dict[str, dict[str, Any]], bank: Any,
                 pages_dir: Path | None, verify_keys: bool) -> None:
    global _worker
    _worker = _Grader(header, bank, pages_dir, verify_keys, first_items)


def _grade_chunk(chunk: Sequence[tuple[SubmissionRow, dict[str, Any]]]
                 ) -> list[tuple[StudentOutcome, dict[str, str] | None]]:
    assert _worker is not None
    return [_worker.grade(row, record) for row, record in chunk]


def _chunks(rows: Sequence[SubmissionRow], students: dict[str, dict[str, Any]], size: int
            ) -> Iterator[list[tuple[SubmissionRow, dict[str, Any]]]]:
    """The rows in chunks of `size`, each row with its student's record."""
    for i in range(0, len(rows), size):
        chunk = []
        for row in rows[i:i + size]:
            assert row.student is not None  # rows to grade have a roster student
            chunk.append((row, students[row.student]))
        yield chunk


def _grade_rows(manifest: dict[str, Any], bank: Any, rows: Sequence[SubmissionRow],
                pages_dir: Path | None, jobs: int, update: Callable[[int], object],
                verify_keys: bool = False
                ) -> list[tuple[StudentOutcome, dict[str, str] | None]]:
    """Grade `rows` in order, in this process or in `jobs` worker processes (same result)."""
    if jobs <= 1 or len(rows) < 2:
        grader = _Grader(manifest, bank, pages_dir, verify_keys)
        results = []
        for r in rows:
            results.append(grader.grade(r))
            update(1)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(200, math.ceil(len(rows) / (jobs * 4))))
    results = []
    context = multiprocessing.get_context("spawn")
    students = {s["id"]: s for s in manifest["students"]}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(_header(manifest), _first_items(manifest), bank,
                                       pages_dir, verify_keys)) as pool:
        for chunk in pool.map(_grade_chunk, _chunks(rows, students, size)):
            results.extend(chunk)
            update(len(chunk))
    return results


# --------------------------------------------------------------------------- the batch


def _resolve(rows: Sequence[SubmissionRow], roster: dict[str, Any]
             ) -> tuple[list[SubmissionRow], list[RowStatus]]:
    """Apply the duplicate rule and sort rows into gradable ones and reported problems.

    Returns the rows to grade (in file order) and a status for every row that is not graded.
    """
    last: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row.student is not None and row.student in roster:
            last[row.student] = index
    to_grade: list[SubmissionRow] = []
    statuses: list[RowStatus] = []
    for index, row in enumerate(rows):
        if row.student is None:
            statuses.append(RowStatus(row.line, None, "missing-student" if row.problem is None
                                      else "malformed-row",
                                      row.problem or "the student cell is blank"))
        elif row.student not in roster:
            statuses.append(RowStatus(row.line, row.student, "unknown-student",
                                      "this student is not in the exam's roster"
                                      + (f" (also: {row.problem})" if row.problem else "")))
        elif last[row.student] != index:
            statuses.append(RowStatus(row.line, row.student, "superseded",
                                      f"a later row for this student (line "
                                      f"{rows[last[row.student]].line}) counts instead"))
        elif row.problem is not None:
            statuses.append(RowStatus(row.line, row.student, "malformed-row", row.problem))
        else:
            to_grade.append(row)
    return to_grade, statuses


def grade_exam(exam: str | Path, submissions: str | Path, out_dir: str | Path = "graded", *,
               jobs: int = 1, bank: Any = None, feedback_pages: bool = True,
               verify_keys: bool = False, progress: Progress | None = None) -> GradeReport:
    """Grade a submissions file against ``exam.json`` and write the results into `out_dir`.

    `bank` is a `questionbank.Bank` holding the exam's templates (default: the built-in bank
    plus ``MLQUIZ_BANK``). `jobs` > 1 grades in that many processes; the files are the same
    bytes. `feedback_pages=False` skips the per-student pages (the slow part for big classes).
    `verify_keys=True` rebuilds every question and compares its key before grading it (done
    anyway with feedback pages, which show the worked solutions); otherwise questions are
    graded from their stored keys, see `_StoredItem`.
    """
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    with _collector_paused():
        # the batch's objects are all freed when _grade_exam returns, before the collector
        # runs again: else its next collection would walk every one of them
        return _grade_exam(exam, submissions, Path(out_dir), jobs, bank, feedback_pages,
                           verify_keys, progress)


def _grade_exam(exam: str | Path, submissions: str | Path, out: Path, jobs: int, bank: Any,
                feedback_pages: bool, verify_keys: bool, progress: Progress | None
                ) -> GradeReport:
    from questionbank.api import default_bank

    manifest = load_manifest(exam)
    columns = _columns(manifest)[0]
    subs = read_submissions(submissions, columns)
    roster = {s["id"]: s for s in manifest["students"]}
    to_grade, problems = _resolve(subs.rows, roster)
    pages_dir = out / "feedback" if feedback_pages else None
    open_progress = progress or (lambda label, total: nullcontext(lambda n: None))
    bank = bank if bank is not None else default_bank()
    with open_progress("Grading", len(to_grade)) as update:
        graded = _grade_rows(manifest, bank, to_grade, pages_dir, jobs, update, verify_keys)
    return _write_outputs(out, manifest, subs, graded, problems, pages_dir)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch runs. Grading makes no reference
    cycles (everything it drops is freed at once by reference counting; a test checks this),
    but it keeps every outcome until the files are written, and each periodic full
    collection would walk all of them again: a seventh of the time of a big class. (The
    objects made meanwhile are still young when it resumes: those still alive then are
    walked once more, so the batch's are freed first.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _columns(manifest: dict[str, Any]) -> tuple[list[str], list[float], list[str]]:
    columns, points, templates = [], [], []
    for q in manifest["questions"]:
        for p in q["parts"]:
            columns.append(p["column"])
            points.append(float(p.get("points", 1.0)))
            templates.append(q["template"])
    return columns, points, templates


def _write_outputs(out: Path, manifest: dict[str, Any], subs: Submissions,
                   graded: Sequence[tuple[StudentOutcome, dict[str, str] | None]],
                   problems: Sequence[RowStatus], pages_dir: Path | None) -> GradeReport:
    from grader.exam.stats import PartRecord, class_statistics

    columns, points, templates = _columns(manifest)
    max_points = math.fsum(points)
    by_student = {o.student: (o, pages) for o, pages in graded}
    by_line = {p.line: p for p in problems}
    problem_of = {p.student: p for p in problems
                  if p.student is not None and p.status == "malformed-row"}

    rows: list[RowStatus] = []
    for row in subs.rows:
        if row.line in by_line:
            rows.append(by_line[row.line])
        elif row.student in by_student:
            o = by_student[row.student][0]
            rows.append(RowStatus(row.line, row.student, o.status, o.message))

    num = lru_cache(maxsize=None)(_num)  # most cells hold one of a few scores
    gradebook: list[list[object]] = []
    stat_rows: list[list[PartRecord | None]] = []
    totals: dict[str, float] = {}
    for record in manifest["students"]:
        sid = record["id"]
        if sid in by_student:
            o = by_student[sid][0]
            cells = {p.column: p for p in o.parts}
            book_row: list[object] = [sid]
            stat_row: list[PartRecord | None] = []
            for c in columns:
                cell = cells.get(c)
                if cell is None or cell.status == "ungraded":
                    book_row.append("")
                    stat_row.append(None)
                else:
                    book_row.append(num(cell.score * cell.points))
                    stat_row.append(PartRecord(cell.status, cell.score, cell.mistake,
                                               cell.feedback))
            total = totals[sid] = o.total
            book_row += [num(total), num(max_points),
                         num(100 * total / max_points if max_points else 0.0, 2), o.status]
            gradebook.append(book_row)
            stat_rows.append(stat_row)
        else:
            problem = problem_of.get(sid)
            status = problem.status if problem else "no-submission"
            gradebook.append([sid, *([""] * len(columns)), "", _num(max_points), "", status])
    for p in problems:
        if p.status in ("unknown-student", "missing-student") or \
                (p.status == "malformed-row" and p.student is None):
            gradebook.append([p.student or "", *([""] * len(columns)), "", "", "", p.status])

    stats = class_statistics(columns, points, stat_rows)
    del stat_rows
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    notes = list(subs.notes)
    item_problems = sorted({(i.number, i.template, i.status, i.message)
                            for o, _ in graded for i in o.items if i.status != "graded"})
    report = {
        "format": "mlquiz-grades",
        "format_version": REPORT_VERSION,
        "exam": {"title": manifest["title"], "exam_seed": manifest["exam_seed"],
                 "templates": manifest["templates"]},
        "columns": [{"column": c, "template": t, "points": p}
                    for c, t, p in zip(columns, templates, points, strict=True)],
        "counts": dict(sorted(counts.items())),
        "notes": notes,
        "questions_not_graded": [{"number": n, "template": t, "status": s, "message": m}
                                 for n, t, s, m in item_problems],
        "rows": [r.to_dict() for r in rows],
        "statistics": _stats_json(stats),
        "students": _student_records(manifest, by_student, totals, problem_of, max_points),
    }
    gradebook_path = out / "gradebook.csv"
    report_path = out / "report.json"
    summary_path = out / "summary.html"
    atomic_write_text(gradebook_path, csv_text(
        ["student", *columns, "total", "max", "percent", "status"], gradebook))
    atomic_write_chunks(report_path, json_chunks(report, presorted=("students",)))
    atomic_write_text(summary_path, _summary_html(manifest, stats, rows, counts, notes,
                                                  item_problems, len(manifest["students"])))
    return GradeReport(out_dir=out, gradebook=gradebook_path, report=report_path,
                       summary=summary_path, feedback_dir=pages_dir if graded else None,
                       rows=tuple(rows), counts=dict(sorted(counts.items())),
                       notes=tuple(notes))


def _student_records(manifest: dict[str, Any],
                     by_student: dict[str, tuple[StudentOutcome, dict[str, str] | None]],
                     totals: dict[str, float], problem_of: dict[str | None, RowStatus],
                     max_points: float) -> Iterator[dict[str, Any]]:
    """Every roster student's entry of ``report.json``, made one at a time while writing,
    with its keys in sorted order at every depth (see `json_chunks`)."""
    top = _round(max_points)
    for record in manifest["students"]:
        sid = record["id"]
        name, code = record.get("name", ""), record.get("code", "")
        if sid in by_student:
            o, pages = by_student[sid]
            total = totals[sid]
            yield {"code": code, "feedback": pages, "id": sid,
                   "items": [i.to_dict() for i in o.items], "line": o.line, "max": top,
                   "message": o.message, "name": name,
                   "percent": _round(100 * total / max_points if max_points else 0.0),
                   "status": o.status, "total": _round(total)}
        else:
            problem = problem_of.get(sid)
            yield {"code": code, "feedback": None, "id": sid, "items": [],
                   "line": problem.line if problem else None, "max": top,
                   "message": problem.message if problem else "no row for this student",
                   "name": name, "percent": None,
                   "status": problem.status if problem else "no-submission", "total": None}


def _stats_json(stats: Any) -> dict[str, Any]:
    return {
        "n": stats.n, "mean": _round(stats.mean), "median": _round(stats.median),
        "stdev": _round(stats.stdev), "min": _round(stats.minimum), "max": _round(stats.maximum),
        "histogram": [{"low": b.low, "high": b.high, "count": b.count} for b in stats.histogram],
        "discrimination_method": "corrected item-total correlation (point-biserial for 0/1 "
                                 "parts)",
        "parts": [{"column": p.column, "points": p.points, "n": p.n,
                   "difficulty": _round(p.difficulty),
                   "discrimination": _round(p.discrimination), "statuses": p.statuses,
                   "mistakes": [{"mistake": m.mistake, "count": m.count,
                                 "share": _round(m.share), "example": m.example}
                                for m in p.mistakes]} for p in stats.parts],
    }


# --------------------------------------------------------------------------- summary page


def _histogram_svg(stats: Any) -> dict[str, Any]:
    """Bar geometry for the inline SVG histogram (computed here, drawn by the template)."""
    width, height, left, bottom, top = 520, 220, 36, 28, 12
    bins = stats.histogram
    peak = max((b.count for b in bins), default=0) or 1
    bar = (width - left - 8) / len(bins)
    bars = []
    for i, b in enumerate(bins):
        h = (height - bottom - top) * b.count / peak
        bars.append({"x": round(left + i * bar + 2, 1), "y": round(height - bottom - h, 1),
                     "w": round(bar - 4, 1), "h": round(h, 1), "count": b.count,
                     "label": f"{b.low}", "cx": round(left + i * bar + bar / 2, 1),
                     "range": f"{b.low}-{b.high}%"})
    ticks = sorted({0, peak, peak // 2})
    return {"width": width, "height": height, "left": left, "bottom": bottom, "bars": bars,
            "axis_y": height - bottom, "ticks": [
                {"value": t, "y": round(height - bottom - (height - bottom - top) * t / peak, 1)}
                for t in ticks]}


def _summary_html(manifest: dict[str, Any], stats: Any, rows: Sequence[RowStatus],
                  counts: dict[str, int], notes: Sequence[str],
                  item_problems: Sequence[tuple[int, str, str, str]], roster_size: int) -> str:
    from grader.pages import render_page

    parts = []
    for p in stats.parts:
        parts.append({
            "column": p.column, "points": _num(p.points), "n": p.n,
            "difficulty": _num(p.difficulty, 2) if p.difficulty is not None else "-",
            "difficulty_pct": round(100 * p.difficulty) if p.difficulty is not None else 0,
            "discrimination": _num(p.discrimination, 2) if p.discrimination is not None
            else "-",
            "statuses": p.statuses,
            "mistakes": [{"mistake": m.mistake, "count": m.count,
                          "share": _num(100 * m.share, 1), "example": m.example}
                         for m in p.mistakes],
        })
    summary = {
        "n": stats.n, "roster": roster_size,
        "mean": _num(stats.mean, 1) if stats.mean is not None else "-",
        "median": _num(stats.median, 1) if stats.median is not None else "-",
        "stdev": _num(stats.stdev, 1) if stats.stdev is not None else "-",
        "min": _num(stats.minimum, 1) if stats.minimum is not None else "-",
        "max": _num(stats.maximum, 1) if stats.maximum is not None else "-",
    }
    return render_page(
        "summary.html.j2", title=manifest["title"], summary=summary, parts=parts,
        histogram=_histogram_svg(stats), counts=counts, notes=list(notes),
        problems=[r for r in rows if r.status not in ("graded",)],
        item_problems=[{"number": n, "template": t, "status": s, "message": m}
                       for n, t, s, m in item_problems])
