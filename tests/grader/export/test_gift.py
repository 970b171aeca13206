"""GIFT: parsed back with the PyPI pygiftparser into the same questions, answers, grades and
tolerances, graded as `mlquiz check` grades, with hostile text escaped."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# pygiftparser reads its locale with a call Python 3.11 deprecates
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from pygiftparser import parser as giftparser

_UNESCAPE = re.compile(r"\\([~=#{}:])")


def unescape(text: str) -> str:
    """GIFT's backslash escapes undone (pygiftparser keeps them), then our entities (line
    break, backslash, braces)."""
    text = _UNESCAPE.sub(r"\1", text)
    for entity, char in (("&#10;", "\n"), ("&#92;", "\\"), ("&#123;", "{"), ("&#125;", "}")):
        text = text.replace(entity, char)
    return text


def parse(path: Path) -> list[tuple[str, Any]]:
    """(the `// template seed slot` comment, pygiftparser's question) for every question."""
    with path.open(encoding="utf-8") as handle:
        questions = giftparser.parseFile(handle)
    comments = re.findall(r"^// (.+)$", path.read_text(encoding="utf-8"), re.M)
    assert len(comments) == len(questions)
    return list(zip(comments, questions, strict=True))


def _unsigned(text: str) -> str:
    """The file as pygiftparser 1.1 can read numbers: its number grammar has no sign, so a
    negative value is read as its size (the test then compares sizes, see `_value`)."""
    return re.sub(r"(=(?:%[0-9.]+%)?)-(?=[0-9])", r"\1", text)


def test_whole_bank_parses_back(whole_bank: Any, tmp_path: Path) -> None:
    for path, result in whole_bank("gift"):
        readable = tmp_path / path.name
        readable.write_text(_unsigned(path.read_text(encoding="utf-8")), encoding="utf-8")
        parsed = parse(readable)
        assert parsed
        for comment, question in parsed:
            assert question.valid, comment
            template_id, seed, _ = comment.split(" ", 2)
            assert question.title.startswith(f"{template_id} seed {seed}")
            assert question.markup == "html"
            assert type(question.answers).__name__ in (
                "NumericAnswerSet", "SelectSet", "MultipleChoicesSet", "ShortSet")
        variants = {tuple(c.split(" ", 2)[:2]) for c, _ in parsed}
        assert len(variants) == sum(s.variants for s in result.exported)


def _value(text: str, value: float) -> float:
    """A number of the original file (with its sign), checked against what the parser read."""
    number = float(text)
    assert abs(number) == pytest.approx(value, rel=1e-15, abs=0)
    return number


def _check(judge: Any, instance: Any, part_id: str, entry: int | None, question: Any,
           source: str) -> None:
    part = instance.part(part_id)
    answers = question.answers.answers
    if type(question.answers).__name__ == "NumericAnswerSet":
        numbers = re.findall(r"^=(?:%[0-9.]+%)?(-?[0-9.]+):([0-9.]+)", source, re.M)
        assert len(numbers) == len(answers)
        windows = []
        for (value, tolerance), answer in zip(numbers, answers, strict=True):
            center = _value(value, answer.value)
            assert float(tolerance) == answer.tolerance
            windows.append((answer.fraction, center - answer.tolerance,
                            center + answer.tolerance))
        (right,) = [(lo, hi) for f, lo, hi in windows if f == 100]
        judge.numeric(instance, part_id, entry, *right,
                      [(lo, hi) for f, lo, hi in windows if f == 0])
    elif part.type == "shape":
        judge.shape(instance, part_id, [unescape(a.answer) for a in answers if a.fraction == 100],
                    [unescape(a.answer) for a in answers if a.fraction == 0])
    else:
        judge.choice(instance, part_id, [float(a.fraction) for a in answers])
        letters = [unescape(a.answer).split(")", 1)[0] for a in answers]
        assert letters == [o.letter for o in part.options]


def _graded_types(path: Path, bank: Any, judge: Any, slot_key: Any, folder: Path) -> set[str]:
    """Check every question of the file against `check`; the part types met."""
    kinds = set()
    text = path.read_text(encoding="utf-8")
    sources = [block for block in text.split("\n\n") if block.startswith("//")]
    readable = folder / f"readable-{path.name}"
    readable.write_text(_unsigned(text), encoding="utf-8")
    for (comment, question), source in zip(parse(readable), sources, strict=True):
        template_id, seed, key = comment.split(" ", 2)
        instance = judge.instance(bank, template_id, int(seed))
        part_id, entry = slot_key(instance, key)
        _check(judge, instance, part_id, entry, question, source)
        kinds.add(instance.part(part_id).type)
    return kinds


def test_a_matrix_is_graded_as_mlquiz_check_grades(hostile_bank: Any, judge: Any,
                                                   slot_key: Any, tmp_path: Path) -> None:
    """(The hostile template's matrix answer, with hostile texts.)"""
    from grader.export import export_questions

    path = tmp_path / "hostile.gift"
    export_questions(path, "gift", variants=3, seed=8, bank=hostile_bank)
    assert _graded_types(path, hostile_bank, judge, slot_key, tmp_path) == {
        "number", "vector", "matrix", "choice", "choices", "shape"}


def test_every_question_is_graded_as_mlquiz_check_grades(whole_bank: Any, bank: Any,
                                                         judge: Any, slot_key: Any,
                                                         tmp_path: Path) -> None:
    kinds = set().union(*(_graded_types(path, bank, judge, slot_key, tmp_path)
                          for path, _ in whole_bank("gift")))
    assert kinds == {"number", "integer", "vector", "matrix", "choice", "choices", "shape"}


def test_hostile_text_is_escaped(hostile_bank: Any, tmp_path: Path) -> None:
    """GIFT's characters in every text are escaped: each question parses into its own
    answers, and its text and feedback read back exactly."""
    from grader.export import export_questions

    path = tmp_path / "hostile.gift"
    export_questions(path, "gift", variants=1, seed=3, bank=hostile_bank)
    parsed = parse(path)
    kinds = [type(q.answers).__name__ for _, q in parsed]
    assert kinds == ["NumericAnswerSet"] * 7 + ["SelectSet", "MultipleChoicesSet", "SelectSet"]
    assert all(q.valid for _, q in parsed)
    first = parsed[0][1]
    assert unescape(first.text).startswith(
        '<p>P &lt;b&gt;bold&lt;/b&gt; &lt;script&gt;alert("x")&lt;/script&gt; ]]&gt; { } # ~ = '
        ": \\ {1:NUMERICAL:=5} &amp;amp; $CATEGORY: x</p>\n")
    assert "\n<p>N &lt;u&gt;u&lt;/u&gt; ]]&gt; { } # ~ = : \\ {1:SA:=x}</p>" in unescape(first.text)
    mistake = first.answers.answers[1]
    assert unescape(mistake.feedback) == \
        "<p>M &lt;em&gt;m&lt;/em&gt; ]]&gt; { } # ~ = : \\ {1:SA:=x} ~%0%9</p>"
    assert unescape(first.generalFeedback).startswith("<p>S &lt;i&gt;it&lt;/i&gt; ]]&gt; { }")
    options = {unescape(a.answer)[3:]: a for a in parsed[7][1].answers.answers}
    assert options["O2 ~ # }"].fraction == 0
    assert unescape(options["O2 ~ # }"].feedback) == \
        "<p>OF2 &lt;script&gt;x&lt;/script&gt; ~ # }</p>"


@settings(max_examples=300, deadline=None)
@given(st.text().filter(lambda t: "&#" not in t))
def test_any_text_is_one_inert_gift_line(text: str) -> None:
    """An escaped text has no line break and no GIFT character left unescaped, and reads back
    as the text (a carriage return is dropped). (The texts are HTML from the renderer, which
    writes every & as an entity of its own: a literal '&#' never reaches the escape.)"""
    from grader.export.gift import escape

    escaped = escape(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert re.search(r"(?<!\\)[~=#{}:]", escaped) is None
    assert unescape(escaped) == text.replace("\r", "")
