"""Run the ``mlquiz ...`` examples of the README and of every ``--help`` text as a reader would.

An example is one shell command line (``\\`` continuations joined). Each runs under bash in a fresh
temporary folder, with ``mlquiz`` bound to ``python -m grader`` of this checkout and the progress
database kept inside that folder; an interactive ``practice`` reads ``quit``. Files an example
needs but does not make (an exam before ``grade``, a roster, instructions, a submissions file in
another format, a template to validate) are made first by `prepare`, with the commands an
instructor would run.
``serve`` examples are parsed by click, never started.

A trailing ``# ...`` comment may claim a verdict (``# Correct``, ``# Incorrect``, ``# Invalid``)
or an exit code (``# exit 1``); `run` returns what happened and `claimed_outcome` what was claimed.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERDICTS = ("Correct", "Incorrect", "Invalid")
ROSTER = "id,name\ns001,Ada Lovelace\ns002,Alan Turing\ns003,Grace Hopper\n"
INSTRUCTIONS = "**Closed book.** Calculators allowed. Show your working.\n"
TIMEOUT = 180
SETUP = frozenset({"python3", "python", ".", "source", "pip"})


@dataclass(slots=True, frozen=True)
class Example:
    """One example command as printed, with the place it comes from (for test ids)."""

    source: str
    command: str

    @property
    def comment(self) -> str:
        """The trailing ``# ...`` comment (empty when there is none)."""
        lexer = shlex.shlex(self.command, posix=True, punctuation_chars=False)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words = list(lexer)
        if "#" not in words:
            return ""
        return " ".join(words[words.index("#") + 1:])

    @property
    def runnable(self) -> str:
        """The line without its set-up steps (``python3 -m venv``, ``. activate``, ``pip``):
        the tests run the checkout, they do not install it."""
        steps = [s for s in self.command.split(" && ") if s.split()[0] not in SETUP]
        return " && ".join(steps)

    @property
    def mlquiz_runs(self) -> list[list[str]]:
        """The argument lists of every ``mlquiz`` call in the line (pipes and ``&&`` split)."""
        runs: list[list[str]] = []
        words = shlex.split(self.command, comments=True)
        current: list[str] | None = None
        for word in words:
            if word in ("|", "&&", ";", "||"):
                current = None
            elif word == "mlquiz" and current is None:
                current = []
                runs.append(current)
            elif current is not None:
                current.append(word)
        return runs


@dataclass(slots=True, frozen=True)
class Outcome:
    """What running an example did."""

    returncode: int
    stdout: str
    stderr: str


def claimed_outcome(example: Example) -> tuple[int, str | None]:
    """The exit code and the verdict the example's comment claims (exit 0, no verdict if silent)."""
    comment = example.comment
    code = re.search(r"\bexit (\d)\b", comment)
    verdict = next((v for v in VERDICTS if re.match(rf"{v}\b", comment)), None)
    return (int(code.group(1)) if code else 0), verdict


def verdict_of(outcome: Outcome) -> str | None:
    """The verdict a ``check`` printed (text: first word; ``--json``: the status)."""
    text = outcome.stdout.lstrip()
    if text.startswith("{"):
        status = json.loads(text).get("status", "")
        return str(status).capitalize() or None
    if text.startswith("Could not read"):  # how the text output says `invalid`
        return "Invalid"
    first = text.split(" ", 1)[0] if text else ""
    return first if first in VERDICTS else None


def _mlquiz(workdir: Path, *args: str) -> None:
    """Run one preparatory ``mlquiz`` command (a failure is a broken fixture, not an example)."""
    subprocess.run([sys.executable, "-m", "grader", *args], cwd=workdir, env=env_for(workdir),
                   check=True, capture_output=True, text=True, timeout=TIMEOUT)


def _option(args: list[str], name: str) -> str | None:
    for i, word in enumerate(args[:-1]):
        if word == name:
            return args[i + 1]
    return None


def _write_submissions(exam_dir: Path, target: Path) -> None:
    """`target` from the exam's sample answers (or its blank answers.csv), in target's format."""
    source = exam_dir / "sample-answers.csv"
    if not source.exists():
        source = exam_dir / "answers.csv"
    if target.suffix in (".yaml", ".yml", ".json"):
        with source.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        target.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")  # JSON is YAML
    else:
        shutil.copyfile(source, target)


