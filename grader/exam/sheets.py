"""Exam generation: a roster and a list of questions -> one version per student, printed sheets,
answer keys, the blank submission file and the manifest ``exam.json``.

Each student gets a distinct, reproducible version: the seed of question *n* for student *s* is
``derive_seed(exam_seed, s, n)`` (SHA-256, never `hash()`). The manifest stores, per student and
question, the template id, that seed, the sampled params *and* the reference answers, so grading
never depends on sampling again (a numpy upgrade may change random streams): the grader rebuilds
each instance from the stored params and checks that its answers still match the stored ones.

Layout of the output folder (``FMT`` is each requested format: html, md, tex)::

    exam.json             the manifest (MANIFEST_FORMAT, version MANIFEST_VERSION)
    answers.csv           blank submissions: `student`, then a column `Q<number>.<part id>`
                          per part
    sheets/<stem>.FMT     one sheet per student (stem = slug of the id + short hash)
    keys/<stem>.FMT       the same with answers and worked solutions
    sheets-all.FMT        every sheet in one printable file, a page break between students
    keys-all.FMT          every key in one file

Python API: `generate_exam(...)`; `read_roster` and `load_manifest` are used by the grader and
the command line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.files import (
    atomic_write_chunks,
    atomic_write_text,
    csv_text,
    json_chunks,
    md_escape,
    student_stem,
)
from grader.selection import split_ids, topic_ids
from questionbank.errors import InputError, QuizError
from questionbank.instance import Instance
from questionbank.render import tex_escape
from questionbank.values import to_json

__all__ = [
    "FORMATS", "MANIFEST_FORMAT", "MANIFEST_VERSION", "SAMPLE_QUESTIONS", "GeneratedExam",
    "Progress", "Student", "column_name", "count_roster", "generate_exam", "load_manifest",
    "read_roster", "select_templates", "unwrap_paragraph", "version_code",
]

MANIFEST_FORMAT = "mlquiz-exam"
MANIFEST_VERSION = 1
FORMATS = ("html", "md", "tex")
DEFAULT_FORMATS = ("html", "md")
DEFAULT_TITLE = "Machine-learning quiz"
DEFAULT_COUNT = 5
MAX_ID_LENGTH = 100
MAX_STUDENTS = 100_000

#: The questions of the sample exam (no --questions/--topic): the three families of the bank.
SAMPLE_QUESTIONS = ("metrics/confusion-matrix", "dropout/inverted", "gradients/layer-shapes",
                    "gradients/matrix-calculus")

_ID_HEADERS = ("id", "student", "student_id", "student id")
_NAME_HEADERS = ("name", "student name", "full name")

#: Opens a progress display for `total` steps; the context yields ``update(n_steps)``.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], object]]]


@dataclass(frozen=True)
class Student:
    """One roster entry; `line` is where it was read (None for `--count` rosters)."""

    id: str
    name: str = ""
    line: int | None = None


@dataclass(frozen=True)
class GeneratedExam:
    """What `generate_exam` wrote, for the caller to show or open."""

    out_dir: Path
    manifest: Path
    answers_csv: Path
    exam_seed: int
    students: int
    questions: tuple[str, ...]
    formats: tuple[str, ...]
    sheets_dir: Path
    keys_dir: Path
    #: format -> the file with every student's sheet (key), a page apart
    combined_sheets: dict[str, Path] = field(default_factory=dict)
    combined_keys: dict[str, Path] = field(default_factory=dict)
    #: made-up answers to try ``mlquiz grade`` on (only when asked for)
    sample_answers: Path | None = None


def column_name(number: int, part_id: str) -> str:
    """The submission column of a part: ``Q<number>.<part id>``."""
    return f"Q{number}.{part_id}"


def version_code(exam_seed: int, student_id: str) -> str:
    """A short code printed on a sheet to tell its version apart (6 hex digits, upper case)."""
    digest = hashlib.sha256(f"mlquiz-version:{exam_seed}:{student_id}".encode()).hexdigest()
    return digest[:6].upper()


# --------------------------------------------------------------------------- rosters


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text with an optional byte-order mark; an `InputError` naming the byte otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (invalid byte at offset {exc.start}); "
                         "save the file as UTF-8") from None


def sniff_delimiter(text: str) -> str:
    """``;`` or tab when the first non-blank line uses it more than commas, else ``,``."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _bad_characters(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


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
    header: list[str] | None = None
    header_line = 0
    id_col = name_col = -1
    students: list[Student] = []
    seen: dict[str, list[int]] = {}
    try:
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if header is None:
                header, header_line = [c.lower() for c in cells], line
                id_col = next((i for i, h in enumerate(header) if h in _ID_HEADERS), -1)
                name_col = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), -1)
                if id_col < 0:
                    found = ", ".join(repr(c) for c in cells)
                    raise InputError(f"{path}:{line}: the header has no 'id' column (found "
                                     f"{found}); the roster needs a header line such as "
                                     "'id,name'")
                continue
            student_id = cells[id_col] if id_col < len(cells) else ""
            name = cells[name_col] if 0 <= name_col < len(cells) else ""
            if not student_id:
                raise InputError(f"{path}:{line}: the id is empty")
            if len(student_id) > MAX_ID_LENGTH:
                raise InputError(f"{path}:{line}: the id is longer than {MAX_ID_LENGTH} "
                                 "characters")
            if _bad_characters(student_id) or _bad_characters(name):
                raise InputError(f"{path}:{line}: the id or name contains control characters")
            seen.setdefault(student_id, []).append(line)
            students.append(Student(id=student_id, name=name, line=line))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: cannot read the CSV: {exc}") from None
    duplicates = {k: v for k, v in seen.items() if len(v) > 1}
    if duplicates:
        listed = "; ".join(f"{k!r} on lines {', '.join(map(str, v))}"
                           for k, v in duplicates.items())
        raise InputError(f"{path}: duplicate student ids: {listed}")
    if not students:
        where = f"{path}:{header_line}" if header else str(path)
        raise InputError(f"{where}: the roster lists no students")
    if len(students) > MAX_STUDENTS:
        raise InputError(f"{path}: more than {MAX_STUDENTS} students")
    return students


