"""Moodle XML: well-formed (lxml), accepted by a checker that mirrors Moodle's importer
(question/format/xml/format.php, and the cloze grammar ANSWER_REGEX of
question/type/multianswer/questiontype.php), read back by the PyPI moodle-xml-parser, and graded
as `mlquiz check` grades."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from grader.export.moodle import cdata, gap_weights
from grader.export.variant import ExportPart

# Moodle's multianswer grammar, as in questiontype.php (PCRE's variable-width look-behind
# (?<!\\|&|&amp;) written as three fixed-width ones for Python's re).
ALT = (r"(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?"
       r"(.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$))"
       r"(#(.*?(?<!\\)(?=[~}]|$)))?")
TYPES = ("NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|"
         "SHORTANSWER_C|SAC|MWC|MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|"
         "MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH|MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS")
ANSWER_REGEX = re.compile(r"\{(?P<norm>[0-9]*):(?P<type>" + TYPES + r"):(?P<alts>" + ALT +
                          r"(~" + ALT + r")*)\}", re.S)
ALTERNATIVE = re.compile("~?" + ALT, re.S)
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = re.compile("^(" + NUMBER + ")(:" + NUMBER + ")?$", re.S)
PHP_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class Alt(NamedTuple):
    fraction: float
    answer: str
    tolerance: str | None
    feedback: str


class ClozeGap(NamedTuple):
    norm: int
    type: str
    alts: tuple[Alt, ...]


def extract_cloze(text: str) -> tuple[list[ClozeGap], str]:
    """The gaps as qtype_multianswer_extract_question reads them, and the text left."""
    gaps = []
    while (match := ANSWER_REGEX.search(text)) is not None:
        numerical = match["type"] in ("NUMERICAL", "NM")
        alts, remaining = [], match["alts"]
        while remaining and (alt := ALTERNATIVE.search(remaining)) is not None:
            fraction = 1.0 if alt[1] == "=" else float(alt[2].replace(",", ".")) / 100 \
                if alt[2] else 0.0
            feedback = html.unescape(alt[5] or "").replace("\\}", "}").replace("\\#", "#")
            number = NUMERICAL_ALTERNATIVE.match(alt[3]) if numerical else None
            if number:
                alts.append(Alt(fraction, number[1], number[6], feedback))
            else:
                answer = html.unescape(alt[3]).replace("\\}", "}").replace("\\#", "#")
                alts.append(Alt(fraction, answer, None, feedback))
            remaining = remaining.split(alt[0], 1)[1]
        gaps.append(ClozeGap(int(match["norm"] or 1), match["type"], tuple(alts)))
        text = text.replace(match[0], f"{{#{len(gaps)}}}", 1)
    return gaps, text


def check_cloze(text: str, fractions: set[float]) -> list[ClozeGap]:
    """qtype_multianswer_validate_question, and: nothing gap-like is left unparsed."""
    gaps, rest = extract_cloze(text)
    assert gaps, "a cloze question needs a gap"
    assert not re.search(r"\{[0-9]*:[A-Z_]+:", rest), "a malformed gap"
    assert "{" not in re.sub(r"\{#\d+\}", "", rest), "a stray brace in the text"
    for gap in gaps:
        assert gap.alts
        if gap.type == "NUMERICAL":
            for alt in gap.alts:
                assert alt.tolerance is not None and float(alt.tolerance) >= 0
        multi = gap.type.startswith("MULTIRESPONSE")
        assert any(a.fraction == 1 for a in gap.alts) or (multi and any(
            a.fraction > 0 for a in gap.alts))
        if gap.type.startswith("MULTI"):
            assert len(gap.alts) >= 2
        for alt in gap.alts:
            assert round(abs(alt.fraction) * 100, 5) in fractions, alt
    return gaps


def _text(node: Any, path: str) -> str:
    found = node.find(path)
    return "" if found is None or found.text is None else found.text


def check_question(question: Any, fractions: set[float]) -> None:
    """The rules of format.php's import_* for our question types."""
    qtype = question.get("type")
    assert _text(question, "name/text").strip(), "xmlimportnoname"
    assert question.find("questiontext/text") is not None
    answers = question.findall("answer")
    grades = [float(a.get("fraction")) for a in answers]
    for grade in grades:
        assert round(abs(grade), 5) in fractions, grade
    if qtype == "numerical":
        assert answers and 100 in grades
        for answer in answers:
            assert PHP_NUMERIC.match(_text(answer, "text")) or _text(answer, "text") == "*"
            assert float(_text(answer, "tolerance")) >= 0
    elif qtype == "multichoice":
        assert len(answers) >= 2
        if _text(question, "single") == "true":
            assert grades.count(100) == 1
        else:
            assert abs(sum(g for g in grades if g > 0) - 100) < 1e-3
    elif qtype == "shortanswer":
        assert 100 in grades and _text(question, "usecase") in ("0", "1")
    elif qtype == "cloze":
        check_cloze(_text(question, "questiontext/text"), fractions)
    else:
        raise AssertionError(f"unexpected question type {qtype}")


