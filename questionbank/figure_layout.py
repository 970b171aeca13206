"""Laying out a figure as a few drawing primitives, which `questionbank.figure_writers` writes
as SVG or as a TikZ picture: one layout, so the web page and the printed sheet show the same
plot.

Coordinates are in SVG's units (1 unit = 1 px at 100%), y growing downwards, on a canvas of
`WIDTH` x height. Every number is computed with plain float arithmetic and written rounded
(`num`), so the same figure gives the same bytes in every process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from questionbank.figures import Figure

__all__ = ["COLORS", "DASHES", "MARKS", "WIDTH", "Layout", "Line", "Mark", "Path", "Rect",
           "Shape", "Text", "layout", "nice_ticks", "num", "tick_text"]

WIDTH = 480.0
PLOT_HEIGHT = 220.0
#: The Okabe-Ito palette (distinct for colour-blind readers), with a dash pattern and a marker
#: per series so that a grey-scale print tells the series apart too.
COLORS = ((0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0),
          (86, 180, 233), (0, 0, 0), (120, 120, 120))
DASHES = ((), (6, 3), (2, 2), (8, 3, 2, 3), (4, 4), (1, 3), (10, 2), (3, 1, 1, 1))
MARKS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond")
CHAR_WIDTH = 6.2  # the width of an average character at the label size, for the legend


@dataclass(frozen=True, slots=True)
class Line:
    """An axis, tick or grid line (`grid`: drawn light)."""

    x1: float
    y1: float
    x2: float
    y2: float
    grid: bool = False


@dataclass(frozen=True, slots=True)
class Path:
    """A series' polyline."""

    points: tuple[tuple[float, float], ...]
    series: int


@dataclass(frozen=True, slots=True)
class Mark:
    """A series' marker at one point."""

    x: float
    y: float
    series: int


@dataclass(frozen=True, slots=True)
class Rect:
    """A bar (filled with its series' colour)."""

    x: float
    y: float
    w: float
    h: float
    series: int


@dataclass(frozen=True, slots=True)
class Text:
    """A label: `anchor` is start, middle or end; `rotate` 0 or -90 (the y axis label)."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    rotate: int = 0
    bold: bool = False


Shape = Line | Path | Mark | Rect | Text


@dataclass(frozen=True, slots=True)
class Layout:
    """The primitives of one figure on a `width` x `height` canvas."""

    width: float
    height: float
    shapes: tuple[Shape, ...]


def num(value: float) -> str:
    """A coordinate as written: one decimal at most, no ``-0``."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[list[float], int]:
    """Round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of ten)
    and the decimals their labels need."""
    if hi - lo < max(1e-9, 1e-12 * max(abs(lo), abs(hi))):
        # a flat or nearly flat series (or values too small for 12 decimals): a band around it
        pad = abs(lo) * 0.1 if abs(lo) >= 1e-5 else 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / target
    power = math.floor(math.log10(raw))
    mag = 10.0 ** power
    step, factor = 10 * mag, 10.0
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * mag >= raw * (1 - 1e-9):
            step = factor * mag
            break
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    ticks = [round(i * step, 12) for i in range(first, last + 1)]
    decimals = next(d for d in range(13) if abs(round(step, d) - step) <= 1e-9 * step)
    return ticks, decimals


