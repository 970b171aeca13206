"""The class's results: ``gradebook.csv``, ``report.json`` and ``summary.html``.

- ``gradebook.csv``: ``student``, ``name`` (the roster's, from the manifest: a name in the
  submissions is ignored), one score column per part (empty when not graded),
  ``total``, ``max``, ``percent``, ``status``, ``overridden`` (the parts changed by
  ``--overrides``, space-separated); one row per roster student, then the rows of
  students not in the roster. Cells are neutralised against spreadsheet formulas.
- ``report.json`` (format ``mlquiz-grades``, `REPORT_VERSION`): every detail, with sorted
  keys, one row and one student per line; students' entries are made while writing (written
  as JSON text, see `grader.files.json_str`).
- ``summary.html``: score distribution, per-part difficulty and discrimination, most frequent
  mistakes, and the rows and questions that were not graded.

For a big class on a machine with an idle processor, a forked process makes the gradebook,
the statistics and the summary page while this one makes the report (`_in_background`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, NamedTuple

from grader.exam.forks import in_forked_child
from grader.exam.manifest import Item, Manifest, StudentRecord, column_name
from grader.exam.outcomes import (
    CLASS_COUNTS,
    UNSCORED_STATUSES,
    GradeReport,
    PartOutcome,
    RowStatus,
    StudentOutcome,
    class_count,
    round_score,
    score_text,
    total_points,
)
from grader.exam.stats import ClassStats, PartResult, class_statistics
from grader.exam.submissions import Submissions
from grader.exam.summary import (
    SMALL_SAMPLE,
    attention_html,
    histogram_svg,
    mistakes_html,
    parts_rows,
    shown,
)
from grader.files import (
    JSONText,
    atomic_write_chunks,
    atomic_write_text,
    csv_text,
    json_chunks,
    json_dump,
    json_number,
    json_str,
)

__all__ = ["REPORT_VERSION", "prepare_summary", "student_entry", "write_outputs"]

REPORT_VERSION = 1
#: At most this many rows that were not graded are listed in ``summary.html`` (all of them
#: are in ``report.json``).
MAX_SUMMARY_ROWS = 200

#: (student's outcome, their feedback pages by format or None, their entry of ``report.json``
#: when the worker process that graded them made it, see `student_entry`)
Graded = tuple[StudentOutcome, dict[str, str] | None, JSONText | None]
#: (number, template, status, message) of a question that could not be graded
ItemProblem = tuple[int, str, str, str]


_COLUMN = operator.attrgetter("column")


class _Parts(NamedTuple):
    """A graded student's parts in the order of their questions, the points earned on each
    (`PartOutcome.earned`), their total (`StudentOutcome.total`), their parts' columns and
    those overridden: what the gradebook reads of their parts, in one pass (`_read_parts`).
    A class's 100,000 parts are spread over memory, and each pass over all of them took
    10-20 ms."""

    parts: list[PartOutcome]
    earned: list[float | None]
    total: float
    columns: list[str]
    overridden: str


def _read_parts(o: StudentOutcome) -> _Parts:
    parts = [p for item in o.items for p in item.parts]
    earned = [p.earned for p in parts]
    return _Parts(parts, earned, total_points(earned), list(map(_COLUMN, parts)),
                  " ".join([p.column for p in parts if p.override is not None]))


class _Class:
    """The graded class, indexed for the three outputs."""

    def __init__(self, manifest: Manifest, subs: Submissions, graded: Sequence[Graded],
                 problems: Sequence[RowStatus]) -> None:
        self.manifest = manifest
        columns = manifest.columns
        self.columns = [p.column for p in columns]
        self.points = [p.points for p in columns]
        self.templates = [q.template for q in manifest.questions for _ in q.parts]
        self.stat_keys, self.stat_index = _stat_keys(manifest)
        #: one template per question: the statistics' keys are the columns, in order
        self.keys_are_columns = [k[0] for k in self.stat_keys] == self.columns
        self._max: dict[str, float] = {}
        self.by_student = {one[0].student: one for one in graded}
        #: the graded students' totals, by id, as the gradebook worked them out
        self.totals: dict[str, float] = {}
        item_problems: set[ItemProblem] = set()
        for o, _, _ in graded:
            for i in o.items:
                if i.status != "graded":
                    item_problems.add((i.number, i.template, i.status, i.message))
        self.item_problems: list[ItemProblem] = sorted(item_problems)
        self.problems = problems
        self.problem_of = {p.student: p for p in problems
                           if p.student is not None and p.status == "malformed-row"}
        by_place = {(p.line, p.record): p for p in problems}
        self.rows: list[RowStatus] = []
        for row in subs.rows:
            if by_place and (row.line, row.record) in by_place:
                self.rows.append(by_place[row.line, row.record])
            elif row.student in self.by_student:
                o = self.by_student[row.student][0]
                self.rows.append(RowStatus(row.line, row.student, o.status, o.message,
                                           row.record))
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        self.counts = dict(sorted(counts.items()))
        self.notes = list(subs.notes)
        self.class_counts = dict.fromkeys(CLASS_COUNTS, 0)
        for record in manifest.students:
            self.class_counts[class_count(self.status_of(record.id))] += 1

    def status_of(self, sid: str) -> str:
        """A roster student's gradebook status."""
        if sid in self.by_student:
            return self.by_student[sid][0].status
        problem = self.problem_of.get(sid)
        return problem.status if problem else "no-submission"

    def max_of(self, record: StudentRecord) -> float:
        """A student's possible points (students of a pool exam have different questions)."""
        if record.id not in self._max:
            self._max[record.id] = _max_points(record)
        return self._max[record.id]


