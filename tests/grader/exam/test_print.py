"""Printed html sheets: headless Chromium prints a generated sheet to an A4 PDF (as an
instructor's browser does), and ``pdftotext -layout`` reads each page back.

Playwright for Python drives Debian's chromium (never ``playwright install``); pdftotext is
Debian's poppler-utils. Both are installed by .ci/run; elsewhere the tests are skipped, with the
reason, when one is missing.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.exam.generate import generate_exam
from grader.exam.manifest import load_manifest
from grader.exam.roster import Student
from grader.files import student_stem

from ...helpers import browser_missing, launched_browser

MISSING = browser_missing("printing", "pdftotext")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


def print_pages(browser: Any, html: Path) -> list[str]:
    """The text of each page of `html` printed to PDF the way a browser's print dialog does
    (the page's own A4 size and margins, no browser header or footer)."""
    page = browser.new_page()
    try:
        page.goto(html.resolve().as_uri())
        pdf = html.with_suffix(".pdf")
        page.pdf(path=str(pdf), prefer_css_page_size=True)
    finally:
        page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    return text.split("\f")[:-1]  # every page ends with a form feed


class Printed:
    """The pages' text in one string, to find things in reading order and say their page."""

    def __init__(self, pages: list[str]) -> None:
        self.text = "\f".join(pages)
        self.at = 0

    def next(self, pattern: str) -> int:
        """The page (from 0) of the next match of `pattern` after the previous one found."""
        match = re.compile(pattern).search(self.text, self.at)
        assert match is not None, f"{pattern!r} after offset {self.at}"
        self.at = match.end()
        return self.text.count("\f", 0, match.start())


def test_printed_sheet_keeps_questions_together_and_labels_every_page(
        tmp_path: Path, browser: Any) -> None:
    """The sample exam's 4 questions on A4 with the default working space: each part whole,
    a question that fits a page on one page, and every page names the student and its
    number."""
    generate_exam(tmp_path, roster=[Student("s001", "Ada Lovelace")], seed=5,
                  formats=["html"], title="Quiz 3")
    pages = print_pages(browser, tmp_path / "sheets" / f"{student_stem('s001')}.html")
    assert len(pages) == 4
    for number, text in enumerate(pages, start=1):
        assert re.search(r"Quiz 3\s+ID: s001\n", text), f"page {number} header"
        assert f"page {number} of 4" in text, f"page {number} footer"
    html = (tmp_path / "sheets" / f"{student_stem('s001')}.html").read_text("utf-8")
    kept = re.findall(r'<div class="question( keep)?">', html)
    assert kept == ["", " keep", " keep", " keep"], "the confusion matrix (4 parts) is longer"
    printed = Printed(pages)
    for question, keep in zip(load_manifest(tmp_path / "exam.json").questions, kept,
                              strict=True):
        heading = printed.next(rf"Question {question.number} \(")
        boxes = []
        for letter, part in zip("abcdefgh", question.parts, strict=False):
            prompt = printed.next(rf"\({letter}\) ")
            boxes.append(printed.next(rf"\bQ{question.number}\.{part.id}\b"))
            assert prompt == boxes[-1], f"Q{question.number}.{part.id} and its box on one page"
        assert boxes[0] == heading, "a question's heading stays with its first part"
        if keep:
            assert boxes[-1] == heading, f"question {question.number} on one page"


def test_printed_class_file_names_each_student_on_their_pages(tmp_path: Path,
                                                              browser: Any) -> None:
    generate_exam(tmp_path, roster=[Student("s001"), Student("s002")], seed=5,
                  formats=["html"], questions=["dropout/inverted"], layout=None)
    pages = print_pages(browser, tmp_path / "sheets-all.html")
    assert len(pages) == 2, "one page per student, each student on a page of their own"
    assert "ID: s001" in pages[0] and "s002" not in pages[0]
    assert "ID: s002" in pages[1] and "page 2 of 2" in pages[1]
