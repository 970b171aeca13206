"""Batch grading: ``exam.json`` + a submissions file -> gradebook, feedback pages, class report.

Submissions are read by `grader.exam.submissions`. Output names come from the roster's ids
(`student_stem`), never from a submission.

Each row is graded on its own and never stops the batch. A row's status is one of
`ROW_STATUSES`, reported with its line number:

- ``graded``: every part graded; ``missing-columns``: graded, but the file has no column for
  some parts (those count as blank); ``incomplete``: graded, but some questions could not be
  (their template is missing or changed since the exam was made, see below); ``ungradable``:
  no question could be; ``blank``: every answer is blank (0 points, left out of the
  statistics, as ``ungradable`` rows are);
- ``superseded``: **duplicate rule: the last row for a student counts**; earlier rows for the
  same student are not graded and are reported with the line that replaced them;
- ``unknown-student``, ``missing-student`` (blank student cell), ``malformed-row`` (a ragged or
  unreadable row, or a record that is not a mapping): not graded.

In the gradebook a roster student without any row has the status ``no-submission``. A part's
status is one of `PART_STATUSES` (`grader.exam.outcomes`).

Grading never depends on sampling the same params again: a question is rebuilt from the params
stored in the manifest, and its reference answers are compared with the stored ones
(`grader.exam.rebuild`). When the template's version or an answer differs, the question is
*not* graded against a different key: it is reported per item (``key-changed``). Which
questions are rebuilt:

- with feedback pages (which show the worked solutions) or ``verify_keys``: every one;
- otherwise, for speed: the first item of each template in the roster (a template changed
  since the exam was made, in its keys or its declared mistakes, then has every item rebuilt
  and compared), and any item whose answers need the template: a wrong answer that matches a
  declared mistake (whose feedback is rendered from the instance), a choice or an expression.
  The manifest stores each part's key and its declared mistakes' answers, so right, blank,
  unreadable answers and wrong ones that no declared mistake explains are judged from it (the
  key the exam printed) with the template's tolerance. A manifest made before the mistakes
  were stored has the question rebuilt for every wrong answer.

Outputs (byte-identical for the same inputs, with any ``--jobs``): ``gradebook.csv``,
``report.json``, ``summary.html`` and ``feedback/<stem>.{html,md}``, written into a staging
folder that replaces the output folder as a whole, under a lock (`grader.outdir`).
"""

from __future__ import annotations

import dataclasses
import gc
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any

from grader.exam.identity import check_submissions_exam
from grader.exam.manifest import (
    FREEZE_EVERY,
    Item,
    Manifest,
    StoredPart,
    StudentRecord,
    load_manifest,
)
from grader.exam.outcomes import (
    GRADED_STATUSES,
    PART_STATUSES,
    ROW_STATUSES,
    GradeReport,
    ItemOutcome,
    PartOutcome,
    RowStatus,
    StudentOutcome,
)
from grader.exam.rebuild import ItemRebuild, Rebuilder, Rebuilt, first_items
from grader.exam.submissions import SubmissionRow, read_submissions
from grader.files import JSONText
from grader.judge.check import check_key
from questionbank.errors import InputError, QuizError
from questionbank.instance import Instance

if TYPE_CHECKING:
    from grader.exam.generate import Progress
    from grader.exam.overrides import Overrides
    from grader.judge.key import KeyRules

__all__ = ["GRADED_STATUSES", "PART_STATUSES", "ROW_STATUSES", "GradeReport", "default_jobs",
           "grade_exam"]

_MAX_CELL = 100_000

#: (student's outcome, their feedback pages by format or None, their entry of ``report.json``
#: when a worker process made it)
Graded = tuple[StudentOutcome, dict[str, str] | None, JSONText | None]


