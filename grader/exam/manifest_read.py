"""Reading ``exam.json`` (`grader.exam.manifest`): streamed one student at a time, every entry
checked once; the first bad one is named by its path.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import re
from pathlib import Path
from sys import intern
from typing import Any

from grader.exam.identity import ContentCheck
from grader.exam.manifest import (
    MANIFEST_FORMAT,
    MANIFEST_VERSION,
    Item,
    Manifest,
    Question,
    QuestionPart,
    StoredPart,
    StudentRecord,
)
from grader.files import input_text, read_input_bytes
from questionbank.errors import InputError

__all__ = ["MAX_POINTS", "READ_FREEZE_EVERY", "read_manifest"]


def read_manifest(path: str | Path, check_hash: bool = True) -> Manifest:
    """Read and check an ``exam.json``; an `InputError` names the file and the bad entry.
    `check_hash` sets `Manifest.intact` (hashing a 36 MB manifest takes about 0.07 s)."""
    try:
        return _load_manifest(Path(path), check_hash)
    except RecursionError:  # the JSON decoder's own limit (about 1000 levels)
        raise InputError(f"{path}: not an mlquiz exam manifest: a value is nested too "
                         "deeply") from None


def _load_manifest(path: Path, check_hash: bool) -> Manifest:
    data = read_input_bytes(path, "the exam manifest")
    content = ContentCheck(data) if check_hash else None  # hashed meanwhile, in a thread
    text = input_text(path, data)
    del data
    reader = _Reader(path)
    manifest = _stream(text, reader)
    if manifest is None:
        # not a valid manifest: read it whole, to name its first problem in document order
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        manifest = reader.manifest(data)
    if not manifest.content_hash or content is None:
        return manifest
    return dataclasses.replace(manifest, intact=content.intact(manifest.content_hash))




def _stream(text: str, reader: _Reader) -> Manifest | None:
    """A valid manifest read one student at a time, or None if anything is off.

    The students are decoded and made into records one by one, so the parsed JSON of only one
    student is alive at a time, and the records are frozen for the cyclic garbage collector
    (`gc.freeze`) every `READ_FREEZE_EVERY` students: parsing a whole 10,000-student manifest
    at once and making records from it took 3.4 s of CPU, 1.1 s without the collector walking
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


#: JSON's whitespace, skipped between the values of the manifest (a regular expression: the
#: students array has 2 runs of whitespace per student, and looping over their characters in
#: Python took 5 ms of the 70 of reading 2,500 students)
_SPACE = re.compile(r"[ \t\r\n]*")


#: How many students are read between two `gc.freeze` calls (`_stream`). Each call also
#: restarts the collector's count of new objects, and a few students' records are fewer than
#: the 700 new objects that start a collection of the young generation: with a freeze every
#: 4 students it does not run at all while they are read (10,000 x 10: 0.82 s of CPU; freezing
#: every 50, as grading does with `FREEZE_EVERY`, 1,200 collections took 63 ms of 0.86 s).
READ_FREEZE_EVERY = 4


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # (matches "" too)


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
        if len(records) % READ_FREEZE_EVERY == 0:
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
        elif not {i.template for r in records for i in r.items} <= templates.keys():
            raise ValueError("a template is not listed")  # _stream: read it whole to say where
        if len({record.id for record in records}) != len(records):  # (a set: 3 times faster)
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
        plain = _plain_student(s, templates, questions)
        if plain is not None:
            return plain
        sid = self.need(s, "id", _STR, at)
        name = self.need(s, "name", _STR, at)
        items = self.need(s, "items", _LIST, at)
        if len(items) != questions:
            raise self.fail(at, f"{len(items)} items, but the exam has {questions} questions")
        return StudentRecord(sid, name, self.optional(s, "code", _STR, "", at), tuple(
            [self.item(item, (*at, "items", j), templates) for j, item in enumerate(items)]))

    def item(self, item: Any, at: tuple[str | int, ...], templates: dict[str, Any] | None
             ) -> Item:
        plain = _plain_item(item, templates)
        if plain is not None:
            return plain
        number = self.need(item, "number", _INT, at)
        template = self.need(item, "template", _STR, at)
        if templates is not None and template not in templates:
            raise self.fail(at, f"template {template!r} is not listed under \"templates\"")
        seed, params, parts = self.take(item, _ITEM_KEYS, at)
        return Item(number, template, seed, params,
                    tuple([self.part(p, (*at, "parts", k)) for k, p in enumerate(parts)]))

    def part(self, p: Any, at: tuple[str | int, ...]) -> StoredPart:
        plain = _plain_part(p)
        if plain is not None:
            return plain
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


