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
whose key is all in the manifest (`STORED_TYPES`, `StoredPart.complete`), judged with the
rules of the item being graded (`grader.exam.rebuild.ItemRebuild`: its template's tolerance and
the rebuilt question's mistakes, `grader.judge.key.KeyRules`): right, blank, unreadable
answers and wrong ones that no stored mistake explains are judged without rebuilding it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from grader.exam.identity import PLACEHOLDER, exam_id, seal
from grader.files import atomic_write_text, json_chunks
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
    for a manifest written before they were stored.

    For the types whose key is all in the manifest (`complete`), it is the judge's answer key
    (`grader.judge.key.AnswerKey`) as it is: the template's rules (`template_rules`) and the
    rebuilt question's mistakes come with it from the grading loop
    (`grader.exam.rebuild.ItemRebuild`), so judging an answer makes no new key.

    A NamedTuple, not a frozen dataclass: one is made per part read (100,000 for 10,000
    students x 10 parts), and a frozen dataclass took four times as long to make (1.9 us, a
    NamedTuple 0.5, with the nine fields the record then had; reading a 10,000 x 10 manifest:
    0.9 s of CPU, was 1.1 s, measured on a busy machine).
    """

    id: str
    type: str
    answer: Any
    answer_text: str
    points: float
    mistake_answers: tuple[tuple[str, Any], ...] | None = None

    @classmethod
    def from_part(cls, part: Part) -> StoredPart:
        """What the manifest stores of a generated part (the mistakes for `STORED_TYPES`)."""
        mistakes = tuple((m.id, m.answer) for m in part.mistakes) \
            if part.type in STORED_TYPES else None
        return cls(part.id, part.type, part.answer, part.answer_text, part.points, mistakes)

    @property
    def complete(self) -> bool:
        """Whether this part is an answer key by itself: not when its key is not all in the
        manifest (a choice or expression part, or an answer of an unexpected form); then the
        rebuilt question's part is judged instead."""
        return self.type in STORED_TYPES and _well_formed(self.type, self.answer)

    @staticmethod
    def template_rules(spec: PartSpec) -> tuple[Tolerance, bool]:
        """The template's rules for judging a stored part of `spec`: its tolerance (the
        default when it sets none) and whether it gives partial credit."""
        return spec.tolerance or DEFAULT_TOLERANCE, spec.partial

    def to_json(self) -> dict[str, Any]:
        data = {"id": self.id, "type": self.type, "answer": self.answer,
                "answer_text": self.answer_text, "points": self.points}
        if self.mistake_answers is not None:
            data["mistakes"] = [[mistake_id, answer]
                                for mistake_id, answer in self.mistake_answers]
        return data

    # -- the judge's AnswerKey protocol, and its mistakes (`grader.judge.key.KeyRules`)

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

    def mistake_values(self, source: MistakeSource | None) -> tuple[tuple[str, Any], ...]:
        """(id, comparable value) of each declared mistake: the stored ones, or the rebuilt
        question's (from `source`) when none are stored or they are not of the part's form."""
        if self.mistake_answers is not None:
            try:
                return tuple([(mistake_id, _stored_value(self.type, answer))
                              for mistake_id, answer in self.mistake_answers])
            except (ValueError, TypeError, AttributeError):
                pass  # not of the part's form: the rebuilt mistakes decide
        rebuilt = source.mistakes_for(self) if source is not None else None
        if rebuilt is None:
            return ()
        from questionbank.instance import comparable_mistake

        shape = self.type == "shape"
        return tuple((m.id, comparable_mistake(self.type, m.answer if shape else m.value))
                     for m in rebuilt)

    def mistake_feedback(self, source: MistakeSource | None, index: int) -> str:
        """The feedback of the `index`-th mistake, rendered from the rebuilt question; empty
        when that cannot be used (the grading loop then discards this verdict)."""
        rebuilt = source.mistakes_for(self) if source is not None else None
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
    """A stored mistake's answer in the form the judge compares answers with: what
    `questionbank.answers.comparable_mistake` makes of it, except that a vector or matrix
    stays a (nested) list of floats, which the judge reads as it reads an array
    (`grader.judge.key.KeyRules.mistake_values`). Made without numpy: a wrong vector answer
    to a part with 5 stored mistakes was judged in 80 us, 60 of them making 10 arrays.
    ValueError if it is not of the part's form."""
    if not _well_formed(ptype, answer):
        raise ValueError(f"a stored {ptype} answer cannot be {answer!r}")
    if ptype == "vector":
        return [float(v) for v in answer]
    if ptype == "matrix":
        return [[float(v) for v in row] for row in answer]
    if ptype == "shape":
        return tuple(answer)
    return float(answer) if ptype == "number" else answer


# --------------------------------------------------------------------------- reading


#: How many students are graded between two `gc.freeze` calls (reading them freezes more
#: often: `grader.exam.manifest_read.READ_FREEZE_EVERY`).
#: Each call also restarts the collector's count of new objects, so the young generations
#: stay small: grading 10,000 x 10 took 3.95 s of CPU freezing every 500, 3.57 s every 50,
#: the same as with the collector off (3.58 s).
FREEZE_EVERY = 50


def load_manifest(path: str | Path, check_hash: bool = True) -> Manifest:
    """Read and check an ``exam.json``; an `InputError` names the file and the bad entry.
    `check_hash` sets `Manifest.intact` (`grader.exam.manifest_read.read_manifest`)."""
    from grader.exam.manifest_read import read_manifest

    return read_manifest(path, check_hash)
