"""mlquiz's grader: safe answer parsing, checking, feedback, exam sheets, batch grading,
practice, and the `mlquiz` command line.

Public API::

    result = check(instance, "f1", "8/13")        # Result(status, score, feedback, mistake, ...)
    item = check_all(instance, {"f1": "8/13", ...})
    generate_exam(...), grade_exam(...)            # what `mlquiz generate` / `mlquiz grade` do

Names are imported on first use, so `import grader` (and `mlquiz --help`) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from questionbank.lazy import lazy_exports

if TYPE_CHECKING:
    from grader.exam.generate import generate_exam
    from grader.exam.grade import grade_exam
    from grader.judge.check import ItemResult, Result, check, check_all

__all__ = ["ItemResult", "Result", "check", "check_all", "generate_exam", "grade_exam"]

_LAZY = {
    "check": "grader.judge.check", "check_all": "grader.judge.check",
    "Result": "grader.judge.check",
    "ItemResult": "grader.judge.check", "generate_exam": "grader.exam.generate",
    "grade_exam": "grader.exam.grade",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())
