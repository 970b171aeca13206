"""Validating a template's ``figure``: its kind, labels and series, within size limits.

A figure is drawn from data anyone may write (a colleague's pack), so everything about it is
bounded here, at load time, with the file and line: the number of series and of bar
categories, and the length of every label. The number of points depends on the params and is
checked when an instance is made (`questionbank.figures.compute_figure`).
"""

from __future__ import annotations

from typing import Any

from questionbank.schema_fields import (
    Ctx,
    check_keys,
    check_one_of,
    describe,
    join_key,
    line_of,
    read_bool,
    read_expr,
    read_strings,
    read_text,
)
from questionbank.specs import FigureSpec, SeriesSpec

__all__ = ["FIGURE_KINDS", "MAX_CATEGORIES", "MAX_LABEL", "MAX_POINTS", "MAX_SERIES",
           "read_figure"]

FIGURE_KINDS = ("line", "scatter", "bar")
#: At most this many series in a figure, points in a series (bars in a bar chart: categories),
#: and characters in a title, axis label, legend label or category.
MAX_SERIES = 8
MAX_POINTS = 200
MAX_CATEGORIES = 50
MAX_LABEL = 80
#: The text alternative (`alt`) may be a short paragraph.
MAX_ALT = 1000


def _label(ctx: Ctx, node: dict[str, Any], key: str, path: str, limit: int = MAX_LABEL) -> str:
    """A plain text of at most `limit` characters, on one line."""
    text = read_text(ctx, node, key, path)
    if len(text) > limit:
        ctx.fail(join_key(path, key), f"at most {limit} characters, got {len(text)}",
                 line=line_of(node, key))
    if "\n" in text.strip() and limit == MAX_LABEL:
        ctx.fail(join_key(path, key), "expected one line of text", line=line_of(node, key))
    return text.strip()


def _series(ctx: Ctx, node: Any, path: str, names: set[str], line: int | None,
            kind: str) -> SeriesSpec:
    check_keys(ctx, path, node, "series", required=("y",))
    if "x" in node and kind == "bar":
        ctx.fail(join_key(path, "x"), "a bar chart's x axis is its 'categories', not values",
                 line=line_of(node, "x"))
    x = read_expr(ctx, node["x"], join_key(path, "x"), line_of(node, "x"), names) \
        if "x" in node else None
    y = read_expr(ctx, node["y"], join_key(path, "y"), line_of(node, "y"), names)
    return SeriesSpec(label=_label(ctx, node, "label", path), y=y, x=x, line=line or 0)


def read_figure(ctx: Ctx, node: Any, names: set[str], line: int | None) -> FigureSpec:
    """The ``figure``; `names` are the params, derived and solver values it may plot."""
    path = "figure"
    if not isinstance(node, dict):
        ctx.fail(path, f"expected a mapping with 'series', got {describe(node)}", line=line)
    check_keys(ctx, path, node, "figure", required=("series",))
    kind = check_one_of(ctx, node, "kind", path, FIGURE_KINDS) if "kind" in node else "line"
    raw = node["series"]
    if not isinstance(raw, list) or not raw:
        ctx.fail("figure.series", f"expected a non-empty list of series, got {describe(raw)}",
                 line=line_of(node, "series"))
    if len(raw) > MAX_SERIES:
        ctx.fail("figure.series", f"at most {MAX_SERIES} series in a figure, got {len(raw)}",
                 line=line_of(node, "series"))
    series = tuple(_series(ctx, item, f"figure.series[{i}]", names, line_of(raw, i), kind)
                   for i, item in enumerate(raw))
    if len(series) > 1 and any(not s.label for s in series):
        ctx.fail("figure.series", "each series of a figure with several needs a 'label' "
                 "(the legend names it)", line=line_of(node, "series"))
    categories = read_strings(ctx, node, "categories", path)
    if categories and kind != "bar":
        ctx.fail("figure.categories", "only a bar chart has categories; a line or scatter "
                 "plot takes 'x' values", line=line_of(node, "categories"))
    if len(categories) > MAX_CATEGORIES:
        ctx.fail("figure.categories", f"at most {MAX_CATEGORIES} categories, got "
                 f"{len(categories)}", line=line_of(node, "categories"))
    for i, text in enumerate(categories):
        if len(text) > MAX_LABEL:
            ctx.fail(f"figure.categories[{i}]", f"at most {MAX_LABEL} characters, got "
                     f"{len(text)}", line=line_of(node["categories"], i))
    if "x" in node and kind == "bar":
        ctx.fail("figure.x", "a bar chart's x axis is its 'categories', not values",
                 line=line_of(node, "x"))
    x = read_expr(ctx, node["x"], "figure.x", line_of(node, "x"), names) if "x" in node \
        else None
    return FigureSpec(kind=kind, series=series, line=line or 0,
                      title=_label(ctx, node, "title", path),
                      x_label=_label(ctx, node, "x_label", path),
                      y_label=_label(ctx, node, "y_label", path), x=x,
                      categories=tuple(c.strip() for c in categories),
                      alt=_label(ctx, node, "alt", path, MAX_ALT),
                      table=read_bool(ctx, node, "table", path, True))
