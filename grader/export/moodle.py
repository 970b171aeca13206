"""Moodle XML: one category per template, one question per variant.

A variant with one answer is a ``numerical`` (absolute tolerance), ``multichoice`` or
``shortanswer`` question; anything else (a vector, a matrix, several parts) is a ``cloze``
(multianswer) question with one ``{w:TYPE:...}`` gap per entry or part. Declared mistakes are
extra 0% answers with their feedback; the worked solution is the general feedback and the
parts' hints are the question's hints. Text is HTML inside CDATA; inside a cloze gap every
character the gap grammar reads is written as an entity, which Moodle decodes after parsing
the gap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from grader.export.variant import (
    ChoiceGap,
    ExportPart,
    Gap,
    NumericGap,
    ShapeGap,
    Variant,
    fraction_text,
)

__all__ = ["cdata", "cloze_gap", "cloze_text", "format_notes", "gap_weights", "number_text",
           "question_xml", "render", "xml_text"]

#: characters that XML 1.0 forbids (control characters other than tab and newlines)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# (& as &#38;, not &amp;: the grammar never ends an answer right after "&amp;")
_GAP_ESCAPES = str.maketrans({"&": "&#38;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                              "~": "&#126;", "#": "&#35;", "{": "&#123;", "}": "&#125;",
                              "\\": "&#92;", "\n": "&#10;", "\r": "&#13;"})
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
_BACKSLASH_BEFORE_MARK = re.compile(r"\\+(?=[#}])")


def format_notes(pool: Any) -> list[str]:
    """Nothing is lost in Moodle beyond what the model already reports."""
    return []


def number_text(x: float) -> str:
    """A float as Moodle (and PHP's is_numeric) reads it back exactly: its shortest repr."""
    text = repr(float(x))
    return "0" if text == "-0.0" else text.removesuffix(".0")


def xml_text(text: str) -> str:
    """Character data with &, < and > escaped (and characters XML cannot hold replaced)."""
    text = _NOT_XML.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cdata(text: str) -> str:
    """`text` as CDATA; a ``]]>`` inside is split across two sections."""
    text = _NOT_XML.sub("\ufffd", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _html_field(tag: str, html: str) -> str:
    return f'<{tag} format="html"><text>{cdata(html)}</text></{tag}>'


def _gap_text(html: str) -> str:
    """Text inside a cloze gap: nothing in it can end or split the gap.

    Moodle decodes the entities of a gap's text and then turns ``\\}`` into ``}`` and
    ``\\#`` into ``#`` (qtype_multianswer_extract_question): a backslash run before ``#`` or
    ``}`` gets one more backslash, which that step takes away again."""
    html = _BACKSLASH_BEFORE_MARK.sub(lambda m: "\\" + m.group(), _NOT_XML.sub("\ufffd", html))
    return html.translate(_GAP_ESCAPES)


def _alternative(prefix: str, answer: str, feedback: str) -> str:
    return prefix + answer + (f"#{_gap_text(feedback)}" if feedback else "")


def cloze_gap(gap: Gap, weight: int) -> str:
    """One ``{weight:TYPE:alternatives}`` gap (multianswer's ANSWER_REGEX grammar)."""
    if isinstance(gap, NumericGap):
        alts = [f"={number_text(gap.window.center)}:{number_text(gap.window.half)}"]
        alts += [_alternative("%0%", f"{number_text(m.window.center)}:"
                                     f"{number_text(m.window.half)}", m.feedback)
                 for m in gap.mistakes]
        return f"{{{weight}:NUMERICAL:{'~'.join(alts)}}}"
    if isinstance(gap, ShapeGap):
        alts = [f"={_gap_text(s)}" for s in gap.spellings]
        alts += [_alternative("%0%", _gap_text(s), fb) for s, fb in gap.mistakes]
        return f"{{{weight}:SHORTANSWER:{'~'.join(alts)}}}"
    kind = "MULTIRESPONSE" if gap.multiple else "MCV"  # (vertical radio buttons)
    alts = []
    for option in gap.options:
        if gap.multiple:
            prefix = f"%{fraction_text(option.fraction)}%"
        else:
            prefix = "=" if option.correct else ""
        alts.append(_alternative(prefix, _gap_text(f"{option.letter}) {option.text}"),
                                 option.feedback))
    return f"{{{weight}:{kind}:{'~'.join(alts)}}}"


def gap_weights(parts: Sequence[ExportPart]) -> list[list[int]]:
    """Whole-number gap weights (cloze's grammar) in the proportions of the parts' points,
    each part's points shared equally by its entries; the smallest such whole numbers."""
    shares = [[Fraction(p.points).limit_denominator(10**6) / len(p.gaps)] * len(p.gaps)
              for p in parts]
    scale = math.lcm(*(s.denominator for row in shares for s in row))
    weights = [[int(s * scale) for s in row] for row in shares]
    divisor = math.gcd(*(w for row in weights for w in row)) or 1
    return [[w // divisor for w in row] for row in weights]


def _array_html(part: ExportPart, gaps: list[str]) -> str:
    if len(part.shape) == 2:
        columns = part.shape[1]
        rows = ["<tr>" + "".join(f"<td>{g}</td>" for g in gaps[r:r + columns]) + "</tr>"
                for r in range(0, len(gaps), columns)]
        return '<table class="matrix">' + "".join(rows) + "</table>"
    return "<p>[ " + ", ".join(gaps) + " ]</p>"


def cloze_text(variant: Variant) -> str:
    """The question text of a cloze question: prompt, each part's prompt and its gaps."""
    weights = gap_weights(variant.parts)
    pieces = [variant.prompt.translate(_BRACES)]
    for part, part_weights in zip(variant.parts, weights, strict=True):
        gaps = [cloze_gap(g, w) for g, w in zip(part.gaps, part_weights, strict=True)]
        body = _array_html(part, gaps) if part.shape else f"<p>{gaps[0]}</p>"
        pieces.append(f'<div class="part">{part.prompt.translate(_BRACES)}\n{body}</div>')
    return "\n".join(pieces)


def _answer(fraction: str, text: str, feedback: str, tolerance: str | None = None,
            html: bool = False) -> str:
    fmt = ' format="html"' if html else ""
    body = cdata(text) if html else xml_text(text)
    tol = f"<tolerance>{tolerance}</tolerance>" if tolerance is not None else ""
    return (f'<answer fraction="{fraction}"{fmt}><text>{body}</text>{tol}'
            f"{_html_field('feedback', feedback)}</answer>")


def _single_body(part: ExportPart) -> tuple[str, list[str]]:
    """The type and type-specific elements of a one-gap question."""
    gap = part.gaps[0]
    if isinstance(gap, NumericGap):
        answers = [_answer("100", number_text(gap.window.center), "",
                           number_text(gap.window.half))]
        answers += [_answer("0", number_text(m.window.center), m.feedback,
                            number_text(m.window.half)) for m in gap.mistakes]
        return "numerical", answers
    if isinstance(gap, ShapeGap):
        answers = ["<usecase>0</usecase>"]
        answers += [_answer("100", s, "") for s in gap.spellings]
        answers += [_answer("0", s, fb) for s, fb in gap.mistakes]
        return "shortanswer", answers
    assert isinstance(gap, ChoiceGap)
    elements = [f"<single>{'false' if gap.multiple else 'true'}</single>",
                "<shuffleanswers>false</shuffleanswers>",
                "<answernumbering>ABCD</answernumbering>"]
    elements += [_answer(fraction_text(o.fraction), o.text, o.feedback, html=True)
                 for o in gap.options]
    return "multichoice", elements


def question_xml(variant: Variant, points: float | None = None) -> str:
    """One <question> element for a variant."""
    name = f"{variant.title} ({variant.template_id}, seed {variant.seed})"
    total = points if points is not None else sum(p.points for p in variant.parts)
    if len(variant.parts) == 1 and len(variant.parts[0].gaps) == 1:
        part = variant.parts[0]
        qtype, body = _single_body(part)
        text = variant.prompt + "\n" + part.prompt
    else:
        qtype, body, text = "cloze", [], cloze_text(variant)
    lines = [f'<question type="{qtype}">',
             f"<name><text>{xml_text(name)}</text></name>",
             _html_field("questiontext", text),
             _html_field("generalfeedback", variant.solution),
             f"<defaultgrade>{number_text(total)}</defaultgrade>",
             "<penalty>0.3333333</penalty>",
             "<hidden>0</hidden>",
             f"<idnumber>{xml_text(variant.idnumber)}</idnumber>",
             *body,
             *(_html_field("hint", h) for h in variant.hints),
             "</question>"]
    return "\n".join(lines) + "\n"


def _category(pool: Any) -> str:
    path = f"$course$/top/mlquiz/{pool.template_id}"
    return (f'<question type="category"><category><text>{xml_text(path)}</text></category>'
            f"<info format=\"html\"><text>{cdata(pool.title)}</text></info></question>\n")


def render(pools: Sequence[Any], *, points: float | None = None) -> bytes:
    """The Moodle XML document of `pools` (UTF-8)."""
    chunks = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    for pool in pools:
        chunks.append(_category(pool))
        chunks.extend(question_xml(v, points) for v in pool.variants)
    chunks.append("</quiz>\n")
    return "".join(chunks).encode("utf-8")
