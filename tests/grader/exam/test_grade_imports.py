"""What ``mlquiz grade`` imports: grading a class from its manifest loads only the modules it
uses (each import costs start-up time on every run; speed is measured in `benchmarks/`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: Modules that grading a stored exam without pages does not need.
NOT_NEEDED = ("pkgutil", "grader.exam.submission_records")

GRADE_SCRIPT = """
import json, sys
from grader.cli import cli
try:
    cli(sys.argv[1:], prog_name="mlquiz")
except SystemExit as exc:
    assert exc.code == 0, exc.code
print(json.dumps(sorted(sys.modules)))
"""


def test_grading_without_pages_imports_only_what_it_uses(tmp_path: Path) -> None:
    exam = tmp_path / "exam"
    subprocess.run([sys.executable, "-m", "grader", "generate", "--count", "2", "--seed", "7",
                    "--questions", "metrics/confusion-matrix", "--out", str(exam)],
                   check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-c", GRADE_SCRIPT, "grade", str(exam / "exam.json"),
                           str(exam / "answers.csv"), "--out", str(tmp_path / "graded"),
                           "--no-pages"], check=True, capture_output=True, text=True)
    modules = json.loads(proc.stdout.splitlines()[-1])
    assert "grader.exam.grade" in modules
    assert [m for m in NOT_NEEDED if m in modules] == []
