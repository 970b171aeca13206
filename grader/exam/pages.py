"""Per-student feedback pages of a graded exam: ``feedback/<stem>.html`` and ``.md``.

Each page shows every question with its worked solution and, per part, the student's answer,
how it was read, the verdict and its feedback, and the key. Student text is escaped: HTML pages
are autoescaped, Markdown pages show answers as code and escape the rest.

Both pages of a student are made from one pass over their outcome: what the two formats share
(scores, labels, the reference answer) is worked out once, and each page is rendered from its
precompiled template into one string and written with one plain write into the run's staging
folder (`grader.files.write_staged_text`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup

from grader.exam.manifest import StudentRecord
from grader.exam.outcomes import ItemOutcome, PartOutcome, StudentOutcome, score_text
from grader.files import md_code, md_escape, student_stem, write_staged_text
from grader.judge.feedback import STATUS_LABELS
from grader.pages import page_template, render_compiled, unwrap_paragraph
from questionbank.instance import Instance
from questionbank.render import is_static
from questionbank.values import readable_answer

__all__ = ["LABELS", "ItemView", "PartView", "feedback_views", "write_feedback_pages"]

#: The verdict shown for each part status: the judge's, and the batch's own.
LABELS = {**STATUS_LABELS, "blank": "No answer", "ungraded": "Not graded",
          "error": "Not graded (error)"}
FORMATS = ("html", "md")

#: A score as shown on a page. Made once per value: a class has few distinct scores, and
#: every part shows three of them on each of its two pages.
_score = lru_cache(maxsize=1024)(score_text)


class PartView(NamedTuple):
    """One part as ``student_feedback.{html,md}.j2`` shows it, its text escaped for the page's
    format. A NamedTuple: the page templates read its fields as attributes, directly; from a
    dict Jinja reads each field after a failed attribute lookup, which made rendering a
    class's 5,000 pages take 0.38 s instead of 0.19 s. `answered` (the answer is not blank)
    is worked out here: a method called from the template (``p.answer.strip()``) goes through
    Jinja's call machinery, 5 us of an html page's 55 us (best of 15, 300 pages)."""

    column: str
    prompt: str
    status: str
    label: str
    earned: str
    points: str
    answer: str
    answered: bool
    read_as: str | None
    feedback: str
    multiline: bool
    reference: str
    mistake: str | None
    solution: str
    override: str | None
    automatic: str


class ItemView(NamedTuple):
    """One question as the page templates show it (see `PartView`)."""

    number: int
    status: str
    message: str
    earned: str
    points: str
    prompt: str
    solution: str
    parts: tuple[PartView, ...]


def write_feedback_pages(folder: Path, title: str, record: StudentRecord,
                         outcome: StudentOutcome, instances: Sequence[Instance | None]
                         ) -> dict[str, str]:
    """Write the student's html and md pages into `folder` (inside a run's staging folder);
    returns their paths relative to the output folder, by format (as ``report.json`` lists
    them)."""
    stem = student_stem(record.id)
    views = feedback_views(title, record, outcome, instances)
    # the paths as text, not `Path`s: 3.3 us less per page (a path joined and then made text)
    base = os.path.join(folder, stem)
    written = {}
    for fmt in FORMATS:
        write_staged_text(f"{base}.{fmt}",
                          render_compiled(page_template(f"student_feedback.{fmt}.j2"), views[fmt]))
        written[fmt] = f"feedback/{stem}.{fmt}"
    return written


def _md_text(text: str) -> str:
    """Feedback for a Markdown page: one line escaped; several lines as an indented block."""
    if "\n" in text:
        return "\n".join("    " + ln for ln in text.split("\n"))
    return text.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>") \
        .replace("&", "\\&").replace("[", "\\[").replace("]", "\\]")


#: The html and md prompts of parts whose prompt has no Jinja in it (most: "Accuracy"), by
#: their text: made once, not twice per part and student (`_part_views` of 2,500 x 4 parts:
#: 98 -> 75 ms, medians of 3).
_STATIC_PROMPTS: dict[str, tuple[Markup, str]] = {}


def _part_prompts(instance: Instance, part_id: str) -> tuple[Markup, str]:
    """The part's prompt as the html page (one paragraph without its tags) and the md page
    show it."""
    source = instance.template.part(part_id).prompt
    static = is_static(source)  # the same for every instance
    prompts = _STATIC_PROMPTS.get(source) if static else None
    if prompts is None:
        prompts = (Markup(unwrap_paragraph(instance.render_part_prompt(part_id, "html"))),
                   instance.render_part_prompt(part_id, "md"))
        if static:
            if len(_STATIC_PROMPTS) >= 4096:
                _STATIC_PROMPTS.clear()
            _STATIC_PROMPTS[source] = prompts
    return prompts


def _part_views(p: PartOutcome, instance: Instance | None) -> tuple[PartView, PartView]:
    """The part's html and md views."""
    if instance is not None:
        part = instance.part(p.part)
        html_prompt, md_prompt = _part_prompts(instance, p.part)
        # most parts have no solution of their own: not asking spares a cached_property's
        # first look-up, with its lock (2% of making a class's page views, profiled)
        solution = part.solution if part.solution_text is not None else ""
        reference = readable_answer(part.type, p.reference)
    else:
        html_prompt, md_prompt, solution, reference = Markup(""), "", "", p.reference
    earned = _score(p.earned) if p.earned is not None else "-"
    points, automatic, label = _score(p.points), _score(p.automatic), LABELS[p.status]
    read_as = p.read_as if p.read_as and p.read_as.strip() != p.answer.strip() else None
    multiline = "\n" in p.feedback
    answered = bool(p.answer.strip())
    html = PartView(p.column, html_prompt, p.status, label, earned, points, p.answer, answered,
                    read_as, p.feedback, multiline, reference, p.mistake, solution, p.override,
                    automatic)
    md = PartView(p.column, md_prompt, p.status, label, earned, points, md_code(p.answer),
                  answered, md_code(read_as) if read_as is not None else None,
                  _md_text(p.feedback), multiline, md_code(reference), p.mistake, solution,
                  None if p.override is None else _md_text(p.override), automatic)
    return html, md


