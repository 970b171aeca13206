"""Hostile answers: what a student (or a script) may submit to break, slow down or fool the grader.

Every case is checked against every answer type (number, integer, vector, matrix, shape, choice,
choices, expression): the verdict is never ``correct`` and never an exception, it is ``invalid``
wherever the case says so, and each check returns well within a second (a generous bound that
only catches runaway work such as evaluating ``9^9^9^9`` or allocating a 99999999x99999999 array;
the real per-check figures are printed by ``benchmarks/bench_check.py``). Markup and template
syntax in an answer is shown literally in the text, Markdown and HTML feedback.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.judge.check import Result, check, check_all
from grader.judge.feedback import render_result
from questionbank import generate
from questionbank.bank import load_bank
from questionbank.instance import Instance

TYPES = ("number", "integer", "vector", "matrix", "shape", "choice", "choices", "expression")
ALL = frozenset(TYPES)
BUT_EXPRESSION = ALL - {"expression"}
BUT_SHAPE = ALL - {"shape"}
SECONDS = 1.0  # the runaway bound (see the module docstring)

# The answer types the built-in bank does not use yet (integer 16, matrix [[4, 1], [2, 5]]).
EXTRA_TEMPLATE = """\
title: Extra answer types
topic: testing
difficulty: 1
version: 1
params:
  n: {type: int, min: 2, max: 9}
prompt: n = {{ n }}.
solution: See the parts.
parts:
  - {id: count, type: integer, prompt: n squared, answer: n * n}
  - {id: grid, type: matrix, prompt: A matrix, answer: "[[n, 1], [2, n + 1]]"}
  - id: pick
    type: choice
    prompt: Which number is even?
    options: [{text: "2", correct: true}, {text: "3"}, {text: "5"}]
  - id: picks
    type: choices
    prompt: Which numbers are prime?
    options: [{text: "2", correct: true}, {text: "3", correct: true}, {text: "4"}, {text: "6"}]
