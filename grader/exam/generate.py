"""Exam generation: a roster and a list of questions -> one version per student, printed sheets,
answer keys, the blank submission file and the manifest ``exam.json``.

Each student gets a distinct, reproducible version: the seed of question *n* for student *s* is
``derive_seed(exam_seed, s, n)`` (SHA-256, never `hash()`). The manifest
(`grader.exam.manifest`) stores, per student and question, the template id, that seed, the
sampled params *and* the reference answers, so grading never depends on sampling again.

Layout of the output folder (``FMT`` is each requested format: html, md, tex)::

    exam.json             the manifest
    answers.csv           blank submissions: `student`, `name` (from the roster; `grade`
                          ignores it), `exam` (the exam id, `grader.exam.identity`), then a
                          column `Q<number>.<part id>` per part
    sample-answers.csv    made-up answers to try the grader on (only when asked for)
    sheets/, keys/, sheets-all.FMT, keys-all.FMT    see `grader.exam.sheets`
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from grader.exam.identity import (
    EXAM_COLUMN,
    MAX_EXAM_SEED,
    NAME_COLUMN,
    exam_id,
    new_secret_seed,
    seed_warning,
    version_code,
)
from grader.exam.layout import SheetLayout, layout_view
from grader.exam.manifest import (
    Item,
    Manifest,
    Question,
    StudentRecord,
    column_name,
    manifest_text,
)
from grader.exam.pools import PoolSpec, assign, exam_questions, resolve_pools
from grader.exam.roster import Student, roster_students
from grader.exam.sheets import (
    DEFAULT_FORMATS,
    item_view,
    parse_formats,
    points_text,
    render_section,
    sheets_document,
    student_view,
)
from grader.files import csv_text, student_stem, write_staged_text
from grader.selection import split_ids, topic_ids
from questionbank.errors import InputError, QuizError
from questionbank.instance import Instance

__all__ = ["DEFAULT_TITLE", "SAMPLE_QUESTIONS", "GeneratedExam", "Progress", "generate_exam",
           "select_templates"]

DEFAULT_TITLE = "Machine-learning quiz"

#: The questions of the sample exam (no --questions/--topic): the three families of the bank.
SAMPLE_QUESTIONS = ("metrics/confusion-matrix", "dropout/inverted", "gradients/layer-shapes",
                    "gradients/matrix-calculus")

#: Opens a progress display for `total` steps; the context yields ``update(n_steps)``.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], object]]]


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
    #: the exam's short id, written into every row of answers.csv (`grader.exam.identity`)
    exam_id: str = ""
    #: things the instructor should know (a guessable --seed)
    warnings: tuple[str, ...] = ()


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


def _exam_seed(seed: int | None) -> int:
    """The given exam seed, checked, or a fresh 128-bit secret from the operating system."""
    if seed is None:
        return new_secret_seed()
    if isinstance(seed, bool) or not 0 <= seed <= MAX_EXAM_SEED:
        raise InputError(f"the exam seed must be a whole number from 0 to {MAX_EXAM_SEED}")
    return seed


class _Version(NamedTuple):
    """One student's generated version: what the manifest and the combined files need of it
    (sent back pickled from a forked process: see `_add_students`)."""

    record: StudentRecord
    sample: tuple[Student, dict[str, str]] | None
    heads: dict[str, dict[str, Any]]  #: per format
    sections: dict[tuple[str, bool], str]  #: per format and key


class _Writer:
    """Generates each student's version and writes their sheets and keys as it goes; keeps
    every rendered section for the combined files, and the manifest records."""

    def __init__(self, out: Path, title: str, seed: int, templates: Sequence[Any],
                 fmts: tuple[str, ...], sample_answers: bool,
                 layout: SheetLayout | None = None) -> None:
        self.out, self.title, self.seed, self.templates = out, title, seed, templates
        self.fmts, self.sample_answers = fmts, sample_answers
        self.layouts = {f: layout_view(layout or SheetLayout(), f) for f in fmts}
        # who each sheet is for (the combined file's title), and every student's rendered
        # section per format, for the sheets and for the keys
        self.heads: dict[str, list[dict[str, Any]]] = {f: [] for f in fmts}
        self.sections: dict[tuple[str, bool], list[str]] = {(f, k): [] for f in fmts
                                                            for k in (False, True)}
        self.records: list[StudentRecord] = []
        self.samples: list[tuple[Student, dict[str, str]]] = []
        #: each student's pool templates, after the fixed ones (`grader.exam.pools`)
        self.picked: dict[str, list[Any]] = {}

    def versions(self, student: Student) -> list[tuple[Instance, list[dict[str, Any]]]]:
        """The student's version of every question, with its view for each format."""
        from questionbank.instance import generate as generate_instance
        from questionbank.sampling import derive_seed

        versions = []
        templates = [*self.templates, *self.picked.get(student.id, ())]
        for number, template in enumerate(templates, start=1):
            try:
                # the sheets render every text (and so surface a template's error); without
                # sheets, generating renders them to check them
                instance = generate_instance(template,
                                             derive_seed(self.seed, student.id, number),
                                             render_text=not self.fmts)
                views = [item_view(number, instance, fmt) for fmt in self.fmts]
            except QuizError as exc:
                raise QuizError(f"question {number} ({template.id}) for student "
                                f"{student.id!r}: {exc}") from None
            versions.append((instance, views))
        return versions

    def add(self, student: Student) -> _Version:
        """Generate and write one student's version (here or in a forked process: the result
        is kept by `keep`)."""
        code = version_code(self.seed, student.id)
        versions = self.versions(student)
        instances = [instance for instance, _ in versions]
        record = StudentRecord(student.id, student.name, code, tuple(
            Item.from_instance(n, inst) for n, inst in enumerate(instances, start=1)))
        sample = (student, {
            column: _sample_answer(part, f"{self.seed}:{student.id}:{column}")
            for n, inst in enumerate(instances, start=1) for part in inst.parts
            for column in [column_name(n, part.id)]}) if self.sample_answers else None
        total_points = points_text(sum(p.points for inst in instances for p in inst.parts))
        heads, sections = {}, {}
        stem = student_stem(student.id)
        for index, fmt in enumerate(self.fmts):
            view = student_view(student, code, [views[index] for _, views in versions], fmt)
            head = heads[fmt] = {"id": view["id"], "name": view["name"]}
            for key, folder in ((False, "sheets"), (True, "keys")):
                section = sections[fmt, key] = render_section(
                    fmt, self.title, view, key=key, total_points=total_points,
                    layout=self.layouts[fmt])
                write_staged_text(self.out / folder / f"{stem}.{fmt}",
                                  sheets_document(fmt, self.title, [head], [section], key=key))
        return _Version(record, sample, heads, sections)

    def keep(self, version: _Version) -> None:
        """Keep what the combined files and the manifest need of a student's version."""
        self.records.append(version.record)
        if version.sample is not None:
            self.samples.append(version.sample)
        for fmt, head in version.heads.items():
            self.heads[fmt].append(head)
        for fmt_key, section in version.sections.items():
            self.sections[fmt_key].append(section)

    def add_all(self, students: Sequence[Student]) -> list[_Version]:
        return [self.add(student) for student in students]

    def combined(self, key: bool) -> dict[str, Path]:
        """Write every student's sheets (or keys) in one file per format."""
        paths = {}
        for fmt in self.fmts:
            path = self.out / f"{'keys' if key else 'sheets'}-all.{fmt}"
            write_staged_text(path, sheets_document(fmt, self.title, self.heads[fmt],
                                                    self.sections[fmt, key], key=key))
            paths[fmt] = path
        return paths