def count_roster(count: int) -> list[Student]:
    """`count` anonymous students ``s001``, ``s002``, ... (at least three digits)."""
    if not 1 <= count <= MAX_STUDENTS:
        raise InputError(f"the number of students must be from 1 to {MAX_STUDENTS}, got {count}")
    width = max(3, len(str(count)))
    return [Student(id=f"s{i:0{width}d}") for i in range(1, count + 1)]


# --------------------------------------------------------------------------- questions


def select_templates(bank: Any, questions: Iterable[str] = (), topics: Iterable[str] = ()
                     ) -> list[Any]:
    """The exam's templates in question order.

    `questions` holds ids (each entry may be comma-separated; ``all`` means the whole bank, in
    id order); `topics` picks every template of those topics, in id order. With neither, the
    sample exam `SAMPLE_QUESTIONS`. The same id may be listed twice: each copy is a separate
    question with its own version per student.
    """
    ids = split_ids(questions)
    topics = list(topics)
    if ids and topics:
        raise InputError("choose the questions by --questions or by --topic, not both")
    if topics:
        return [bank.get(i) for i in topic_ids(bank, topics)]
    if ids == ["all"]:
        return bank.templates()
    if "all" in ids:
        raise InputError("'all' selects the whole bank and cannot be mixed with other ids")
    return [bank.get(i) for i in (ids or SAMPLE_QUESTIONS)]


# --------------------------------------------------------------------------- manifest


def _points_text(points: float) -> str:
    return f"{points:g}"


