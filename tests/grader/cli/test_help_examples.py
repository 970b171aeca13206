"""Every ``Examples:`` line of every command's ``--help`` runs and does what it claims.

The help texts are read at run time from click's command tree (so an edited help is tested as
it stands); `tests.example_runner` runs each line in a fresh folder, making the files it reads
first, and checks the exit code and any claimed verdict (``# Correct``)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from grader.cli import cli

from ...example_runner import Example, assert_outcome, check_example, run_once


def _commands(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = [(ctx.command_path, group)]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        sub = click.Context(command, info_name=name, parent=ctx)
        if isinstance(command, click.Group):
            found.extend(_commands(command, sub))
        else:
            found.append((sub.command_path, command))
    return found


def help_examples(help_text: str) -> list[str]:
    """The command lines under ``Examples:`` (continuation lines joined), up to a blank line."""
    lines = help_text.splitlines()
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*Examples?:\s*", line)]
    found: list[str] = []
    for start in starts:
        pending = ""
        for line in lines[start + 1:]:
            if not line.strip():
                break
            pending += line.strip()
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip() + " "
                continue
            found.append(pending)
            pending = ""
    return found


def all_help_examples() -> list[Example]:
    ctx = click.Context(cli, info_name="mlquiz")
    examples = []
    for path, command in _commands(cli, ctx):
        text = command.get_help(click.Context(command, info_name=path))
        examples.extend(Example(path, line) for line in help_examples(text))
    return examples


EXAMPLES = all_help_examples()


def test_every_command_has_an_example() -> None:
    ctx = click.Context(cli, info_name="mlquiz")
    with_examples = {e.source for e in EXAMPLES}
    assert {path for path, _ in _commands(cli, ctx)[1:]} <= with_examples


def test_help_examples_are_found_with_their_continuations() -> None:
    text = "Intro.\n\n  Examples:\n    mlquiz a\n    mlquiz b \\\n        --x 1\n\n  Exit codes\n"
    assert help_examples(text) == ["mlquiz a", "mlquiz b --x 1"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_help_example_runs_as_claimed(example: Example,
                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    assert example.command.startswith(("mlquiz ", "printf ")) or example.command == "mlquiz"
    check_example(example, tmp_path_factory.mktemp("help"))


@pytest.mark.parametrize(("args", "line"), [
    # a topic of its own: every built-in topic may grow to several templates
    (["list", "--topic", "solo", "--bank", "{bank}"], "1 template; topics: solo"),
    (["validate", "--template", "fitting/diagnose", "--seeds", "5"],
     "1 template: 1 passed, 0 failed, 0 with warnings"),
])
def test_one_template_is_counted_in_the_singular(args: list[str], line: str,
                                                 tmp_path: Path) -> None:
    from click.testing import CliRunner

    (tmp_path / "solo").mkdir()
    (tmp_path / "solo" / "one.yaml").write_text(
        "title: One\ntopic: solo\nprompt: p\nparts:\n  - {id: a, type: number, answer: '1'}\n",
        encoding="utf-8")
    result = CliRunner().invoke(cli, [a.format(bank=tmp_path) for a in args])
    assert result.exit_code == 0, result.output
    assert any(ln.startswith(line) for ln in result.output.splitlines()), result.output


CM_FIXED = ("mlquiz check metrics/confusion-matrix --part f1 --param tp=80 --param fp=80 "
            "--param fn=20 --param tn=820")


@pytest.mark.parametrize(("answer", "claim", "holds"), [
    ("8/13", "# Correct", True), ("8/13", "# Incorrect: wrong", False),
    ("0.5", "# Incorrect", True), ("0.5", "# Correct", False),
    ("8/0", "# Invalid", True), ("8/13", "# exit 1", False),
    ("8/13 --json", "# Correct", True),
])
def test_a_false_claim_fails(answer: str, claim: str, holds: bool,
                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """The checker itself: a verdict or exit code the output contradicts is caught."""
    json_flag = " --json" if answer.endswith("--json") else ""
    example = Example("test", f"{CM_FIXED}{json_flag} -- {answer.split()[0]}  {claim}")
    outcome = run_once(example, tmp_path_factory.mktemp("claims"))
    if holds:
        assert_outcome(example, outcome)
    else:
        with pytest.raises(AssertionError):
            assert_outcome(example, outcome)
