"""LMS export speed: ``python benchmarks/bench_export.py``.

Prints wall-clock and CPU seconds (CPU time is the steadier figure on a busy machine) for:

1. 100 variants of ``metrics/confusion-matrix`` to Moodle XML (target < 0.5 s; R/exams'
   ``exams2moodle`` takes about 7 s for 100 variants of one exercise);
2. the whole built-in bank x 20 variants, to each format (target < 5 s each).

Each figure is the best of ``--repeat`` runs (default 3), in one process after one warm-up
export (the first loads numpy, sympy and the templates). Output goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.export import export_questions
from questionbank.bank import load_bank


def best_of(repeat: int, run: object) -> tuple[float, float]:
    """The smallest wall-clock and CPU seconds of `repeat` calls of `run`."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def report(label: str, figures: tuple[float, float], target: float) -> None:
    wall, cpu = figures
    verdict = "met" if wall < target else "NOT met"
    print(f"{label:<58} {wall:7.3f} s wall {cpu:7.3f} s cpu  (target < {target:g} s: "
          f"{verdict})", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bank = load_bank(use_env=False)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        export_questions(out / "warm.xml", "moodle", ids=["metrics/confusion-matrix"],
                         variants=2, seed=0, bank=bank)
        report("100 variants of metrics/confusion-matrix -> Moodle XML",
               best_of(args.repeat, lambda: export_questions(
                   out / "cm.xml", "moodle", ids=["metrics/confusion-matrix"], variants=100,
                   seed=1, bank=bank)), 0.5)
        for fmt, ext in (("moodle", "xml"), ("qti", "zip"), ("gift", "gift")):
            report(f"whole bank ({len(bank.ids())} templates) x 20 variants -> {fmt}",
                   best_of(args.repeat, lambda fmt=fmt, ext=ext: export_questions(
                       out / f"bank.{ext}", fmt, variants=20, seed=1, bank=bank)), 5.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
