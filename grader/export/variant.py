"""One seeded variant of a template in LMS terms: every part as answer *gaps* (a numeric window
with its declared mistakes, a choice with fractions, a shape's accepted spellings), in HTML.

The three writers (`moodle`, `qti`, `gift`) read only this model, so the mapping rules (which
window is accepted, where a mistake may go, which fractions a choice gets, what is skipped and
why) are made once, here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from grader.export.interval import Window, accepted_window, exact_window, narrowed_clear_of
from questionbank.instance import Instance, Part
from questionbank.render import md_to_html

__all__ = [
    "MOODLE_FRACTIONS", "ChoiceGap", "ChoiceOption", "ExportPart", "Gap", "MistakeAnswer",
    "NumericGap", "ShapeGap", "Variant", "build_variant", "fraction_text", "shape_spellings",
]

#: The grades Moodle offers for an answer (percent); their negatives are allowed too.
MOODLE_FRACTIONS = (100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0,
                    33.33333, 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0,
                    0.0)

NUMERIC_TYPES = frozenset({"number", "integer", "vector", "matrix"})
#: said under a question with numbers: an LMS reads neither fractions (8/13) nor percentages
DECIMALS_NOTE = ("<p><em>Type numbers as decimals (e.g. 0.615): fractions and percentages "
                 "are not read here.</em></p>")


class MistakeAnswer(NamedTuple):
    """A declared mistake as a 0% answer: its window (clear of the correct one) and feedback."""

    id: str
    window: Window
    feedback: str


class NumericGap(NamedTuple):
    """One number to type: the key, the accepted window and the mistakes' windows."""

    key: float
    window: Window
    mistakes: tuple[MistakeAnswer, ...]
    label: str  # '' for a single number, 'entry 2' or 'row 1, column 3' for an array entry


class ChoiceOption(NamedTuple):
    letter: str  # as mlquiz shows it (the worked solution names options by letter)
    text: str  # inline HTML
    fraction: float  # percent, one of MOODLE_FRACTIONS or its negative
    correct: bool
    feedback: str  # HTML


class ChoiceGap(NamedTuple):
    multiple: bool
    options: tuple[ChoiceOption, ...]
    label: str = ""


class ShapeGap(NamedTuple):
    spellings: tuple[str, ...]
    mistakes: tuple[tuple[str, str], ...]  # (spelling, feedback HTML)
    label: str = ""


Gap = NumericGap | ChoiceGap | ShapeGap


@dataclass(slots=True, frozen=True)
class ExportPart:
    """A part that an LMS can grade: its prompt (HTML) and its gaps (one, or one per entry)."""

    id: str
    type: str
    prompt: str
    points: float
    gaps: tuple[Gap, ...]
    shape: tuple[int, ...]  # () for a single gap; the array's shape for a vector or matrix


@dataclass(slots=True, frozen=True)
class Variant:
    """One instance, ready for any LMS format; `skipped` and `notes` say what was left out."""

    template_id: str
    seed: int
    title: str
    prompt: str
    solution: str
    hints: tuple[str, ...]
    parts: tuple[ExportPart, ...]
    skipped: tuple[tuple[str, str], ...]  # (part id, why)
    notes: tuple[str, ...]

    @property
    def idnumber(self) -> str:
        """Template id and seed: what an LMS report is traced back with."""
        return f"{self.template_id}:{self.seed}"


def fraction_text(percent: float) -> str:
    """A grade as Moodle writes it: 33.33333, 12.5, -50, 100."""
    text = f"{percent:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _moodle_fraction(share: Fraction) -> float | None:
    """100 * share as one of Moodle's grades (None when it is not one)."""
    value = float(share * 100)
    for allowed in MOODLE_FRACTIONS:
        if abs(abs(value) - allowed) < 5e-6:
            return allowed if value >= 0 else -allowed
    return None


def shape_spellings(dims: tuple[Any, ...]) -> tuple[str, ...]:
    """The spellings of a shape an LMS's short answer should accept (`parse_shape` reads
    them all): 3x4, 3 x 4, (3, 4), 3×4; a vector's length also alone."""
    items = [str(d) for d in dims]
    if len(items) == 1:
        return (items[0], f"({items[0]},)")
    return ("x".join(items), " x ".join(items), "(" + ", ".join(items) + ")", "×".join(items))


def _html(markdown: str) -> str:
    return md_to_html(markdown) if markdown else ""


def _inline(fragment: str) -> str:
    """A one-paragraph HTML fragment without its <p> wrapper (for an option's text)."""
    if fragment.startswith("<p>") and fragment.endswith("</p>") and fragment.count("<p>") == 1:
        return fragment[3:-4]
    return fragment


