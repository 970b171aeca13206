"""Rendering template text (prompts, solutions, hints, feedback) with Jinja, per output format.

Jinja renders the text for the output format; `questionbank.markup` then writes the Markdown
subset it is written in (paragraphs, ``**bold**``, ``*italic*``, ```code```, lists, Unicode
maths such as ``aᵀXb``) in that format. Tables and vectors come from helpers (``table``,
``vec``, ``num``, ``fmt``, ``pct``, ``shape``, ``round``, ``matrix``) that know the format:

- ``md``: the source format; tables become pipe tables.
- ``text``: for a terminal; tables are drawn as ruled grids and emphasis marks are dropped.
- ``html``: a fragment; every character of text is escaped (params may hold labels), and
  tables are real ``<table>`` markup.
- ``tex``: a LaTeX fragment, special characters escaped and Unicode maths mapped to commands.

Jinja runs with `StrictUndefined`, so a misspelt name in a template is an error, not a blank.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.nodes
import numpy as np

from questionbank.errors import TemplateError
from questionbank.expr import to_exact
from questionbank.markup import (
    TEX_UNICODE,
    Blocks,
    convert,
    md_to_html,
    md_to_tex,
    md_to_text,
    plain_table,
    tex_escape,
)
from questionbank.values import format_number, terminates

__all__ = ["FORMATS", "TEX_UNICODE", "check_syntax", "display_value", "md_to_html", "md_to_tex",
           "md_to_text", "render", "tex_escape"]

FORMATS = ("text", "md", "html", "tex")


class ExactNumber(Fraction):
    """A Fraction that prints as a student reads it: 9/10 prints ``0.9``, 8/13 ``8/13``; the
    exact value stays available, so ``{{ x | num("fraction") }}`` still gives ``9/10``."""

    def __str__(self) -> str:
        return format_number(Fraction(self))

    def __format__(self, spec: str) -> str:
        return format(float(self), spec) if spec else str(self)


def display_value(value: Any) -> Any:
    """Exact-domain values in a form Jinja prints well: integral Fractions become ints, other
    Fractions `ExactNumber`s, arrays lists."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        return ExactNumber(value)
    if isinstance(value, np.ndarray):
        if value.dtype != object:
            return value.tolist()
        return [_display_entry(v) for v in value.tolist()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple | list):
        return [v if type(v) in _PLAIN else display_value(v) for v in value]
    return value


_PLAIN = frozenset({int, float, str})


def _display_entry(value: Any) -> Any:
    """An entry of an exact vector: an int, a float when the decimal terminates (5.625 prints as
    it is), else the Fraction itself (prints as 8/3)."""
    if type(value) is Fraction:
        if value.denominator == 1:
            return value.numerator
        if terminates(value.denominator):
            return value.numerator / value.denominator  # float(value), without the ABC detour
        return value
    return display_value(value)


def _num(x: Any, style: str | None = None) -> str:
    """A computed number in its exact text: 0.9, 8/13, 4.5 (`style`: 'fraction'/'decimal')."""
    if isinstance(x, str):
        return x
    return format_number(x, style)


def _fmt(x: Any) -> str:
    """A number as a student reads it: params keep their written form (2.0 stays 2.0)."""
    kind = type(x)
    if kind is int:
        return str(x)
    if kind is str:
        return x
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, float):
        text = repr(x)
        if "e" not in text:
            return text
        if 1e-6 <= abs(x) < 1e15:  # 9.991e-05 reads better as 0.00009991; 1e-8 stays
            return format_number(to_exact(x))
        return format_number(x)
    if isinstance(x, int | Fraction | np.integer | np.floating):
        return format_number(x)
    return str(x)


def _vec(values: Any) -> str:
    return "[" + ", ".join(_fmt(v) for v in display_value(values)) + "]"


def _pct(x: Any, digits: int = 1) -> str:
    value = float(x) * 100
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text + "%"


def _shape(dims: Any) -> str:
    return "×".join(str(d) for d in display_value(dims))


def _round(x: Any, digits: int = 3) -> str:
    value = round(float(x), digits)
    text = f"{value:.{digits}f}"
    return text


