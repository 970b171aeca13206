"""Every ``mlquiz`` example in README.md runs and does what the text claims.

Lines of ``sh`` blocks and inline ``mlquiz ...`` spans with arguments run in a fresh folder (see
`example_runner`: files they read are made first, set-up steps such as ``pip install`` are left
out); a bare ``mlquiz CMD`` span must name a real command; the Python API block is executed and
prints what its ``# ...`` comments say."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from grader.cli import cli

from .example_runner import Example, check_example, env_for

README = Path(__file__).resolve().parents[1] / "README.md"
PLACEHOLDERS = {"ID": "metrics/confusion-matrix", "SEED": "7"}


def fenced_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(language, lines) of every fenced code block."""
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
                blocks.append((line[3:].strip(), current))
            else:
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def prose(text: str) -> str:
    """The README without its fenced code blocks."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def readme_examples(text: str) -> tuple[list[Example], list[str]]:
    """The runnable examples, and the commands named by bare ``mlquiz CMD`` spans."""
    examples: list[Example] = []
    for language, lines in fenced_blocks(text):
        if language != "sh":
            continue
        joined = re.sub(r"\s*\\\n\s*", " ", "\n".join(lines)).splitlines()
        examples.extend(Example("README sh", line) for line in joined
                        if Example("README sh", line).mlquiz_runs)
    mentions: list[str] = []
    for span in re.findall(r"`(mlquiz [^`]+)`", prose(text)):
        words = span.split()
        if len(words) == 2:
            mentions.append(words[1])
            continue
        command = " ".join(PLACEHOLDERS.get(w, w) for w in words)
        examples.append(Example("README inline", command))
    return examples, mentions


EXAMPLES, MENTIONS = readme_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_examples_to_run() -> None:
    assert len(EXAMPLES) >= 10
    assert any(e.source == "README inline" for e in EXAMPLES)


@pytest.mark.parametrize("command", sorted(set(MENTIONS)))
def test_a_command_named_in_the_readme_exists(command: str) -> None:
    assert cli.get_command(click.Context(cli), command) is not None


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_readme_example_runs_as_claimed(example: Example,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    check_example(example, tmp_path_factory.mktemp("readme"))


def test_the_python_api_example_prints_what_it_says(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = fenced_blocks(README.read_text(encoding="utf-8"))
    (code,) = [lines for language, lines in blocks if language == "python"]
    claimed = [line.split("# ", 1)[1].strip() for line in code if line.startswith("print(")]
    assert claimed, "the API example claims no output"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLQUIZ_BANK", raising=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(code), "README.md", "exec"), {})  # our own README, not input
    assert out.getvalue().splitlines() == claimed


def test_readme_examples_are_found() -> None:
    text = ("```sh\nmlquiz a \\\n  --b 1  # Correct\npip install .\n```\n"
            "Run `mlquiz show ID --seed SEED` or `mlquiz progress`.\n")
    examples, mentions = readme_examples(text)
    assert [e.command for e in examples] == [
        "mlquiz a --b 1  # Correct", "mlquiz show metrics/confusion-matrix --seed 7"]
    assert mentions == ["progress"]


def test_the_quick_start_outputs_are_ignored_by_git() -> None:
    """The README's first command writes exam/ and graded/ in the checkout: git ignores them."""
    ignored = (README.parent / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/exam/", "/graded/"} <= set(ignored)


def test_the_practice_transcript_is_what_practice_prints(tmp_path: Path) -> None:
    """The ``$ mlquiz practice ...`` transcript, run with its ``answer>`` lines as input in an
    80-column terminal: every line it shows comes out, in order (``...`` skips lines; the
    session's time is left out)."""
    (lines,) = [lines for language, lines in fenced_blocks(README.read_text(encoding="utf-8"))
                if not language and lines and lines[0].startswith("$ mlquiz practice")]
    args = lines[0].split()[2:]
    answers = [line.removeprefix("answer> ") for line in lines if line.startswith("answer> ")]
    proc = subprocess.run([sys.executable, "-m", "grader", *args], cwd=tmp_path,
                          env=env_for(tmp_path, columns=80), input="\n".join(answers) + "\n",
                          capture_output=True, text=True, timeout=120, check=True)
    output = iter(re.sub(r"time \d+ s", "time N s", proc.stdout).splitlines())
    for shown in lines[1:]:
        if shown.strip() and shown != "...":
            shown = re.sub(r"time \d+ s", "time N s", shown)
            assert any(line == shown for line in output), f"not printed (in order): {shown!r}"