def _manifest_item(number: int, instance: Instance) -> dict[str, Any]:
    return {
        "number": number,
        "template": instance.template_id,
        "seed": instance.seed,
        "params": to_json(dict(instance.params)),
        "parts": [p.stored_key() for p in instance.parts],
    }


def _manifest(title: str, exam_seed: int, templates: Sequence[Any],
              students: Sequence[dict[str, Any]]) -> dict[str, Any]:
    questions = [{"number": n, "template": t.id, "title": t.title, "topic": t.topic,
                  "version": t.version,
                  "parts": [{"id": p.id, "type": p.type, "points": p.points,
                             "column": column_name(n, p.id)} for p in t.parts]}
                 for n, t in enumerate(templates, start=1)]
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "title": title,
        "exam_seed": exam_seed,
        "templates": {t.id: t.version for t in templates},
        "questions": questions,
        "students": list(students),
    }


def _where(at: tuple[str | int, ...]) -> str:
    """("students", 3, "items", 1, "seed") -> 'students[3].items[1].seed'."""
    text = ""
    for piece in at:
        text += f"[{piece}]" if isinstance(piece, int) else (f".{piece}" if text else piece)
    return text


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check an ``exam.json``; an `InputError` names the file and the bad entry."""
    path = Path(path)
    try:
        text = decode_text(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the exam manifest: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None

    def fail(where: str, message: str) -> InputError:
        return InputError(f"{path}: {where}: {message}" if where else f"{path}: {message}")

    def need(obj: Any, key: str, kind: type | tuple[type, ...], *at: str | int) -> Any:
        """obj[key], of type `kind`; `at` is the path to obj (("students", 3, "items", 1)),
        spelt out only in an error: a big class has hundreds of thousands of entries."""
        if not isinstance(obj, dict) or key not in obj:
            raise fail(_where(at), f"missing {key!r}")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise fail(_where((*at, key)), f"unexpected value {value!r}")
        return value

    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise fail("", "not an mlquiz exam manifest (no \"format\": \"mlquiz-exam\"); give the "
                   "exam.json written by 'mlquiz generate'")
    version = need(data, "format_version", int)
    if version > MANIFEST_VERSION:
        raise fail("", f"format version {version} is newer than this mlquiz reads "
                   f"({MANIFEST_VERSION}); upgrade mlquiz")
    need(data, "title", str)
    need(data, "exam_seed", int)
    templates = need(data, "templates", dict)
    questions = need(data, "questions", list)
    students = need(data, "students", list)
    for i, q in enumerate(questions):
        need(q, "number", int, "questions", i)
        need(q, "template", str, "questions", i)
        for j, p in enumerate(need(q, "parts", list, "questions", i)):
            need(p, "id", str, "questions", i, "parts", j)
            need(p, "column", str, "questions", i, "parts", j)
    seen: set[str] = set()
    for i, s in enumerate(students):
        sid = need(s, "id", str, "students", i)
        if sid in seen:
            raise fail(_where(("students", i)), f"duplicate student id {sid!r}")
        seen.add(sid)
        need(s, "name", str, "students", i)
        items = need(s, "items", list, "students", i)
        if len(items) != len(questions):
            raise fail(_where(("students", i)),
                       f"{len(items)} items, but the exam has {len(questions)} questions")
        for j, item in enumerate(items):
            if _good_item(item, templates):
                continue
            # something is wrong with this item: find what, to say so
            need(item, "number", int, "students", i, "items", j)
            tid = need(item, "template", str, "students", i, "items", j)
            if tid not in templates:
                raise fail(_where(("students", i, "items", j)),
                           f"template {tid!r} is not listed under \"templates\"")
            need(item, "seed", int, "students", i, "items", j)
            need(item, "params", dict, "students", i, "items", j)
            for k, p in enumerate(need(item, "parts", list, "students", i, "items", j)):
                need(p, "id", str, "students", i, "items", j, "parts", k)
                need(p, "type", str, "students", i, "items", j, "parts", k)
                need(p, "answer_text", str, "students", i, "items", j, "parts", k)
                need(p, "points", int | float, "students", i, "items", j, "parts", k)
            raise AssertionError(f"item {i}.{j} failed the quick check only")  # pragma: no cover
    return data


def _good_item(item: Any, templates: dict[str, Any]) -> bool:
    """Whether a manifest item has every key `load_manifest` checks, of the right JSON type
    (a big class has hundreds of thousands of entries: this is the quick test of each)."""
    return (type(item) is dict and type(item.get("number")) is int
            and type(item.get("template")) is str and item["template"] in templates
            and type(item.get("seed")) is int and type(item.get("params")) is dict
            and type(parts := item.get("parts")) is list
            and all(type(p) is dict and type(p.get("id")) is str and type(p.get("type")) is str
                    and type(p.get("answer_text")) is str
                    and type(p.get("points")) in (int, float) for p in parts))


# --------------------------------------------------------------------------- views


def _escape_for(fmt: str) -> Callable[[str], Any]:
    """How plain (untrusted or literal) text enters a page of `fmt`."""
    if fmt == "tex":
        return tex_escape
    if fmt == "md":
        return md_escape
    return str  # html pages are autoescaped by Jinja


def _item_view(number: int, instance: Instance, fmt: str) -> dict[str, Any]:
    """One question of one student's sheet, with every text rendered for `fmt`."""
    from markupsafe import Markup

    from grader.pages import FORMAT_HINTS

    wrap: Callable[[str], Any] = Markup if fmt == "html" else str
    inline: Callable[[str], Any] = (lambda t: Markup(unwrap_paragraph(t))) if fmt == "html" \
        else str
    plain = tex_escape if fmt == "tex" else str
    parts = []
    for index, part in enumerate(instance.parts):
        parts.append({
            "letter": "abcdefghijklmnopqrstuvwxyz"[index % 26],
            "id": plain(part.id),
            "column": plain(column_name(number, part.id)),
            "prompt": inline(instance.render_part_prompt(part.id, fmt)),
            "options": [{"letter": o.letter,
                         "text": inline(instance.render_option(part.id, o, fmt))}
                        for o in part.options],
            "hint": plain(FORMAT_HINTS[part.type]),
            "points": _points_text(part.points),
            "answer_text": plain(part.answer_text),
        })
    return {
        "number": number,
        "template": plain(instance.template_id),
        "title": plain(instance.title),
        "points": _points_text(sum(p.points for p in instance.parts)),
        "prompt": wrap(instance.render_prompt(fmt)),
        "solution": wrap(instance.render_solution(fmt)),
        "parts": parts,
    }


