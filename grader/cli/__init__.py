"""The `mlquiz` command line: a thin layer that parses options, calls one library function and
prints the result.

User mistakes (`QuizError`: a bad template, an unreadable file, an unknown id) print one clear
message and exit 1; usage errors exit 2; anything else is a bug and keeps its traceback.
Heavy libraries (numpy, sympy, Jinja) are imported inside the commands, so ``mlquiz --help``
starts instantly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from questionbank.errors import QuizError

F = TypeVar("F", bound=Callable[..., Any])

EPILOG_EXIT = "Exit codes: 0 success, 1 a user-level failure, 2 a usage error."


#: Commands that live in their own modules, imported only when used (or listed by --help).
#: name -> ("module:attribute", the one-line help shown by `mlquiz --help`).
LAZY_COMMANDS = {
    "check": ("grader.cli.bank:check_command", "Grade one answer to one part of an instance."),
    "export": ("grader.cli.export:export_command",
               "Export question pools for Moodle (XML), Canvas (QTI) or GIFT."),
    "generate": ("grader.cli.exam:generate_command",
                 "Make exam sheets, answer keys and a submission file."),
    "grade": ("grader.cli.exam:grade_command",
              "Grade a class's submissions: gradebook, feedback, report."),
    "list": ("grader.cli.bank:list_command", "List the templates in the question bank."),
    "new-pack": ("grader.cli.newpack:new_pack_command",
                 "Start a question pack: a Python package of templates and solvers."),
    "practice": ("grader.cli.practice:practice_command",
                 "Drill a topic with immediate feedback (interactive)."),
    "progress": ("grader.cli.practice:progress_command",
                 "Show your practice progress per topic."),
    "serve": ("grader.cli.serve:serve_command",
              "Practise and browse the bank in a local web page."),
    "show": ("grader.cli.bank:show_command", "Show one randomized instance of a template."),
    "validate": ("grader.cli.validate:validate_command",
                 "Lint templates and stress-test them over many seeds."),
}


class _Group(click.Group):
    """Loads the commands of `LAZY_COMMANDS` on demand, and turns `QuizError` into a one-line
    message and exit code 1 (no traceback)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            import importlib

            module, _, attr = LAZY_COMMANDS[cmd_name][0].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands without importing the lazy ones (keeps `--help` instant)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][1]))
            else:
                command = super().get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit=60)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QuizError as exc:
            raise _UserError(str(exc)) from None


class _UserError(click.ClickException):
    exit_code = 1

    def show(self, file: Any = None) -> None:
        from grader.terminal import safe_terminal_block

        # a message may quote a file's text (an id, a key): shown with control chars escaped
        click.echo(f"error: {safe_terminal_block(self.format_message())}", err=True)


@click.group(cls=_Group, epilog=EPILOG_EXIT,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mlquiz", prog_name="mlquiz")
def cli() -> None:
    """mlquiz: randomized machine-learning quiz questions, graded safely with feedback.

    \b
    Try:
      mlquiz list                              what the question bank holds
      mlquiz show metrics/confusion-matrix     one randomized question
      mlquiz check metrics/confusion-matrix --seed 1 --part f1 -- 8/13
      mlquiz generate --count 5 --out exam     exam sheets, keys and a submission file
      mlquiz grade exam/exam.json exam/answers.csv --out graded
      mlquiz practice --topic metrics          drill a topic with instant feedback
    """


_ALLOW_OVERRIDE = "mlquiz.allow_override"


def _remember_allow_override(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta[_ALLOW_OVERRIDE] = value


def bank_option(fn: F) -> F:
    """``--bank DIR`` (repeatable): extra template folders, added to the built-in bank; and
    ``--allow-override``, read by `open_bank` (so commands need no parameter for it)."""
    fn = click.option(
        "--allow-override", is_flag=True, expose_value=False, callback=_remember_allow_override,
        help="Let a template of a later pack or folder replace one with the same id (by "
             "default two templates with one id are an error).",
    )(fn)
    return click.option(
        "--bank", "bank_dirs", multiple=True, metavar="DIR",
        type=click.Path(exists=True, file_okay=False),
        help="Extra folder of templates (repeatable; also MLQUIZ_BANK, a path list).",
    )(fn)


def param_option(fn: F) -> F:
    return click.option(
        "--param", "params", multiple=True, metavar="NAME=VALUE",
        help='Fix a parameter instead of sampling it, e.g. --param tp=80 or '
             '--param a="[2.0, 5.0, 7.12]" (repeatable).',
    )(fn)


def open_bank(bank_dirs: Sequence[str], report_problems: bool = True) -> Any:
    """The built-in bank, the installed packs and the `--bank` folders (and MLQUIZ_BANK),
    loaded on first use. A pack that cannot be loaded is named in a warning on standard error
    (unless `report_problems` is False: the caller reports `Bank.problems` itself)."""
    from questionbank.bank import load_bank

    ctx = click.get_current_context(silent=True)
    allow = bool(ctx is not None and ctx.meta.get(_ALLOW_OVERRIDE))
    bank = load_bank(bank_dirs, allow_override=allow)
    if report_problems:
        for problem in bank.problems():
            click.echo(f"warning: {problem}", err=True)
    return bank


def parse_params(items: Iterable[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs; values are read as YAML 1.2 scalars/lists, safely."""
    from questionbank.yamlsafe import load_yaml_value

    result: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        try:
            value = load_yaml_value(raw)
        except QuizError as exc:
            raise click.BadParameter(f"cannot read the value of {name!r}: {exc}",
                                     param_hint="--param") from None
        result[name] = _plain(value)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def main() -> None:
    """Console-script entry point."""
    import gc

    try:
        cli(prog_name="mlquiz")
    finally:
        # The process ends here: everything is written and closed. The collection at exit
        # would walk every object still alive (27,000 after grading: modules, the bank,
        # compiled templates) to find a few thousand of garbage from compiled expressions,
        # whose memory goes back to the system with the process anyway; frozen, they are
        # skipped: grading 2,500 x 4 without pages took 12 ms less (2.7%, 21 alternating
        # runs). (Not in `cli` itself, which tests and programs call in their own process.)
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
