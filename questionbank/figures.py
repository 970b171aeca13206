"""Figures in questions: a template's ``figure`` computed for an instance and drawn per format.

A template declares a plot (`questionbank.specs.FigureSpec`: a line plot, a scatter plot or a
bar chart of series whose values are expressions of the params); `compute_figure` evaluates it
for one instance into a `Figure` of plain floats and texts, and `draw` writes it:

- ``html``: an inline SVG (``role="img"`` with a ``<title>`` and a ``<desc>`` listing every
  plotted value) and the table of values;
- ``tex``: a TikZ picture (drawn only when the document loaded TikZ, see ``sheet.tex.j2``)
  and the table of values;
- ``text`` and ``md``: the title and the table of values (a terminal has no pictures).

The SVG and TikZ are written by hand (`questionbank.figure_layout`, `figure_writers`): a few
primitives (lines, a polyline, markers, rectangles, texts) cover these three kinds of plot;
written so they are deterministic (the same bytes in every process), need no plotting library,
and take about a millisecond. Every text in a figure comes from the template (a pack anyone may
write) and is escaped for the format it is written in.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from questionbank.errors import TemplateError
from questionbank.expr import Expr
from questionbank.markup import plain_table, tex_escape
from questionbank.sampling import evaluate_in
from questionbank.schema_figure import MAX_CATEGORIES, MAX_POINTS
from questionbank.specs import Template

__all__ = ["Figure", "Series", "compute_figure", "draw", "value_text", "values_table"]

#: The largest magnitude a plotted value may have (the axes' arithmetic stays exact enough).
MAX_VALUE = 1e12
KIND_NAMES = {"line": "Line plot", "scatter": "Scatter plot", "bar": "Bar chart"}


@dataclass(frozen=True, slots=True)
class Series:
    """One plotted series: its legend label and its points (x, y as floats)."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure of one instance: what is drawn, in plain floats and texts (hashable, so each
    format is drawn once)."""

    kind: str
    series: tuple[Series, ...]
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    #: a bar chart's category names (its x axis), one per bar of each series
    categories: tuple[str, ...] = ()
    alt: str = ""
    table: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The figure as JSON data (``show --format json`` carries it under ``figure``)."""
        data: dict[str, Any] = {"kind": self.kind, "title": self.title,
                                "x_label": self.x_label, "y_label": self.y_label}
        if self.categories:
            data["categories"] = list(self.categories)
        data["series"] = [{"label": s.label, "x": list(s.x), "y": list(s.y)}
                          for s in self.series]
        return data


def _decimals(value: float) -> int:
    """The decimals `value` needs (at most 6): 2.5 needs 1, 0.167 needs 3 (read from its
    shortest repr, which round-trips)."""
    text = repr(value)
    if "e" in text or "n" in text:
        return 6
    places = len(text) - text.index(".") - 1
    if places == 1 and text.endswith(".0"):
        return 0
    return min(places, 6)


def value_text(value: float, decimals: int | None = None) -> str:
    """A plotted value as tables and text alternatives write it: with `decimals` places (a
    table column shares the places of its most precise value), else as few as it needs (at
    most 6); very large or small values in scientific notation."""
    if value and not 1e-4 <= abs(value) < 1e9:
        return f"{value:.6g}"
    places = _decimals(value) if decimals is None else decimals
    text = f"{value:.{places}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no -0


def _column(values: tuple[float, ...]) -> list[str]:
    """A table column: every value with the decimals of the most precise one. Read from the
    values' shortest reprs and padded with zeros (exact: a repr round-trips), so a column of
    a few hundred values costs microseconds."""
    texts = [repr(v + 0.0) for v in values]  # + 0.0: -0.0 becomes 0.0
    if any("e" in t for t in texts):
        return [value_text(v) for v in values]
    have = [len(t) - t.index(".") - 1 for t in texts]
    places = max(0 if t.endswith(".0") else d for t, d in zip(texts, have, strict=True))
    if places > 6:
        return [value_text(v, 6) for v in values]
    if places == 0:
        return [t[:-2] for t in texts]
    return [t + "0" * (places - d) for t, d in zip(texts, have, strict=True)]


# --------------------------------------------------------------------------- computing


def _numbers(template: Template, value: Any, key: str, line: int, limit: int) -> tuple[float, ...]:
    """An evaluated expression as a tuple of finite floats, of at most `limit` items."""
    try:
        items = value.tolist() if hasattr(value, "tolist") else value
        if not isinstance(items, list | tuple):
            raise TypeError
        numbers = tuple(float(v) for v in items)
    except (TypeError, ValueError):
        raise TemplateError(f"expected a vector of numbers to plot, got {value!r}"[:200],
                            path=template.path, line=line, key=key) from None
    if not numbers:
        raise TemplateError("nothing to plot: the vector is empty", path=template.path,
                            line=line, key=key)
    if len(numbers) > limit:
        raise TemplateError(f"at most {limit} points in a series, got {len(numbers)}",
                            path=template.path, line=line, key=key)
    if not all(math.isfinite(v) and abs(v) <= MAX_VALUE for v in numbers):
        raise TemplateError(f"a plotted value is not finite or beyond ±{MAX_VALUE:g}",
                            path=template.path, line=line, key=key)
    return numbers


def _evaluate(template: Template, expr: Expr, env: Mapping[str, Any], key: str, line: int,
              limit: int) -> tuple[float, ...]:
    value = evaluate_in(template, expr, env, key, line, exact=False)
    return _numbers(template, value, key, line, limit)


