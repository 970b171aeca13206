"""Details of the html pages an instructor reads (issue 13, point 8): the summary's example
feedback rendered like the feedback pages, a long ``<pre>`` kept inside its card, a choice
option on its letter's line, and the number hint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from grader.exam.generate import generate_exam
from grader.exam.grade import grade_exam
from grader.pages import FORMAT_HINTS


def test_summary_example_feedback_is_rendered(tmp_path: Path) -> None:
    generate_exam(tmp_path / "exam", count=30, seed=4, formats=["html"], sample_answers=True,
                  questions=["metrics/confusion-matrix"])
    grade_exam(tmp_path / "exam" / "exam.json", tmp_path / "exam" / "sample-answers.csv",
               tmp_path / "graded", feedback_pages=False)
    html = (tmp_path / "graded" / "summary.html").read_text("utf-8")
    cells = re.findall(r'<td class="example">(.*?)</td>', html, re.S)
    assert cells
    for cell in cells:
        assert "**" not in cell and "`" not in cell, "Markdown is rendered, not shown raw"
        if cell.startswith("<pre>"):  # an answer echoed with a caret under it keeps its lines
            assert "\n" in cell
        else:
            assert cell.startswith("<p>")
    assert any("<em>" in cell for cell in cells)
    assert any(cell.startswith("<pre>Could not read the answer") for cell in cells)


def test_feedback_page_pre_stays_in_its_card() -> None:
    template = (Path(__file__).parents[3] / "templates" / "student_feedback.html.j2").read_text()
    assert "grid-template-columns: max-content minmax(0, 1fr)" in template
    assert ".part dd { margin: 0; min-width: 0; }" in template


def test_show_html_puts_an_option_on_its_letter_line() -> None:
    run = subprocess.run([sys.executable, "-m", "grader", "show", "dropout/where", "--seed", "1",
                          "--format", "html"], capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert re.search(r"<li><strong>A\)</strong> [A-Z][^<]*</li>", run.stdout)
    assert "<strong>A)</strong> <p>" not in run.stdout


def test_number_hint_does_not_offer_percentages_to_every_number() -> None:
    assert FORMAT_HINTS["number"] == "a number: decimal (0.615) or fraction (8/13)"