def _max_points(record: StudentRecord) -> float:
    return math.fsum([p.points for i in record.items for p in i.parts])


def _percent(total: float, maximum: float) -> float:
    return 100 * total / maximum if maximum else 0.0


def write_outputs(out: Path, manifest: Manifest, subs: Submissions, graded: Sequence[Graded],
                  problems: Sequence[RowStatus], pages_dir: Path | None) -> GradeReport:
    """Write the gradebook, the report and the summary page; return what was written."""
    graded_class = _Class(manifest, subs, graded, problems)
    paths = out / "gradebook.csv", out / "report.json", out / "summary.html"
    others = partial(_write_others, graded_class, paths[0], paths[2])
    background = _in_background(len(graded))
    with in_forked_child(others) if background else nullcontext(others) as statistics:
        students: Iterable[JSONText] = _student_entries(graded_class)
        if background:  # made here while the child writes the other files
            students = list(students)
        report = _report(graded_class, statistics(), students)
        atomic_write_chunks(paths[1], json_chunks(report))
    return GradeReport(out_dir=out, gradebook=paths[0], report=paths[1], summary=paths[2],
                       feedback_dir=pages_dir if graded else None,
                       rows=tuple(graded_class.rows), counts=graded_class.counts,
                       notes=tuple(graded_class.notes), class_counts=graded_class.class_counts)


#: From this many graded students, the gradebook, the statistics and the summary page are
#: made by a forked process while this one makes ``report.json``, when a processor is idle
#: (`_in_background`).
BACKGROUND_FROM = 5000


def _in_background(students: int) -> bool:
    """Whether the gradebook, statistics and summary page are made by a forked process
    (`in_forked_child`) while this one makes the students' entries of ``report.json``: for a
    big class when a processor is idle.

    For 10,000 students x 10 parts the entries took 0.35 s of CPU, the others 0.3 s (the
    gradebook's rows 0.12, the statistics 0.12); now 0.17 s and 0.25 s (the gradebook's rows,
    which read the students' parts first, 0.09-0.12, the statistics 0.11; best of 3 in one
    process, with the outcomes of a real run). Forked, that run took 3.13 s at best, 3.29 s
    at best in one process (5 runs each, alternated, on a machine whose other processor was
    busy most of the time), for 0.2 s more CPU time: the fork, and the memory pages the child
    shares with this process copied when either writes to them (reference counts). For
    2,500 students x 4 parts that cost (0.03 s) was more than the time saved."""
    from grader.exam.forks import can_fork, idle_processors

    return students >= BACKGROUND_FROM and can_fork() and idle_processors() > 1


