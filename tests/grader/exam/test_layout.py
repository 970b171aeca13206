"""Sheet layout: ``generate --subtitle``, ``--instructions`` and ``--space`` on every sheet
format, and the print CSS of html sheets (`grader.exam.layout`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.exam.generate import generate_exam
from grader.exam.layout import (
    MAX_INSTRUCTIONS_CHARS,
    SheetLayout,
    css_string,
    parse_space,
    question_fits_page,
    read_instructions,
)
from grader.exam.roster import Student
from grader.exam.sheets import item_view
from questionbank.api import default_bank
from questionbank.errors import InputError
from questionbank.instance import generate

INSTRUCTIONS = "**Closed book.** Show your *working*.\n\n- one <b>two</b>\n- $x$ & {{ y }}\n"


@pytest.mark.parametrize(("text", "length"), [
    ("none", "0cm"), ("small", "1.5cm"), ("Medium", "3cm"), ("large", "5cm"),
    ("4cm", "4cm"), ("30mm", "30mm"), ("1.5in", "1.5in"), (" 2.25CM ", "2.25cm")])
def test_parse_space(text: str, length: str) -> None:
    assert parse_space(text) == length


@pytest.mark.parametrize("text", ["huge", "4", "-1cm", "4 cm", "26cm", "4pt", "1e3cm",
                                  "4cm;}body{", ""])
def test_parse_space_refuses(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_space(text)
    assert str(info.value) == ("--space: expected none, small, medium, large or a length of "
                               f"at most 25cm such as 4cm, 30mm or 1.5in, got {text!r}")


def test_css_string_cannot_leave_its_string_or_the_style_element() -> None:
    text = css_string('Zoë "</style><script>\\ \n')
    # each escape ends with a space that CSS reads as its end, not as text
    assert text == ('"Zo\\0000eb  \\000022 \\00003c \\00002f style\\00003e \\00003c script'
                    '\\00003e \\00005c   "')


def test_read_instructions_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.md: cannot read the instructions: No such file"):
        read_instructions(tmp_path / "nope.md")
    big = tmp_path / "big.md"
    big.write_text("x" * (MAX_INSTRUCTIONS_CHARS + 1), "utf-8")
    with pytest.raises(InputError) as info:
        read_instructions(big)
    assert str(info.value) == (f"{big}: the instructions are 20,001 characters long; a sheet "
                               "takes at most 20,000")
    crlf = tmp_path / "crlf.md"
    crlf.write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    assert read_instructions(crlf) == "one\ntwo"


def test_subtitle_instructions_and_space_on_every_format(tmp_path: Path) -> None:
    layout = SheetLayout("ML 101 <i>5 May</i> & co", INSTRUCTIONS, "4cm")
    generate_exam(tmp_path, roster=[Student("s1", "Ada")], seed=1, formats=["html", "md", "tex"],
                  questions=["dropout/inverted"], layout=layout)
    html = (tmp_path / "sheets-all.html").read_text("utf-8")
    assert '<p class="subtitle">ML 101 &lt;i&gt;5 May&lt;/i&gt; &amp; co</p>' in html
    assert ('<div class="instructions"><p><strong>Closed book.</strong> Show your '
            '<em>working</em>.</p>\n<ul><li>one &lt;b&gt;two&lt;/b&gt;</li><li>$x$ &amp; '
            '{{ y }}</li></ul></div>') in html
    assert html.count('<div class="work" style="height: 4cm">') == 2  # one per part
    md = (tmp_path / "sheets-all.md").read_text("utf-8")
    assert "ML 101 \\<i\\>5 May\\</i\\> \\& co\n" in md
    assert INSTRUCTIONS.strip() in md, "Markdown sheets hold the instructions as written"
    tex = (tmp_path / "sheets-all.tex").read_text("utf-8")
    assert r"{\large ML 101 \textless{}i\textgreater{}5 May" in tex
    assert r"\textbf{Closed book.} Show your \emph{working}." in tex
    assert r"\item \$x\$ \& \{\{ $y$ \}\}" in tex
    assert tex.count(r"\workspace{4cm}") == 2
    keys = (tmp_path / "keys-all.html").read_text("utf-8")
    assert "Closed book" not in keys and 'class="work"' not in keys, "keys need neither"


def test_no_working_space(tmp_path: Path) -> None:
    generate_exam(tmp_path, count=1, seed=1, formats=["html", "tex"],
                  questions=["dropout/inverted"], layout=SheetLayout(space="0cm"))
    assert 'class="work"' not in (tmp_path / "sheets-all.html").read_text("utf-8")
    assert r"\workspace{" not in (tmp_path / "sheets-all.tex").read_text("utf-8")


def test_running_header_names_each_student_on_their_pages(tmp_path: Path) -> None:
    generate_exam(tmp_path, roster=[Student("a\"1"), Student("b2")], seed=1, formats=["html"],
                  questions=["dropout/inverted"], title="Quiz </style>")
    html = (tmp_path / "sheets-all.html").read_text("utf-8")
    assert "@top-left { content: \"Quiz \\00003c \\00002f style\\00003e \"; }" in html
    assert "section.sheet:nth-of-type(1) { page: sheet-1; }" in html
    assert '@page sheet-1 { @top-right { content: "ID\\00003a  a\\000022 1"; } }' in html
    assert '@page sheet-2 { @top-right { content: "ID\\00003a  b2"; } }' in html
    assert 'content: "page " counter(page) " of " counter(pages)' in html
    assert html.count("</style>") == 1


def test_question_fits_page_estimate() -> None:
    bank = default_bank()
    short = item_view(1, generate(bank.get("dropout/inverted"), 5), "html")
    long = item_view(1, generate(bank.get("metrics/confusion-matrix"), 5), "html")
    assert question_fits_page(short, "1.5cm")
    assert question_fits_page(long, "0cm")
    assert not question_fits_page(long, "1.5cm"), "4 parts with working space: over a page"
    assert not question_fits_page(short, "20cm")


def test_cli_layout_options(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("Use a **pen**.\n", "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "generate", "--count", "1", "--subtitle", "ML 101",
         "--instructions", "notes.md", "--space", "medium", "--out", "q", "--seed", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "q" / "sheets-all.html").read_text("utf-8")
    assert "Use a <strong>pen</strong>." in html and "ML 101" in html
    assert 'style="height: 3cm"' in html
    bad = subprocess.run(
        [sys.executable, "-m", "grader", "generate", "--count", "1", "--space", "huge"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2
    assert "Invalid value for --space: expected none, small, medium, large" in bad.stderr


def test_a_key_is_estimated_with_its_solution_and_without_working_space() -> None:
    item = item_view(1, generate(default_bank().get("dropout/inverted"), 5), "html")
    assert question_fits_page(item, "20cm", key=True), "keys have no working space"
    long = {**item, "solution": "<p>" + "word " * 2000 + "</p>"}
    assert question_fits_page(long, "0cm") and not question_fits_page(long, "0cm", key=True)
