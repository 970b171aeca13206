"""``mlquiz --help`` is instant: the group lists every command from `LAZY_COMMANDS` without
importing a command module, and no command's ``--help`` imports numpy, sympy or Jinja (each is
checked in a fresh process, where nothing else has imported them yet)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.cli import LAZY_COMMANDS, cli

HEAVY = ("numpy", "sympy", "jinja2")
COMMANDS_HELP = """\
Commands:
  check     Grade one answer to one part of an instance.
  export    Export question pools for Moodle (XML), Canvas (QTI) or GIFT.
  generate  Make exam sheets, answer keys and a submission file.
  grade     Grade a class's submissions: gradebook, feedback, report.
  list      List the templates in the question bank.
  new-pack  Start a question pack: a Python package of templates and solvers.
  practice  Drill a topic with immediate feedback (interactive).
  progress  Show your practice progress per topic.
  serve     Practise and browse the bank in a local web page.
  show      Show one randomized instance of a template.
  validate  Lint templates and stress-test them over many seeds.
"""


def imported_by_help(*args: str) -> tuple[str, list[str]]:
    """The help text of ``mlquiz ARGS --help`` and the modules of interest it imported."""
    watched = [*HEAVY, *sorted({m.partition(":")[0] for m, _ in LAZY_COMMANDS.values()})]
    code = (
        "import io, json, sys, contextlib\n"
        "from grader.cli import cli\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        cli({[*args, '--help']!r}, prog_name='mlquiz')\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        f"print(json.dumps([out.getvalue(), [m for m in {watched!r} if m in sys.modules]]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    text, modules = json.loads(proc.stdout)
    return text, modules


def test_the_group_help_lists_the_commands_and_imports_none() -> None:
    text, modules = imported_by_help()
    assert modules == []
    assert COMMANDS_HELP in text
    assert text.endswith("\n  Exit codes: 0 success, 1 a user-level failure, 2 a usage error.\n")


@pytest.mark.parametrize("command", sorted(LAZY_COMMANDS))
def test_a_command_help_imports_only_its_own_module(command: str) -> None:
    text, modules = imported_by_help(command)
    assert modules == [LAZY_COMMANDS[command][0].partition(":")[0]]
    assert text.startswith(f"Usage: mlquiz {command} [OPTIONS]")


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'." in result.stderr
