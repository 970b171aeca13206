"""The exam manifest ``exam.json``: typed records, read and checked in one pass, and written.

``mlquiz generate`` writes it; ``mlquiz grade`` reads it back. Per student and question it
stores the template, the instance seed, the sampled params *and* each part's key (answer,
exact text, points and, for the types graded from the stored key, the declared mistakes as
``[id, answer]`` pairs), so grading never depends on sampling again.

Layout (format `MANIFEST_FORMAT`, version `MANIFEST_VERSION`)::

    {"format", "format_version", "title", "exam_seed", "content_hash",
     "templates": {id: version},
     "questions": [{"number", "template", "title", "topic", "version",
                    "parts": [{"id", "type", "points", "column"}]}],
     "students": [{"id", "name", "code", "items": [{"number", "template", "seed", "params",
                   "parts": [{"id", "type", "answer", "answer_text", "points",
                              "mistakes"?}]}]}]}

It is written with sorted keys, one question and one student per line, and sealed with its
content hash (`write_manifest`, `grader.exam.identity`). A pool question (`grader.exam.pools`)
lists the union of its templates' parts; each student's items say which template they got.
`load_manifest` checks every entry once and names the first bad one by its path, e.g.
``exam.json: students[3].items[1].parts[0].points: unexpected value '1'``.

A `StoredPart` is also the judge's answer key (`grader.judge.key.AnswerKey`) for the types
whose key is all in the manifest (`STORED_TYPES`), once bound to its template's tolerance and
to a source of the rebuilt question's mistakes (`StoredPart.bind`): right, blank, unreadable
answers and wrong ones that no stored mistake explains are judged without rebuilding it.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from grader.exam.identity import PLACEHOLDER, content_intact, exam_id, seal
from grader.files import atomic_write_text, json_chunks, read_input_text
from questionbank.errors import InputError
from questionbank.instance import Instance, Mistake, Part
from questionbank.schema import PartSpec, Template
from questionbank.tolerance import DEFAULT_TOLERANCE, Tolerance
from questionbank.values import to_json

__all__ = [
    "FREEZE_EVERY", "MANIFEST_FORMAT", "MANIFEST_VERSION", "STORED_TYPES", "Item", "Manifest",
    "MistakeSource",
    "Question", "QuestionPart", "StoredPart", "StudentRecord", "column_name", "load_manifest",
    "manifest_text", "same_mistakes", "write_manifest",
]

MANIFEST_FORMAT = "mlquiz-exam"
MANIFEST_VERSION = 1
#: The part types whose reference answer is fully given by its stored JSON value.
STORED_TYPES = frozenset({"number", "integer", "vector", "matrix", "shape"})


def column_name(number: int, part_id: str) -> str:
    """The submission column of a part: ``Q<number>.<part id>``."""
    return f"Q{number}.{part_id}"


# --------------------------------------------------------------------------- records


class MistakeSource(Protocol):
    """Where a stored part finds the declared mistakes of its rebuilt question."""

    def mistakes_for(self, part: StoredPart) -> Sequence[Mistake] | None:
        """The rebuilt part's mistakes, or None when the rebuilt question cannot be used
        (its key or its mistakes differ from the stored ones: the source records why)."""


class StoredPart(NamedTuple):
    """One part of a student's question as the manifest stores it: the key the exam printed.

    `mistake_answers` holds the declared mistakes' ``(id, answer)`` pairs in order, or None
    for a manifest written before they were stored. `tolerance`, `partial` and `source` are the
    template's rules and the rebuilt question's mistakes, set by `bind` for judging.

    A NamedTuple, not a frozen dataclass: one is made per part read and again per part judged
    (190,000 for 10,000 students x 10 parts), and a frozen dataclass of nine fields takes
    1.9 us to make, a NamedTuple 0.5 us (reading a 10,000 x 10 manifest: 0.9 s of CPU, was
    1.1 s, measured on a busy machine).
    """

    id: str
    type: str
    answer: Any
    answer_text: str
    points: float
    mistake_answers: tuple[tuple[str, Any], ...] | None = None
    tolerance: Tolerance | None = None
    partial: bool = False
    source: MistakeSource | None = None

    @classmethod
    def from_part(cls, part: Part) -> StoredPart:
        """What the manifest stores of a generated part (the mistakes for `STORED_TYPES`)."""
        mistakes = tuple((m.id, m.answer) for m in part.mistakes) \
            if part.type in STORED_TYPES else None
        return cls(part.id, part.type, part.answer, part.answer_text, part.points, mistakes)

    def bind(self, spec: PartSpec, source: MistakeSource) -> StoredPart | None:
        """This part as an answer key with the template's tolerance and partial-credit rule,
        or None when its key is not all in the manifest (a choice or expression part, or an
        answer of an unexpected form): then the rebuilt question's part is judged instead."""
        if self.type not in STORED_TYPES or not _well_formed(self.type, self.answer):
            return None
        return StoredPart(self.id, self.type, self.answer, self.answer_text, self.points,
                          self.mistake_answers, spec.tolerance, spec.partial, source)

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled for the --jobs workers without the judging rules `bind` sets (a source is
        # the grading process's own)
        return StoredPart, (self.id, self.type, self.answer, self.answer_text, self.points,
                            self.mistake_answers)

    def to_json(self) -> dict[str, Any]:
        data = {"id": self.id, "type": self.type, "answer": self.answer,
                "answer_text": self.answer_text, "points": self.points}
        if self.mistake_answers is not None:
            data["mistakes"] = [[mistake_id, answer]
                                for mistake_id, answer in self.mistake_answers]
        return data

    # -- the judge's AnswerKey protocol

    @property
    def effective_tolerance(self) -> Tolerance:
        return self.tolerance or DEFAULT_TOLERANCE

    @property
    def numeric_value(self) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """A number, vector or matrix key as (shape, flat floats); a number has shape ()."""
        answer = self.answer
        if self.type == "number":
            return (), (float(answer),)
        if self.type == "matrix":
            return (len(answer), len(answer[0])), tuple(float(v) for r in answer for v in r)
        if self.type == "vector":
            return (len(answer),), tuple(map(float, answer))
        raise TypeError(f"a {self.type} part has no numeric value")

    @property
    def mistake_values(self) -> tuple[tuple[str, Any], ...]:
        """(id, comparable value) of each declared mistake: the stored ones, or the rebuilt
        question's when none are stored or they are not of the part's form."""
        from questionbank.instance import comparable_mistake

        if self.mistake_answers is not None:
            try:
                return tuple((mistake_id, comparable_mistake(
                    self.type, _stored_value(self.type, answer)))
                    for mistake_id, answer in self.mistake_answers)
            except (ValueError, TypeError, AttributeError):
                pass  # not of the part's form: the rebuilt mistakes decide
        rebuilt = self.source.mistakes_for(self) if self.source is not None else None
        if rebuilt is None:
            return ()
        shape = self.type == "shape"
        return tuple((m.id, comparable_mistake(self.type, m.answer if shape else m.value))
                     for m in rebuilt)

    def mistake_feedback(self, index: int) -> str:
        """The feedback of the `index`-th mistake, rendered from the rebuilt question; empty
        when that cannot be used (the grading loop then discards this verdict)."""
        rebuilt = self.source.mistakes_for(self) if self.source is not None else None
        return rebuilt[index].feedback if rebuilt is not None else ""

    @property
    def options(self) -> tuple[()]:
        return ()

    @property
    def symbols(self) -> None:
        return None


@dataclass(slots=True, frozen=True)
class Item:
    """One question of one student: the template, the instance seed, the params, the key."""

    number: int
    template: str
    seed: int
    params: dict[str, Any]
    parts: tuple[StoredPart, ...]

    @classmethod
    def from_instance(cls, number: int, instance: Instance) -> Item:
        return cls(number, instance.template_id, instance.seed, to_json(dict(instance.params)),
                   tuple(StoredPart.from_part(p) for p in instance.parts))

    def __reduce__(self) -> tuple[Any, ...]:
        return Item, (self.number, self.template, self.seed, self.params, self.parts)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "template": self.template, "seed": self.seed,
                "params": self.params, "parts": [p.to_json() for p in self.parts]}