def _entry_label(index: int, shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"entry {index + 1}"
    row, column = divmod(index, shape[1])
    return f"row {row + 1}, column {column + 1}"


def _mistake_answers(window: Window, values: list[tuple[str, float, str]],
                     tol_window: Callable[[float], Window]) -> list[MistakeAnswer]:
    """The mistakes as answers clear of the correct `window`, in declared order (the order
    in which the judge and an LMS try them); a mistake inside the window, or with the value
    of an earlier one, is left out."""
    placed: list[MistakeAnswer] = []
    seen: set[float] = set()
    for mistake_id, value, feedback in values:
        if value in seen:
            continue
        seen.add(value)
        candidate = narrowed_clear_of(tol_window(value), window)
        if candidate is not None:
            placed.append(MistakeAnswer(mistake_id, candidate, feedback))
    return placed


def _numeric_part(part: Part) -> tuple[tuple[NumericGap, ...], tuple[int, ...], list[str]]:
    """The gaps of a number, integer, vector or matrix part, and the mistakes left out."""
    if part.type == "integer":
        def window_of(x: float) -> Window:
            return exact_window(x)
        shape: tuple[int, ...] = ()
        keys: tuple[float, ...] = (float(part.answer),)
    else:
        tol = part.effective_tolerance

        def window_of(x: float) -> Window:
            return accepted_window(tol, x)
        shape, keys = part.numeric_value
    mistakes = part.mistakes
    values = [(m.id, _flat(part.type, v), _html(m.feedback)) for m, (_, v)
              in zip(mistakes, part.mistake_values, strict=True)]
    gaps = []
    for index, key in enumerate(keys):
        window = window_of(key)
        entry = [(mid, flat[index], fb) for mid, flat, fb in values
                 if flat is not None and len(flat) == len(keys)]
        gaps.append(NumericGap(key, window, tuple(_mistake_answers(window, entry, window_of)),
                               _entry_label(index, shape) if shape else ""))
    # a mistake is reported when no entry could carry it (in an array, most entries of a
    # mistake are often right: those are not mistakes of that entry)
    carried = {m.id for g in gaps for m in g.mistakes}
    return tuple(gaps), shape, [m.id for m in mistakes if m.id not in carried]


def _flat(ptype: str, value: Any) -> tuple[float, ...] | None:
    if ptype in ("number", "integer"):
        return (float(value),)
    try:
        return tuple(float(v) for v in value.ravel())
    except (AttributeError, TypeError, ValueError):
        return None


def _choice_gap(instance: Instance, part: Part) -> ChoiceGap | str:
    """The options with their fractions, or why the part cannot be expressed."""
    right = sum(o.correct for o in part.options)
    wrong = len(part.options) - right
    multiple = part.type == "choices"
    if multiple and not part.partial:
        return "all-or-nothing multiple answers have no LMS equivalent"
    plus = _moodle_fraction(Fraction(1, right)) if multiple else 100.0
    minus = -(_moodle_fraction(Fraction(1, wrong)) or 0) if multiple and wrong else 0.0
    if plus is None or (multiple and wrong and minus == 0):
        return f"{right} right and {wrong} wrong options need grades Moodle does not offer"
    options = tuple(ChoiceOption(
        letter=o.letter, text=_inline(instance.render_option(part.id, o, "html")),
        fraction=plus if o.correct else minus, correct=o.correct,
        feedback=_html(o.feedback)) for o in part.options)
    return ChoiceGap(multiple, options)


def _shape_gap(part: Part) -> ShapeGap:
    truth = tuple(part.answer)
    spellings = shape_spellings(truth)
    mistakes: list[tuple[str, str]] = []
    for mistake, (_, dims) in zip(part.mistakes, part.mistake_values, strict=True):
        if tuple(dims) != truth:
            feedback = _html(mistake.feedback)
            mistakes.extend((s, feedback) for s in shape_spellings(tuple(dims))
                            if s not in spellings)
    unique = tuple(dict.fromkeys(mistakes))
    return ShapeGap(spellings, unique)


def _export_part(instance: Instance, part: Part) -> tuple[ExportPart | None, str, list[str]]:
    """(the part, '', mistakes left out) or (None, why it is skipped, [])."""
    prompt = instance.render_part_prompt(part.id, "html")
    if part.type in NUMERIC_TYPES:
        gaps, shape, lost = _numeric_part(part)
        return ExportPart(part.id, part.type, prompt, part.points, gaps, shape), "", lost
    if part.type in ("choice", "choices"):
        gap = _choice_gap(instance, part)
        if isinstance(gap, str):
            return None, gap, []
        return ExportPart(part.id, part.type, prompt, part.points, (gap,), ()), "", []
    if part.type == "shape":
        return ExportPart(part.id, part.type, prompt, part.points, (_shape_gap(part),), ()), \
            "", []
    return None, f"{part.type} answers have no safe LMS equivalent", []


def _hints(parts: list[Part]) -> tuple[str, ...]:
    """Hint k of the question: the k-th hint of every exported part (named when there are
    several)."""
    count = max((len(p.hints) for p in parts), default=0)
    hints = []
    for k in range(count):
        pieces = []
        for part in parts:
            if k < len(part.hints):
                text = _html(part.hints[k])
                pieces.append(f"<p><strong>{html.escape(part.id)}</strong></p>\n{text}"
                              if len(parts) > 1 else text)
        hints.append("\n".join(pieces))
    return tuple(hints)


def build_variant(instance: Instance) -> Variant:
    """The LMS model of one instance (parts an LMS cannot grade are listed in `skipped`)."""
    parts = []
    kept = []
    skipped = []
    notes = []
    for part in instance.parts:
        exported, why, lost = _export_part(instance, part)
        if exported is None:
            skipped.append((part.id, why))
            continue
        parts.append(exported)
        kept.append(part)
        if len(exported.gaps) > 1 and not part.partial:
            notes.append(f"part {part.id}: the LMS gives credit per entry (mlquiz: all or "
                         "nothing)")
        notes.extend(f"part {part.id}: mistake {mid} left out (inside the correct window, or "
                     "the same answer as an earlier mistake)" for mid in lost)
    solution = instance.render_solution("html")
    extra = [_html(p.solution) for p in instance.parts if p.solution]
    prompt = instance.render_prompt("html")
    if any(p.type in NUMERIC_TYPES for p in parts):
        prompt += "\n" + DECIMALS_NOTE
    return Variant(
        template_id=instance.template_id, seed=instance.seed, title=instance.title,
        prompt=prompt, solution="\n".join([solution, *extra]) if extra else solution,
        hints=_hints(kept), parts=tuple(parts), skipped=tuple(skipped), notes=tuple(notes))