def _item_views(item: ItemOutcome, instance: Instance | None) -> tuple[ItemView, ItemView]:
    """The question's html and md views."""
    earned = _score(math.fsum(p.earned or 0.0 for p in item.parts))
    points = _score(math.fsum(p.points for p in item.parts))
    parts = [_part_views(p, instance) for p in item.parts]
    # both formats at once: each text's Jinja runs once (`Instance.render_texts`)
    (html_prompt, html_solution), (md_prompt, md_solution) = \
        instance.render_texts(FORMATS) if instance is not None else (("", ""), ("", ""))
    return (ItemView(item.number, item.status, item.message, earned, points,
                     Markup(html_prompt), Markup(html_solution),
                     tuple(html for html, _ in parts)),
            ItemView(item.number, item.status, item.message, earned, points, md_prompt,
                     md_solution, tuple(md for _, md in parts)))


def _same(text: str) -> str:
    """Text as an HTML page takes it (autoescaped by the template)."""
    return text


def feedback_views(title: str, record: StudentRecord, outcome: StudentOutcome,
                   instances: Sequence[Instance | None]) -> dict[str, dict[str, object]]:
    """What ``student_feedback.{html,md}.j2`` show, by format, with text escaped for it."""
    total = outcome.total
    max_points = math.fsum(float(p.points) for i in record.items for p in i.parts)
    items = [_item_views(item, instance)
             for item, instance in zip(outcome.items, instances, strict=True)]
    common = {"code": record.code, "status": outcome.status, "total": _score(total),
              "max": _score(max_points),
              "percent": score_text(100 * total / max_points if max_points else 0.0, 1)}
    views: dict[str, dict[str, object]] = {}
    for index, fmt in enumerate(FORMATS):
        esc = md_escape if fmt == "md" else _same
        views[fmt] = {**common, "title": esc(title), "student": esc(record.id),
                      "student_name": esc(record.name), "message": esc(outcome.message),
                      "items": [views_of_item[index] for views_of_item in items]}
    return views
