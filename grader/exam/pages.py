"""Per-student feedback pages of a graded exam: ``feedback/<stem>.html`` and ``.md``.

Each page shows every question with its worked solution and, per part, the student's answer,
how it was read, the verdict and its feedback, and the key. Student text is escaped: HTML pages
are autoescaped, Markdown pages show answers as code and escape the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grader.exam.manifest import StudentRecord
from grader.exam.outcomes import ItemOutcome, PartOutcome, StudentOutcome, score_text
from grader.files import atomic_write_text, md_code, md_escape, student_stem
from grader.judge.feedback import STATUS_LABELS
from grader.pages import render_page, unwrap_paragraph
from questionbank.instance import Instance
from questionbank.values import readable_answer

__all__ = ["LABELS", "feedback_view", "write_feedback_pages"]

#: The verdict shown for each part status: the judge's, and the batch's own.
LABELS = {**STATUS_LABELS, "blank": "No answer", "ungraded": "Not graded",
          "error": "Not graded (error)"}


def write_feedback_pages(folder: Path, title: str, record: StudentRecord,
                         outcome: StudentOutcome, instances: Sequence[Instance | None]
                         ) -> dict[str, str]:
    """Write the student's html and md pages; returns their paths relative to the output
    folder, by format (as ``report.json`` lists them)."""
    stem = student_stem(record.id)
    written = {}
    for fmt in ("html", "md"):
        view = feedback_view(title, record, outcome, instances, fmt)
        atomic_write_text(folder / f"{stem}.{fmt}",
                          render_page(f"student_feedback.{fmt}.j2", **view))
        written[fmt] = f"feedback/{stem}.{fmt}"
    return written


def _md_text(text: str) -> str:
    """Feedback for a Markdown page: one line escaped; several lines as an indented block."""
    if "\n" in text:
        return "\n".join("    " + ln for ln in text.split("\n"))
    return text.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>") \
        .replace("&", "\\&").replace("[", "\\[").replace("]", "\\]")


def _part_view(p: PartOutcome, instance: Instance | None, fmt: str) -> dict[str, Any]:
    from markupsafe import Markup

    html = fmt == "html"
    wrap: Callable[[str], Any] = Markup if html else str
    prompt = solution = ""
    if instance is not None:
        prompt = instance.render_part_prompt(p.part, fmt)
        prompt = unwrap_paragraph(prompt) if html else prompt
        solution = instance.part(p.part).solution
        reference = readable_answer(instance.part(p.part).type, p.reference)
    else:
        reference = p.reference
    shown = (lambda s: s) if html else md_code
    return {
        "column": p.column, "prompt": wrap(prompt), "status": p.status,
        "label": LABELS[p.status],
        "earned": score_text(p.earned) if p.earned is not None else "-",
        "points": score_text(p.points), "answer": shown(p.answer),
        "read_as": shown(p.read_as) if p.read_as and p.read_as.strip() != p.answer.strip()
        else None,
        "feedback": p.feedback if html else _md_text(p.feedback),
        "multiline": "\n" in p.feedback, "reference": shown(reference),
        "mistake": p.mistake, "solution": solution,
        "override": None if p.override is None else
        (p.override if html else _md_text(p.override)),
        "automatic": score_text(p.automatic),
    }


def _item_view(item: ItemOutcome, instance: Instance | None, fmt: str) -> dict[str, Any]:
    from markupsafe import Markup

    wrap: Callable[[str], Any] = Markup if fmt == "html" else str
    return {
        "number": item.number, "status": item.status, "message": item.message,
        "earned": score_text(math.fsum(p.earned or 0.0 for p in item.parts)),
        "points": score_text(math.fsum(p.points for p in item.parts)),
        "prompt": wrap(instance.render_prompt(fmt)) if instance is not None else "",
        "solution": wrap(instance.render_solution(fmt)) if instance is not None else "",
        "parts": [_part_view(p, instance, fmt) for p in item.parts],
    }


def feedback_view(title: str, record: StudentRecord, outcome: StudentOutcome,
                  instances: Sequence[Instance | None], fmt: str) -> dict[str, Any]:
    """What ``student_feedback.{html,md}.j2`` shows, with text escaped for `fmt`."""
    esc = (lambda s: s) if fmt == "html" else md_escape
    total = outcome.total
    max_points = math.fsum(float(p.points) for i in record.items for p in i.parts)
    return {
        "title": esc(title), "student": esc(record.id), "student_name": esc(record.name),
        "code": record.code, "status": outcome.status, "message": esc(outcome.message),
        "total": score_text(total), "max": score_text(max_points),
        "percent": score_text(100 * total / max_points if max_points else 0.0, 1),
        "items": [_item_view(item, instance, fmt)
                  for item, instance in zip(outcome.items, instances, strict=True)],
    }
