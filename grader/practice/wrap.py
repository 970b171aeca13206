"""Practice text wrapped to the terminal: prose paragraphs re-flowed, everything else verbatim.

Template prompts, hints and solutions are written for any width; in a terminal a long line
wraps mid-word. Paragraphs of prose are re-wrapped at word boundaries to the width (a word
longer than the width stays whole); tables, indented code, fenced blocks and rules are kept
exactly, and list items keep their marker with a hanging indent.
"""

from __future__ import annotations

import re
import shutil
import textwrap

__all__ = ["terminal_width", "wrap_text"]

_VERBATIM_RE = re.compile(r"\s|[+|]|[-=]{3,}\s*$")
_LIST_ITEM_RE = re.compile(r"(?:[-*•]|\d+[.)])\s+")
_MIN_WIDTH = 20


def terminal_width() -> int:
    """The terminal's width in columns (``COLUMNS`` or 80 when output is not a terminal)."""
    return max(_MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def _fill(lines: list[str], width: int) -> str:
    """One paragraph (or list item) re-wrapped; the first line's list marker sets the indent."""
    text = " ".join(line.strip() for line in lines)
    marker = _LIST_ITEM_RE.match(text)
    indent = " " * (marker.end() if marker else 0)
    return textwrap.fill(text, width, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


def wrap_text(text: str, width: int) -> str:
    """`text` with its prose paragraphs wrapped to `width` columns (see the module doc)."""
    out: list[str] = []
    paragraph: list[str] = []
    fenced = False

    def flush() -> None:
        if paragraph:
            out.append(_fill(paragraph, width))
            paragraph.clear()

    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or not line.strip() or _VERBATIM_RE.match(line):
            flush()
            out.append(line)
        else:
            if _LIST_ITEM_RE.match(line):
                flush()
            paragraph.append(line)
    flush()
    return "\n".join(out)
