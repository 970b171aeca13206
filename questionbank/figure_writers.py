"""Writing a laid-out figure (`questionbank.figure_layout`) as inline SVG or a TikZ picture.

Both writers take the same primitives in the same coordinates (TikZ flips its y axis to match
SVG's), so the printed figure is the web page's. Every text is escaped for its format; the SVG
carries ``role="img"``, a ``<title>`` and a ``<desc>`` with the text alternative, and no ids
(a page may show the same figure twice), scripts or styles, so it passes a strict
Content-Security-Policy.
"""

from __future__ import annotations

import html
import re

from questionbank.figure_layout import (
    COLORS,
    DASHES,
    MARKS,
    Layout,
    Line,
    Mark,
    Path,
    Rect,
    Shape,
    Text,
    layout,
    num,
)
from questionbank.figures import Figure, caption
from questionbank.markup import tex_escape

__all__ = ["svg", "tikz"]

MARK_SIZE = 3.0
#: Characters XML 1.0 does not allow (a YAML double-quoted string can hold them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: str) -> str:
    """Text for SVG: escaped, without the characters XML refuses."""
    return html.escape(_NOT_XML.sub("", text), quote=True)


def _rgb(series: int) -> str:
    r, g, b = COLORS[series % len(COLORS)]
    return f"#{r:02x}{g:02x}{b:02x}"


def _mark_points(x: float, y: float, shape: str) -> list[tuple[float, float]]:
    """The corners of a triangle, diamond or square marker centred on (x, y)."""
    s = MARK_SIZE
    if shape == "triangle":
        return [(x, y - s * 1.2), (x + s * 1.1, y + s * 0.8), (x - s * 1.1, y + s * 0.8)]
    if shape == "diamond":
        return [(x, y - s * 1.3), (x + s * 1.3, y), (x, y + s * 1.3), (x - s * 1.3, y)]
    return [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]


# --------------------------------------------------------------------------- SVG


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Path):
        points = " ".join(f"{num(x)},{num(y)}" for x, y in shape.points)
        dash = DASHES[shape.series % len(DASHES)]
        dashes = f' stroke-dasharray="{" ".join(map(str, dash))}"' if dash else ""
        return (f'<polyline points="{points}" fill="none" stroke="{_rgb(shape.series)}" '
                f'stroke-width="2"{dashes}/>')
    if isinstance(shape, Mark):
        kind = MARKS[shape.series % len(MARKS)]
        if kind == "circle":
            return (f'<circle cx="{num(shape.x)}" cy="{num(shape.y)}" r="{num(MARK_SIZE)}" '
                    f'fill="{_rgb(shape.series)}"/>')
        points = " ".join(f"{num(x)},{num(y)}" for x, y in _mark_points(shape.x, shape.y, kind))
        return f'<polygon points="{points}" fill="{_rgb(shape.series)}"/>'
    if isinstance(shape, Rect):
        return (f'<rect x="{num(shape.x)}" y="{num(shape.y)}" width="{num(shape.w)}" '
                f'height="{num(shape.h)}" fill="{_rgb(shape.series)}"/>')
    if isinstance(shape, Text):
        attrs = f'x="{num(shape.x)}" y="{num(shape.y)}"'
        if shape.anchor != "start":
            attrs += f' text-anchor="{shape.anchor}"'
        if shape.rotate:
            attrs += f' transform="rotate({shape.rotate} {num(shape.x)} {num(shape.y)})"'
        if shape.bold:
            attrs += ' font-weight="bold" font-size="13"'
        return f"<text {attrs}>{_esc(shape.text)}</text>"
    raise TypeError(shape)


def _svg_lines(lines: list[Line], grid: bool) -> str:
    """Axis, tick or grid lines as one path (a few hundred bytes, not one element each)."""
    d = "".join(f"M{num(s.x1)} {num(s.y1)}L{num(s.x2)} {num(s.y2)}" for s in lines
                if s.grid == grid)
    color = "#dddddd" if grid else "#000000"
    return f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1"/>' if d else ""