"""


@dataclass(frozen=True)
class Target:
    """One part of one instance, named by its answer type."""

    type: str
    instance: Instance
    part: str


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Target]:
    folder: Path = tmp_path_factory.mktemp("bank")
    (folder / "extra.yaml").write_text(EXTRA_TEMPLATE, encoding="utf-8")
    extra = generate(load_bank([folder], builtin=False, use_env=False).get("extra"), 1, {"n": 4})
    metrics = generate("metrics/confusion-matrix", 1,
                       {"tp": 80, "fp": 80, "fn": 20, "tn": 820})          # f1 = 8/13
    mask = generate("dropout/apply-mask", 1,
                    {"a": [2.0, 5.0, 7.12, 4.5, 6.0], "m": [1, 0, 0, 1, 1]})
    shape = generate("gradients/shape", 1, {"n": 3, "m": 4})
    calc = generate("gradients/matrix-calculus", 1,
                    {"form": "least-squares", "n": 3, "m": 4, "k": 2})
    result = {
        "number": Target("number", metrics, "f1"),
        "integer": Target("integer", extra, "count"),
        "vector": Target("vector", mask, "output"),
        "matrix": Target("matrix", extra, "grid"),
        "shape": Target("shape", shape, "shape"),
        "choice": Target("choice", extra, "pick"),
        "choices": Target("choices", extra, "picks"),
        "expression": Target("expression", calc, "grad"),
    }
    for name, target in result.items():
        assert target.instance.part(target.part).type == name
    return result


def timed_check(target: Target, text: str) -> tuple[Result, float]:
    start = time.perf_counter()
    result = check(target.instance, target.part, text)
    return result, time.perf_counter() - start


@dataclass(frozen=True)
class Hostile:
    """An adversarial answer; `invalid_for` lists the answer types that must call it invalid
    (the others must at least not call it correct)."""

    group: str
    text: str
    invalid_for: frozenset[str] = ALL

    @property
    def id(self) -> str:
        shown = self.text if len(self.text) <= 40 else f"{self.text[:30]}...({len(self.text)})"
        return f"{self.group}:{shown!r}"


HOSTILE = [
    # code injection: none of it is in any answer grammar
    Hostile("code", "__import__('os').system('id')"),
    Hostile("code", "().__class__.__bases__[0].__subclasses__()"),
    Hostile("code", "W.T"),
    Hostile("code", "x.__class__.__mro__"),
    Hostile("code", "lambda: 0"),
    Hostile("code", "(lambda x: x)(W)"),
    Hostile("code", "f'{1+1}'"),
    Hostile("code", "f\"{W}\""),
    Hostile("code", "[x for x in range(10)]"),
    Hostile("code", "{x: 1 for x in W}"),
    Hostile("code", "eval('1+1')"),
    Hostile("code", "exec('import os')"),
    Hostile("code", "open('/etc/passwd').read()"),
    Hostile("code", "import os"),
    Hostile("code", "globals()"),
    Hostile("code", "__builtins__"),
    Hostile("code", "getattr(W, 'T')"),
    Hostile("code", "W; import os"),
    # resource exhaustion: huge values, deep nesting, long inputs
    Hostile("resource", "9^9^9^9", BUT_EXPRESSION),
    Hostile("resource", "10**10**10", BUT_EXPRESSION),
    Hostile("resource", "9**9**9**9", BUT_EXPRESSION),
    Hostile("resource", "2^(2^(2^(2^2)))", BUT_EXPRESSION),
    Hostile("resource", "W^1000000", BUT_EXPRESSION),
    Hostile("resource", "exp(exp(exp(1000)))", BUT_EXPRESSION),
    Hostile("resource", "1e999999999", BUT_EXPRESSION),
    Hostile("resource", "1e-999999999", BUT_EXPRESSION),
    Hostile("resource", "1" * 5000),
    Hostile("resource", "1" + "0" * 400 + "/3"),
    Hostile("resource", "factorial(100000)"),
    Hostile("resource", "(" * 10_000 + "1" + ")" * 10_000),
    Hostile("resource", "[" * 10_000 + "1" + "]" * 10_000),
    Hostile("resource", "-" * 50_000 + "1"),
    Hostile("resource", "1 " * 50_000),
    Hostile("resource", "a" * 100_000),
    Hostile("resource", "9" * 100_001),
    Hostile("resource", "[" + ", ".join(["1"] * 30_000) + "]"),
    Hostile("resource", "W" + "*W" * 20_000),
    Hostile("resource", "0.5" + " " * 99_990, frozenset({"choice", "choices"})),  # reads as 0.5
    Hostile("resource", "W" + " " * 99_990 + "*W"),
    # look-alike characters
    Hostile("look-alike", "о.615"),                    # Cyrillic o
    Hostile("look-alike", "О.615"),                    # Cyrillic capital O
    Hostile("look-alike", "2*Х"),                      # Cyrillic Kha
    Hostile("look-alike", "\uff10.\uff16\uff11\uff15", BUT_EXPRESSION),  # full-width digits
    Hostile("look-alike", "\U0001d7d6/\U0001d7cf\U0001d7d1", BUT_EXPRESSION),  # maths bold
    Hostile("look-alike", "\u0660.\u0666\u0661\u0665", BUT_EXPRESSION),  # Arabic-Indic digits
    Hostile("look-alike", "0.6\u200b15"),              # zero-width space
    Hostile("look-alike", "\u200b8/13"),
    Hostile("look-alike", "8/13\ufeff"),                # byte-order mark
    Hostile("look-alike", "\u202e51.0"),                # right-to-left override
    Hostile("look-alike", "8\u204413"),                 # fraction slash
    Hostile("look-alike", "\u2212W"),                    # unicode minus before a name
    Hostile("look-alike", "Ｗ"),                        # full-width W
    # markup and template injection
    Hostile("markup", "<script>alert(1)</script>"),
    Hostile("markup", "<img src=x onerror=alert(1)>"),
    Hostile("markup", "{{ 7*7 }}"),
    Hostile("markup", "{% for i in range(3) %}x{% endfor %}"),
    Hostile("markup", "{{ config.__class__ }}"),
    Hostile("markup", "${7*7}"),
    Hostile("markup", "<b>0.615</b>"),
    Hostile("markup", "&lt;script&gt;"),
    Hostile("markup", "[link](javascript:alert(1))"),
    # control characters
    Hostile("control", "\x1b[31m0.615"),
    Hostile("control", "0.6\x0815"),
    Hostile("control", "\x00"),
    Hostile("control", "\x07\x07\x07"),
    Hostile("control", "\ud800"),
    Hostile("control", "\x9b31m0.615"),
    # malformed vectors and matrices
    Hostile("malformed", "[1, 2], [3]"),
    Hostile("malformed", "[[1, 2], [3]]", BUT_EXPRESSION),
    Hostile("malformed", "[1, [2, 3]]", BUT_EXPRESSION),
    Hostile("malformed", "[]"),
    Hostile("malformed", "[[]]"),
    Hostile("malformed", "[[], []]"),
    Hostile("malformed", "[true, false, true, true, true]", BUT_SHAPE),
    Hostile("malformed", "[True, False]", BUT_SHAPE),
    Hostile("malformed", "[nan, 1]", BUT_SHAPE),
    Hostile("malformed", "[inf, 1]", BUT_SHAPE),
    Hostile("malformed", "[1e309, 1]", BUT_EXPRESSION),
    Hostile("malformed", "[1,,2]"),
    Hostile("malformed", "[1 2 3"),
    Hostile("malformed", "]1, 2["),
    Hostile("malformed", "{1, 2}"),
    Hostile("malformed", "[[1, 2]; [3, 4]]", ALL - {"matrix"}),  # read as a 2x2 matrix
    Hostile("malformed", "[[1, 2], [3, 4]"),
    # shapes that would allocate huge arrays if trusted
    Hostile("shape", "99999999x99999999", BUT_SHAPE),
    Hostile("shape", "999999999999999999999x2"),
    Hostile("shape", "10^9 x 10^9", BUT_EXPRESSION),
    Hostile("shape", "3x4x5x6x7x8x9x10x11"),
    Hostile("shape", "1e9x1e9"),
    Hostile("shape", "0x0"),
    Hostile("shape", "-3x4"),
    Hostile("shape", "3.5x4"),
]


def test_there_are_at_least_40_cases_in_every_group() -> None:
    groups = {h.group for h in HOSTILE}
    assert groups == {"code", "resource", "look-alike", "markup", "control", "malformed",
                      "shape"}
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("case", HOSTILE, ids=[h.id for h in HOSTILE])
def test_hostile_answer_is_never_correct_and_returns_fast(targets: dict[str, Target],
                                                          case: Hostile) -> None:
    for name, target in targets.items():
        result, seconds = timed_check(target, case.text)
        expected = {"invalid"} if name in case.invalid_for else {"invalid", "incorrect"}
        assert result.status in expected, (name, result.status, result.feedback)
        assert result.score == 0.0, name
        assert result.feedback, name
        assert seconds < SECONDS, (name, seconds)


def test_huge_shape_is_compared_not_allocated(targets: dict[str, Target]) -> None:
    """99999999x99999999 is read as two numbers and compared; nothing of that size is built."""
    result, seconds = timed_check(targets["shape"], "99999999x99999999")
    assert result.status == "incorrect" and result.value == [99999999, 99999999]
    assert seconds < SECONDS


def test_every_part_hostile_at_once(targets: dict[str, Target]) -> None:
    """A whole submission of hostile answers is graded part by part, without an exception."""
    instance = targets["choice"].instance
    answers = {p.id: "__import__('os').system('id')" for p in instance.parts}
    item = check_all(instance, answers)
    assert [r.status for r in item.results] == ["invalid"] * len(instance.parts)
    assert item.points == 0.0


# --------------------------------------------------------------------------------------------
# look-alikes of the right answer: never accepted

_CYRILLIC = str.maketrans("aceoxyABCEHKMOPTXW", "асеохуАВСЕНКМОРТХԜ")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_MATHS_BOLD = str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")

DISGUISES = {
    "cyrillic": lambda s: s.translate(_CYRILLIC),
    "zero-width-space": lambda s: s[:1] + "\u200b" + s[1:],
    "zero-width-joiner": lambda s: s[:1] + "\u200d" + s[1:],
    "byte-order-mark": lambda s: "\ufeff" + s,
}
# Non-ASCII digits are read as digits by the expression tokenizer: see the xfail below.
DIGIT_DISGUISES = {
    "full-width": lambda s: s.translate(_FULLWIDTH),
    "arabic-indic": lambda s: s.translate(_ARABIC_INDIC),
    "maths-bold": lambda s: s.translate(_MATHS_BOLD),
}


@pytest.mark.parametrize("kind", [t for t in TYPES if t != "expression"])
def test_disguised_reference_answer_is_invalid(targets: dict[str, Target], kind: str) -> None:
    """The right answer with look-alike characters is not read as the right answer."""
    target = targets[kind]
    reference = target.instance.part(target.part).answer_text
    assert check(target.instance, target.part, reference).status == "correct"
    disguised = {name: f(reference) for name, f in {**DISGUISES, **DIGIT_DISGUISES}.items()}
    disguised = {name: text for name, text in disguised.items() if text != reference}
    assert disguised
    for name, text in disguised.items():
        result, seconds = timed_check(target, text)
        assert result.status == "invalid", (name, text, result.feedback)
        assert seconds < SECONDS


def test_disguised_reference_expression_with_letters_is_invalid(
        targets: dict[str, Target]) -> None:
    target = targets["expression"]
    reference = target.instance.part(target.part).answer_text
    for name, disguise in DISGUISES.items():
        result = check(target.instance, target.part, disguise(reference))
        assert result.status == "invalid", (name, result.feedback)


@pytest.mark.parametrize("disguise", ["full-width", "arabic-indic", "maths-bold"])
def test_expression_with_non_ascii_digits_is_invalid(disguise: str) -> None:
    instance = generate("gradients/matrix-calculus", 1,
                        {"form": "least-squares", "n": 3, "m": 4, "k": 2})
    text = DIGIT_DISGUISES[disguise]("2*(W*x - y)*x^T")
    assert text != "2*(W*x - y)*x^T"
    assert check(instance, "grad", text).status == "invalid"


@pytest.mark.parametrize("text", ["9^9^9^9", "10**10**10", "exp(exp(exp(1000)))", "[1e309]"])
def test_expression_too_large_is_not_blamed_on_shapes(targets: dict[str, Target],
                                                      text: str) -> None:
    target = targets["expression"]
    result = check(target.instance, target.part, text)
    assert result.mistake != "invalid-dimensions"
    assert "shapes" not in result.feedback


# --------------------------------------------------------------------------------------------
# markup and template syntax is rendered inertly

MARKUP = ["<script>alert(1)</script>", "{{ 7*7 }}", "{% for i in range(3) %}x{% endfor %}",
          "2*{{7*7}}*W", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
@pytest.mark.parametrize("kind", ["number", "vector", "matrix", "shape", "expression"])
@pytest.mark.parametrize("text", MARKUP)
def test_markup_in_an_answer_is_rendered_literally(targets: dict[str, Target], fmt: str,
                                                   kind: str, text: str) -> None:
    target = targets[kind]
    result = check(target.instance, target.part, text)
    page = render_result(target.instance, result, fmt, show_answer=True)
    assert "49" not in page          # {{ 7*7 }} was not evaluated
    assert "xxx" not in page         # the {% for %} loop did not run
    if fmt == "html":
        assert "<script" not in page and "<img" not in page
        shown = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert shown in page
    else:
        assert text in page


_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def md_outside_code(md: str) -> str:
    """The Markdown text that is not code: fenced blocks and inline code spans removed.

    CommonMark, simplified: a fence opens on a line of 3+ backticks or tildes indented at most 3
    spaces and closes on a line of at least as many of the same character and nothing else; an
    inline code span does not cross a blank line. What is left is what a Markdown renderer would
    read as text and markup.
    """
    kept: list[str] = []
    fence: str | None = None
    for line in md.split("\n"):
        if fence is None:
            match = _FENCE_OPEN.match(line)
            if match:
                fence = match.group(1)
            else:
                kept.append(line)
        elif re.fullmatch(r" {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*",
                          line):
            fence = None
    paragraphs = re.split(r"\n[ \t]*\n", "\n".join(kept))
    return "\n\n".join(_CODE_SPAN.sub("", p) for p in paragraphs)


def test_md_outside_code_helper() -> None:
    md = "a `<b>` c\n```\n<script>\n```\nd <i>\n\n`x\n\n<u>`"
    assert md_outside_code(md) == "a  c\nd <i>\n\n`x\n\n<u>`"


def test_single_line_markup_answer_stays_inside_md_code(targets: dict[str, Target]) -> None:
    target = targets["number"]
    page = render_result(target.instance, check(target.instance, target.part,
                                                "<script>alert(1)</script>"), "md")
    assert "<script>" in page and "<script>" not in md_outside_code(page)


def test_multiline_markup_answer_stays_inside_md_code(targets: dict[str, Target]) -> None:
    target = targets["matrix"]
    answer = "1\n\n<script>alert(1)</script>"
    page = render_result(target.instance, check(target.instance, target.part, answer), "md")
    assert "<script>" not in md_outside_code(page)


def test_backtick_fence_answer_cannot_close_the_md_code_block(
        targets: dict[str, Target]) -> None:
    target = targets["number"]
    page = render_result(target.instance, check(target.instance, target.part, "```"), "md")
    assert "^" not in md_outside_code(page)