def _submission_files(out: Path, questions: Sequence[Question], the_id: str,
                      students: Sequence[Student],
                      samples: Sequence[tuple[Student, dict[str, str]]] | None
                      ) -> tuple[Path, Path | None]:
    """Write ``answers.csv`` (blank answers) and, given `samples`, ``sample-answers.csv``:
    `student`, `name`, `exam` (every row: the exam id), then one column per part."""
    columns = [p.column for q in questions for p in q.parts]
    header = ["student", NAME_COLUMN, EXAM_COLUMN, *columns]
    answers_csv = out / "answers.csv"
    write_staged_text(answers_csv, csv_text(
        header, ([s.id, s.name, the_id, *([""] * len(columns))] for s in students)))
    if samples is None:
        return answers_csv, None
    sample_path = out / "sample-answers.csv"
    write_staged_text(sample_path, csv_text(header, (
        [s.id, s.name, the_id, *(answers.get(c, "") for c in columns)]
        for s, answers in samples)))
    return answers_csv, sample_path


def _keep_existing_exam(out: Path, force: bool) -> None:
    """Refuse to write over an exam (or, with `force`, move its manifest aside first)."""
    manifest = out / "exam.json"
    if not manifest.exists():
        return
    if not force:
        raise InputError(
            f"{out} already holds an exam ({manifest}): its answers can only be graded with "
            "that manifest. Choose another --out, or add --force to make a new exam there "
            "(the old manifest is kept as exam.json.bak)")
    try:
        os.replace(manifest, out / "exam.json.bak")
    except OSError as exc:
        raise InputError(f"cannot move {manifest} aside: {exc.strerror}") from None