def svg(figure: Figure, alt: str) -> str:
    """The figure as an inline ``<svg>`` element; `alt` is its text alternative (``<desc>``)."""
    plot = layout(figure)
    lines = [s for s in plot.shapes if isinstance(s, Line)]
    body = [_svg_lines(lines, True)]
    body += [_svg_shape(s) for s in plot.shapes if not isinstance(s, Line | Text)]
    body.append(_svg_lines(lines, False))
    body += [_svg_shape(s) for s in plot.shapes if isinstance(s, Text)]
    w, h = num(plot.width), num(plot.height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" font-family="sans-serif" font-size="11">'
            f"<title>{_esc(caption(figure))}</title><desc>{_esc(alt)}</desc>"
            f'<rect width="{w}" height="{h}" fill="#ffffff"/>' + "".join(body) + "</svg>")


# --------------------------------------------------------------------------- TikZ

#: One canvas unit in the printed picture (480 units make a 12 cm wide figure).
UNIT_CM = 0.025
_ANCHORS = {"start": "west", "middle": "center", "end": "east"}


def _at(x: float, y: float) -> str:
    return f"({num(x)},{num(y)})"


def _tex_color(series: int) -> str:
    r, g, b = COLORS[series % len(COLORS)]
    return f"{{rgb,255:red,{r};green,{g};blue,{b}}}"


def _tikz_shape(shape: Shape) -> str:
    if isinstance(shape, Line):
        style = "[black!15]" if shape.grid else ""
        return f"\\draw{style} {_at(shape.x1, shape.y1)} -- {_at(shape.x2, shape.y2)};"
    if isinstance(shape, Path):
        dash = DASHES[shape.series % len(DASHES)]
        pattern = ""
        if dash:
            pt = UNIT_CM * 28.4527559
            pattern = ", dash pattern=" + " ".join(
                f"{'on' if i % 2 == 0 else 'off'} {v * pt:.2f}pt" for i, v in enumerate(dash))
        path = " -- ".join(_at(x, y) for x, y in shape.points)
        return f"\\draw[color={_tex_color(shape.series)}, line width=1.2pt{pattern}] {path};"
    if isinstance(shape, Mark):
        kind = MARKS[shape.series % len(MARKS)]
        fill = f"\\fill[color={_tex_color(shape.series)}]"
        if kind == "circle":
            return f"{fill} {_at(shape.x, shape.y)} circle[radius={MARK_SIZE * UNIT_CM:.3f}cm];"
        corners = " -- ".join(_at(x, y) for x, y in _mark_points(shape.x, shape.y, kind))
        return f"{fill} {corners} -- cycle;"
    if isinstance(shape, Rect):
        return (f"\\fill[color={_tex_color(shape.series)}] {_at(shape.x, shape.y)} rectangle "
                f"{_at(shape.x + shape.w, shape.y + shape.h)};")
    if isinstance(shape, Text):
        options = [f"anchor={_ANCHORS[shape.anchor]}"]
        if shape.rotate:
            options.append(f"rotate={-shape.rotate}")
        if shape.bold:
            options.append("font=\\bfseries")
        # SVG places a text by its baseline; a TikZ node by its centre, 4 units higher
        return f"\\node[{', '.join(options)}] at {_at(shape.x, shape.y - 4)} " \
               f"{{{tex_escape(shape.text)}}};"
    raise TypeError(shape)


def tikz(figure: Figure) -> str:
    """The figure as a ``tikzpicture`` (plain TikZ: no pgfplots), in the layout of `svg`."""
    plot: Layout = layout(figure)
    order = sorted(plot.shapes, key=lambda s: (0 if isinstance(s, Line) and s.grid else
                                               2 if isinstance(s, Line | Text) else 1))
    body = "\n".join(_tikz_shape(s) for s in order)
    return (f"\\begin{{tikzpicture}}[x={UNIT_CM}cm, y=-{UNIT_CM}cm, font=\\footnotesize]\n"
            f"{body}\n\\end{{tikzpicture}}")
