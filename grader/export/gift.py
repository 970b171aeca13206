"""GIFT (Moodle's text format): one ``$CATEGORY`` per template (or per answer of a template
with several), one question per variant and answer, a ``// id seed`` comment above each.

Numbers are ``{#=value:margin ...}`` with the declared mistakes as ``=%0%value:margin#feedback``;
a choice is ``{=right ~wrong}``, several answers ``{~%50%a ~%-100%b}``, a shape a short
answer ``{=3x4 =3 x 4 ...}``. Text is HTML (``[html]``): GIFT's own characters ``~ = # :`` are
escaped with a backslash; braces, a backslash and line breaks (a blank line ends a question)
become entities (``&\\#123;``, with the ``#`` escaped too), which every GIFT reader leaves
alone (pygiftparser ends an answer at an escaped brace). Numbers are written in plain decimal
notation, which every GIFT reader parses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from grader.export.moodle import number_text
from grader.export.slots import Slot, slot_groups, split_notes
from grader.export.variant import ChoiceGap, NumericGap, ShapeGap, fraction_text

__all__ = ["decimal_text", "escape", "format_notes", "question_text", "render"]

_ESCAPES = str.maketrans({"\\": "&\\#92;", "\r": "", "\n": "&\\#10;", "{": "&\\#123;",
                          "}": "&\\#125;", "~": "\\~", "=": "\\=", "#": "\\#", ":": "\\:"})


def format_notes(pool: Any) -> list[str]:
    """Only the splitting into one question per answer needs saying."""
    return split_notes(pool)


def escape(text: str) -> str:
    """Text for a GIFT question, answer or feedback (one line, nothing GIFT reads in it)."""
    return text.translate(_ESCAPES)


def decimal_text(x: float) -> str:
    """A float in plain notation (no exponent): 1.5e-05 -> 0.000015."""
    text = format(Decimal(number_text(x)), "f")
    return "0" if text in ("-0", "0.0") else text


def _numeric(gap: NumericGap) -> list[str]:
    w = gap.window
    lines = [f"={decimal_text(w.center)}:{decimal_text(w.half)}"]
    lines += [f"=%0%{decimal_text(m.window.center)}:{decimal_text(m.window.half)}"
              f"#{escape(m.feedback)}" for m in gap.mistakes]
    return ["{#", *lines]


def _shape(gap: ShapeGap) -> list[str]:
    lines = [f"={escape(s)}" for s in gap.spellings]
    lines += [f"=%0%{escape(s)}#{escape(fb)}" for s, fb in gap.mistakes]
    return ["{", *lines]


def _choice(gap: ChoiceGap) -> list[str]:
    lines = []
    weights = _weights(gap)
    for option, weight in zip(gap.options, weights, strict=True):
        text = escape(f"{option.letter}) {option.text}")
        feedback = f"#{escape(option.feedback)}" if option.feedback else ""
        if gap.multiple:
            lines.append(f"~%{weight}%{text}{feedback}")
        else:
            lines.append(f"{'=' if option.correct else '~'}{text}{feedback}")
    return ["{", *lines]


def _weights(gap: ChoiceGap) -> list[str]:
    """The options' weights as written; the last right option's takes what rounding left, so
    that the right ones add up to exactly 100 (six right options of 16.66667 would make
    100.00002, which GIFT readers refuse; Moodle rounds the sum to two places either way)."""
    texts = [fraction_text(o.fraction) for o in gap.options]
    right = [i for i, o in enumerate(gap.options) if o.fraction > 0]
    if gap.multiple and right:
        rest = Decimal(100) - sum((Decimal(texts[i]) for i in right[:-1]), Decimal(0))
        texts[right[-1]] = fraction_text(float(rest))
    return texts


def question_text(slot: Slot) -> str:
    """One question: comment, title, HTML text, answers and the solution as general feedback."""
    variant = slot.variant
    gap = slot.gap
    if isinstance(gap, NumericGap):
        answers = _numeric(gap)
    elif isinstance(gap, ShapeGap):
        answers = _shape(gap)
    else:
        answers = _choice(gap)
    title = escape(f"{variant.template_id} seed {variant.seed} {slot.key}")
    general = [f"####{escape(variant.solution)}"] if variant.solution else []
    return "\n".join([f"// {variant.template_id} {variant.seed} {slot.key}",
                      f"::{title}::[html]{escape(slot.text)}{answers[0]}",
                      *answers[1:], *general, "}"]) + "\n\n"


def render(pools: Sequence[Any], *, points: float | None = None) -> bytes:
    """The GIFT file of `pools` (UTF-8); GIFT has no points, so `points` is not used."""
    chunks = []
    for pool in pools:
        for group in slot_groups(pool, points):
            category = f"$course$/top/mlquiz/{group.template_id}"
            if group.title != group.template_id:
                category += "/" + re.sub(r"[^\w.-]+", "-", group.key)
            chunks.append(f"$CATEGORY: {category}\n\n")
            chunks.extend(question_text(slot) for slot in group.slots)
    return "".join(chunks).encode("utf-8")