@dataclass(slots=True, frozen=True)
class StudentRecord:
    """One student's version of the exam: id, name, version code and one item per question."""

    id: str
    name: str
    code: str
    items: tuple[Item, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        return StudentRecord, (self.id, self.name, self.code, self.items)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "code": self.code,
                "items": [i.to_json() for i in self.items]}


@dataclass(slots=True, frozen=True)
class QuestionPart:
    """A part of a question as every student has it: its submission column and points."""

    id: str
    type: str
    points: float
    column: str


@dataclass(slots=True, frozen=True)
class Question:
    """Question `number` of the exam: its template and the template's parts."""

    number: int
    template: str
    title: str
    topic: str
    version: int
    parts: tuple[QuestionPart, ...]

    @classmethod
    def from_template(cls, number: int, template: Template) -> Question:
        return cls(number, template.id, template.title, template.topic, template.version,
                   tuple(QuestionPart(p.id, p.type, p.points, column_name(number, p.id))
                         for p in template.parts))

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "template": self.template, "title": self.title,
                "topic": self.topic, "version": self.version,
                "parts": [{"id": p.id, "type": p.type, "points": p.points, "column": p.column}
                          for p in self.parts]}


@dataclass(slots=True, frozen=True)
class Manifest:
    """A whole exam: what `mlquiz generate` made and `mlquiz grade` grades against."""

    title: str
    exam_seed: int
    templates: dict[str, int]
    questions: tuple[Question, ...]
    students: tuple[StudentRecord, ...]
    format_version: int = MANIFEST_VERSION
    #: SHA-256 of exam.json as written (`grader.exam.identity`); "" in an older manifest
    content_hash: str = ""
    #: whether the file read matched `content_hash` (None: it has none, or not read from a file)
    intact: bool | None = None

    @property
    def exam_id(self) -> str | None:
        """The short id written into answers.csv, or None for a manifest without a hash."""
        return exam_id(self.exam_seed, self.content_hash) if self.content_hash else None

    @property
    def columns(self) -> tuple[QuestionPart, ...]:
        """Every part of the exam in question order: one submission column each."""
        return tuple(p for q in self.questions for p in q.parts)

    def to_json(self) -> dict[str, Any]:
        return {"format": MANIFEST_FORMAT, "format_version": self.format_version,
                "title": self.title, "exam_seed": self.exam_seed,
                "content_hash": self.content_hash or PLACEHOLDER, "templates": self.templates,
                "questions": [q.to_json() for q in self.questions],
                "students": (s.to_json() for s in self.students)}


