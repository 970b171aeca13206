"""``mlquiz generate`` and ``mlquiz grade``: the commands; the work is in `grader.exam.generate`
and `grader.exam.grade`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader.cli import EPILOG_EXIT, bank_option, open_bank

if TYPE_CHECKING:
    from grader.exam.generate import GeneratedExam
    from grader.exam.layout import SheetLayout


@contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[int], object]]:
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _progress() -> Any:
    """A progress bar on stderr for long work, only when stderr is a terminal."""
    if sys.stderr.isatty():
        return _bar
    return lambda label, total: nullcontext(lambda n: None)


def _formats(value: str) -> tuple[str, ...]:
    """``--format html,tex`` -> ('html', 'tex'); an unknown format is a usage error (exit 2)."""
    from grader.exam.sheets import FORMATS, parse_formats
    from questionbank.errors import InputError

    try:
        return parse_formats([value])
    except InputError:
        raise click.BadParameter(f"expected a comma-separated list of {', '.join(FORMATS)}, "
                                 f"got {value!r}", param_hint="--format") from None


def _shown(path: Path) -> str:
    """A path as the user typed it (relative stays relative), with a trailing / for folders."""
    text = os.fspath(path)
    return text + "/" if path.is_dir() else text


class _PoolOrder(click.Command):
    """Remembers the order of the --pool and --pool-topic options (click keeps each option's
    values, not how two options interleave) so that each --pick pairs with the pool option
    before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["mlquiz.pool_order"] = [a.split("=", 1)[0] for a in args
                                         if a.split("=", 1)[0] in ("--pool", "--pool-topic")]
        return super().parse_args(ctx, args)


def _pools(ctx: click.Context, pools: tuple[str, ...], pool_topics: tuple[str, ...],
           picks: tuple[int, ...]) -> list[Any]:
    """The `PoolSpec`s of the --pool/--pool-topic/--pick options, in command-line order."""
    from grader.exam.pools import PoolSpec

    order = ctx.meta.get("mlquiz.pool_order", [])
    if len(order) != len(pools) + len(pool_topics):  # e.g. an abbreviation click resolved
        order = ["--pool"] * len(pools) + ["--pool-topic"] * len(pool_topics)
    if len(picks) != len(order):
        raise click.UsageError(f"give one --pick K for each --pool or --pool-topic (got "
                               f"{len(order)} pool{'s' * (len(order) != 1)} and "
                               f"{len(picks)} --pick)")
    ids, topics = iter(pools), iter(pool_topics)
    return [PoolSpec(pick, ids=(next(ids),)) if kind == "--pool" else
            PoolSpec(pick, topic=next(topics)) for kind, pick in zip(order, picks, strict=True)]


@click.command("generate", epilog=EPILOG_EXIT, cls=_PoolOrder)
@click.option("--roster", type=click.Path(dir_okay=False), metavar="CSV",
              help="Class list: a CSV with an 'id' column and an optional 'name' column.")
@click.option("--count", type=click.IntRange(1, 100_000), metavar="N",
              help="Instead of a roster: N students with ids s001, s002, ... [default: 5]")
@click.option("--questions", "questions", multiple=True, metavar="IDS",
              help="Template ids, comma-separated (repeatable); 'all' for the whole bank. "
                   "Default: a sample of metrics, dropout and gradient questions.")
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="Every template of this topic (repeatable); instead of --questions.")
@click.option("--pool", "pools", multiple=True, metavar="IDS",
              help="A pool of template ids, comma-separated: each student gets --pick K "
                   "different ones of them, balanced over the class (repeatable; after the "
                   "--questions/--topic questions).")
@click.option("--pool-topic", "pool_topics", multiple=True, metavar="TOPIC",
              help="A pool of every template of this topic (repeatable), with its --pick K.")
@click.option("--pick", "picks", multiple=True, type=click.IntRange(1, 1000), metavar="K",
              help="How many templates each student gets from the pool option before it.")
@click.option("--seed", type=click.IntRange(0, 2**128 - 1), metavar="N",
              help="Exam seed: the same seed and roster give the same exam. Default: a fresh "
                   "128-bit secret, stored in exam.json. A seed typed by hand can be guessed "
                   "(a warning says so): with it anyone can regenerate the answer keys.")
@click.option("--title", help="Title printed on every sheet.  [default: Machine-learning quiz]")
@click.option("--subtitle", default="", metavar="TEXT",
              help="A line under the title on every sheet: course, date, room.")
@click.option("--instructions", "instructions_file", type=click.Path(dir_okay=False),
              metavar="FILE", help="A Markdown file printed at the top of every sheet "
                                   "(the Markdown of templates: **bold**, *italic*, lists).")
@click.option("--space", default="small", show_default=True, metavar="SIZE",
              help="Working space left after each part of a printed sheet: none, small, "
                   "medium, large, or a length such as 4cm or 30mm (html and tex sheets).")
