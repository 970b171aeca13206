"""Exam generation and batch grading at scale: ``python benchmarks/bench_exam.py``.

Prints wall-clock and CPU seconds (CPU time is the steadier figure on a busy machine) for:

1. ``generate``: 1,000 students x 5 questions with html sheets and keys (target <= 10 s);
2. ``grade``: 10,000 students x 10 parts to gradebook.csv, report.json and summary.html in one
   process (target <= 10 s), then the same with ``--jobs`` worker processes;
3. the same class with one answer in ten a declared mistake (no target);
4. the per-student feedback pages, measured separately on 1,000 students;
5. the peak memory of the process (``ru_maxrss``; target <= 500 MB).

The 10,000-student manifest is made from 1,000 generated students, each record copied ten
times under new ids: every row is graded on its own all the same (nothing is kept from one
row to the next), and the setup stays short. The answers are mostly right (in several
notations), some wrong, blank or unreadable; in the third run one answer in ten is a declared
mistake, whose feedback needs its question rebuilt. Options: ``--students N`` (grading class
size), ``--jobs N``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

GENERATE_QUESTIONS = ("metrics/confusion-matrix,dropout/inverted,gradients/layer-shapes,"
                      "gradients/matrix-calculus,dropout/apply-mask")
#: 4 + 3 + 2 + 1 = 10 parts
GRADE_QUESTIONS = "metrics/confusion-matrix,gradients/layer-shapes,dropout/inverted," \
                  "gradients/shape"


@contextmanager
def measure(label: str, target: float | None = None) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    goal = f"  (target <= {target:g} s: {'met' if wall <= target else 'NOT met'})" if target \
        else ""
    print(f"{label:<58} {wall:7.2f} s wall {cpu:7.2f} s cpu{goal}", flush=True)


def peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def answer_for(part: dict[str, Any], k: int, mistakes: bool = False) -> str:
    """A realistic mix: mostly right in several notations, some wrong, blank or unreadable;
    with `mistakes`, one answer in ten is one of the part's declared mistakes (whose feedback
    needs the question rebuilt) in place of an unreadable one."""
    kind, value = part["type"], part["answer"]
    choice = k % 10
    if choice < 5:
        return part["answer_text"]
    if choice == 9 and mistakes and part.get("mistakes"):
        mistaken = part["mistakes"][k // 10 % len(part["mistakes"])][1]
        if kind == "shape":
            return "x".join(map(str, mistaken))
        return repr(mistaken) if kind == "number" else \
            "[" + ", ".join(map(repr, mistaken)) + "]"
    if choice == 5 and kind == "number":
        return f"{value * 100:.4g}%"
    if choice == 6 and kind == "number":
        return f"{value * 100:.4g}"  # a percentage without its sign
    if choice == 7:
        return "0"
    if choice == 8:
        return ""
    return "[1, 2" if kind in ("vector", "matrix") else "x y z"


def class_of(size: int, workdir: Path, mistakes: bool = False) -> tuple[Path, Path]:
    """exam.json and answers.csv for `size` students (records copied from 1,000 real ones);
    `mistakes` as for `answer_for`."""
    from grader.exam.generate import generate_exam

    base = workdir / "base"  # made again for the class with mistakes: force replacing it
    generate_exam(base, count=min(size, 1000), seed=99, questions=[GRADE_QUESTIONS], force=True,
                  sheets=False)
    manifest = json.loads((base / "exam.json").read_text(encoding="utf-8"))
    originals = manifest["students"]
    width = len(str(size))
    students = []
    for i in range(size):
        record = dict(originals[i % len(originals)])
        record["id"] = f"t{i + 1:0{width}d}"
        students.append(record)
    manifest["students"] = students
    exam = workdir / f"exam-{size}.json"
    exam.write_text(json.dumps(manifest), encoding="utf-8")
    columns = [p["column"] for q in manifest["questions"] for p in q["parts"]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *columns])
    for i, s in enumerate(students):
        parts = [p for item in s["items"] for p in item["parts"]]
        writer.writerow([s["id"], *(answer_for(p, i + j, mistakes)
                                    for j, p in enumerate(parts))])
    answers = workdir / f"answers-{size}{'-mistakes' if mistakes else ''}.csv"
    answers.write_text(buffer.getvalue(), encoding="utf-8")
    return exam, answers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000, help="grading class size")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="worker processes for the parallel grading run")
    args = parser.parse_args(argv)

    from grader.exam.generate import generate_exam
    from grader.exam.grade import grade_exam
    from questionbank.api import default_bank, generate

    print(f"mlquiz exam benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    with measure("warm-up (imports, templates, sympy derivations)"):
        bank = default_bank()
        for template_id in {*GENERATE_QUESTIONS.split(","), *GRADE_QUESTIONS.split(",")}:
            for seed in range(40):
                generate(bank.get(template_id), seed)

    with tempfile.TemporaryDirectory(prefix="mlquiz-bench-") as tmp:
        work = Path(tmp)
        run: Callable[..., Any]
        with measure("generate 1,000 students x 5 questions, html sheets+keys", 10):
            generate_exam(work / "gen", count=1000, seed=1, questions=[GENERATE_QUESTIONS],
                          formats=["html"])
        files = sum(1 for _ in (work / "gen").rglob("*.html"))
        print(f"{'':<58} {files} html files")

        with measure(f"setup: manifest and answers for {args.students:,} students"):
            exam, answers = class_of(args.students, work)

        run = grade_exam
        with measure(f"grade {args.students:,} x 10 parts -> gradebook+summary, 1 process", 10):
            run(exam, answers, work / "graded", feedback_pages=False)
        if args.jobs > 1:
            with measure(f"grade {args.students:,} x 10 parts, --jobs {args.jobs}"):
                run(exam, answers, work / "graded-jobs", feedback_pages=False, jobs=args.jobs)
            same = all((work / "graded" / n).read_bytes() == (work / "graded-jobs" / n)
                       .read_bytes() for n in ("gradebook.csv", "report.json", "summary.html"))
            print(f"{'':<58} same bytes as 1 process: {same}")

        with measure("setup: the same class, 1 answer in 10 a declared mistake"):
            _, mistaken = class_of(args.students, work, mistakes=True)
        with measure(f"grade {args.students:,} x 10 parts, 1 in 10 a declared mistake"):
            run(exam, mistaken, work / "graded-mistakes", feedback_pages=False)

        small_exam, small_answers = class_of(1000, work / "small")
        with measure("grade 1,000 x 10 parts without feedback pages"):
            run(small_exam, small_answers, work / "small-nopages", feedback_pages=False)
        with measure("grade 1,000 x 10 parts with feedback pages (html+md)"):
            run(small_exam, small_answers, work / "small-pages", feedback_pages=True)

    print(f"{'peak memory (ru_maxrss)':<58} {peak_mb():7.0f} MB  (target <= 500 MB: "
          f"{'met' if peak_mb() <= 500 else 'NOT met'})")


if __name__ == "__main__":
    main()