def unwrap_paragraph(fragment: str) -> str:
    """An HTML fragment that is one ``<p>`` without its tags, to sit inside a line of text."""
    if fragment.startswith("<p>") and fragment.endswith("</p>") and fragment.count("<p>") == 1:
        return fragment[3:-4]
    return fragment


def _student_view(student: Student, code: str, items: list[dict[str, Any]], fmt: str
                  ) -> dict[str, Any]:
    esc = _escape_for(fmt)
    return {"id": esc(student.id), "name": esc(student.name), "code": code, "items": items}


def render_section(fmt: str, title: str, student: dict[str, Any], *, key: bool,
                   total_points: str) -> str:
    """One student's sheet (or key) as a section of a `sheets_document`."""
    from grader.pages import render_page

    return render_page(f"sheet-student.{fmt}.j2", title=_escape_for(fmt)(title), s=student,
                       key=key, total_points=total_points)


_SECTION = '<section class="sheet">'
_SECTION_THEN_PAGE_BREAK = '<section class="sheet page-break">'


def sheets_document(fmt: str, title: str, students: Sequence[dict[str, Any]],
                    sections: Sequence[str], *, key: bool) -> str:
    """The document of `fmt` around rendered `sections` (`render_section`), one per student
    of `students`: each section is rendered once and serves both the student's own file and
    the combined one. In html every section but the last ends with a page break, a class of
    its opening tag (which `sheet-student.html.j2` writes first)."""
    from markupsafe import Markup

    from grader.pages import render_page

    if fmt == "html":
        last = len(sections) - 1
        pieces = []
        for index, section in enumerate(sections):
            if index < last:
                if not section.startswith(_SECTION):
                    raise AssertionError("sheet-student.html.j2 must start with " + _SECTION)
                section = _SECTION_THEN_PAGE_BREAK + section[len(_SECTION):]
            pieces.append(Markup(section))
        sections = pieces
    return render_page(f"sheet.{fmt}.j2", title=_escape_for(fmt)(title), students=students,
                       sections=sections, key=key)