def manifest_text(manifest: Manifest) -> tuple[str, str]:
    """``exam.json`` as written, laid out as ``report.json`` (sorted keys, one question and one
    student per line) and sealed with its content hash; (the text, the hash)."""
    return seal("".join(json_chunks(dataclasses.replace(manifest, content_hash="").to_json())))


def write_manifest(path: Path, manifest: Manifest) -> str:
    """Write ``exam.json`` atomically (`manifest_text`); its content hash."""
    text, digest = manifest_text(manifest)
    atomic_write_text(path, text)
    return digest


def same_mistakes(mistakes: Sequence[Mistake], stored: tuple[tuple[str, Any], ...]) -> bool:
    """Whether a rebuilt part's mistakes are the stored ones (ids and answers, in order)."""
    return len(stored) == len(mistakes) and all(
        m.id == mistake_id and m.answer == answer
        for m, (mistake_id, answer) in zip(mistakes, stored, strict=True))


# --------------------------------------------------------------------------- stored values


_NUMBER_TYPES = (int, float)


def _row(x: Any) -> bool:
    """A non-empty list of finite numbers (not bools)."""
    return type(x) is list and bool(x) and all([type(v) in _NUMBER_TYPES for v in x]) \
        and all(map(math.isfinite, x))


def _well_formed(ptype: str, answer: Any) -> bool:
    """Whether a stored answer has the JSON form of its part type."""
    if ptype == "number":
        return type(answer) in _NUMBER_TYPES and math.isfinite(answer)
    if ptype == "integer":
        return type(answer) is int
    if ptype == "vector":
        return _row(answer)
    if ptype == "matrix":
        return type(answer) is list and bool(answer) and all(map(_row, answer)) \
            and len({len(r) for r in answer}) == 1
    if ptype == "shape":
        return type(answer) is list and bool(answer) and all(
            [(type(d) is int and d >= 1) or (type(d) is str and d != "") for d in answer])
    return False


def _stored_value(ptype: str, answer: Any) -> Any:
    """A stored answer in the form `comparable_mistake` reads; ValueError if it is not of
    the part's form."""
    if not _well_formed(ptype, answer):
        raise ValueError(f"a stored {ptype} answer cannot be {answer!r}")
    return tuple(answer) if ptype == "shape" else answer


