"""Printed LaTeX sheets: pdflatex (twice, for "page x of y") and ``pdftotext -layout`` per page.

Needs Debian's texlive-latex-base, texlive-latex-recommended and lmodern, and poppler-utils
(.ci/run installs them, and in CI they must be there); skipped, with the reason,
elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.exam.generate import generate_exam
from grader.exam.manifest import load_manifest
from grader.exam.roster import Student

MISSING = ("pdflatex is not installed (apt-get install texlive-latex-base "
           "texlive-latex-recommended lmodern)" if shutil.which("pdflatex") is None else
           "pdftotext is not installed (apt-get install poppler-utils)"
           if shutil.which("pdftotext") is None else None)
if MISSING and os.environ.get("CI") == "true":  # .ci/run installs them: they must run there
    raise RuntimeError(f"LaTeX printing tests cannot run in CI: {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def test_tex_sheets_keep_questions_on_a_page_and_number_each_students_pages(
        tmp_path: Path) -> None:
    generate_exam(tmp_path, roster=[Student("s001"), Student("s002")], seed=5, formats=["tex"])
    for _ in range(2):
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                        "sheets-all.tex"], cwd=tmp_path, capture_output=True, timeout=300,
                       check=True)
    text = subprocess.run(["pdftotext", "-layout", "sheets-all.pdf", "-"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=True).stdout
    pages = text.split("\f")[:-1]
    per_student = len(pages) // 2
    assert len(pages) == 2 * per_student
    for index, page in enumerate(pages):
        student, number = divmod(index, per_student)
        assert re.search(rf"ID: s00{student + 1}\n", page), f"page {index + 1}"
        assert f"page {number + 1} of {per_student}" in page
    questions = load_manifest(tmp_path / "exam.json").questions
    for student in range(2):
        own = pages[student * per_student:(student + 1) * per_student]
        for question in questions:
            first = [i for i, p in enumerate(own) if f"Question {question.number} (" in p]
            last = [i for i, p in enumerate(own)
                    if re.search(rf"\bQ{question.number}\.{question.parts[-1].id}\b", p)]
            assert first == last and len(first) == 1, f"question {question.number} on one page"
