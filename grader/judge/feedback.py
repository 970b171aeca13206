"""Feedback rendered with Jinja for a terminal, Markdown or HTML.

The student's answer is shown literally: HTML output is autoescaped (so ``<script>`` or
``{{ 7*7 }}`` in an answer is inert text), and text for a terminal has control characters
replaced before it is printed, so an answer cannot move the cursor or change colours. Colour is
used on terminals that support it and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from grader.judge.check import Result
from grader.pages import render_page
from grader.terminal import safe_terminal_block, safe_terminal_text
from questionbank.instance import Instance

__all__ = ["STATUS_LABELS", "render_result", "render_results", "safe_terminal_block",
           "safe_terminal_text", "use_colour"]

#: how each `Result.status` is shown to a student (terminal, feedback pages, exam reports)
STATUS_LABELS = {"correct": "Correct", "incorrect": "Incorrect", "invalid": "Could not read"}
_STATUS_COLOUR = {"correct": "32", "incorrect": "31", "invalid": "33"}


def use_colour(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def _view(instance: Instance, result: Result, fmt: str, show_answer: bool) -> dict[str, Any]:
    part = instance.part(result.part)
    answer = result.answer.strip()
    if fmt == "text":
        answer = safe_terminal_text(answer)
    return {
        "part": part.id,
        "prompt": part.prompt,
        "status": result.status,
        "label": STATUS_LABELS[result.status],
        "score": result.score,
        "points": part.points,
        "feedback": result.feedback,
        "mistake": result.mistake,
        "answer": answer,
        "read_as": result.read_as,
        "reference": part.answer_text if show_answer else None,
    }


def render_result(instance: Instance, result: Result, fmt: str = "text", *,
                  show_answer: bool = False, colour: bool = False) -> str:
    """One part's verdict and feedback in `fmt` (text, md or html fragment)."""
    return render_results(instance, [result], fmt, show_answer=show_answer, colour=colour)


def render_results(instance: Instance, results: Sequence[Result], fmt: str = "text", *,
                   show_answer: bool = False, colour: bool = False) -> str:
    """Several parts' verdicts, as one block."""
    ext = {"text": "txt", "md": "md", "html": "html"}[fmt]
    views = [_view(instance, r, fmt, show_answer) for r in results]
    colours = _STATUS_COLOUR if colour and fmt == "text" else {}
    return render_page(f"feedback.{ext}.j2", results=views, colours=colours)


