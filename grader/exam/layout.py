"""How exam sheets are laid out on paper: a subtitle (course, date), the instructor's
instructions, and the working space left after each part (``generate --subtitle``,
``--instructions``, ``--space``); and the running header and footer of a printed HTML sheet.

Instructions are a Markdown file written in the subset of template texts
(`questionbank.markup`): rendered like template text, every character escaped, so nothing in
it becomes raw HTML or LaTeX. It is not a Jinja template: braces print as typed.

Printing an HTML sheet: every page carries the exam title, the student's id and "page x of y"
in CSS page-margin boxes (``@page { @top-left {...} }``), which Chromium prints since version
131 (and Firefox since 138); each student's section is a named page (``page: sheet-N``), so a
file with every student's sheet shows each student's id on their pages. "page x of y" counts
the pages of the printed file: per student in ``sheets/<stem>.html``, over the whole class in
``sheets-all.html``. In the print dialog, leave "Headers and footers" unticked (the browser's
own URL and date would replace them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from grader.files import read_input_text
from questionbank.errors import InputError

__all__ = ["DEFAULT_SPACE", "MAX_INSTRUCTIONS_CHARS", "SPACES", "SheetLayout", "css_string",
           "layout_view", "parse_space", "read_instructions"]

#: Named working spaces (after each part, above its answer box) and their heights.
SPACES = {"none": "0cm", "small": "1.5cm", "medium": "3cm", "large": "5cm"}
DEFAULT_SPACE = "small"
#: The longest instructions file read (a page of text is about 4,000 characters).
MAX_INSTRUCTIONS_CHARS = 20_000
_LENGTH = re.compile(r"(\d{1,3}(?:\.\d{1,2})?)(cm|mm|in)")
_MAX_CM = {"cm": 25.0, "mm": 250.0, "in": 10.0}  # an A4 page is 29.7cm high


@dataclass(slots=True, frozen=True)
class SheetLayout:
    """What a sheet shows besides its questions. `space` is a length (``1.5cm``, `parse_space`);
    `instructions` is Markdown source (`read_instructions`)."""

    subtitle: str = ""
    instructions: str = ""
    space: str = SPACES[DEFAULT_SPACE]


def parse_space(text: str) -> str:
    """``--space``: a name of `SPACES` or a length (``4cm``, ``30mm``, ``1.5in``) -> a length
    that CSS and LaTeX both read; `InputError` otherwise."""
    value = text.strip().lower()
    if value in SPACES:
        return SPACES[value]
    match = _LENGTH.fullmatch(value)
    if match is None or float(match.group(1)) > _MAX_CM[match.group(2)]:
        raise InputError(f"--space: expected {', '.join(SPACES)} or a length of at most 25cm "
                         f"such as 4cm, 30mm or 1.5in, got {text!r}")
    return value


def read_instructions(path: str | Path) -> str:
    """The Markdown text of an instructions file (UTF-8); `InputError` naming the file when it
    cannot be read or is too long for a sheet."""
    path = Path(path)
    text = read_input_text(path, "the instructions")
    if len(text) > MAX_INSTRUCTIONS_CHARS:
        raise InputError(f"{path}: the instructions are {len(text):,} characters long; a sheet "
                         f"takes at most {MAX_INSTRUCTIONS_CHARS:,}")
    return text.replace("\r\n", "\n").strip()


def css_string(text: str) -> str:
    """`text` as a CSS string literal (quotes included) whose every character but letters,
    digits and spaces is a hex escape: safe inside a ``<style>`` element (no ``<``, ``"``)."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch == " "):
            out.append(ch)
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(" ")
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape (CSS eats it)
    return '"' + "".join(out) + '"'


def layout_view(layout: SheetLayout, fmt: str) -> dict[str, Any]:
    """The layout's texts rendered for a sheet of `fmt`: ``subtitle`` (escaped),
    ``instructions`` (Markdown rendered, empty when none) and ``space`` (a length, empty for
    none)."""
    from markupsafe import Markup

    from grader.files import md_escape
    from questionbank.markup import convert, tex_escape

    escapes: dict[str, Callable[[str], str]] = {"html": str, "md": md_escape,
                                                "tex": tex_escape}
    escape = escapes[fmt]
    instructions = convert(layout.instructions, fmt) if layout.instructions else ""
    space = parse_space(layout.space)
    return {
        "subtitle": escape(layout.subtitle),
        "instructions": Markup(instructions) if fmt == "html" else instructions,
        "space": "" if float(space.rstrip("cmin")) == 0 else space,
    }


#: The height of an A4 page's printable area (297mm less the sheet's margins), and rough
#: heights of what a printed question holds, in cm (measured on Chromium's A4 print).
_PAGE_CM = 26.0
_LINE_CM, _ROW_CM, _BLOCK_CM = 0.6, 0.2, 0.4
_HEADING_CM, _PART_CM = 1.3, 2.6
_CHARS_PER_LINE = 90
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</p>|</pre>|</tr>|</li>|<br>")


@lru_cache(maxsize=4096)
def _text_cm(fragment: str) -> float:
    """The printed height of an html fragment: its wrapped lines of text, table rows and the
    gaps between blocks. Cached: a sheet and its key measure the same prompts, and part
    prompts and options repeat from student to student (measuring 100 students' sheets and
    keys took 60 ms, 20 ms cached)."""
    fragment = str(fragment)  # not a `Markup`, whose methods escape their arguments
    rows = fragment.count("<tr>")
    blocks = fragment.count("<p>") + fragment.count("<pre>") + fragment.count("<table")
    text = _TAG.sub("", _BLOCK_END.sub("\n", fragment.replace("\n", " ")))
    lines = sum(-(-len(line.strip()) // _CHARS_PER_LINE) for line in text.split("\n"))
    return lines * _LINE_CM + rows * _ROW_CM + blocks * _BLOCK_CM


def question_fits_page(item: dict[str, Any], space: str, key: bool = False) -> bool:
    """Whether a question of `grader.exam.sheets.item_view` (html), with `space` of working
    space after each part (and its worked solution in a `key`), fits on one printed page: such
    a question is kept on one page; a longer one may break between its parts (keeping it whole
    would leave a page blank)."""
    work = 0.0 if key else float(space.rstrip("cmin") or 0) * {
        "cm": 1.0, "mm": 0.1, "in": 2.54}.get(space[-2:], 1.0)
    height = _HEADING_CM + _text_cm(item["prompt"])
    if key:
        height += _HEADING_CM + _text_cm(item["solution"])
    for part in item["parts"]:
        height += _PART_CM + work + _text_cm(part["prompt"]) + _LINE_CM * len(
            part["options"]) + sum(_text_cm(o["text"]) for o in part["options"])
    return height <= _PAGE_CM
