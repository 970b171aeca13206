"""Core benchmark: instances generated per second per template (in-process), and the wall time
of `mlquiz --help` and `mlquiz show` in a new process.

Run: python benchmarks/bench_core.py [--seconds S]
Targets (issue 2, 2-core machine): >= 2,000 instances/s for numeric templates, >= 200/s for
gradients/matrix-calculus; `mlquiz --help` <= 0.2 s (numpy and sympy not imported). The
templates added by issue 16: >= 1,000 instances/s with text.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _rate(fn: object, seconds: float) -> float:
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            fn(1000 + count)  # type: ignore[operator]
            count += 1
        best = max(best, count / (time.perf_counter() - start))
    return best


def instances_per_second(seconds: float) -> list[tuple[str, float, float]]:
    """Per template: instances/s with prompt and solution rendered (the default), and without
    (params, reference answers; text rendered on first use, as grading a stored exam does)."""
    from questionbank.api import default_bank
    from questionbank.instance import generate

    bank = default_bank()
    rows = []
    for template_id in bank.ids():
        template = bank.get(template_id)
        for seed in range(20):  # warm caches (Jinja compilation, sympy for matrix calculus)
            generate(template, seed)
        full = _rate(lambda s, t=template: generate(t, s), seconds / 2)
        bare = _rate(lambda s, t=template: generate(t, s, render_text=False), seconds / 2)
        rows.append((template_id, full, bare))
    return rows


#: Instances/s with text, where the target is not 2,000: matrix calculus (sympy), and the
#: templates of issue 16 (1,000).
TARGETS = {"gradients/matrix-calculus": 200, **dict.fromkeys((
    "backprop/softmax-cross-entropy", "backprop/two-layer", "metrics/threshold",
    "metrics/roc-auc", "metrics/multiclass-f1", "layers/param-count",
    "layers/conv-output-shape", "regularization/weight-decay-step", "normalization/batchnorm",
    "initialization/xavier-he", "fitting/learning-curves", "optimization/lr-divergence"), 1000)}


def wall_time(args: list[str], repeat: int = 7) -> float:
    """Median wall time of a fresh process running `mlquiz ARGS`."""
    exe = shutil.which("mlquiz")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "grader", *args]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_modules_for_help() -> list[str]:
    code = ("import sys; from grader.cli import cli\n"
            "try:\n    cli(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print('MODULES:' + ','.join(m for m in ('numpy', 'sympy', 'jinja2')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("MODULES:"))
    return [m for m in line.removeprefix("MODULES:").split(",") if m]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.5, help="time per template")
    args = ap.parse_args()
    print("instances generated per second (best of 3, one process)")
    print(f"  {'template':<32} {'rendered':>10} {'no text':>10}   target")
    for template_id, full, bare in instances_per_second(args.seconds):
        target = TARGETS.get(template_id, 2000)
        mark = "ok" if full >= target else ("ok without text" if bare >= target else "BELOW")
        print(f"  {template_id:<32} {full:>8.0f}/s {bare:>8.0f}/s   >= {target}/s  {mark}")
    help_time = wall_time(["--help"])
    print(f"mlquiz --help                           {help_time * 1000:7.0f} ms   target <= 200 ms"
          f"  {'ok' if help_time <= 0.2 else 'ABOVE TARGET'}")
    print(f"  heavy modules imported by --help: {heavy_modules_for_help() or 'none'}")
    show_time = wall_time(["show", "metrics/confusion-matrix", "--seed", "1"])
    print(f"mlquiz show metrics/confusion-matrix    {show_time * 1000:7.0f} ms")
    json_time = wall_time(["show", "gradients/matrix-calculus", "--format", "json"])
    print(f"mlquiz show gradients/matrix-calculus   {json_time * 1000:7.0f} ms (imports sympy)")


if __name__ == "__main__":
    main()
