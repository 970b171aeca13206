"""Tests for grader.judge.feedback: a verdict rendered for a terminal (text), Markdown and HTML.

What is pinned: the whole rendering of the notes' precision example in every format; the
student's text is never markup in HTML and never a control sequence on a terminal; colour only
when asked and never under NO_COLOR (also through a real pseudo-terminal); templates use
StrictUndefined; the caret under a parse error survives every format.
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
import unicodedata

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.judge.check import STATUSES, Result, check, check_all
from grader.judge.feedback import (
    STATUS_LABELS,
    render_result,
    render_results,
    safe_terminal_text,
    use_colour,
)
from grader.pages import environment, render_page
from questionbank import generate
from questionbank.instance import Instance

NOTES_METRICS = {"tp": 80, "fp": 80, "fn": 20, "tn": 820, "orientation": "predicted-rows"}
ESC = "\x1b"


@pytest.fixture(scope="module")
def notes() -> Instance:
    """The course notes' confusion matrix: accuracy 0.9, precision 0.5, recall 0.8, F1 8/13."""
    return generate("metrics/confusion-matrix", 1, NOTES_METRICS)


@pytest.fixture(scope="module")
def calc() -> Instance:
    """Least squares: the gradient is 2*(W*x - y)*x^T with W 3x4, x 4x1, y 3x1."""
    return generate("gradients/matrix-calculus", 1,
                    {"form": "least-squares", "n": 3, "m": 4, "k": 2})


