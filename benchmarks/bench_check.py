"""Grading benchmark: `grader.judge.check` calls per second by answer type, in one process, and the
slowest single check over the hostile inputs of ``tests/grader/test_hostile.py``.

Run: python benchmarks/bench_check.py [--seconds S] [--runs N]
Targets (issue 3, this machine, one process): number >= 50,000 checks/s; vector of 5
>= 20,000/s; expression median <= 0.2 ms per check; no single check over 50 ms, whatever the
input. Every figure is the best of --runs runs (the machine may be shared), so a figure is what
the code can do, not what a busy neighbour left over.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The answer types the built-in bank does not use yet (integer 16, matrix [[4, 1], [2, 5]],
# choices with two right options out of four).
EXTRA_TEMPLATE = """\
title: Extra answer types
topic: benchmark
difficulty: 1
version: 1
params:
  n: {type: int, min: 2, max: 9}
prompt: n = {{ n }}.
solution: See the parts.
parts:
  - {id: count, type: integer, prompt: n squared, answer: n * n}
  - {id: grid, type: matrix, prompt: A matrix, answer: "[[n, 1], [2, n + 1]]"}
  - id: pick
    type: choice
    prompt: Which number is even?
    shuffle: false
    options: [{text: "2", correct: true}, {text: "3"}, {text: "5"}]
  - id: picks
    type: choices
    prompt: Which numbers are prime?
    shuffle: false
    options: [{text: "2", correct: true}, {text: "3", correct: true}, {text: "4"}, {text: "6"}]
"""


@dataclass(frozen=True)
class Case:
    """One benchmarked call: `check(instance, part, answer)`, labelled."""

    label: str
    type: str
    instance: Any
    part: str
    answer: str


def build_instances(folder: Path) -> dict[str, Any]:
    from questionbank import generate
    from questionbank.bank import load_bank

    (folder / "extra.yaml").write_text(EXTRA_TEMPLATE, encoding="utf-8")
    return {
        "extra": generate(load_bank([folder], builtin=False, use_env=False).get("extra"), 1,
                          {"n": 4}),
        "metrics": generate("metrics/confusion-matrix", 1,
                            {"tp": 80, "fp": 80, "fn": 20, "tn": 820}),       # f1 = 8/13
        "mask": generate("dropout/apply-mask", 1,
                         {"a": [2.0, 5.0, 7.12, 4.5, 6.0], "m": [1, 0, 0, 1, 1]}),
        "shape": generate("gradients/shape", 1, {"n": 3, "m": 4}),
        "lsq": generate("gradients/matrix-calculus", 1,
                        {"form": "least-squares", "n": 3, "m": 4, "k": 2}),
        "frob": generate("gradients/matrix-calculus", 1,
                         {"form": "frobenius", "n": 3, "m": 4, "k": 2}),
    }


def cases(inst: dict[str, Any]) -> list[Case]:
    return [
        Case("number, decimal 0.615", "number", inst["metrics"], "f1", "0.615"),
        Case("number, fraction 8/13", "number", inst["metrics"], "f1", "8/13"),
        Case("number, percent 61.5%", "number", inst["metrics"], "f1", "61.5%"),
        Case("number, wrong 61.5 (detectors)", "number", inst["metrics"], "f1", "61.5"),
        Case("number, invalid 0,615", "number", inst["metrics"], "f1", "0,615"),
        Case("integer 16", "integer", inst["extra"], "count", "16"),
        Case("vector of 5", "vector", inst["mask"], "output", "[2, 0, 0, 4.5, 6]"),
        Case("vector of 5, wrong order", "vector", inst["mask"], "output", "[6, 0, 0, 4.5, 2]"),
        Case("matrix 2x2", "matrix", inst["extra"], "grid", "[[4, 1], [2, 5]]"),
        Case("shape 3x4", "shape", inst["shape"], "shape", "3x4"),
        Case("shape, transposed 4x3", "shape", inst["shape"], "shape", "4x3"),
        Case("choice B", "choice", inst["extra"], "pick", "A"),
        Case("choices A, B", "choices", inst["extra"], "picks", "A, B"),
        Case("expression 2*X", "expression", inst["frob"], "grad", "2*X"),
        Case("expression 2*(W*x - y)*x^T", "expression", inst["lsq"], "grad",
             "2*(W*x - y)*x^T"),
        Case("expression, mistake (no factor 2)", "expression", inst["lsq"], "grad",
             "(W*x - y)*x^T"),
        Case("expression, wrong (generic)", "expression", inst["lsq"], "grad", "W*x*x^T"),
    ]


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Calls per second of `fn` over about `seconds` of wall time: (per wall-clock second, per
    CPU second of this process). On a shared machine the second discounts the time the process
    spent waiting for a core."""
    count, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        for _ in range(50):
            fn()
        count += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed, count / max(time.process_time() - cpu_start, 1e-9)