class _Grader:
    """Grades rows against the manifest; one per process (the worker of ``--jobs``)."""

    def __init__(self, manifest: Manifest, bank: Any, pages_dir: Path | None,
                 verify_all: bool = False, first: dict[str, Item] | None = None,
                 overrides: Overrides | None = None) -> None:
        self.manifest = manifest
        self.overrides = overrides
        self.pages_dir = pages_dir
        self.verify_all = verify_all or pages_dir is not None
        self.rebuilder = Rebuilder(manifest.templates, bank,
                                   first if first is not None else first_items(manifest))

    def grade(self, row: SubmissionRow, record: StudentRecord) -> Graded:
        """Grade one accepted row of the student `record`; also render the student's
        feedback pages when asked."""
        assert row.student is not None
        graded = [self._item(item, row) for item in record.items]
        # (lists, not generators: 0.3 us less for a student with 4 questions)
        items = tuple([outcome for outcome, _ in graded])
        ungraded = [i for i in items if i.status != "graded"]
        if ungraded:
            status = "incomplete" if len(ungraded) < len(items) else "ungradable"
            message = "; ".join([f"Q{i.number}: {i.message}" for i in ungraded])
        elif _all_blank(items):
            status, message = "blank", "every answer is blank (0 points; left out of the " \
                                       "statistics)"
        elif row.missing:
            status = "missing-columns"
            message = f"no column for {', '.join(row.missing)} (counted as blank)"
        else:
            status, message = "graded", ""
        outcome = StudentOutcome(row.student, row.line, status, message, items)
        if self.overrides is not None:
            outcome = self.overrides.apply(outcome)
        if self.pages_dir is None:
            return outcome, None, None
        from grader.exam.pages import write_feedback_pages

        return outcome, write_feedback_pages(self.pages_dir, self.manifest.title, record,
                                             outcome, [instance for _, instance in graded]), None

    def _item(self, item: Item, row: SubmissionRow) -> tuple[ItemOutcome, Instance | None]:
        """One question: from its stored key when it can be, else from the rebuilt question
        (or not graded, with the reason); and the rebuilt question, if it was rebuilt.

        With `verify_all` (also with feedback pages, which show the worked solution) every
        question is rebuilt and its key compared with the stored one first; when they are the
        same, the answers are still judged from the stored key, as without it (the same
        verdicts: see `grader.exam.rebuild.ItemRebuild`). A wrong answer then needs no
        mistakes of the rebuilt question unless it matches a stored one: the pages of 2,500
        students x 4 parts took 1.86 s of CPU in one process, was 1.93 (medians of 7
        alternating runs)."""
        stored = self.rebuilder.stored(item)
        if stored is not None and self.verify_all:
            stored.resolve()
        if stored is not None and stored.usable():
            parts = _stored_parts(stored, item, row)
            if stored.usable():
                return (ItemOutcome(item.number, item.template, "graded", "", parts),
                        stored.state.instance if stored.state is not None else None)
        # a stored key: stale mistakes (graded from the rebuilt question) or a changed key
        rebuilt = stored.resolve() if stored is not None else self.rebuilder.rebuild(item)
        return _rebuilt_item(rebuilt, item, row), rebuilt.instance


def _all_blank(items: Sequence[ItemOutcome]) -> bool:
    """Whether every answer of `items` is blank (a loop, not a generator: most students'
    first answer is not, 0.3 us less)."""
    for item in items:
        for part in item.parts:
            if part.status != "blank":
                return False
    return True


def _rebuilt_item(rebuilt: Rebuilt, item: Item, row: SubmissionRow) -> ItemOutcome:
    """The item graded from its rebuilt question, or every part ``ungraded``."""
    instance = rebuilt.instance
    parts = []
    for stored in item.parts:
        column = f"Q{item.number}.{stored.id}"
        if instance is None:
            parts.append(_outcome(column, stored, row.cells.get(column, ""), "ungraded",
                                  "This question could not be graded: " + rebuilt.message))
            continue
        answer = _answer(column, stored, row)
        parts.append(_verdict(column, stored, answer, instance.seed, instance.part(stored.id))
                     if isinstance(answer, str) else answer)
    status = "graded" if instance is not None else rebuilt.status
    return ItemOutcome(item.number, item.template, status, rebuilt.message, tuple(parts))


def _stored_parts(stored: ItemRebuild, item: Item, row: SubmissionRow
                  ) -> tuple[PartOutcome, ...]:
    """The item's parts judged from their stored keys (or the rebuilt question's parts, for
    the types whose key is not all stored); stops at the first part after which the rebuilt
    question cannot be used as it is (`ItemRebuild.usable`): the caller then grades the item
    again from the rebuilt question, or not at all."""
    parts = []
    prefix = f"Q{item.number}."
    seed = item.seed
    for part in item.parts:
        column = intern(prefix + part.id)  # one string per column, not one per answer
        answer = _answer(column, part, row)
        if isinstance(answer, str):
            if part.complete:  # the stored key, with the item's rules (`ItemRebuild`)
                answer = _verdict(column, part, answer, seed, part, stored)
            else:  # the rebuilt question's part, with its own rules
                instance = stored.resolve().instance
                if instance is None:
                    break
                answer = _verdict(column, part, answer, seed, instance.part(part.id))
            if stored.state is not None and not stored.usable():  # (most answers: no call)
                break
        parts.append(answer)
    return tuple(parts)


