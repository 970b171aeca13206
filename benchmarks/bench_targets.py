"""The performance targets of issue 17, each timed as a whole new process, as a user runs it:
``python benchmarks/bench_targets.py [--repeat N] [--skip-big-pages]``.

Each row prints the median wall and CPU seconds of `--repeat` runs of ``python -m grader ...``
(start-up, imports and writing the files included) next to its target:

1. ``generate``: 10 questions (4 different templates) x 100 students, html sheets and keys
   (<= 0.7 s; R/exams takes 20-23 s for this);
2. ``grade`` 10,000 answers (2,500 students x the 4 parts of metrics/confusion-matrix)
   with ``--no-pages`` (<= 0.4 s) and with the html+md feedback pages (<= 1.2 s);
3. ``grade`` 10,000 students x 10 parts with ``--no-pages`` (<= 3 s) and with pages (<= 20 s),
   and the peak memory of the no-pages run (<= 300 MB);
4. ``mlquiz show ID --seed N`` and ``mlquiz check`` (<= 0.25 s each).

A target is judged on the median wall time; on a busy machine the CPU time is the steadier
figure. The child processes read compiled bytecode from a cache of their own, as an installed
mlquiz does, whatever ``PYTHONDONTWRITEBYTECODE`` says; one unmeasured run warms it.
The classes are made as in ``bench_exam.py`` (1,000 generated records copied under new ids).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: 10 questions drawn from 4 templates, as in the R/exams comparison of issue 17
GENERATE_QUESTIONS = ",".join(["metrics/confusion-matrix", "dropout/inverted",
                               "gradients/layer-shapes", "dropout/apply-mask"] * 2
                              + ["metrics/confusion-matrix", "dropout/inverted"])


@dataclass(frozen=True)
class Timing:
    """Medians over the runs of one command; `peak_mb` is the largest run's."""

    wall: float
    cpu: float
    peak_mb: float


def child_env(cache: Path) -> dict[str, str]:
    """The environment of the measured processes: this checkout first on the path, and
    bytecode cached (in `cache`) as an installed package has it."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_once(args: list[str], env: dict[str, str]) -> Timing:
    """One run of ``python -m grader ARGS``: wall, CPU (user + system) and peak memory, the
    last two from the operating system's accounting of that child alone (`os.wait4`)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "grader", *args], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"mlquiz {' '.join(args)} failed:\n{errors.decode(errors='replace')}")
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return Timing(wall, usage.ru_utime + usage.ru_stime, peak)


def timed(args: list[str], env: dict[str, str], repeat: int, warm: bool = True) -> Timing:
    """Median wall and CPU of `repeat` runs (after one warm-up run unless not `warm`), and the
    largest peak."""
    if warm:
        run_once(args, env)
    runs = [run_once(args, env) for _ in range(repeat)]
    return Timing(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
                  max(r.peak_mb for r in runs))


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def report(label: str, timing: Timing, target: float) -> None:
    print(f"{label:<52} {timing.wall:6.2f} s wall {timing.cpu:6.2f} s cpu   target <= "
          f"{target:g} s: {verdict(timing.wall, target)}", flush=True)


def make_classes(work: Path) -> dict[str, tuple[Path, Path]]:
    """The two graded classes: 2,500 x confusion-matrix (4 parts) and 10,000 x 10 parts."""
    import bench_exam

    classes = {"big": bench_exam.class_of(10_000, work / "big")}
    saved = bench_exam.GRADE_QUESTIONS
    bench_exam.GRADE_QUESTIONS = "metrics/confusion-matrix"
    try:
        classes["cm"] = bench_exam.class_of(2_500, work / "cm")
    finally:
        bench_exam.GRADE_QUESTIONS = saved
    return classes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="measured runs per command")
    parser.add_argument("--skip-big-pages", action="store_true",
                        help="skip the 10,000-student run with pages (the slowest row)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    print(f"issue 17 targets · whole processes, median of {args.repeat} · {os.cpu_count()} CPUs "
          f"· Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="mlquiz-targets-") as tmp:
        work = Path(tmp)
        env = child_env(work / "pycache")
        classes = make_classes(work)
        cm_exam, cm_answers = map(str, classes["cm"])
        big_exam, big_answers = map(str, classes["big"])
        rows = [
            ("generate 10 questions x 100 students, html+keys",
             ["generate", "--count", "100", "--seed", "1", "--questions", GENERATE_QUESTIONS,
              "--format", "html", "--force", "--out", str(work / "gen")], 0.7),
            ("grade 2,500 x 4 = 10,000 answers, --no-pages",
             ["grade", cm_exam, cm_answers, "--no-pages", "--out", str(work / "g1")], 0.4),
            ("grade 2,500 x 4 = 10,000 answers, html+md pages",
             ["grade", cm_exam, cm_answers, "--out", str(work / "g2")], 1.2),
            ("grade 10,000 x 10 parts, --no-pages",
             ["grade", big_exam, big_answers, "--no-pages", "--out", str(work / "g3")], 3.0),
            ("grade 10,000 x 10 parts, html+md pages",
             ["grade", big_exam, big_answers, "--out", str(work / "g4")], 20.0),
            ("mlquiz show metrics/confusion-matrix --seed 3",
             ["show", "metrics/confusion-matrix", "--seed", "3"], 0.25),
            ("mlquiz check metrics/confusion-matrix (one answer)",
             ["check", "metrics/confusion-matrix", "--seed", "7", "--part", "f1", "--", "0.5"],
             0.25),
        ]
        big_no_pages: Timing | None = None
        for label, command, target in rows:
            if args.skip_big_pages and target == 20.0:
                print(f"{label:<52} skipped (--skip-big-pages)")
                continue
            slow = target >= 20  # one run: the caches are warm by then
            timing = timed(command, env, 1 if slow else args.repeat, warm=not slow)
            report(label, timing, target)
            if command[0] == "grade" and command[1] == big_exam and "--no-pages" in command:
                big_no_pages = timing
        if big_no_pages is not None:
            print(f"{'peak memory, grading 10,000 x 10 (--no-pages)':<52} "
                  f"{big_no_pages.peak_mb:6.0f} MB{'':<22}target <= 300 MB: "
                  f"{verdict(big_no_pages.peak_mb, 300)}")


if __name__ == "__main__":
    main()