@click.option("--format", "formats", default="html,md", show_default=True, metavar="FORMATS",
              callback=lambda ctx, param, value: _formats(value),
              help="Sheet formats, comma-separated: html, md, tex.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="exam",
              show_default=True, help="Folder for the sheets, keys, manifest and answers.csv.")
@click.option("--force", is_flag=True,
              help="Make the exam even if --out already holds one (its exam.json is kept as "
                   "exam.json.bak).")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Make the versions in this many processes (the files are the same). "
                   "Default: one per idle processor for 400 versions (students x questions) "
                   "or more, else 1.")
@bank_option
def generate_command(roster: str | None, count: int | None, questions: tuple[str, ...],
                     topics: tuple[str, ...], pools: tuple[str, ...],
                     pool_topics: tuple[str, ...], picks: tuple[int, ...],
                     seed: int | None, title: str | None,
                     subtitle: str, instructions_file: str | None, space: str,
                     formats: tuple[str, ...], out_dir: str, force: bool,
                     jobs: int | None, bank_dirs: tuple[str, ...]) -> None:
    """Make an exam: one version of each question per student, sheets, keys and a manifest.

    With no options, a sample exam for 5 students in ./exam, with made-up answers in
    sample-answers.csv to try 'mlquiz grade' on. Each student's version is reproducible from
    the exam seed and their id.

    A pool (--pool IDS or --pool-topic TOPIC, each followed by --pick K) gives each student K
    different templates of it, balanced over the class (each used within 1 of the mean). In
    answers.csv a pool question has a column for every part of any of its templates; a
    student fills in those of their own question (see their sheet), the rest are ignored.

    \b
    Examples:
      mlquiz generate
      mlquiz generate --roster class.csv --seed 2024 --title "Quiz 3" --out quiz3
      mlquiz generate --count 30 --questions metrics/confusion-matrix,dropout/inverted
      mlquiz generate --count 30 --topic gradients --format html,tex
      mlquiz generate --count 30 --questions metrics/confusion-matrix \\
          --pool dropout/inverted,gradients/shape,gradients/layer-shapes --pick 2 \\
          --pool-topic optimizers --pick 1 --out pooled
      mlquiz generate --count 30 --subtitle "ML 101, 5 May" --space medium --out quiz4
      mlquiz generate --count 500 --questions metrics/confusion-matrix --jobs 1 --out q5

    Print an html sheet from a browser (A4, "Headers and footers" unticked): every page
    shows the title, the student's id and "page x of y".
    """
    from grader.exam.generate import generate_exam

    if roster is not None and count is not None:
        raise click.UsageError("give --roster or --count, not both")
    if questions and topics:
        raise click.UsageError("choose the questions by --questions or by --topic, not both")
    layout = _layout(subtitle, instructions_file, space)
    specs = _pools(click.get_current_context(), pools, pool_topics, picks)
    demo = roster is None and count is None and not specs
    result = generate_exam(out_dir, roster=roster, count=count, questions=questions,
                           topics=topics, seed=seed, title=title, formats=formats,
                           bank=open_bank(bank_dirs), sample_answers=demo, progress=_progress(),
                           force=force, pools=specs, layout=layout, jobs=jobs)
    _print_generated(result)


def _layout(subtitle: str, instructions_file: str | None, space: str) -> SheetLayout:
    """The sheets' `SheetLayout` from the options (a bad --space is a usage error)."""
    from grader.exam.layout import SheetLayout, parse_space, read_instructions
    from questionbank.errors import InputError

    try:
        size = parse_space(space)
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("--space: "),
                                 param_hint="--space") from None
    instructions = read_instructions(instructions_file) if instructions_file else ""
    return SheetLayout(subtitle, instructions, size)


def _print_generated(result: GeneratedExam) -> None:
    """What `generate` wrote, and the command to grade it."""
    out = result.out_dir
    fmts = ", ".join(result.formats)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Wrote an exam for {result.students} student{'s' * (result.students != 1)} "
               f"x {len(result.questions)} question{'s' * (len(result.questions) != 1)} "
               f"(exam id {result.exam_id}) to {_shown(out)}")
    click.echo(f"  sheets:       {_shown(result.sheets_dir)} ({fmts})")
    click.echo(f"  printable:    {', '.join(_shown(p) for p in result.combined_sheets.values())}")
    click.echo(f"  answer keys:  {_shown(result.keys_dir)}, all in one: "
               f"{', '.join(_shown(p) for p in result.combined_keys.values())}")
    click.echo(f"  manifest:     {_shown(result.manifest)} (keep it: grading needs it)")
    click.echo(f"  submissions:  {_shown(result.answers_csv)} (one row per student to fill in)")
    click.echo("Next, once the answers are in:")
    click.echo(f"  mlquiz grade {_quote(result.manifest)} {_quote(result.answers_csv)}")
    if result.sample_answers is not None:
        click.echo("Or try it now on made-up answers:")
        click.echo(f"  mlquiz grade {_quote(result.manifest)} {_quote(result.sample_answers)}")


