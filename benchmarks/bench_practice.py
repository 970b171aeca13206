"""Practice benchmark: time to the first question in a new process, and feedback latency.

Run: python benchmarks/bench_practice.py [--repeat N]
Targets (issue 6): the first question shows <= 0.5 s after `mlquiz practice` starts; the
verdict and feedback show <= 50 ms after an answer.

- First question: `mlquiz practice ... --no-save` is started with a pipe for stdin, and the
  clock stops when the first part's "Answer as ..." line (the whole question is on screen) has
  arrived on stdout. Median of N runs, for one template, one topic and the whole bank, with the
  child's CPU time (user + system, until the child exits; less sensitive to a busy machine)
  and, for comparison, a new `python -c pass` and `mlquiz show`. The children cache their
  bytecode (in a temporary folder), as an installed wheel does.
- Feedback: whole sessions are driven in this process through `ScriptConsole` with progress
  saved to a temporary database; the latency is from the moment an answer is read to the moment
  the verdict has been written (then to the next prompt, which includes saving). Right and wrong
  answers to every part of every template in the bank, several seeds each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def _mlquiz() -> list[str]:
    exe = shutil.which("mlquiz")
    return [exe] if exe else [sys.executable, "-m", "grader"]


def _child_env(pycache: str) -> dict[str, str]:
    """The children's environment: no colour, and compiled bytecode cached (in a private
    folder), as in an installed wheel, even where PYTHONDONTWRITEBYTECODE is set."""
    env = dict(os.environ, NO_COLOR="1", PYTHONPYCACHEPREFIX=pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run_until(cmd: Sequence[str], marker: bytes | None, env: dict[str, str]
               ) -> tuple[float, float]:
    """Wall seconds until `marker` appears on stdout (or the process ends), and child CPU."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    wall = None
    while marker is not None:
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
        if marker in seen:
            wall = time.perf_counter() - start
            break
    proc.stdin.close()
    proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if wall is None:
        wall = time.perf_counter() - start
    if marker is not None and marker not in seen:
        raise RuntimeError(f"{' '.join(cmd)}: no {marker!r} in the output")
    return wall, usage.ru_utime + usage.ru_stime


def first_question(repeat: int) -> list[tuple[str, float, float]]:
    cases = [
        ("python -c pass (baseline)", [sys.executable, "-c", "pass"], None),
        ("mlquiz show metrics/confusion-matrix", [*_mlquiz(), "show",
                                                 "metrics/confusion-matrix"], None),
        ("practice --template metrics/confusion-matrix",
         [*_mlquiz(), "practice", "--template", "metrics/confusion-matrix"], b"Answer as"),
        ("mlquiz list --topic gradients (loads every template)",
         [*_mlquiz(), "list", "--topic", "gradients"], None),
        ("practice --topic gradients", [*_mlquiz(), "practice", "--topic", "gradients"],
         b"Answer as"),
        ("practice (whole bank)", [*_mlquiz(), "practice"], b"Answer as"),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = _child_env(str(Path(tmp) / "pycache"))
        env["XDG_DATA_HOME"] = str(Path(tmp) / "data")  # no history: the same plan every run
        for label, cmd, marker in cases:
            if marker is not None:
                cmd = [*cmd, "--count", "1", "--seed", "1", "--no-save"]
            _run_until(cmd, marker, env)  # writes the bytecode cache
            runs = [_run_until(cmd, marker, env) for _ in range(repeat)]
            rows.append((label, statistics.median(w for w, _ in runs),
                         statistics.median(c for _, c in runs)))
    return rows


class _TimingConsole:
    """Answers from a list; notes when each answer was read, when the next text was written
    (the verdict) and when the next prompt came."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.read_at: float | None = None
        self.feedback: list[float] = []
        self.next_prompt: list[float] = []
        self._pending = False

    def read(self, prompt: str) -> str:
        now = time.perf_counter()
        if self.read_at is not None:
            self.next_prompt.append(now - self.read_at)
        try:
            line = next(self._lines)
        except StopIteration:
            raise EOFError from None
        self.read_at = time.perf_counter()
        self._pending = True
        return line

    def write(self, text: str) -> None:
        if self._pending and self.read_at is not None:
            self.feedback.append(time.perf_counter() - self.read_at)
            self._pending = False


def _answers(instance: Any) -> list[str]:
    """A wrong answer (a declared mistake when there is one), then the right one, per part."""
    lines = []
    for part in instance.parts:
        wrong = part.mistakes[0].answer_text if part.mistakes else None
        if wrong is None and part.options:
            wrong = next(o.letter for o in part.options if not o.correct)
        lines.extend([wrong or "0", part.answer_text])
    return lines


def feedback_latency(seeds: int) -> list[tuple[str, int, float, float, float]]:
    from grader.practice.schedule import PlannedQuestion
    from grader.practice.session import PracticeOptions, bank_loader, run_session
    from grader.practice.store import ProgressStore
    from questionbank.api import default_bank

    bank = default_bank()
    load = bank_loader(bank)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore.open(Path(tmp) / "bench.sqlite3")
        for template_id in bank.ids():
            plan = [PlannedQuestion(i + 1, template_id, 1000 + i) for i in range(seeds)]
            lines = [line for q in plan for line in _answers(load(q))]
            load(plan[0])  # warm the template's caches, as the first question would
            console = _TimingConsole(lines)
            run_session(plan, load, console, store=store, session_seed=1,
                        options=PracticeOptions(attempts=3, colour=False))
            ms = [t * 1000 for t in console.feedback]
            nxt = [t * 1000 for t in console.next_prompt]
            rows.append((template_id, len(ms), statistics.median(ms), max(ms),
                         statistics.median(nxt) if nxt else 0.0))
        store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="new processes per case")
    parser.add_argument("--seeds", type=int, default=10, help="instances per template")
    args = parser.parse_args(argv)

    print(f"time to the first question (median of {args.repeat} runs; target <= 0.5 s)")
    for label, wall, cpu in first_question(args.repeat):
        print(f"  {label:<52} {wall:6.3f} s wall  {cpu:6.3f} s cpu")
    print()
    print("feedback latency in a session, ms (target <= 50 ms from answer to verdict)")
    print(f"  {'template':<32} {'answers':>7} {'median':>8} {'max':>8} {'to next prompt':>15}")
    worst = 0.0
    for template_id, n, median, top, nxt in feedback_latency(args.seeds):
        worst = max(worst, top)
        print(f"  {template_id:<32} {n:>7} {median:8.2f} {top:8.2f} {nxt:15.2f}")
    print(f"  worst case {worst:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