def _answer(column: str, stored: StoredPart, row: SubmissionRow) -> PartOutcome | str:
    """The outcome of a missing, blank or too long answer; else the text to judge."""
    text = row.cells.get(column)
    if text is None:
        return _outcome(column, stored, "", "blank",
                        f"No answer: the submission has no column {column}.")
    if row.invalid and column in dict(row.invalid):  # a cell that cannot be an answer
        return _outcome(column, stored, text, "invalid", dict(row.invalid)[column])
    if len(text) > _MAX_CELL:
        return _outcome(column, stored, text[:200] + "...", "invalid",
                        f"The answer is too long ({len(text)} characters).")
    if not text.strip():
        return _outcome(column, stored, text, "blank", "No answer was given.")
    return text


def _verdict(column: str, stored: StoredPart, text: str, seed: int, key: Any,
             rules: KeyRules | None = None) -> PartOutcome:
    """The judge's verdict on `text` against `key` (a stored part with its item's `rules`, or
    a rebuilt part with its own: None); `seed` is the question's (an expression part's points
    are drawn from it). An internal error is reported for this answer only."""
    try:
        result = check_key(key, text, seed, rules)
    except QuizError as exc:
        return _outcome(column, stored, text, "invalid", str(exc))
    except Exception as exc:  # one answer must never stop the batch
        return _outcome(column, stored, text, "error",
                        f"This answer could not be graded because of an internal error "
                        f"in mlquiz ({type(exc).__name__}); please report it.")
    return _part_outcome((column, stored.id, text, result.status, float(result.score),
                          float(stored.points), result.feedback, result.mistake,
                          result.read_as, stored.answer_text, None, None))


#: A part's outcome is made from a tuple of every field (`_make`, the tuple's own constructor):
#: 0.18 us instead of 0.33 with positional arguments and defaults (one per answer).
_part_outcome = PartOutcome._make


def _outcome(column: str, stored: StoredPart, answer: str, status: str,
             feedback: str) -> PartOutcome:
    return _part_outcome((column, stored.id, answer, status, 0.0, float(stored.points),
                          feedback, None, None, stored.answer_text, None, None))


# --------------------------------------------------------------------------- workers

_worker: _Grader | None = None
#: a forked worker's rows to grade and the students' records (inherited, never sent)
_forked_rows: tuple[Sequence[SubmissionRow], dict[str, StudentRecord]] = ((), {})


def _init_forked(run_pid: int, grader: _Grader, rows: Sequence[SubmissionRow],
                 students: dict[str, StudentRecord]) -> None:
    """Set up a forked worker: the run's own grader, and the rows it gets ranges of."""
    from grader.outdir import bind_to_run

    global _worker, _forked_rows
    bind_to_run(run_pid)
    _worker, _forked_rows = grader, (rows, students)


def _init_spawned(run_pid: int, header: Manifest, first: dict[str, Item], bank: Any,
                  pages_dir: Path | None, verify_keys: bool, overrides: Overrides | None
                  ) -> None:
    """Set up a spawned worker: a grader for the manifest without its students (`header`)."""
    from grader.outdir import bind_to_run

    global _worker
    bind_to_run(run_pid)
    _worker = _Grader(header, bank, pages_dir, verify_keys, first, overrides)


def _grade_chunk(chunk: range | Sequence[tuple[SubmissionRow, StudentRecord]]
                 ) -> list[Graded]:
    """Grade a chunk of rows: for a forked worker, a range of its `_forked_rows` (sending the
    10,000 records of a big class to the workers cost them 1.5 s of CPU to unpickle).

    The worker also makes each student's entry of ``report.json``, which the run's process
    then only writes: for 2,500 students x 4 parts, its report.json took 10-23 ms instead of
    45-49 ms after the workers end, for about 20 us more per student in the workers (making
    the entry, and sending it)."""
    from grader.exam.report import student_entry

    assert _worker is not None
    if isinstance(chunk, range):
        rows, students = _forked_rows
        chunk = [(rows[i], students[str(rows[i].student)]) for i in chunk]
    graded: list[Graded] = []
    for row, record in chunk:
        outcome, pages, _ = _worker.grade(row, record)
        graded.append((outcome, pages, student_entry(record, outcome, pages)))
    return graded


def _chunks(rows: Sequence[SubmissionRow], students: dict[str, StudentRecord], size: int
            ) -> Iterator[list[tuple[SubmissionRow, StudentRecord]]]:
    """The rows in chunks of `size`, each row with its student's record."""
    for i in range(0, len(rows), size):
        chunk = []
        for row in rows[i:i + size]:
            assert row.student is not None  # rows to grade have a roster student
            chunk.append((row, students[row.student]))
        yield chunk