def _quote(path: Path) -> str:
    import shlex

    return shlex.quote(os.fspath(path))


@click.command("grade", epilog=EPILOG_EXIT)
@click.argument("exam_json", metavar="EXAM_JSON")
@click.argument("submissions", metavar="SUBMISSIONS")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="graded",
              show_default=True, help="Folder for the gradebook, report and feedback pages.")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Grade in this many processes (the files are the same). Default: one per "
                   "idle processor when writing feedback pages for 500 students or more, "
                   "else 1.")
@click.option("--no-pages", is_flag=True,
              help="Skip the per-student feedback pages: several times faster for a big "
                   "class; the gradebook and summary are the same.")
@click.option("--verify-keys", is_flag=True,
              help="Rebuild every question from its stored params and compare its answers "
                   "with the exam's key before grading it (slower). Without it this is done "
                   "once per template, for every answer that needs explaining, and always "
                   "when feedback pages are written.")
@click.option("--overrides", type=click.Path(dir_okay=False), metavar="CSV",
              help="Manual changes applied after automatic grading: a CSV with the columns "
                   "student, part (e.g. Q2.f1), points and comment.")
@bank_option
def grade_command(exam_json: str, submissions: str, out_dir: str, jobs: int | None,
                  no_pages: bool, verify_keys: bool, overrides: str | None,
                  bank_dirs: tuple[str, ...]) -> None:
    """Grade a submissions file (CSV, JSON or YAML) against an exam's exam.json.

    Writes gradebook.csv, report.json, summary.html and one feedback page per student
    (not with --no-pages).
    Rows that cannot be graded (unknown student, ragged row, ...) are reported with their
    line numbers and the rest of the class is graded; the exit code is still 0. When a
    student has several rows, the last one counts. The summary counts the roster's students
    as graded, blank (every answer blank: 0 points, left out of the statistics), ungradable
    (a question's template is missing or has changed: exit code 1), unreadable and
    no-submission. Answers of another exam (the 'exam' column) are refused.

    \b
    Examples:
      mlquiz grade exam/exam.json exam/answers.csv
      mlquiz grade quiz3/exam.json answers.yaml --out quiz3-graded --jobs 4
      mlquiz grade big/exam.json big/answers.csv --no-pages
      mlquiz grade exam/exam.json exam/answers.csv --overrides overrides.csv
    """
    from grader.exam.grade import grade_exam
    from grader.terminal import safe_terminal_text

    report = grade_exam(exam_json, submissions, out_dir, jobs=jobs, bank=open_bank(bank_dirs),
                        feedback_pages=not no_pages, verify_keys=verify_keys,
                        progress=_progress(), overrides=overrides)
    counts = report.class_counts
    others = ", ".join(f"{n} {status.replace('-', ' ')}" for status, n in counts.items()
                       if n and status != "graded")
    roster = sum(counts.values())
    click.echo(f"Graded {counts['graded']} of {roster} student{'s' * (roster != 1)}"
               f"{f' ({others})' if others else ''} into {_shown(report.out_dir)}")
    for note in report.notes:
        click.echo(f"  note: {safe_terminal_text(note, 1000)}")
    _list_rows(report.not_graded, MAX_LISTED_ROWS, "not graded")
    _list_rows([r for r in report.rows if r.status in ("incomplete", "missing-columns")], 5,
               "graded in part")
    click.echo(f"  gradebook:    {_shown(report.gradebook)}")
    click.echo(f"  class report: {_shown(report.summary)}")
    if report.feedback_dir is not None:
        click.echo(f"  feedback:     {_shown(report.feedback_dir)} (one page per student)")
    click.echo(f"  details:      {_shown(report.report)}")
    if counts["ungradable"]:
        from questionbank.errors import QuizError

        raise QuizError(f"{counts['ungradable']} student{'s' * (counts['ungradable'] != 1)} "
                        "could not be graded fully (a question's template is missing or has "
                        "changed; see the lines above and the class report)")


#: At most this many rows that were not graded are listed (the rest are in report.json).
MAX_LISTED_ROWS = 20


def _list_rows(rows: Sequence[Any], limit: int, what: str) -> None:
    """The first `limit` rows, one a line, their stored text made safe for a terminal, then
    how many more there are."""
    from grader.terminal import safe_terminal_text

    for row in rows[:limit]:
        who = f" ({safe_terminal_text(row.student, 60)})" if row.student else ""
        click.echo(f"  {row.where}{who}: {row.status}: {safe_terminal_text(row.message)}")
    if len(rows) > limit:
        click.echo(f"  ... and {len(rows) - limit} more rows {what}: see report.json")