def median_ms(fn: Callable[[], object], n: int) -> float:
    """Median wall time of one call, in milliseconds, over `n` individually timed calls."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


TARGETS = {"number, decimal 0.615": ("rate", 50_000), "number, fraction 8/13": ("rate", 50_000),
           "number, percent 61.5%": ("rate", 50_000), "vector of 5": ("rate", 20_000),
           "expression 2*X": ("median", 0.2), "expression 2*(W*x - y)*x^T": ("median", 0.2)}


def throughput(all_cases: list[Case], seconds: float, runs: int) -> None:
    from grader.judge.check import check

    print(f"checks per second by answer type (best of {runs} runs, one process; 'wall' is per "
          "wall-clock second, 'cpu' per CPU second of this process, 'median' one call)")
    print(f"  {'case':<36} {'wall/s':>9} {'cpu/s':>9} {'median µs':>10}   target (on cpu/s)")
    for case in all_cases:
        result = check(case.instance, case.part, case.answer)  # warm caches, show the verdict

        def call(c: Case = case) -> object:
            return check(c.instance, c.part, c.answer)

        rates = [rate(call, seconds) for _ in range(runs)]
        wall, cpu = max(r[0] for r in rates), max(r[1] for r in rates)
        best_median = min(median_ms(call, 300 if case.type == "expression" else 2000)
                          for _ in range(runs))
        target = TARGETS.get(case.label)
        verdict = ""
        if target and target[0] == "rate":
            ok = cpu >= target[1]
            verdict = f">= {target[1]:,}/s {'ok' if ok else 'BELOW TARGET'}"
        elif target:
            ok = best_median <= target[1]
            verdict = f"median <= {target[1]} ms {'ok' if ok else 'ABOVE TARGET'}"
        print(f"  {case.label:<36} {wall:>9,.0f} {cpu:>9,.0f} {best_median * 1000:>10.1f}   "
              f"{verdict:<28} [{result.status}{', ' + result.mistake if result.mistake else ''}]")


def hostile_inputs() -> list[tuple[str, str]]:
    """(group, text) of every case of tests/grader/test_hostile.py."""
    path = ROOT / "tests" / "grader" / "test_hostile.py"
    spec = importlib.util.spec_from_file_location("_hostile_cases", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return [(h.group, h.text) for h in module.HOSTILE]


def worst_case(inst: dict[str, Any], runs: int) -> None:
    from grader.judge.check import check

    targets = [("number", inst["metrics"], "f1"), ("integer", inst["extra"], "count"),
               ("vector", inst["mask"], "output"), ("matrix", inst["extra"], "grid"),
               ("shape", inst["shape"], "shape"), ("choice", inst["extra"], "pick"),
               ("choices", inst["extra"], "picks"), ("expression", inst["lsq"], "grad")]
    inputs = hostile_inputs()
    timings = []
    for group, text in inputs:
        for kind, instance, part in targets:
            best = float("inf")
            for _ in range(runs):
                start = time.perf_counter()
                result = check(instance, part, text)
                best = min(best, time.perf_counter() - start)
            timings.append((best, group, kind, text, result.status))
    timings.sort(reverse=True)
    total = len(timings)
    print(f"\nhostile inputs: {len(inputs)} inputs x {len(targets)} answer types = {total} checks"
          f" (each the best of {runs})")
    worst = timings[0][0]
    print(f"  worst single check: {worst * 1000:.2f} ms   target <= 50 ms  "
          f"{'ok' if worst <= 0.05 else 'ABOVE TARGET'}")
    print("  slowest five:")
    for seconds, group, kind, text, status in timings[:5]:
        shown = repr(text) if len(text) <= 40 else f"{text[:30]!r}... ({len(text)} chars)"
        print(f"    {seconds * 1000:7.2f} ms  {kind:<10} {group:<10} {status:<9} {shown}")
    print(f"  median over all: {statistics.median(t[0] for t in timings) * 1000:.3f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.4, help="time per case per run")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure; the best is shown")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inst = build_instances(Path(tmp))
        throughput(cases(inst), args.seconds, args.runs)
        worst_case(inst, args.runs)


if __name__ == "__main__":
    main()
