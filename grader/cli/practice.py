"""``mlquiz practice`` and ``mlquiz progress``: option parsing and wiring only; the session is
`grader.practice.session`, the saved history and schedule `grader.practice.store`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.cli import EPILOG_EXIT, bank_option

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
    Templates you get wrong come back sooner, mastered ones later (a Leitner box schedule).

    With no --topic or --template, a terminal gets a menu of topics; piped input uses the
    whole bank and reads the answers line by line.

    \b
    Examples:
      mlquiz practice --topic metrics
      mlquiz practice --template dropout/apply-mask --count 3
      printf '181/313\\n130/249\\n10/11\\n65/98\\n' | mlquiz practice \\
          --template metrics/confusion-matrix --count 1 --seed 7 --no-save
    """
    from grader.practice.session import (
        PracticeOptions,
        StreamConsole,
        bank_loader,
        choose_topics,
        new_session_seed,
        open_progress,
        plan_session,
        render_summary,
        run_session,
        select_templates,
        topic_choices,
    )
    from questionbank.bank import load_bank

    bank = load_bank(bank_dirs)
    interactive = sys.stdin.isatty()
    console = StreamConsole(sys.stdin, sys.stdout, interactive=interactive)
    path = _db_path(db)
    store, cards = open_progress(path, save=not no_save, warn=_warn)
    try:
        if not topics and not template_ids and interactive:
            try:
                topics = choose_topics(topic_choices(bank, cards, _warn), console)
            except (EOFError, KeyboardInterrupt):
                click.echo("\nNo questions asked.")
                return
        candidates = select_templates(bank, topics, template_ids, _warn)
        session_seed = new_session_seed() if seed is None else seed
        plan = plan_session(candidates, cards, count, session_seed)
        click.echo(f"Practice: {len(plan)} question{'s' if len(plan) != 1 else ''} · "
                   f"{attempts} tr{'ies' if attempts != 1 else 'y'} per part · type ? for "
                   "help, quit to stop")
        click.echo(f"Progress is saved to {path}.\n" if store else "Progress is not saved.\n")
        report = run_session(
            plan, bank_loader(bank), console, store=store,
            options=PracticeOptions(attempts=attempts, colour=None),
            session_seed=session_seed, warn=_warn, saved_to=str(path) if store else None,
            selection={"topics": list(topics), "templates": list(template_ids),
                       "count": count})
        accuracy = _topic_accuracy(path)
        try:
            if report.ended_by != "end of plan":
                click.echo()
            click.echo(render_summary(report, accuracy), nl=False)
        except KeyboardInterrupt:
            click.echo()
    finally:
        if store is not None:
            store.close()


def _topic_accuracy(path: Path) -> dict[str, float]:
    """Per-topic accuracy from the saved history, for 'what to practise next' (empty when
    there is none or it cannot be read)."""
    from grader.practice.store import ProgressError, ProgressStore

    try:
        store = ProgressStore.open_readonly(path)
        if store is None:
            return {}
        with store:
            return store.topic_accuracy()
    except ProgressError:
        return {}


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
    from grader.practice.store import ProgressReport, ProgressStore, render_report

    path = _db_path(db)
    store = ProgressStore.open_readonly(path)
    if store is None:
        report = ProgressReport(db=str(path), sessions=0, parts=0, topics=(), cards=(),
                                mistakes=(), recent_sessions=())
    else:
        with store:
            report = store.report()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(render_report(report), nl=False)