def _write_others(c: _Class, gradebook: Path, summary: Path) -> dict[str, Any]:
    """Write ``gradebook.csv`` and ``summary.html`` (again, after a failed child: without its
    temporary files); the statistics for ``report.json``."""
    for stale in (*gradebook.parent.glob(f".{gradebook.name}.*.tmp"),
                  *summary.parent.glob(f".{summary.name}.*.tmp")):
        stale.unlink(missing_ok=True)
    book, stat_rows = _gradebook(c)
    stats = class_statistics([k[0] for k in c.stat_keys], [k[2] for k in c.stat_keys],
                             stat_rows)
    del stat_rows
    # the student's id and name come from outside; the other cells are numbers, statuses
    # and columns' names (Q1.f1), which cannot start like a formula
    atomic_write_text(gradebook, csv_text(
        ["student", "name", *c.columns, "total", "max", "percent", "status", "overridden"],
        book, outside=(0, 1)))
    atomic_write_text(summary, _summary_html(c, stats))
    return _stats_json(stats)


#: A statistics entry: (label, template, points); its index by (number, template, part id)
StatKey = tuple[str, str, float]


def _stat_keys(manifest: Manifest) -> tuple[list[StatKey], dict[tuple[int, str, str], int]]:
    """The parts the statistics are about: a question's parts, or, for a question whose
    students have different templates (a pool), each template's parts apart, labelled
    ``Q3.f1 (metrics/confusion-matrix)``: its difficulty and mistakes are per template."""
    templates: dict[int, dict[str, Item]] = {q.number: {} for q in manifest.questions}
    for student in manifest.students:
        for item in student.items:
            templates.setdefault(item.number, {}).setdefault(item.template, item)
    keys: list[StatKey] = []
    index: dict[tuple[int, str, str], int] = {}
    for number, first in templates.items():
        for template_id in sorted(first):
            for part in first[template_id].parts:
                column = column_name(number, part.id)
                index[number, template_id, part.id] = len(keys)
                keys.append((column if len(first) == 1 else f"{column} ({template_id})",
                             template_id, float(part.points)))
    return keys, index


def _stat_row(c: _Class, o: StudentOutcome) -> list[PartResult | None]:
    """A student's parts in the order of the statistics' keys (`_stat_keys`)."""
    row: list[PartResult | None] = [None] * len(c.stat_keys)
    for item in o.items:
        for part in item.parts:
            at = c.stat_index.get((item.number, item.template, part.part))
            if at is not None and part.earned is not None:
                row[at] = part
    return row


def _gradebook(c: _Class) -> tuple[list[list[object]], list[Sequence[PartResult | None]]]:
    """The gradebook's rows, and each graded student's part records for the statistics."""
    num = lru_cache(maxsize=None)(score_text)  # most cells hold one of a few scores
    book: list[list[object]] = []
    stat_rows: list[Sequence[PartResult | None]] = []
    blank = [""] * len(c.columns)
    for record in c.manifest.students:
        sid = record.id
        if sid not in c.by_student:
            problem = c.problem_of.get(sid)
            status = problem.status if problem else "no-submission"
            book.append([sid, record.name, *blank, "", num(c.max_of(record)), "", status, ""])
            continue
        o = c.by_student[sid][0]
        student = _read_parts(o)
        total, top = student.total, c.max_of(record)
        c.totals[sid] = total
        by_column, earned = _by_column(c, student)
        book.append([sid, record.name, *[num(e) if e is not None else "" for e in earned],
                     num(total), num(top), num(_percent(total, top), 2), o.status,
                     student.overridden])
        if o.status not in UNSCORED_STATUSES:
            stat_rows.append(by_column if c.keys_are_columns else _stat_row(c, o))
    for p in c.problems:
        if p.status in ("unknown-student", "missing-student") or \
                (p.status == "malformed-row" and p.student is None):
            book.append([p.student or "", "", *blank, "", "", "", p.status, ""])
    return book, stat_rows