def _write_overrides(manifest: Path, target: Path) -> None:
    """An overrides file giving the exam's first student full points on their first part."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    student = data["students"][0]
    item = student["items"][0]
    part = item["parts"][0]
    target.write_text("student,part,points,comment\n"
                      f"{student['id']},Q{item['number']}.{part['id']},{part['points']},"
                      "accepted by the TA\n", encoding="utf-8")


def prepare(args: list[str], workdir: Path, generated: set[Path] | None = None) -> None:
    """Make the files one ``mlquiz`` call reads when no earlier example made them, and none
    of the calls before it in the same example will (`generated`: their ``--out`` folders)."""
    command, rest = (args[0], args[1:]) if args else ("", [])
    generated = set() if generated is None else generated
    roster = _option(rest, "--roster")
    if roster and not (workdir / roster).exists():
        (workdir / roster).write_text(ROSTER, encoding="utf-8")
    instructions = _option(rest, "--instructions")
    if instructions and not (workdir / instructions).exists():
        (workdir / instructions).write_text(INSTRUCTIONS, encoding="utf-8")
    for i, word in enumerate(rest[:-1]):
        if word == "--bank":
            (workdir / rest[i + 1]).mkdir(parents=True, exist_ok=True)
    if command == "grade" and len(rest) >= 2:
        manifest, submissions = workdir / rest[0], workdir / rest[1]
        if manifest.parent in generated:
            return
        if not manifest.exists():
            _mlquiz(workdir, "generate", "--count", "3", "--seed", "1", "--out",
                    str(manifest.parent.relative_to(workdir)))
        if not submissions.exists():
            _write_submissions(manifest.parent, submissions)
        overrides = _option(rest, "--overrides")
        if overrides and not (workdir / overrides).exists():
            _write_overrides(manifest, workdir / overrides)
    if command == "validate":
        for path in (workdir / a for a in rest if a.endswith((".yaml", ".yml"))):
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ROOT / "questionbank/bank/metrics/confusion-matrix.yaml", path)


def env_for(workdir: Path, columns: int = 100) -> dict[str, str]:
    """The environment examples run in: this checkout first, progress kept in `workdir`."""
    env = dict(os.environ)
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
               MLQUIZ_DB=str(workdir / "progress.sqlite3"), XDG_DATA_HOME=str(workdir / "xdg"),
               HOME=str(workdir), NO_COLOR="1", COLUMNS=str(columns))
    env.pop("MLQUIZ_BANK", None)
    return env


def run(example: Example, workdir: Path) -> Outcome:
    """Run `example` in `workdir` (made ready by `prepare`) as bash would, stdin ``quit``."""
    generated: set[Path] = set()
    for args in example.mlquiz_runs:
        prepare(args, workdir, generated)
        if args and args[0] == "generate":
            generated.add(workdir / (_option(args[1:], "--out") or "exam"))
    prelude = f'set -o pipefail\nmlquiz() {{ {shlex.quote(sys.executable)} -m grader "$@"; }}\n'
    if shutil.which("jq") is None:  # the JSON must still parse; jq's own filter is not ours
        parse = "import json, sys; json.load(sys.stdin)"
        prelude += f'jq() {{ {shlex.quote(sys.executable)} -c "{parse}"; }}\n'
    proc = subprocess.run(["bash", "-c", prelude + example.runnable], cwd=workdir,
                          env=env_for(workdir), input="quit\n", capture_output=True, text=True,
                          timeout=TIMEOUT)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def parse_serve(args: list[str]) -> None:
    """Parse a ``serve`` example with click (raises click's usage error); never starts it."""
    from grader.cli.serve import serve_command

    serve_command.make_context("serve", list(args))


_RUNS: dict[str, Outcome] = {}


def run_once(example: Example, workdir_base: Path) -> Outcome:
    """`run` in a fresh folder under `workdir_base`; the same command line runs once per session
    (the README and a ``--help`` share examples, and ``validate --seeds 1000`` takes seconds)."""
    if example.runnable not in _RUNS:
        workdir = workdir_base / f"example-{len(_RUNS)}"
        workdir.mkdir(parents=True)
        _RUNS[example.runnable] = run(example, workdir)
    return _RUNS[example.runnable]


def assert_outcome(example: Example, outcome: Outcome) -> None:
    """The exit code and verdict are what the example's comment claims."""
    code, verdict = claimed_outcome(example)
    shown = f"{example.command}\n--- stdout\n{outcome.stdout[-3000:]}\n--- stderr\n" \
            f"{outcome.stderr[-3000:]}"
    assert outcome.returncode == code, shown
    if verdict is not None:
        assert verdict_of(outcome) == verdict, shown


def check_example(example: Example, workdir_base: Path) -> None:
    """Run (or, for ``serve``, parse) one example and assert what it claims."""
    runs = example.mlquiz_runs
    assert runs, f"not an mlquiz example: {example.command}"
    if runs[0][:1] == ["serve"]:
        workdir = workdir_base / "serve"
        workdir.mkdir()
        prepare(runs[0], workdir)
        with contextlib.chdir(workdir):
            parse_serve(runs[0][1:])
        return
    assert_outcome(example, run_once(example, workdir_base))