def questions(path: Path) -> list[Any]:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()
    assert root.tag == "quiz"
    return [q for q in root.findall("question") if q.get("type") != "category"]


def test_whole_bank_passes_the_importer_rules(whole_bank: Any, judge: Any) -> None:
    for path, result in whole_bank("moodle"):
        found = questions(path)
        assert len(found) == sum(s.variants for s in result.exported) > 0
        for question in found:
            check_question(question, judge.fractions)
        ids = [_text(q, "idnumber") for q in found]
        assert len(set(ids)) == len(ids)
        categories = [_text(c, "category/text") for c in etree.parse(str(path)).getroot()
                      .findall("question[@type='category']")]
        assert categories == [f"$course$/top/mlquiz/{s.template_id}" for s in result.exported]


def _interval(center: float, tolerance: float) -> tuple[float, float]:
    """What Moodle accepts for an answer and its (nominal) tolerance."""
    return center - tolerance, center + tolerance


def _answer_windows(question: Any) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    answers = [(float(a.get("fraction")), float(_text(a, "text")), float(_text(a, "tolerance")))
               for a in question.findall("answer")]
    right = [_interval(c, h) for f, c, h in answers if f == 100]
    assert len(right) == 1
    return right[0], [_interval(c, h) for f, c, h in answers if f == 0]


def _gap_windows(gap: ClozeGap) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    right = [_interval(float(a.answer), float(a.tolerance or 0)) for a in gap.alts
             if a.fraction == 1]
    assert len(right) == 1
    return right[0], [_interval(float(a.answer), float(a.tolerance or 0)) for a in gap.alts
                      if a.fraction == 0]


def _check_gap(judge: Any, instance: Any, part_id: str, entry: int | None,
               gap: ClozeGap) -> None:
    part = instance.part(part_id)
    if part.type in ("number", "integer", "vector", "matrix"):
        assert gap.type == "NUMERICAL"
        right, mistakes = _gap_windows(gap)
        judge.numeric(instance, part_id, entry, *right, mistakes)
    elif part.type == "shape":
        assert gap.type == "SHORTANSWER"
        judge.shape(instance, part_id, [a.answer for a in gap.alts if a.fraction == 1],
                    [a.answer for a in gap.alts if a.fraction == 0])
    else:
        assert gap.type == ("MULTIRESPONSE" if part.type == "choices" else "MCV")
        judge.choice(instance, part_id, [a.fraction * 100 for a in gap.alts])


def _graded_types(path: Path, bank: Any, judge: Any, gaps_of: Any) -> set[str]:
    """Check every answer of the file against `check`; the part types met."""
    seen: set[str] = set()
    for question in questions(path):
        template_id, seed = _text(question, "idnumber").rsplit(":", 1)
        instance = judge.instance(bank, template_id, int(seed))
        qtype = question.get("type")
        if qtype == "cloze":
            gaps, _ = extract_cloze(_text(question, "questiontext/text"))
            expected = gaps_of(instance)
            assert len(gaps) == len(expected)
            for (part_id, entry), gap in zip(expected, gaps, strict=True):
                _check_gap(judge, instance, part_id, entry, gap)
                seen.add(instance.part(part_id).type)
            continue
        (part_id, entry), = gaps_of(instance)
        seen.add(instance.part(part_id).type)
        if qtype == "numerical":
            right, mistakes = _answer_windows(question)
            judge.numeric(instance, part_id, entry, *right, mistakes)
        elif qtype == "shortanswer":
            answers = question.findall("answer")
            judge.shape(instance, part_id,
                        [_text(a, "text") for a in answers if a.get("fraction") == "100"],
                        [_text(a, "text") for a in answers if a.get("fraction") == "0"])
        else:
            judge.choice(instance, part_id,
                         [float(a.get("fraction")) for a in question.findall("answer")])
    return seen


def test_every_answer_is_graded_as_mlquiz_check_grades(whole_bank: Any, bank: Any,
                                                      judge: Any, gaps_of: Any) -> None:
    """Per part type: the correct window is what `check` accepts, mistakes stay outside it,
    choices score as `check` scores, shapes accept exactly their spellings."""
    seen = set().union(*(_graded_types(path, bank, judge, gaps_of)
                         for path, _ in whole_bank("moodle")))
    assert seen == {"number", "integer", "vector", "matrix", "choice", "choices", "shape"}


