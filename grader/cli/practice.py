"""``mlquiz practice`` and ``mlquiz progress``: option parsing and printing only; the session
is `grader.practice.session`, the saved history `grader.practice.store`, the texts
`grader.practice.report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.cli import EPILOG_EXIT, bank_option, open_bank

__all__ = ["practice_command", "progress_command"]

_DB_HELP = ("Progress database (default: $XDG_DATA_HOME/mlquiz/progress.sqlite3, "
            "i.e. ~/.local/share/mlquiz/progress.sqlite3).")


def _db_path(db: str | None) -> Path:
    from grader.practice.store import default_db_path

    return Path(db).expanduser() if db else default_db_path()


def _warn(message: str) -> None:
    click.echo(message, err=True)


@click.command("practice", epilog=EPILOG_EXIT)
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="Practise this topic (repeatable).")
@click.option("--template", "template_ids", multiple=True, metavar="ID",
              help="Practise this template (repeatable; adds to --topic).")
@click.option("--count", type=click.IntRange(1, 500), default=5, show_default=True,
              help="How many questions.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
              help="Session seed: the same seed and history ask the same questions "
                   "(default: a fresh one, shown in the summary).")
@click.option("--db", "db", type=click.Path(dir_okay=False), envvar="MLQUIZ_DB",
              show_envvar=True, help=_DB_HELP)
@click.option("--no-save", is_flag=True,
              help="Save nothing (an existing database is still read to choose questions).")
@click.option("--attempts", type=click.IntRange(1, 20), default=3, show_default=True,
              help="Graded tries per part before the answer is shown.")
@bank_option
def practice_command(topics: tuple[str, ...], template_ids: tuple[str, ...], count: int,
                     seed: int | None, db: str | None, no_save: bool, attempts: int,
                     bank_dirs: tuple[str, ...]) -> None:
    """Practise with instant feedback, hints and worked solutions; progress is saved.

    Questions come one at a time, each part in turn. After each answer you see the verdict
    and the feedback at once. Instead of an answer you may type hint, solution (the part then
    scores 0), skip, quit, or ? for help; Ctrl-D and Ctrl-C end the session with its summary.
    A right answer scores its points less a quarter for every wrong try and every hint before
    it (never below 0): right at once scores 1, right on try 2 after one hint 0.5. The summary
    and the saved progress use these scores. Templates you get wrong come back sooner,
    mastered ones later (a Leitner box schedule).

    With no --topic or --template, a terminal gets a menu of topics; piped input uses the
    whole bank and reads the answers line by line.

    \b
    Examples:
      mlquiz practice --topic metrics
      mlquiz practice --template dropout/apply-mask --count 3
      printf '181/313\\n130/249\\n10/11\\n65/98\\n' | mlquiz practice \\
          --template metrics/confusion-matrix --count 1 --seed 7 --no-save
    """
    from grader.practice.console import StreamConsole
    from grader.practice.report import render_summary, saved_topic_accuracy
    from grader.practice.session import PracticeRequest, run_practice

    path = _db_path(db)
    console = StreamConsole(sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    request = PracticeRequest(topics=topics, templates=template_ids, count=count, seed=seed,
                              attempts=attempts, save=not no_save)
    report = run_practice(open_bank(bank_dirs), console, path, request,
                          menu=console.interactive, warn=_warn)
    if report is None:
        click.echo("\nNo questions asked.")
        return
    from grader.terminal import safe_terminal_block

    accuracy = saved_topic_accuracy(path)
    try:
        if report.ended_by != "end of plan":
            click.echo()
        click.echo(safe_terminal_block(render_summary(report, accuracy)), nl=False)
    except KeyboardInterrupt:
        click.echo()


@click.command("progress", epilog=EPILOG_EXIT)
@click.option("--db", "db", type=click.Path(dir_okay=False), envvar="MLQUIZ_DB",
              show_envvar=True, help=_DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def progress_command(db: str | None, as_json: bool) -> None:
    """Show saved practice progress: accuracy and trend per topic, the Leitner box of each
    template and when it is due, and the mistakes that keep coming back.

    \b
    Examples:
      mlquiz progress
      mlquiz progress --json | jq '.topics'
      mlquiz progress --db class-laptop.sqlite3
    """
    from grader.practice.report import read_progress, render_report

    report = read_progress(_db_path(db))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    from grader.terminal import safe_terminal_block

    click.echo(safe_terminal_block(render_report(report)), nl=False)  # stored text, escaped