def compute_figure(template: Template, env: Mapping[str, Any]) -> Figure | None:
    """The template's figure with the values of one instance (`env`: its values in floating
    point), or None when it has none. A series that does not fit its x values or the
    categories, or has too many points, is a `TemplateError` at the series' line."""
    spec = template.figure
    if spec is None:
        return None
    bar = spec.kind == "bar"
    limit = MAX_CATEGORIES if bar else MAX_POINTS
    shared = _evaluate(template, spec.x, env, "figure.x", spec.line, limit) \
        if spec.x is not None else None
    series = []
    for i, s in enumerate(spec.series):
        key = f"figure.series[{i}]"
        y = _evaluate(template, s.y, env, f"{key}.y", s.line, limit)
        x = _evaluate(template, s.x, env, f"{key}.x", s.line, limit) if s.x is not None \
            else shared if shared is not None else tuple(float(k) for k in range(1, len(y) + 1))
        expected = len(spec.categories) if bar and spec.categories else len(x)
        if len(y) != expected:
            what = "categories" if bar and spec.categories else "x values"
            raise TemplateError(f"the series has {len(y)} values but the figure has "
                                f"{expected} {what}", path=template.path, line=s.line, key=key)
        series.append(Series(label=s.label, x=x, y=y))
    categories = spec.categories
    if bar and not categories:
        n = len(series[0].y)
        if any(len(s.y) != n for s in series):
            raise TemplateError("the series of a bar chart need the same number of values",
                                path=template.path, line=spec.line, key="figure.series")
        categories = tuple(str(k) for k in range(1, n + 1))
    return Figure(kind=spec.kind, series=tuple(series), title=spec.title,
                  x_label=spec.x_label, y_label=spec.y_label, categories=categories,
                  alt=spec.alt, table=spec.table)


# --------------------------------------------------------------------------- text forms


def _shared_x(figure: Figure) -> bool:
    first = figure.series[0].x
    return all(s.x == first for s in figure.series)


def values_table(figure: Figure) -> tuple[list[str], list[list[str]]]:
    """The plotted values as a table (header, rows): one row per x value (or category) with
    a column per series when the series share their x values, else one row per point."""
    names = [s.label or figure.y_label or "y" for s in figure.series]
    if figure.kind == "bar":
        columns = [list(figure.categories), *(_column(s.y) for s in figure.series)]
        head = [figure.x_label or "category", *names]
    elif _shared_x(figure):
        columns = [_column(figure.series[0].x), *(_column(s.y) for s in figure.series)]
        head = [figure.x_label or "x", *names]
    else:
        columns = [[name for name, s in zip(names, figure.series, strict=True) for _ in s.x],
                   _column(tuple(x for s in figure.series for x in s.x)),
                   _column(tuple(y for s in figure.series for y in s.y))]
        head = ["series", figure.x_label or "x", figure.y_label or "y"]
    return head, [list(row) for row in zip(*columns, strict=True)]


def caption(figure: Figure) -> str:
    """What the figure shows, in a sentence: kind, title and axes."""
    what = KIND_NAMES[figure.kind]
    if figure.y_label and figure.x_label:
        what += f" of {figure.y_label} against {figure.x_label}"
    return f"{what}: {figure.title}" if figure.title else what


def alt_text(figure: Figure) -> str:
    """The text alternative: the author's `alt`, what is plotted, and every plotted value."""
    parts = [figure.alt] if figure.alt else []
    parts.append(caption(figure) + ".")
    for s in figure.series:
        name = f"Series {s.label}" if s.label else "Values"
        if figure.kind == "bar":
            points = ", ".join(f"{c}: {value_text(y)}"
                               for c, y in zip(figure.categories, s.y, strict=True))
        else:
            points = ", ".join(f"({value_text(x)}, {value_text(y)})"
                               for x, y in zip(s.x, s.y, strict=True))
        parts.append(f"{name}: {points}.")
    return " ".join(parts)


def _md_cell(text: str) -> str:
    """A cell of a Markdown pipe table: a ``|`` or ``\\`` in a label is escaped."""
    return text.replace("\\", "\\\\").replace("|", "\\|")


# --------------------------------------------------------------------------- drawing


@lru_cache(maxsize=256)
def draw(figure: Figure, fmt: str) -> str:
    """The figure in the output format `fmt` (text, md, html or tex)."""
    head, rows = values_table(figure)
    if fmt == "text":
        return f"Figure ({caption(figure)}):\n\n" + plain_table("text", rows, head)
    if fmt == "md":
        if figure.kind == "bar" or not _shared_x(figure):  # labels in the first column
            rows = [[_md_cell(r[0]), *r[1:]] for r in rows]
        table = plain_table("md", rows, [_md_cell(c) for c in head])
        title = _md_cell(caption(figure)).replace("*", "\\*")
        return f"*Figure ({title}):*\n\n{table}"
    from questionbank.figure_writers import svg, tikz

    if fmt == "html":
        table = plain_table("html", rows, head)
        if not figure.table:
            table = f"<details><summary>Plotted values</summary>{table}</details>"
        return (f'<figure class="plot">{svg(figure, alt_text(figure))}'
                f"<figcaption>{html.escape(caption(figure))}</figcaption>{table}</figure>")
    if fmt == "tex":
        # The picture needs TikZ, which sheet.tex.j2 loads when it is installed; without it
        # the table of values stands in for the picture.
        table = plain_table("tex", rows, head)
        shown, fallback = (table, "") if figure.table else ("", table)
        return (f"\\begin{{center}}\n\\ifdefined\\tikzpicture\n{tikz(figure)}\n\\else\n"
                f"{fallback}\n\\fi\n\n{{\\small {tex_escape(caption(figure))}}}\n"
                f"\\end{{center}}\n{shown}").rstrip()
    raise ValueError(f"unknown format {fmt!r}")