def _make_table(fmt: str, blocks: Blocks) -> Callable[..., str]:
    def table(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None = None) -> str:
        cells = [[_fmt(c) for c in r] for r in rows]
        head = [_fmt(c) for c in header] if header is not None else None
        width = len(head) if head else len(cells[0])
        if not cells or any(len(r) != width for r in cells):
            raise ValueError("table(): every row needs the same number of cells")
        rendered = plain_table(fmt, cells, head)
        if fmt == "md":  # Markdown is the source format: the pipe table stays in the text
            return "\n\n" + rendered + "\n\n"
        return blocks.add(rendered)  # kept out of the Markdown parser

    return table


def _make_matrix(fmt: str, blocks: Blocks) -> Callable[..., str]:
    table = _make_table(fmt, blocks)

    def matrix(rows: Any) -> str:
        rows = display_value(rows)
        if fmt == "md" or fmt == "text":
            return "\n\n" + "\n".join("    " + "  ".join(_fmt(v).rjust(6) for v in r)
                                      for r in rows) + "\n\n"
        return table(rows)

    return matrix


@lru_cache(maxsize=8)
def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=_num, vec=_vec, pct=_pct, shape=_shape, fmt=_fmt, round=_round)
    env.globals.update(vec=_vec, num=_num, pct=_pct, shape=_shape, fmt=_fmt)
    return env


@lru_cache(maxsize=4096)
def _compile(source: str, fmt: str) -> tuple[jinja2.Template, tuple[str, ...]]:
    """The compiled template and the names it may read from its context (found once, from
    the syntax tree), so rendering passes a small plain dict: Jinja looks names up in it at C
    speed, and only the values the text uses are converted for display."""
    env = _environment(fmt)
    # Every name the text reads (loop variables too: they are simply not in the context).
    # Not `jinja2.meta.find_undeclared_variables`: it leaves out the names of globals, and a
    # value in the context (a solver output named `shape`) must win over a global helper.
    names = {node.name for node in env.parse(source).find_all(jinja2.nodes.Name)
             if node.ctx == "load"}
    return env.from_string(source), tuple(sorted(names))


@lru_cache(maxsize=4096)
def check_syntax(source: str) -> tuple[int, str] | None:
    """None when `source` is valid Jinja, else (line within the text, message)."""
    if "{" not in source:
        return None  # every Jinja construct starts with '{': plain text is always valid
    try:
        _environment("md").parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return exc.lineno or 1, exc.message or "syntax error"
    return None


_BLANK_LINES = re.compile(r"\n{3,}")


def render(source: str, context: Mapping[str, Any], fmt: str = "md", *,
           where: str = "", path: str | None = None, line: int | None = None) -> str:
    """Render `source` with `context` for the output format `fmt`."""
    if not source:
        return ""
    if "{" not in source:  # no Jinja in it: the same for every instance
        return _static(source, fmt)
    blocks = Blocks()
    try:
        template, names = _compile(source, fmt)
        values: dict[str, Any] = {}
        for name in names:
            if name == "table":
                values[name] = _make_table(fmt, blocks)
            elif name == "matrix":
                values[name] = _make_matrix(fmt, blocks)
            elif name in context:
                values[name] = context[name]
            elif name in template.globals:
                values[name] = template.globals[name]
        text = "".join(template.root_render_func(template.new_context(values, shared=True)))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", path=path,
                            line=(line + (exc.lineno or 1) - 1) if line else None,
                            key=where) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"undefined name in text: {exc.message}", path=path, line=line,
                            key=where) from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateError(f"cannot render text: {exc}", path=path, line=line,
                            key=where) from None
    return convert(_BLANK_LINES.sub("\n\n", text).strip(), fmt, blocks.items)


@lru_cache(maxsize=4096)
def _static(source: str, fmt: str) -> str:
    """`render` of a text without Jinja (a part prompt such as "Shape of ∂L/∂b"): what the
    template would give, made once per format."""
    return convert(_BLANK_LINES.sub("\n\n", source).strip(), fmt)