# --------------------------------------------------------------------------- reading


def load_manifest(path: str | Path, check_hash: bool = True) -> Manifest:
    """Read and check an ``exam.json``; an `InputError` names the file and the bad entry.
    `check_hash` sets `Manifest.intact` (hashing a 36 MB manifest takes about 0.07 s)."""
    try:
        return _load_manifest(Path(path), check_hash)
    except RecursionError:  # the JSON decoder's own limit (about 1000 levels)
        raise InputError(f"{path}: not an mlquiz exam manifest: a value is nested too "
                         "deeply") from None


def _load_manifest(path: Path, check_hash: bool) -> Manifest:
    text = read_input_text(path, "the exam manifest")
    reader = _Reader(path)
    manifest = _stream(text, reader)
    if manifest is None:
        # not a valid manifest: read it whole, to name its first problem in document order
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        manifest = reader.manifest(data)
    if not (manifest.content_hash and check_hash):
        return manifest
    return dataclasses.replace(manifest, intact=content_intact(text, manifest.content_hash))


#: How many students are read (or graded) between two `gc.freeze` calls (see `_stream`).
#: Each call also restarts the collector's count of new objects, so the young generations
#: stay small: grading 10,000 x 10 took 3.95 s of CPU freezing every 500, 3.57 s every 50,
#: the same as with the collector off (3.58 s).
FREEZE_EVERY = 50


def _stream(text: str, reader: _Reader) -> Manifest | None:
    """A valid manifest read one student at a time, or None if anything is off.

    The students are decoded and made into records one by one, so the parsed JSON of only one
    student is alive at a time, and the records are frozen for the cyclic garbage collector
    (`gc.freeze`) every `FREEZE_EVERY` students: parsing a whole 10,000-student manifest at
    once and making records from it took 3.4 s of CPU, 1.1 s without the collector walking
    the growing document and records again and again; read so it takes 1.0 s. (Frozen objects
    are freed by reference counting as usual.)"""
    decode = json.JSONDecoder().raw_decode
    header: dict[str, Any] = {}
    records: list[StudentRecord] = []
    try:
        at = _skip(text, 0)
        if text[at] != "{":
            return None
        at = _skip(text, at + 1)
        while text[at] != "}":
            key, at = decode(text, at)
            at = _skip(text, at)
            if text[at] != ":" or key in header:
                return None
            at = _skip(text, at + 1)
            if key == "students" and text[at] == "[" and "questions" in header:
                header[key], at = [], _students(text, at, reader, header, records)
            else:
                header[key], at = decode(text, at)
            at = _skip(text, at)
            if text[at] == ",":
                at = _skip(text, at + 1)
            elif text[at] != "}":
                return None
        if _skip(text, at + 1) != len(text):
            return None
        return reader.manifest(header, records)
    except (IndexError, ValueError, InputError):
        return None


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _students(text: str, at: int, reader: _Reader, header: dict[str, Any],
              records: list[StudentRecord]) -> int:
    """Read the students array at `at` into `records`; the index after it. The templates
    are checked in `_Reader.manifest` (they come after the students in a written manifest)."""
    decode = json.JSONDecoder().raw_decode
    questions = header["questions"]
    count = len(questions) if type(questions) is list else -1
    at = _skip(text, at + 1)
    while text[at] != "]":
        raw, at = decode(text, at)
        records.append(reader.student(raw, ("students", len(records)), None, count))
        if len(records) % FREEZE_EVERY == 0:
            gc.freeze()
        at = _skip(text, at)
        if text[at] == ",":
            at = _skip(text, at + 1)
        elif text[at] != "]":
            raise ValueError("expected ',' or ']'")
    return at + 1


def _where(at: tuple[str | int, ...]) -> str:
    """("students", 3, "items", 1, "seed") -> 'students[3].items[1].seed'."""
    text = ""
    for piece in at:
        text += f"[{piece}]" if isinstance(piece, int) else (f".{piece}" if text else piece)
    return text


_STR, _INT, _DICT, _LIST = frozenset({str}), frozenset({int}), frozenset({dict}), \
    frozenset({list})
_NUMBER = frozenset({int, float})
#: The keys of a stored part and of an item (after its template), with their JSON types.
_PART_KEYS = (("id", _STR), ("type", _STR), ("answer_text", _STR), ("points", _NUMBER))
_ITEM_KEYS = (("seed", _INT), ("params", _DICT), ("parts", _LIST))