def _grade_rows(manifest: Manifest, bank: Any, rows: Sequence[SubmissionRow],
                pages_dir: Path | None, jobs: int, update: Callable[[int], object],
                verify_keys: bool = False, overrides: Overrides | None = None
                ) -> list[Graded]:
    """Grade `rows` in order, in this process or in `jobs` worker processes (same result)."""
    students = {s.id: s for s in manifest.students}
    grader = _Grader(manifest, bank, pages_dir, verify_keys, overrides=overrides)
    results = []
    for index, r in enumerate(rows, start=1):
        assert r.student is not None
        results.append(grader.grade(r, students[r.student]))
        update(1)
        if index % FREEZE_EVERY == 0:
            gc.freeze()  # the outcomes so far, see `grade_exam`
        if jobs > 1 and index < len(rows):
            # Graded here first, the first row loads, checks and compiles everything that
            # grading needs (templates, probes, page templates), which forked workers inherit
            return results + _grade_in_workers(grader, students, rows[index:], jobs, update)
    return results


def _grade_in_workers(grader: _Grader, students: dict[str, StudentRecord],
                      rows: Sequence[SubmissionRow], jobs: int, update: Callable[[int], object]
                      ) -> list[Graded]:
    """Grade `rows` in `jobs` worker processes, in order.

    On Linux the workers are forked: they start in milliseconds with all this process holds
    (spawned workers import mlquiz and load the templates again, about 0.5 s of CPU each) and
    get ranges of rows. Elsewhere they are spawned, get the manifest without its students and
    the first item of each template, and each chunk of rows comes with the students' records.
    """
    import multiprocessing
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor

    from grader.exam.report import prepare_summary

    size = max(1, min(200, math.ceil(len(rows) / (jobs * 4))))
    chunks: Iterator[Any]
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("fork")
        # small chunks (a range costs nothing to send), so that the workers finish together
        size = min(size, FREEZE_EVERY)
        chunks = (range(i, min(i + size, len(rows))) for i in range(0, len(rows), size))
        init: Callable[..., None] = _init_forked
        initargs: tuple[Any, ...] = (os.getpid(), grader, rows, students)
    else:  # pragma: no cover (macOS, Windows: forking is not safe there)
        context = multiprocessing.get_context("spawn")
        chunks = _chunks(rows, students, size)
        init = _init_spawned
        initargs = (os.getpid(), dataclasses.replace(grader.manifest, students=()),
                    first_items(grader.manifest), grader.rebuilder.bank, grader.pages_dir,
                    grader.verify_all, grader.overrides)
    results = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=init,
                             initargs=initargs) as pool:
        graded = pool.map(_grade_chunk, chunks)  # the workers start
        prepare_summary()  # meanwhile: this process would otherwise wait
        for chunk in graded:
            results.extend(chunk)
            update(len(chunk))
            if len(results) // FREEZE_EVERY > (len(results) - len(chunk)) // FREEZE_EVERY:
                gc.freeze()  # the outcomes so far, see `grade_exam`
    return results


# --------------------------------------------------------------------------- the batch


_NOT_IN_ROSTER = "this student is not in the exam's roster"


def _resolve(rows: Sequence[SubmissionRow], roster: dict[str, StudentRecord]
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
                                      row.problem or "the student cell is blank", row.record))
        elif row.student not in roster:
            statuses.append(RowStatus(row.line, row.student, "unknown-student",
                                      f"{_NOT_IN_ROSTER} (also: {row.problem})" if row.problem
                                      else _NOT_IN_ROSTER, row.record))
        elif last[row.student] != index:
            statuses.append(RowStatus(row.line, row.student, "superseded",
                                      f"a later row for this student "
                                      f"({rows[last[row.student]].where}) counts instead",
                                      row.record))
        elif row.problem is not None:
            statuses.append(RowStatus(row.line, row.student, "malformed-row", row.problem,
                                      row.record))
        else:
            to_grade.append(row)
    return to_grade, statuses


def _trusted_manifest(exam: str | Path, trust_stored: bool) -> Manifest:
    """The manifest; one changed since it was written is refused when its stored keys would
    be trusted (`grader.exam.identity`)."""
    manifest = load_manifest(exam, check_hash=trust_stored)
    if manifest.intact is False and trust_stored:
        raise InputError(
            f"{exam}: the manifest does not match its content hash: it was changed after "
            "'mlquiz generate' wrote it, so its stored answer keys are not trusted; grade with "
            "--verify-keys (every key rebuilt from the templates) or without --no-pages")
    return manifest