def _plain_student(s: Any, templates: dict[str, Any] | None, questions: int
                   ) -> StudentRecord | None:
    """The record of a well-formed student entry, or None: then `_Reader.student` checks it
    the slow way, to name the bad entry. As `_plain_part`, for the student and their items:
    reading 2,500 students of one question took 4 ms less of CPU (of 68) with the checks
    written out and no entry's path made."""
    if type(s) is dict:
        sid, name, code, items = s.get("id"), s.get("name"), s.get("code", ""), s.get("items")
        if type(sid) is str and type(name) is str and type(code) is str and \
                type(items) is list and len(items) == questions:
            made = tuple(filter(None, [_plain_item(item, templates) for item in items]))
            if len(made) == len(items):  # else an item is checked the slow way
                return StudentRecord(sid, name, code, made)
    return None


def _plain_item(item: Any, templates: dict[str, Any] | None) -> Item | None:
    """The item of a well-formed entry, or None (see `_plain_student`)."""
    if type(item) is dict:
        number, template, seed, params, parts = item.get("number"), item.get("template"), \
            item.get("seed"), item.get("params"), item.get("parts")
        if type(number) is int and type(template) is str and type(seed) is int and \
                type(params) is dict and type(parts) is list and \
                (templates is None or template in templates):
            stored = tuple(filter(None, [_plain_part(p) for p in parts]))
            if len(stored) == len(parts):  # else a part is checked the slow way
                # one string for each template id, as for the part ids (`_plain_part`)
                return Item(number, intern(template), seed, params, stored)
    return None


def _plain_part(p: Any) -> StoredPart | None:
    """The stored part of a well-formed entry (every part of a written manifest), or None:
    then `_Reader.part` checks it the slow way, to name the bad entry.

    The checks of `_Reader.take` and `_Reader.mistakes` written out, and without the entry's
    path (built only for an error): a big class has 100,000 parts, and this made reading
    10,000 x 10 0.25 s faster (4.0 us a part, was 5.5); making no path for each well-formed
    part saved another 0.025 s (3 runs)."""
    if type(p) is dict:
        part_id, ptype, text = p.get("id"), p.get("type"), p.get("answer_text")
        points: Any = p.get("points")
        pairs = p.get("mistakes")
        if type(part_id) is str and type(ptype) is str and type(text) is str and \
                type(points) in _NUMBER and 0 <= points <= MAX_POINTS:  # (not NaN either)
            # one string for each part id, type and mistake id, not one per student: reading
            # 10,000 x 10 leaves 490,000 fewer strings, grading it peaks at 248 MB (was
            # 282) and frees the records in 0.15 s (was 0.2)
            part_id, ptype = intern(part_id), intern(ptype)
            if pairs is None:
                return StoredPart(part_id, ptype, p.get("answer"), text, points, None)
            if type(pairs) is list:
                mistakes = tuple([(intern(m[0]), m[1]) for m in pairs if type(m) is list and
                                  len(m) == 2 and type(m[0]) is str])
                if len(mistakes) == len(pairs):
                    return StoredPart(part_id, ptype, p.get("answer"), text, points, mistakes)
    return None


#: The most points a part may have in a manifest (a bigger number is a corrupt file).
MAX_POINTS = 1_000_000


def _points_message(points: float) -> str:
    return f"points must be a number from 0 to {MAX_POINTS:,}, got {points!r}"


def _is_pair(pair: Any) -> bool:
    """Whether a stored mistake is an ``[id, answer]`` pair."""
    return type(pair) is list and len(pair) == 2 and type(pair[0]) is str