def _by_column(c: _Class, student: _Parts
               ) -> tuple[Sequence[PartOutcome | None], list[float | None]]:
    """A student's graded parts in the order of the gradebook's columns (None: no score),
    and the points earned on each column (None: no score)."""
    parts: Sequence[PartOutcome | None] = student.parts
    earned = student.earned
    if student.columns != c.columns:  # a question missing, or not in column order
        at = {p.column: i for i, p in enumerate(student.parts)}
        parts = [student.parts[at[column]] if column in at else None for column in c.columns]
        earned = [student.earned[at[column]] if column in at else None for column in c.columns]
    if None in earned:  # parts not graded
        parts = [p if e is not None else None for p, e in zip(parts, earned, strict=True)]
    return parts, earned


def _report(c: _Class, statistics: dict[str, Any], students: Iterable[JSONText]
            ) -> dict[str, Any]:
    """``report.json`` (`students`: made one at a time while it is written, when given as an
    iterator)."""
    m = c.manifest
    return {
        "format": "mlquiz-grades",
        "format_version": REPORT_VERSION,
        "exam": {"title": m.title, "exam_seed": m.exam_seed, "templates": m.templates},
        "columns": [{"column": column, "template": t, "points": p}
                    for column, t, p in zip(c.columns, c.templates, c.points, strict=True)],
        "counts": c.counts,
        "class_counts": c.class_counts,
        "notes": c.notes,
        "questions_not_graded": [{"number": n, "template": t, "status": s, "message": msg}
                                 for n, t, s, msg in c.item_problems],
        "rows": [JSONText(r.json_text()) for r in c.rows],
        "statistics": statistics,
        "students": students,
    }


def _student_entries(c: _Class) -> Iterator[JSONText]:
    """Every roster student's entry of ``report.json``, written as JSON text with its keys in
    sorted order (see `grader.exam.outcomes.PartOutcome.json_text`)."""
    # a class's totals, maxima and percentages are a few values, each written out once: the
    # entries of 2,500 students took 22.4 ms instead of 25.3 (best of 61; typed: an int and
    # the equal float are written differently)
    number = lru_cache(maxsize=None, typed=True)(_number_json)
    for record in c.manifest.students:
        if record.id in c.by_student:
            o, pages, entry = c.by_student[record.id]
            # the total and the maximum as the gradebook has them (unless it was made by
            # another process, `_in_background`), not worked out again
            total = c.totals.get(record.id)
            yield entry or _graded_entry(record, o, pages, number,
                                         o.total if total is None else total,
                                         c.max_of(record))
            continue
        problem = c.problem_of.get(record.id)
        yield _entry(record, number(c.max_of(record)), None, "",
                     problem.line if problem else None,
                     problem.message if problem else "no row for this student",
                     problem.status if problem else "no-submission", "null", "null")


def student_entry(record: StudentRecord, o: StudentOutcome, pages: dict[str, str] | None,
                  number: Callable[[float], str] | None = None) -> JSONText:
    """A graded student's entry of ``report.json`` (see `_student_entries`, whose `number`
    writes the totals through a cache). A worker process of ``grade --jobs`` makes its
    students' entries, so that this process only writes them (`grader.exam.grade`)."""
    return _graded_entry(record, o, pages, number or _number_json, o.total,
                         _max_points(record))


def _graded_entry(record: StudentRecord, o: StudentOutcome, pages: dict[str, str] | None,
                  number: Callable[[float], str], total: float, top: float) -> JSONText:
    """`student_entry`, given the student's total and possible points (`top`)."""
    return _entry(record, number(top), pages, ", ".join([i.json_text() for i in o.items]),
                  o.line, o.message, o.status, number(total), number(_percent(total, top)))