#: With feedback pages, a class of this many rows or more is graded by several processes when
#: the machine has idle processors (`default_jobs`).
PARALLEL_PAGES_FROM = 500


def default_jobs(rows: int, feedback_pages: bool) -> int:
    """How many processes grade `rows` rows when ``--jobs`` is not given: with feedback pages
    for `PARALLEL_PAGES_FROM` rows or more, one per processor nothing else is running on
    (`grader.exam.forks.idle_processors`, this one included; at most 8); else 1.

    With pages a student costs about 1 ms of CPU (rebuilding their questions, rendering the
    solutions, creating two files), and forked workers start in milliseconds (see
    `_grade_in_workers`). On 2 idle processors, 2,500 students x 4 parts took 1.8 s with two
    workers and 2.7 s alone, for 6% more CPU; while other processes kept both processors busy
    (load 3 to 5), two workers were up to 10% slower, and took 12% more CPU. Without pages a
    row costs a tenth as much, and one process is faster."""
    if not feedback_pages or rows < PARALLEL_PAGES_FROM:
        return 1
    from grader.exam.forks import idle_processors

    return min(8, idle_processors())


def grade_exam(exam: str | Path, submissions: str | Path, out_dir: str | Path = "graded", *,
               jobs: int | None = None, bank: Any = None, feedback_pages: bool = True,
               verify_keys: bool = False, progress: Progress | None = None,
               overrides: str | Path | None = None) -> GradeReport:
    """Grade a submissions file against ``exam.json`` and write the results into `out_dir`.

    `bank` is a `questionbank.Bank` holding the exam's templates (default: the built-in bank
    plus ``MLQUIZ_BANK``). `jobs` > 1 grades in that many processes; the files are the same
    bytes; None chooses (`default_jobs`). `feedback_pages=False` skips the per-student pages
    (the slow part for big classes).
    `verify_keys=True` rebuilds every question and compares its key before grading it (done
    anyway with feedback pages, which show the worked solutions); otherwise questions are
    graded from their stored keys, see `grader.exam.rebuild.ItemRebuild`. `overrides` is a
    CSV of manual changes applied after automatic grading (`grader.exam.overrides`).
    """
    from grader.exam.report import write_outputs
    from grader.outdir import relocated, staged_folder
    from questionbank.api import default_bank

    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    out = Path(out_dir)
    try:
        manifest = _trusted_manifest(exam, trust_stored=not (feedback_pages or verify_keys))
        changes = None
        if overrides is not None:  # (1.2 ms to import: only then)
            from grader.exam.overrides import read_overrides

            changes = read_overrides(overrides, manifest)
        subs = read_submissions(submissions, [p.column for p in manifest.columns],
                                {s.id for s in manifest.students})
        notes = check_submissions_exam(subs.rows, str(submissions), manifest.exam_id)
        notes += [changes.note()] if changes is not None else []
        subs = dataclasses.replace(subs, notes=(*notes, *subs.notes))
    except BaseException:
        gc.unfreeze()  # what reading the manifest froze (`grader.exam.manifest_read`)
        raise
    # The manifest, the submissions and then the outcomes live as long as the batch, and the
    # cyclic garbage collector would walk all of them again and again. Frozen (`gc.freeze`,
    # also every `FREEZE_EVERY` rows) it skips them; they are freed by reference counting as
    # usual, and unfrozen when the batch ends. Grading 10,000 students x 10 parts took 7.2 s
    # of CPU without freezing, 3.6 s with it (3.6 s with the collector off).
    gc.freeze()
    try:
        to_grade, problems = _resolve(subs.rows, {s.id: s for s in manifest.students})
        if changes is not None:
            from grader.exam.overrides import check_submitted

            check_submitted(changes, [r.student for r in to_grade if r.student is not None])
        open_progress = progress or (lambda label, total: nullcontext(lambda n: None))
        bank = bank if bank is not None else default_bank()
        with staged_folder(out, ["feedback"] if feedback_pages else []) as stage:
            # the folder changes as a whole (grader.outdir)
            pages_dir = stage / "feedback" if feedback_pages else None
            with open_progress("Grading", len(to_grade)) as update:
                workers = jobs or default_jobs(len(to_grade), feedback_pages)
                graded = _grade_rows(manifest, bank, to_grade, pages_dir, workers, update,
                                     verify_keys, changes)
            gc.freeze()
            report = write_outputs(stage, manifest, subs, graded, problems, pages_dir)
        return relocated(report, stage, out)
    finally:
        gc.unfreeze()