#: The fewest versions (students x questions) generated in more than one process by default:
#: a second process costs about 70 ms of CPU time (forking, sending the sheets back), which
#: 400 versions (about 300 ms) repay in time waited.
PARALLEL_VERSIONS = 400


def _add_students(writer: _Writer, students: Sequence[Student], progress: Progress,
                  jobs: int | None) -> None:
    """Generate and write every student's version, in `jobs` processes (see `generate_exam`):
    the first student here, which warms every cache the forked processes then start with, and
    the others in `jobs` runs of consecutive students, one here (`grader.exam.forks`). By
    default (`jobs` None) one process per idle processor (`grader.exam.forks.idle_processors`)
    for a large exam, else one."""
    from grader.exam.forks import can_fork, forked_map, idle_processors

    if jobs is None:
        large = len(students) * len(writer.templates) >= PARALLEL_VERSIONS
        jobs = idle_processors() if large and can_fork() else 1
    jobs = max(1, min(jobs, len(students) - 1))
    with progress("Generating sheets", len(students)) as update:
        if jobs == 1:
            for student in students:
                writer.keep(writer.add(student))
                update(1)
            return
        writer.keep(writer.add(students[0]))
        update(1)
        rest = students[1:]
        size = -(-len(rest) // jobs)
        for versions in forked_map(writer.add_all, [rest[i:i + size]
                                                    for i in range(0, len(rest), size)]):
            for version in versions:
                writer.keep(version)
            update(len(versions))


def _exam_templates(bank: Any, questions: list[str], topics: list[str],
                    pools: Sequence[PoolSpec]) -> tuple[list[Any], list[Any]]:
    """The exam's fixed templates (`select_templates`; none when only pools are given) and
    its resolved pools; `InputError` when there is no question at all."""
    chosen = resolve_pools(bank, pools)
    templates = select_templates(bank, questions, topics) \
        if questions or topics or not chosen else []
    if not templates and not chosen:
        raise InputError("the exam has no questions")
    return templates, chosen


def _manifest_files(writer: _Writer, templates: Sequence[Any], chosen: Sequence[Any],
                    students: Sequence[Student]
                    ) -> tuple[tuple[Question, ...], str, Path, Path | None]:
    """Write ``exam.json`` and the submission files of what `writer` generated: the listed
    questions, the exam id and the paths of ``answers.csv`` and ``sample-answers.csv``."""
    out, seed = writer.out, writer.seed
    every = [*templates, *(t for pool in chosen for t in pool.templates)]
    listed = exam_questions(templates, chosen)
    text, digest = manifest_text(Manifest(writer.title, seed, {t.id: t.version for t in every},
                                          listed, tuple(writer.records)))
    the_id = exam_id(seed, digest)
    answers_csv, sample_path = _submission_files(
        out, listed, the_id, students, writer.samples if writer.sample_answers else None)
    write_staged_text(out / "exam.json", text)
    return listed, the_id, answers_csv, sample_path


def generate_exam(out_dir: str | Path = "exam", **options: Any) -> GeneratedExam:
    """Write an exam into `out_dir` as a whole: see `_generate_into` for the `options`.

    The exam is made in a staging folder next to `out_dir` (a copy of it) that replaces it
    only once complete, under a lock (`grader.outdir.staged_folder`): a failed, killed or
    concurrent run leaves `out_dir` as it was. The files are written plainly there
    (`grader.files.write_staged_text`), and the old ``sheets/`` and ``keys/`` are not linked
    into it up front, only the old files this run did not write, at the end (the same
    result: a 100-student exam written over another one has 400 fewer links to make and
    unlink)."""
    from grader.outdir import relocated, staged_folder

    if not options.get("force"):
        _keep_existing_exam(Path(out_dir), False)  # refused before anything is done
    with staged_folder(out_dir, ["sheets", "keys"]) as stage:
        result = _generate_into(stage, **options)
    return relocated(result, stage, out_dir)


def _generate_into(out_dir: str | Path = "exam", *,
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
                  progress: Progress | None = None,
                  force: bool = False,
                  pools: Sequence[PoolSpec] = (),
                  layout: SheetLayout | None = None,
                  jobs: int | None = None) -> GeneratedExam:
    """Write an exam for a roster (a CSV path or `Student`s) or `count` students into `out_dir`.

    Questions: see `select_templates`, then K per pool of `pools` (`grader.exam.pools`; with
    pools and no `questions`/`topics` there are no fixed questions). `seed` is the exam seed;
    when None a fresh 128-bit secret is drawn from the operating system, used and recorded in
    ``exam.json`` (a seed chosen by hand can be guessed: the result's `warnings` say so). `bank`
    is a `questionbank.Bank` (default: the built-in bank plus ``MLQUIZ_BANK``). `sheets=False`
    writes only ``exam.json`` and ``answers.csv`` (for a quiz delivered online). Files already
    in `out_dir` that this exam does not write are left alone. `sample_answers=True` also writes
    ``sample-answers.csv``, made-up answers (mostly right, some typical mistakes, a few blank or
    unreadable) to try the grader on.

    An exam already in `out_dir` (its ``exam.json``) is never replaced silently: its answers
    can only be graded with that manifest. Without `force` this raises `InputError`; with it
    the old manifest is kept as ``exam.json.bak``.

    `layout` adds a subtitle, instructions and working space to the sheets
    (`grader.exam.layout`; default: working space ``small``, no subtitle or instructions).
    `jobs` processes generate the versions (None: see `_add_students`); the files are the same.
    """
    from questionbank.api import default_bank

    _keep_existing_exam(Path(out_dir), force)
    fmts = parse_formats(formats) if sheets else ()
    students = roster_students(roster, count)
    bank = bank if bank is not None else default_bank()
    templates, chosen = _exam_templates(bank, list(questions), list(topics), pools)
    seed = _exam_seed(seed)
    out = Path(out_dir)
    writer = _Writer(out, DEFAULT_TITLE if title is None else title, seed, templates, fmts,
                     sample_answers, layout)
    writer.picked = assign(chosen, [s.id for s in students], seed)
    _add_students(writer, students, progress or _no_progress, jobs)
    combined_sheets, combined_keys = writer.combined(False), writer.combined(True)
    listed, the_id, answers_csv, sample_path = _manifest_files(writer, templates, chosen,
                                                               students)
    return GeneratedExam(
        out_dir=out, manifest=out / "exam.json", answers_csv=answers_csv, exam_seed=seed,
        students=len(students), questions=tuple(q.template for q in listed), formats=fmts,
        sheets_dir=out / "sheets", keys_dir=out / "keys", combined_sheets=combined_sheets,
        combined_keys=combined_keys, sample_answers=sample_path, exam_id=the_id,
        warnings=tuple(filter(None, [seed_warning(seed)])))
