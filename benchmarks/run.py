"""Run every benchmark in this folder, one after the other: python benchmarks/run.py"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    status = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"=== {script.name}", flush=True)
        status |= subprocess.run([sys.executable, str(script), *sys.argv[1:]]).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