def controls(text: str) -> list[str]:
    """The control and format characters in `text`, except the newline."""
    return [f"U+{ord(c):04X}" for c in text
            if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")]


# --------------------------------------------------------------------------------------------
# the whole rendering, pinned


def test_text_rendering_of_a_declared_mistake(notes: Instance) -> None:
    result = check(notes, "precision", "0.8")
    assert render_result(notes, result, "text", show_answer=True) == (
        "Incorrect · precision · score 0\n"
        "  Your answer: 0.8\n"
        "  That is recall, TP / (TP + FN). Precision divides by the predicted positives: "
        "TP / (TP + FP).\n"
        "  [mistake: recall-for-precision]\n"
        "  Reference answer: 0.5\n")


def test_html_rendering_of_a_declared_mistake(notes: Instance) -> None:
    result = check(notes, "precision", "0.8")
    assert render_result(notes, result, "html", show_answer=True) == (
        '<div class="result incorrect">\n'
        '  <p><strong class="incorrect">Incorrect</strong> · precision · score 0</p>\n'
        "<p>Your answer: <code>0.8</code></p><p>That is recall, TP / (TP + FN). Precision "
        "divides by the <em>predicted</em> positives: TP / (TP + FP).</p>"
        "<p>Reference answer: <code>0.5</code></p></div>\n")


def test_md_rendering_of_a_declared_mistake(notes: Instance) -> None:
    page = render_result(notes, check(notes, "precision", "0.8"), "md", show_answer=True)
    assert page.startswith("**precision: Incorrect** (score 0)\n")
    assert "Your answer: `0.8`" in page
    assert "That is recall, TP / (TP + FN). Precision divides by the *predicted* positives" in page
    assert "Reference answer: `0.5`" in page


def test_md_rendering_separates_paragraphs(notes: Instance) -> None:
    page = render_result(notes, check(notes, "precision", "0.8"), "md")
    assert page.startswith("**precision: Incorrect** (score 0)\n\nYour answer: `0.8`\n\n"
                           "That is recall")


def test_reference_only_when_asked(notes: Instance) -> None:
    result = check(notes, "f1", "0.7")
    for fmt in ("text", "md", "html"):
        assert "Reference answer" not in render_result(notes, result, fmt)
        assert "8/13" in render_result(notes, result, fmt, show_answer=True)


@pytest.mark.parametrize(("answer", "label"), [("8/13", "Correct"), ("0.7", "Incorrect"),
                                               ("0,615", "Could not read")])
def test_each_status_is_shown_with_its_label(notes: Instance, answer: str, label: str) -> None:
    assert sorted(STATUS_LABELS) == sorted(STATUSES)
    result = check(notes, "f1", answer)
    assert STATUS_LABELS[result.status] == label
    assert render_result(notes, result, "text").startswith(f"{label} · f1")


def test_read_as_is_shown_when_it_differs(notes: Instance, calc: Instance) -> None:
    page = render_result(notes, check(notes, "f1", "8/13"), "text")
    assert page == "Correct · f1 · score 1\n  Your answer: 8/13   (read as 0.615384615385)\n" \
                   "  Correct.\n"
    page = render_result(calc, check(calc, "grad", "2 (W x - y) x'"), "html")
    assert "(read as <code>2*(W*x - y)*x^T</code>)" in page


def test_several_parts_in_one_block(notes: Instance) -> None:
    item = check_all(notes, {"accuracy": "0.9", "precision": "0.8", "f1": "61.5"})
    page = render_results(notes, item.results, "text")
    labels = [line for line in page.split("\n") if line and not line.startswith(" ")]
    assert labels == ["Correct · accuracy · score 1", "Incorrect · precision · score 0",
                      "Could not read · recall", "Incorrect · f1 · score 0"]
    assert "[mistake: percent-without-sign]" in page
    assert page.count('<div class="result') == 0
    assert render_results(notes, item.results, "html").count('<div class="result') == 4


# --------------------------------------------------------------------------------------------
# HTML: the student's text is never markup


@pytest.mark.parametrize(("answer", "escaped"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('"><img src=x onerror=alert(1)>', "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"),
    ("a & b", "a &amp; b"),
    ("<b>0.615</b>", "&lt;b&gt;0.615&lt;/b&gt;"),
])
def test_html_escapes_the_answer(notes: Instance, answer: str, escaped: str) -> None:
    page = render_result(notes, check(notes, "f1", answer), "html")
    assert f"<code>{escaped}</code>" in page
    assert "<script" not in page and "<img" not in page and "<b>" not in page


def test_html_escapes_a_result_built_by_hand(notes: Instance) -> None:
    """Whatever a Result holds (answer, read-as, feedback), it reaches HTML escaped."""
    result = Result(part="f1", status="incorrect", score=0.0, feedback="<i>x</i> & y",
                    answer="<u>1</u>", read_as="<s>1</s>")
    page = render_result(notes, result, "html")
    for raw in ("<i>", "<u>", "<s>"):
        assert raw not in page
    assert "&lt;u&gt;1&lt;/u&gt;" in page and "&lt;s&gt;1&lt;/s&gt;" in page
    assert "&lt;i&gt;x&lt;/i&gt; &amp; y" in page


def test_html_environment_autoescapes_and_text_does_not() -> None:
    assert environment(True).autoescape is True
    assert environment(False).autoescape is False
    assert environment(True).undefined is jinja2.StrictUndefined
    assert environment(False).undefined is jinja2.StrictUndefined


# --------------------------------------------------------------------------------------------
# terminal text: no control characters from the student


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[31mred\x1b[0m", "\\u001b[31mred\\u001b[0m"),
    ("a\rb", "a\\u000db"),
    ("ab\x08\x08cd", "ab\\u0008\\u0008cd"),
    ("\x9b2J", "\\u009b2J"),
    ("\u202eevil", "\\u202eevil"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\nbreak\tand tab", "line break and tab"),
    ("plain 0.615", "plain 0.615"),
])
def test_safe_terminal_text(text: str, shown: str) -> None:
    assert safe_terminal_text(text) == shown


def test_safe_terminal_text_is_cut() -> None:
    assert safe_terminal_text("1" * 500) == "1" * 400 + "... (500 characters)"


def test_answer_with_control_characters_is_shown_inertly(notes: Instance) -> None:
    """A Result can carry any answer (e.g. one read from a file); the terminal never gets it raw."""
    result = Result(part="f1", status="incorrect", score=0.0, feedback="Not correct.",
                    answer="0.7\x1b[2J\x1b[31m\r\x08\x07", read_as="0.7")
    page = render_result(notes, result, "text")
    assert controls(page) == []
    assert "Your answer: 0.7\\u001b[2J\\u001b[31m\\u000d\\u0008\\u0007" in page


@pytest.mark.parametrize("answer", ["\x1b[31m0.615", "0.615\r0.9", "0.6\x0815", "\x9b31m8/13",
                                    "\u202e8/13", "8/13\x07"])
def test_invalid_answer_echo_has_no_control_characters(notes: Instance, answer: str) -> None:
    result = check(notes, "f1", answer)
    assert result.status == "invalid"
    page = render_result(notes, result, "text")
    assert controls(page) == []
    assert "^" in page


@settings(max_examples=200, deadline=None)
@given(answer=st.text(alphabet=st.sampled_from(
    list("\x1b\r\x08\x07\x00\x9b\u202e\u200b\u2028[]();,.0123456789x/%-*^WTy ")) | st.characters(),
    max_size=80))
def test_no_control_character_reaches_the_terminal(notes: Instance, calc: Instance,
                                                   answer: str) -> None:
    """Whatever the answer, the terminal rendering of its verdict holds no control or format
    character but the newline (colour off), for a number and an expression part."""
    for instance, part in ((notes, "f1"), (calc, "grad")):
        page = render_result(instance, check(instance, part, answer), "text", show_answer=True)
        assert controls(page) == [], (answer, page)


# --------------------------------------------------------------------------------------------
# colour


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "tty", "expected"), [
    ({}, True, True),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": "yes"}, True, False),
    ({}, False, False),
    ({"TERM": "dumb"}, True, False),
])
def test_use_colour(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool,
                    expected: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stream = _Terminal() if tty else io.StringIO()
    assert use_colour(stream) is expected


@pytest.mark.parametrize(("answer", "code"), [("8/13", "32"), ("0.7", "31"), ("0,615", "33")])
def test_colour_only_when_asked(notes: Instance, answer: str, code: str) -> None:
    result = check(notes, "f1", answer)
    plain = render_result(notes, result, "text")
    assert ESC not in plain
    coloured = render_result(notes, result, "text", colour=True)
    assert coloured.startswith(f"\x1b[1;{code}m") and "\x1b[0m" in coloured
    assert coloured.replace(f"\x1b[1;{code}m", "").replace("\x1b[0m", "") == plain
    for fmt in ("md", "html"):
        assert ESC not in render_result(notes, result, fmt, colour=True)


def _check_on_a_terminal(extra_env: dict[str, str]) -> bytes:
    """Run ``mlquiz check`` with its standard output on a pseudo-terminal; return the bytes."""
    import pty

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "MLQUIZ_BANK")}
    env.update({"TERM": "xterm", **extra_env})
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "grader", "check", "metrics/confusion-matrix", "--seed", "1",
             "--part", "f1", "--param", "tp=80", "--param", "fp=80", "--param", "fn=20",
             "--param", "tn=820", "--", "8/13"],
            stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60, check=False)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the pty is closed once the output is read (EIO on Linux)
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0, proc.stderr
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_gets_colour_unless_no_color() -> None:
    coloured = _check_on_a_terminal({})
    assert coloured.startswith("\x1b[1;32mCorrect\x1b[0m · f1 · score 1".encode())
    plain = _check_on_a_terminal({"NO_COLOR": "1"})
    assert b"\x1b" not in plain
    assert plain.startswith("Correct · f1 · score 1".encode())