def test_a_matrix_is_graded_as_mlquiz_check_grades(hostile_bank: Any, judge: Any,
                                                   gaps_of: Any, tmp_path: Path) -> None:
    """(The hostile template's matrix answer, with hostile texts.)"""
    from grader.export import export_questions

    path = tmp_path / "hostile.xml"
    export_questions(path, "moodle", variants=3, seed=8, bank=hostile_bank)
    assert _graded_types(path, hostile_bank, judge, gaps_of) == {
        "number", "vector", "matrix", "choice", "choices", "shape"}


CHOICE_TEMPLATE = """\
title: Pick {kind}
topic: choosing
tags: [test]
difficulty: 1
version: 1
prompt: Which of these are letters of the Greek alphabet?
solution: Alpha and Beta are.
parts:
  - id: pick
    type: {kind}
    prompt: Choose.
    options:
      - {{id: a, text: Alpha, correct: true, feedback: Yes.}}
      - {{id: b, text: Beta, correct: {second}}}
      - {{id: c, text: Gamma K, correct: false, feedback: A Latin letter.}}
      - {{id: d, text: Delta X, correct: false}}
"""


@pytest.fixture(scope="module")
def choice_bank(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two one-part templates: a single choice and a multiple choice (multichoice questions)."""
    from questionbank.bank import load_bank

    folder = tmp_path_factory.mktemp("choices")
    for kind, second in (("choice", "false"), ("choices", "true")):
        (folder / f"{kind}.yaml").write_text(CHOICE_TEMPLATE.format(kind=kind, second=second),
                                             encoding="utf-8")
    return load_bank([folder], builtin=False, use_env=False)


def test_round_trip_through_moodle_xml_parser(whole_bank: Any, choice_bank: Any, judge: Any,
                                              tmp_path: Path) -> None:
    """The PyPI moodle-xml-parser reads our cloze gaps (type, weight, answers, scores,
    feedback) and multichoice options as we wrote them."""
    from moodle_xml_parser.parser import parse_file

    from grader.export import export_questions

    path, _ = whole_bank("moodle")[0]
    parsed = parse_file(str(path))
    mine = {_text(q, "name/text"): q for q in questions(path)}
    choices = tmp_path / "choices.xml"
    export_questions(choices, "moodle", variants=3, seed=5, bank=choice_bank)
    for question in questions(choices):
        check_question(question, judge.fractions)
        mine[_text(question, "name/text")] = question
    parsed["multichoice"] = parse_file(str(choices))["multichoice"]
    assert parsed["cloze"] and len(parsed["multichoice"]) == 6
    for cloze in parsed["cloze"]:
        gaps, _ = extract_cloze(_text(mine[cloze.name], "questiontext/text"))
        assert len(cloze.gaps) == len(gaps)
        for theirs, ours in zip(cloze.gaps, gaps, strict=True):
            assert (theirs.sub_type, theirs.sub_grade) == (ours.type, ours.norm)
            assert len(theirs.options) == len(ours.alts)
            for option, alt in zip(theirs.options, ours.alts, strict=True):
                answer = alt.answer if alt.tolerance is None else f"{alt.answer}:{alt.tolerance}"
                if float(alt.fraction * 100).is_integer() and alt.fraction >= 0:
                    # (the parser reads whole, non-negative percentages only)
                    assert (option.answer, option.score) == \
                        (answer, round(alt.fraction * 100))
                assert (option.feedback or "") == alt.feedback
    for question in parsed["multichoice"]:
        node = mine[question.name]
        answers = node.findall("answer")
        assert question.single == (_text(node, "single") == "true")
        assert [(o.answer, o.score_fraction, o.feedback or "") for o in question.options] == \
            [(_text(a, "text"), float(a.get("fraction")), _text(a, "feedback/text"))
             for a in answers]


def test_hostile_text_is_escaped(hostile_bank: Any, tmp_path: Path) -> None:
    """Markup, ]]>, braces, #, ~, = and : in every text reach Moodle as text: the XML is
    well-formed, the cloze has exactly its gaps, and the texts read back escaped."""
    from grader.export import export_questions

    path = tmp_path / "hostile.xml"
    export_questions(path, "moodle", variants=2, seed=3, bank=hostile_bank)
    (question, *_) = questions(path)
    assert question.get("type") == "cloze"
    text = _text(question, "questiontext/text")
    gaps = check_cloze(text, {100, 50, 0})
    assert [g.type for g in gaps] == ["NUMERICAL"] * 7 + ["MCV", "MULTIRESPONSE", "SHORTANSWER"]
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "&#123;1:NUMERICAL:=5&#125;" in text
    assert gaps[0].alts[1].feedback.startswith("<p>M &lt;em&gt;m&lt;/em&gt; ]]&gt; { } # ~ = : \\")
    options = {a.answer[3:]: a for a in gaps[7].alts}
    assert options["O1 &lt;b&gt;b&lt;/b&gt; ]]&gt; { } # ~ = : \\"].fraction == 1
    assert options["O2 ~ # }"].feedback == "<p>OF2 &lt;script&gt;x&lt;/script&gt; ~ # }</p>"
    name = _text(question, "name/text")
    assert name.startswith("Hostile <b>title</b> ]]> { } # ~ = :")


@pytest.mark.parametrize(("text", "expected"), [
    ("a]]>b", "<![CDATA[a]]]]><![CDATA[>b]]>"),
    ("x\x00y", "<![CDATA[x\ufffdy]]>"),
])
def test_cdata_splits_its_end_marker(text: str, expected: str) -> None:
    assert cdata(text) == expected
    node = etree.fromstring(f"<t>{cdata(text)}</t>".encode())
    assert node.text == text.replace("\x00", "\ufffd")


@pytest.mark.parametrize(("points", "entries", "weights"), [
    ([1.0], [1], [[1]]),
    ([1.0, 1.0], [3, 2], [[2, 2, 2], [3, 3]]),
    ([0.5, 2.0], [1, 1], [[1], [4]]),
])
def test_gap_weights_keep_the_parts_points(points: list[float], entries: list[int],
                                           weights: list[list[int]]) -> None:
    parts = [ExportPart(f"p{i}", "vector", "", p, (None,) * n, (n,))  # type: ignore[arg-type]
             for i, (p, n) in enumerate(zip(points, entries, strict=True))]
    assert gap_weights(parts) == weights


def test_solution_hints_and_idnumber(bank: Any, tmp_path: Path) -> None:
    """The worked solution is the general feedback, the exported parts' hints are the
    question's hints (hint k holds each part's k-th hint), the ID number is id:seed with the
    seed derived as for exams, and questions with numbers say to type decimals."""
    from grader.export import export_questions
    from grader.export.variant import DECIMALS_NOTE
    from questionbank.instance import generate
    from questionbank.render import md_to_html
    from questionbank.sampling import derive_seed

    path = tmp_path / "two.xml"
    ids = ["metrics/confusion-matrix", "gradients/matrix-calculus"]
    export_questions(path, "moodle", ids=ids, variants=1, seed=2, bank=bank)
    found = questions(path)
    assert [q.get("type") for q in found] == ["cloze", "shortanswer"]
    for question, template_id in zip(found, ids, strict=True):
        seed = derive_seed(2, template_id, 1)
        assert _text(question, "idnumber") == f"{template_id}:{seed}"
        instance = generate(bank.get(template_id), seed)
        assert _text(question, "generalfeedback/text") == instance.render_solution("html")
        hints = [h.findtext("text") for h in question.findall("hint")]
        kept = [p for p in instance.parts if p.type != "expression"]
        assert len(hints) == max(len(p.hints) for p in kept)
        for part in kept:
            assert md_to_html(part.hints[0]) in hints[0]
        numbers = any(p.type == "number" for p in kept)
        assert (DECIMALS_NOTE in _text(question, "questiontext/text")) == numbers
    assert "<strong>accuracy</strong>" in found[0].find("hint/text").text
    assert found[1].find("hint/text").text == md_to_html(
        generate(bank.get(ids[1]), derive_seed(2, ids[1], 1)).part("shape").hints[0])


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_any_text_survives_a_cloze_gap(text: str, feedback: str) -> None:
    """Whatever an option's text and feedback hold, the gap parses as one gap under Moodle's
    grammar and Moodle's decoding gives the text back (characters XML cannot hold become
    U+FFFD)."""
    from grader.export.moodle import cloze_gap
    from grader.export.variant import ChoiceGap, ChoiceOption

    gap = ChoiceGap(False, (ChoiceOption("A", text, 100.0, True, feedback),
                            ChoiceOption("B", "other", 0.0, False, "")))
    written = cloze_gap(gap, 1)
    (parsed,), rest = extract_cloze(written)
    assert rest == "{#1}"
    clean = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    assert parsed.alts[0].answer == "A) " + clean.sub("\ufffd", text)
    assert parsed.alts[0].feedback == clean.sub("\ufffd", feedback)
    assert parsed.alts[0].fraction == 1 and parsed.alts[1].answer == "B) other"