class _Reader:
    """Makes the typed records from parsed JSON, checking each entry once; the first bad one
    raises an `InputError` with its path (spelt out only then: a big class has a million
    entries). JSON gives exact types, so ``type(x) in kinds`` is the test (a bool is no int)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, at: tuple[str | int, ...], message: str) -> InputError:
        where = _where(at)
        return InputError(f"{self.path}: {where}: {message}" if where else
                          f"{self.path}: {message}")

    def need(self, obj: Any, key: str, kinds: frozenset[type],
             at: tuple[str | int, ...]) -> Any:
        """obj[key], of one of the types `kinds`; `at` is the path to obj."""
        if type(obj) is not dict or key not in obj:
            raise self.fail(at, f"missing {key!r}")
        value = obj[key]
        if type(value) not in kinds:
            raise self.fail((*at, key), f"unexpected value {value!r}")
        return value

    def take(self, obj: Any, keys: tuple[tuple[str, frozenset[type]], ...],
             at: tuple[str | int, ...]) -> list[Any]:
        """The values of `keys` in obj, each of its types (`need` for several keys at once)."""
        if type(obj) is dict:
            values = [obj.get(key) for key, _ in keys]
            if all(map(frozenset.__contains__, [k for _, k in keys], map(type, values))):
                return values
        return [self.need(obj, key, kinds, at) for key, kinds in keys]

    def optional(self, obj: dict[str, Any], key: str, kinds: frozenset[type], default: Any,
                 at: tuple[str | int, ...]) -> Any:
        """obj[key] if present (of one of the types `kinds`), else `default`."""
        return self.need(obj, key, kinds, at) if key in obj else default

    def manifest(self, data: Any, records: list[StudentRecord] | None = None) -> Manifest:
        """The manifest of `data`; `records`: its students, when already read (`_stream`)."""
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise self.fail((), "not an mlquiz exam manifest (no \"format\": \"mlquiz-exam\"); "
                                "give the exam.json written by 'mlquiz generate'")
        version = self.need(data, "format_version", _INT, ())
        if version > MANIFEST_VERSION:
            raise self.fail((), f"format version {version} is newer than this mlquiz reads "
                                f"({MANIFEST_VERSION}); upgrade mlquiz")
        title = self.need(data, "title", _STR, ())
        exam_seed = self.need(data, "exam_seed", _INT, ())
        templates = self.need(data, "templates", _DICT, ())
        for template_id in templates:
            self.need(templates, template_id, _INT, ("templates",))
        questions = tuple(self.question(q, ("questions", i)) for i, q in
                          enumerate(self.need(data, "questions", _LIST, ())))
        students = self.need(data, "students", _LIST, ())
        if records is None:
            records = [self.student(s, ("students", i), templates, len(questions))
                       for i, s in enumerate(students)]
        elif any(i.template not in templates for r in records for i in r.items):
            raise ValueError("a template is not listed")  # _stream: read it whole to say where
        seen: set[str] = set()
        for i, record in enumerate(records):
            if record.id in seen:
                raise self.fail(("students", i), f"duplicate student id {record.id!r}")
            seen.add(record.id)
        content_hash = self.optional(data, "content_hash", _STR, "", ())
        return Manifest(title, exam_seed, templates, questions, tuple(records), version,
                        content_hash)

    def question(self, q: Any, at: tuple[str | int, ...]) -> Question:
        number = self.need(q, "number", _INT, at)
        template = self.need(q, "template", _STR, at)
        parts = []
        for j, p in enumerate(self.need(q, "parts", _LIST, at)):
            where = (*at, "parts", j)
            part_id = self.need(p, "id", _STR, where)
            column = self.need(p, "column", _STR, where)
            points = float(self.optional(p, "points", _NUMBER, 1.0, where))
            if not 0 <= points <= MAX_POINTS:  # also NaN
                raise self.fail((*where, "points"), _points_message(points))
            parts.append(QuestionPart(part_id, self.optional(p, "type", _STR, "", where),
                                      points, column))
        return Question(number, template, self.optional(q, "title", _STR, "", at),
                        self.optional(q, "topic", _STR, "", at),
                        self.optional(q, "version", _INT, 0, at), tuple(parts))

    def student(self, s: Any, at: tuple[str | int, ...], templates: dict[str, Any] | None,
                questions: int) -> StudentRecord:
        """A student's record; `templates` None leaves the items' templates unchecked."""
        sid = self.need(s, "id", _STR, at)
        name = self.need(s, "name", _STR, at)
        items = self.need(s, "items", _LIST, at)
        if len(items) != questions:
            raise self.fail(at, f"{len(items)} items, but the exam has {questions} questions")
        return StudentRecord(sid, name, self.optional(s, "code", _STR, "", at), tuple(
            self.item(item, (*at, "items", j), templates) for j, item in enumerate(items)))

    def item(self, item: Any, at: tuple[str | int, ...], templates: dict[str, Any] | None
             ) -> Item:
        if type(item) is dict:  # a well-formed item checked in one expression, as in `part`
            number, template, seed, params, parts = item.get("number"), item.get("template"), \
                item.get("seed"), item.get("params"), item.get("parts")
            if type(number) is int and type(template) is str and type(seed) is int and \
                    type(params) is dict and type(parts) is list and \
                    (templates is None or template in templates):
                return Item(number, template, seed, params, tuple(
                    [self.part(p, (*at, "parts", k)) for k, p in enumerate(parts)]))
        number = self.need(item, "number", _INT, at)
        template = self.need(item, "template", _STR, at)
        if templates is not None and template not in templates:
            raise self.fail(at, f"template {template!r} is not listed under \"templates\"")
        seed, params, parts = self.take(item, _ITEM_KEYS, at)
        return Item(number, template, seed, params,
                    tuple([self.part(p, (*at, "parts", k)) for k, p in enumerate(parts)]))

    def part(self, p: Any, at: tuple[str | int, ...]) -> StoredPart:
        # The checks of `take` and `mistakes` written out for a well-formed part (every part
        # of a written manifest; anything else goes the checked way, to name the bad entry):
        # a big class has 100,000 parts, and this made reading 10,000 x 10 0.25 s faster
        # (4.0 us a part, was 5.5).
        if type(p) is dict:
            part_id, ptype, text = p.get("id"), p.get("type"), p.get("answer_text")
            points: Any = p.get("points")
            pairs = p.get("mistakes")
            if type(part_id) is str and type(ptype) is str and type(text) is str and \
                    type(points) in _NUMBER:
                if pairs is None:
                    return StoredPart(part_id, ptype, p.get("answer"), text, points, None)
                if type(pairs) is list:
                    mistakes = tuple([(m[0], m[1]) for m in pairs if type(m) is list and
                                      len(m) == 2 and type(m[0]) is str])
                    if len(mistakes) == len(pairs):
                        return StoredPart(part_id, ptype, p.get("answer"), text, points,
                                          mistakes)
        part_id, ptype, answer_text, points = self.take(p, _PART_KEYS, at)
        if not 0 <= points <= MAX_POINTS:  # also NaN
            raise self.fail((*at, "points"), _points_message(points))
        mistakes = p.get("mistakes")
        if mistakes is not None:
            mistakes = self.mistakes(mistakes, at)
        return StoredPart(part_id, ptype, p.get("answer"), answer_text, points, mistakes)

    def mistakes(self, pairs: Any, at: tuple[str | int, ...]) -> tuple[tuple[str, Any], ...]:
        """The stored ``[id, answer]`` pairs of the part at `at` (an answer of another form
        than the part's is not an error here: the rebuilt question's mistakes are then used)."""
        if type(pairs) is list and all(map(_is_pair, pairs)):
            return tuple(map(tuple, pairs))  # type: ignore[arg-type]
        if type(pairs) is not list:
            raise self.fail((*at, "mistakes"), f"unexpected value {pairs!r}")
        m, pair = next((m, pair) for m, pair in enumerate(pairs) if not _is_pair(pair))
        raise self.fail((*at, "mistakes", m), f"unexpected value {pair!r}; expected [id, answer]")


#: The most points a part may have in a manifest (a bigger number is a corrupt file).
MAX_POINTS = 1_000_000


def _points_message(points: float) -> str:
    return f"points must be a number from 0 to {MAX_POINTS:,}, got {points!r}"


def _is_pair(pair: Any) -> bool:
    """Whether a stored mistake is an ``[id, answer]`` pair."""
    return type(pair) is list and len(pair) == 2 and type(pair[0]) is str
