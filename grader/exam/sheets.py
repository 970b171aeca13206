"""Exam sheets and answer keys: one student's questions rendered for a format (html, md,
tex), each student's sheet as a section, and the documents around sections (one student's
file, or every student in one printable file, a page apart).

Layout of the files that `grader.exam.generate` writes (``FMT`` is each requested format)::

    sheets/<stem>.FMT     one sheet per student (stem = slug of the id + short hash)
    keys/<stem>.FMT       the same with answers and worked solutions
    sheets-all.FMT        every sheet in one printable file, a page break between students
    keys-all.FMT          every key in one file
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from grader.exam.identity import version_code
from grader.exam.manifest import column_name
from grader.exam.roster import Student
from grader.files import md_escape
from questionbank.errors import InputError
from questionbank.instance import Instance
from questionbank.render import tex_escape
from questionbank.values import readable_answer

__all__ = ["DEFAULT_FORMATS", "FORMATS", "item_view", "parse_formats", "points_text",
           "render_section", "sheets_document", "student_view",
           "version_code"]

FORMATS = ("html", "md", "tex")
DEFAULT_FORMATS = ("html", "md")


def parse_formats(entries: Iterable[str]) -> tuple[str, ...]:
    """Sheet formats from entries of comma-separated names (``["html,tex"]`` ->
    ``("html", "tex")``), in order, each once; `InputError` for an unknown one or none."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for entry in entries
                                 for f in entry.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown sheet format {unknown[0]!r} (formats: {', '.join(FORMATS)})")
    if not chosen:
        raise InputError(f"no sheet format given (formats: {', '.join(FORMATS)})")
    return chosen


def points_text(points: float) -> str:
    """Points as printed on a sheet: ``1``, ``0.5``."""
    return f"{points:g}"


def _escape_for(fmt: str) -> Callable[[str], Any]:
    """How plain (untrusted or literal) text enters a page of `fmt`."""
    if fmt == "tex":
        return tex_escape
    if fmt == "md":
        return md_escape
    return str  # html pages are autoescaped by Jinja


def item_view(number: int, instance: Instance, fmt: str) -> dict[str, Any]:
    """One question of one student's sheet, with every text rendered for `fmt`."""
    from markupsafe import Markup

    from grader.pages import FORMAT_HINTS, unwrap_paragraph

    wrap: Callable[[str], Any] = Markup if fmt == "html" else str
    inline: Callable[[str], Any] = (lambda t: Markup(unwrap_paragraph(t))) if fmt == "html" \
        else str
    plain = tex_escape if fmt == "tex" else str
    parts = []
    for index, part in enumerate(instance.parts):
        parts.append({
            "letter": "abcdefghijklmnopqrstuvwxyz"[index % 26],
            "id": plain(part.id),
            "column": plain(column_name(number, part.id)),
            "prompt": inline(instance.render_part_prompt(part.id, fmt)),
            "options": [{"letter": o.letter,
                         "text": inline(instance.render_option(part.id, o, fmt))}
                        for o in part.options],
            "hint": plain(FORMAT_HINTS[part.type]),
            "points": points_text(part.points),
            "key": plain(readable_answer(part.type, part.answer_text)),
        })
    return {
        "number": number,
        "template": plain(instance.template_id),
        "title": plain(instance.title),
        "points": points_text(sum(p.points for p in instance.parts)),
        "prompt": wrap(instance.render_prompt(fmt)),
        "solution": wrap(instance.render_solution(fmt)),
        "parts": parts,
    }


def student_view(student: Student, code: str, items: list[dict[str, Any]], fmt: str
                  ) -> dict[str, Any]:
    esc = _escape_for(fmt)
    return {"id": esc(student.id), "name": esc(student.name), "code": code, "items": items}


def render_section(fmt: str, title: str, student: dict[str, Any], *, key: bool,
                   total_points: str, layout: dict[str, Any] | None = None) -> str:
    """One student's sheet (or key) as a section of a `sheets_document`; `layout` is a
    `grader.exam.layout.layout_view` for `fmt` (default: no subtitle, instructions or
    working space)."""
    from grader.pages import render_page

    layout = layout or {"subtitle": "", "instructions": "", "space": ""}
    if fmt == "html":
        from grader.exam.layout import question_fits_page

        student = {**student, "items": [
            {**q, "keep": question_fits_page(q, layout["space"] or "0cm", key)}
            for q in student["items"]]}
    return render_page(f"sheet-student.{fmt}.j2", title=_escape_for(fmt)(title), s=student,
                       key=key, total_points=total_points, layout=layout)


_SECTION = '<section class="sheet">'
_SECTION_THEN_PAGE_BREAK = '<section class="sheet page-break">'


def sheets_document(fmt: str, title: str, students: Sequence[dict[str, Any]],
                    sections: Sequence[str], *, key: bool) -> str:
    """The document of `fmt` around rendered `sections` (`render_section`), one per student
    of `students`: each section is rendered once and serves both the student's own file and
    the combined one. In html every section but the last ends with a page break, a class of
    its opening tag (which `sheet-student.html.j2` writes first)."""
    from markupsafe import Markup

    from grader.pages import render_page

    if fmt == "html":
        last = len(sections) - 1
        pieces = []
        for index, section in enumerate(sections):
            if index < last:
                if not section.startswith(_SECTION):
                    raise AssertionError("sheet-student.html.j2 must start with " + _SECTION)
                section = _SECTION_THEN_PAGE_BREAK + section[len(_SECTION):]
            pieces.append(Markup(section))
        sections = pieces
        return render_page("sheet.html.j2", title=title, students=students, sections=sections,
                           key=key, running=_running_heads(title, students, key))
    return render_page(f"sheet.{fmt}.j2", title=_escape_for(fmt)(title), students=students,
                       sections=sections, key=key)


def _running_heads(title: str, students: Sequence[dict[str, Any]], key: bool
                   ) -> dict[str, Any]:
    """The CSS strings of a printed html sheet's running header (see `grader.exam.layout`):
    the title on every page, and each student's id on the pages of their section."""
    from markupsafe import Markup

    from grader.exam.layout import css_string

    return {"title": Markup(css_string(title + (" \u00b7 answer key" if key else ""))),
            "ids": [Markup(css_string(f"ID: {s['id']}")) for s in students]}