# --------------------------------------------------------------------------- generation


def _sample_answer(part: Any, key: str) -> str:
    """A made-up answer for `part`, chosen by a hash of `key`: six in ten right, two in ten a
    declared mistake (or a wrong option), one blank, one unreadable."""
    h = int.from_bytes(hashlib.sha256(f"mlquiz-sample:{key}".encode()).digest()[:8], "big")
    roll = h % 10
    if roll < 6:
        return str(part.answer_text)
    if roll < 8:
        if part.mistakes:
            return str(part.mistakes[(h // 10) % len(part.mistakes)].answer_text)
        wrong = [o.letter for o in part.options if not o.correct]
        return wrong[(h // 10) % len(wrong)] if part.type == "choice" and wrong else \
            str(part.answer_text)
    return "" if roll == 8 else "?"


def _no_progress(label: str, total: int) -> AbstractContextManager[Callable[[int], object]]:
    return nullcontext(lambda n: None)


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for entry in formats:
        for fmt in (f.strip().lower() for f in entry.split(",")):
            if not fmt:
                continue
            if fmt not in FORMATS:
                raise InputError(f"unknown sheet format {fmt!r} (formats: {', '.join(FORMATS)})")
            if fmt not in chosen:
                chosen.append(fmt)
    if not chosen:
        raise InputError(f"no sheet format given (formats: {', '.join(FORMATS)})")
    return tuple(chosen)


def _students(roster: str | Path | Sequence[Student] | None, count: int | None
              ) -> list[Student]:
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


def generate_exam(out_dir: str | Path = "exam", *,
                  roster: str | Path | Sequence[Student] | None = None,
                  count: int | None = None,
                  questions: Iterable[str] = (),
                  topics: Iterable[str] = (),
                  seed: int | None = None,
                  title: str | None = None,
                  formats: Iterable[str] = DEFAULT_FORMATS,
                  bank: Any = None,
                  sheets: bool = True,
                  sample_answers: bool = False,
                  progress: Progress | None = None) -> GeneratedExam:
    """Write an exam for a roster (a CSV path or `Student`s) or `count` students into `out_dir`.

    Questions: see `select_templates`. `seed` is the exam seed; when None a fresh one is drawn
    from the operating system, used and recorded in ``exam.json`` (so a forgotten ``--seed``
    never makes every instructor's exam the same). `bank` is a `questionbank.Bank` (default:
    the built-in bank plus ``MLQUIZ_BANK``). `sheets=False` writes only ``exam.json`` and
    ``answers.csv`` (for a quiz delivered online). Files already in `out_dir` that this exam
    does not write are left alone. `sample_answers=True` also writes ``sample-answers.csv``,
    made-up answers (mostly right, some typical mistakes, a few blank or unreadable) to try
    the grader on.
    """
    from questionbank.api import default_bank
    from questionbank.instance import MAX_SEED
    from questionbank.instance import generate as generate_instance
    from questionbank.sampling import derive_seed

    fmts = _check_formats(formats) if sheets else ()
    students = _students(roster, count)
    templates = select_templates(bank if bank is not None else default_bank(), questions,
                                 topics)
    if not templates:
        raise InputError("the exam has no questions")
    if seed is None:
        seed = secrets.randbelow(10**9)
    if isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"the exam seed must be a whole number from 0 to {MAX_SEED}")
    title = title if title is not None else DEFAULT_TITLE
    out = Path(out_dir)
    total_points = _points_text(sum(p.points for t in templates for p in t.parts))
    # who each sheet is for (the combined file's title), and every student's rendered
    # section per format, for the sheets and for the keys
    heads: dict[str, list[dict[str, Any]]] = {f: [] for f in fmts}
    sections: dict[tuple[str, bool], list[str]] = {(f, k): [] for f in fmts
                                                   for k in (False, True)}
    records: list[dict[str, Any]] = []
    samples: list[list[str]] = []
    stems = [student_stem(s.id) for s in students]
    open_progress = progress or _no_progress
    with open_progress("Generating sheets", len(students)) as update:
        for student, stem in zip(students, stems, strict=True):
            code = version_code(seed, student.id)
            items = []
            instances = []
            item_views: dict[str, list[dict[str, Any]]] = {f: [] for f in fmts}
            for number, template in enumerate(templates, start=1):
                try:
                    # the sheets render every text (and so surface a template's error);
                    # without sheets, generating renders them to check them
                    instance = generate_instance(template, derive_seed(seed, student.id, number),
                                                 render_text=not fmts)
                    for fmt in fmts:
                        item_views[fmt].append(_item_view(number, instance, fmt))
                except QuizError as exc:
                    raise QuizError(f"question {number} ({template.id}) for student "
                                    f"{student.id!r}: {exc}") from None
                instances.append(instance)
                items.append(_manifest_item(number, instance))
            records.append({"id": student.id, "name": student.name, "code": code,
                            "items": items})
            if sample_answers:
                samples.append([student.id, *(
                    _sample_answer(part, f"{seed}:{student.id}:{column_name(n, part.id)}")
                    for n, inst in enumerate(instances, start=1) for part in inst.parts)])
            for fmt in fmts:
                view = _student_view(student, code, item_views[fmt], fmt)
                head = {"id": view["id"], "name": view["name"]}
                heads[fmt].append(head)
                for key, folder in ((False, "sheets"), (True, "keys")):
                    section = render_section(fmt, title, view, key=key,
                                             total_points=total_points)
                    sections[fmt, key].append(section)
                    atomic_write_text(out / folder / f"{stem}.{fmt}",
                                      sheets_document(fmt, title, [head], [section], key=key))
            update(1)

    combined: dict[bool, dict[str, Path]] = {False: {}, True: {}}
    for fmt in fmts:
        for key, name in ((False, "sheets-all"), (True, "keys-all")):
            path = out / f"{name}.{fmt}"
            atomic_write_text(path, sheets_document(fmt, title, heads[fmt], sections[fmt, key],
                                                    key=key))
            combined[key][fmt] = path
    columns = [column_name(n, p.id) for n, t in enumerate(templates, start=1) for p in t.parts]
    answers_csv = out / "answers.csv"
    atomic_write_text(answers_csv, csv_text(
        ["student", *columns], ([s.id, *([""] * len(columns))] for s in students)))
    sample_path = None
    if sample_answers:
        sample_path = out / "sample-answers.csv"
        atomic_write_text(sample_path, csv_text(["student", *columns], samples))
    manifest = out / "exam.json"
    # laid out as report.json is: sorted keys, one question and one student per line
    atomic_write_chunks(manifest, json_chunks(_manifest(title, seed, templates, records)))
    return GeneratedExam(
        out_dir=out, manifest=manifest, answers_csv=answers_csv, exam_seed=seed,
        students=len(students), questions=tuple(t.id for t in templates), formats=fmts,
        sheets_dir=out / "sheets", keys_dir=out / "keys", combined_sheets=combined[False],
        combined_keys=combined[True], sample_answers=sample_path)