# --------------------------------------------------------------------------------------------
# StrictUndefined: a template error is an error, not a blank


@pytest.mark.parametrize("name", ["feedback.txt.j2", "feedback.md.j2", "feedback.html.j2"])
def test_missing_variable_is_an_error(name: str) -> None:
    with pytest.raises(jinja2.UndefinedError, match="'results' is undefined"):
        render_page(name, colours={})


@pytest.mark.parametrize("name", ["feedback.txt.j2", "feedback.md.j2", "feedback.html.j2"])
def test_missing_field_of_a_result_is_an_error(name: str) -> None:
    view = {"part": "f1", "status": "incorrect", "label": "Incorrect", "score": 0.0,
            "answer": "0.7", "read_as": "0.7", "reference": None, "mistake": None}
    with pytest.raises(jinja2.UndefinedError, match="feedback"):
        render_page(name, results=[view], colours={})


# --------------------------------------------------------------------------------------------
# the caret under a parse error survives every format


def _caret_pairs(page: str, fmt: str) -> list[tuple[str, str]]:
    """(echo line, caret line) pairs: a line followed by a line of spaces and one '^'."""
    text = html.unescape(re.sub(r"<[^>]*>", "", page)) if fmt == "html" else page
    lines = text.split("\n")
    return [(lines[i - 1], line) for i, line in enumerate(lines)
            if i and line.strip() == "^"]


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
@pytest.mark.parametrize(("fixture", "part", "answer", "at"), [
    ("notes", "f1", "0,615", 1),          # the comma
    ("notes", "f1", "8/0", 2),            # the zero divisor
    ("notes", "f1", "0.6\x0815", 3),      # the backspace, echoed as '?'
    ("notes", "f1", "<b>0.6</b>", 0),
    ("calc", "grad", "2(Wx - y)x^T", 2),  # the unknown name Wx
    ("calc", "grad", "2*(W*x - y", 10),   # the end: ')' expected
])
def test_caret_line_is_kept(request: pytest.FixtureRequest, fmt: str, fixture: str, part: str,
                            answer: str, at: int) -> None:
    instance: Instance = request.getfixturevalue(fixture)
    result = check(instance, part, answer)
    assert result.status == "invalid"
    pairs = _caret_pairs(render_result(instance, result, fmt), fmt)
    assert len(pairs) == 1, render_result(instance, result, fmt)
    echo, caret = pairs[0]
    shown = answer.replace("\x08", "?")
    assert echo.strip() == shown
    assert caret.index("^") == echo.index(shown) + at, (echo, caret)


def test_caret_is_inside_the_md_code_block(notes: Instance) -> None:
    page = render_result(notes, check(notes, "f1", "0,615"), "md")
    fence = page.split("```")
    assert len(fence) == 3 and "  0,615\n   ^" in fence[1]