def tick_text(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text


class _Scale:
    """Data values to canvas coordinates along one axis."""

    def __init__(self, lo: float, hi: float, start: float, end: float) -> None:
        self.lo, self.hi, self.start, self.end = lo, hi, start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


def _legend(figure: Figure, top: float) -> tuple[list[Shape], float]:
    """The legend entries, in rows above the plot (a line sample or a swatch and the label);
    returns the shapes and the y where the plot area may start."""
    labelled = [(i, s.label) for i, s in enumerate(figure.series) if s.label]
    if not labelled:
        return [], top
    shapes: list[Shape] = []
    x, y = 60.0, top + 10
    for i, label in labelled:
        width = 34 + CHAR_WIDTH * len(label)
        if x + width > WIDTH - 10 and x > 60:
            x, y = 60.0, y + 16
        if figure.kind == "bar":
            shapes.append(Rect(x, y - 5, 14, 10, i))
        else:
            if figure.kind == "line":
                shapes.append(Path(((x, y), (x + 22, y)), i))
            shapes.append(Mark(x + 11, y, i))
        shapes.append(Text(x + 28, y + 4, label, anchor="start"))
        x += width + 12
    return shapes, y + 14


def layout(figure: Figure) -> Layout:
    """The figure as primitives: title, legend, axes with ticks and grid, the series."""
    shapes: list[Shape] = []
    top = 8.0
    if figure.title:
        shapes.append(Text(WIDTH / 2, top + 12, figure.title, bold=True))
        top += 20
    legend, top = _legend(figure, top)
    shapes += legend
    left, right = 64.0, WIDTH - 14
    bottom = top + PLOT_HEIGHT
    ys = [v for s in figure.series for v in s.y]
    if figure.kind == "bar":
        ys.append(0.0)
    y_ticks, y_dec = nice_ticks(min(ys), max(ys))
    ys_scale = _Scale(y_ticks[0], y_ticks[-1], bottom, top + 6)
    for t in y_ticks:
        y = ys_scale(t)
        shapes += [Line(left, y, right, y, grid=True), Line(left - 4, y, left, y),
                   Text(left - 7, y + 4, tick_text(t, y_dec), anchor="end")]
    if figure.kind == "bar":
        shapes += _bars(figure, left, right, bottom, ys_scale)
    else:
        shapes += _points(figure, left, right, bottom, ys_scale)
    shapes += [Line(left, top, left, bottom), Line(left, bottom, right, bottom)]
    if figure.x_label:
        shapes.append(Text((left + right) / 2, bottom + 36, figure.x_label))
    if figure.y_label:
        shapes.append(Text(16, (top + bottom) / 2, figure.y_label, rotate=-90))
    return Layout(WIDTH, bottom + (44 if figure.x_label else 28), tuple(shapes))


def _points(figure: Figure, left: float, right: float, bottom: float,
            ys: _Scale) -> list[Shape]:
    """The x axis of a line or scatter plot, then each series' path and markers."""
    xs_all = [v for s in figure.series for v in s.x]
    x_ticks, x_dec = nice_ticks(min(xs_all), max(xs_all))
    xs = _Scale(x_ticks[0], x_ticks[-1], left + 6, right - 6)
    shapes: list[Shape] = []
    for t in x_ticks:
        x = xs(t)
        shapes += [Line(x, bottom, x, bottom + 4), Text(x, bottom + 16, tick_text(t, x_dec))]
    for i, series in enumerate(figure.series):
        points = tuple((xs(a), ys(b)) for a, b in zip(series.x, series.y, strict=True))
        if figure.kind == "line" and len(points) > 1:
            shapes.append(Path(points, i))
        if figure.kind == "scatter" or len(points) <= 40:
            shapes += [Mark(x, y, i) for x, y in points]
    return shapes


def _bars(figure: Figure, left: float, right: float, bottom: float,
          ys: _Scale) -> list[Shape]:
    """Grouped bars, one group per category, labelled under the axis."""
    n = len(figure.categories)
    group = (right - left) / n
    width = group * 0.8 / len(figure.series)
    zero = ys(0.0)
    # bars grow from zero: when some are negative, the zero line is drawn like an axis
    shapes: list[Shape] = [Line(left, zero, right, zero)] if zero < bottom - 0.5 else []
    for c, category in enumerate(figure.categories):
        x0 = left + group * c + group * 0.1
        label = category if len(category) <= 14 else category[:13] + "…"
        if n <= 12 or c % math.ceil(n / 12) == 0:
            shapes.append(Text(left + group * (c + 0.5), bottom + 16, label))
        for i, series in enumerate(figure.series):
            y = ys(series.y[c])
            shapes.append(Rect(x0 + width * i, min(y, zero), width, abs(zero - y), i))
    return shapes