def _entry(record: StudentRecord, max_json: str, pages: dict[str, str] | None, items: str,
           line: int | None, message: str, status: str, total_json: str, percent_json: str
           ) -> JSONText:
    """A student's entry of ``report.json`` from its parts (`items`: the questions' JSON)."""
    return JSONText(
        f'{{"code": {json_str(record.code)}, '
        f'"feedback": {"null" if pages is None else json_dump(pages)}, '
        f'"id": {json_str(record.id)}, "items": [{items}], "line": {json_number(line)}, '
        f'"max": {max_json}, "message": {json_str(message)}, '
        f'"name": {json_str(record.name)}, "percent": {percent_json}, '
        f'"status": {json_str(status)}, "total": {total_json}}}')


def _number_json(x: float) -> str:
    """A total, maximum or percentage as ``report.json`` writes it (6 decimals)."""
    return json_number(round_score(x))


def _stats_json(stats: ClassStats) -> dict[str, Any]:
    return {
        "n": stats.n, "small_sample": stats.n < SMALL_SAMPLE,
        "left_out": list(UNSCORED_STATUSES),
        "mean": round_score(stats.mean), "median": round_score(stats.median),
        "stdev": round_score(stats.stdev), "min": round_score(stats.minimum),
        "max": round_score(stats.maximum),
        "histogram": [{"low": b.low, "high": b.high, "count": b.count} for b in stats.histogram],
        "discrimination_method": "corrected item-total correlation (point-biserial for 0/1 "
                                 "parts)",
        "parts": [{"column": p.column, "points": p.points, "n": p.n,
                   "small_sample": p.n < SMALL_SAMPLE,
                   "difficulty": round_score(p.difficulty),
                   "discrimination": round_score(p.discrimination), "statuses": p.statuses,
                   "mistakes": [{"mistake": m.mistake, "count": m.count,
                                 "share": round_score(m.share), "example": m.example}
                                for m in p.mistakes]} for p in stats.parts],
    }


# --------------------------------------------------------------------------- summary page


def prepare_summary() -> None:
    """Compile the summary page's templates ahead of `write_outputs` (about 5 ms): the workers of
    ``grade --jobs`` grade while this process does it, instead of after them."""
    from grader.pages import environment

    for name in ("base.html.j2", "summary.html.j2"):
        environment(True).get_template(name)


def _summary_html(c: _Class, stats: ClassStats) -> str:
    """``summary.html``. The histogram, the table of parts, the mistakes and what needs
    attention are made in Python (`grader.exam.summary`), and the template shows values
    worked out here: it is compiled on every run, in 3.1 ms instead of 9.1 (and 4.0 more for
    what needs attention) with them."""
    from grader.pages import render_page

    problems = [r for r in c.rows if r.status != "graded"]
    summary = {"n": stats.n, "roster": len(c.manifest.students),
               "mean": shown(stats.mean, 1), "median": shown(stats.median, 1),
               "stdev": shown(stats.stdev, 1), "min": shown(stats.minimum, 1),
               "max": shown(stats.maximum, 1)}
    return render_page(
        "summary.html.j2", title=c.manifest.title, summary=summary,
        histogram_svg=histogram_svg(stats), parts_rows=parts_rows(stats.parts),
        few_answers=any(p.n < SMALL_SAMPLE for p in stats.parts),
        mistakes=mistakes_html(stats.parts), counts=c.counts,
        class_counts=c.class_counts, small_sample=stats.n < SMALL_SAMPLE,
        attention=attention_html(
            c.notes, c.item_problems,
            [r.id for r in c.manifest.students if c.status_of(r.id) == "no-submission"],
            problems[:MAX_SUMMARY_ROWS], max(0, len(problems) - MAX_SUMMARY_ROWS)))
