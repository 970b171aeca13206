"""Figures in questions (`questionbank.figures`): the ``figure`` key, its limits and errors,
and the figure written per format (SVG, TikZ, tables), deterministic and escaped.

The figure of `fitting/learning-curves` at a fixed seed is pinned by a golden SVG; hostile
labels are escaped in every format; the SVG is well-formed XML with a title and a text
alternative listing every plotted value.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from questionbank import generate
from questionbank.bank import load_template_file
from questionbank.errors import TemplateError
from questionbank.figure_layout import nice_ticks
from questionbank.figures import Figure, Series, draw, value_text, values_table
from tests.helpers import check_golden

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
SVG_NS = "{http://www.w3.org/2000/svg}"
LC = "fitting/learning-curves"

HEAD = """\
title: A figure
topic: mine
params:
  n: {type: int, min: 3, max: 6}
  ys: {type: vector, length: n, of: {type: int, min: 0, max: 9}}
prompt: Look at the plot.
parts:
  - id: x
    type: number
    answer: sum(ys)
"""


def _write(tmp_path: Path, figure: str, head: str = HEAD) -> Path:
    path = tmp_path / "mine" / "fig.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + figure, encoding="utf-8")
    return path


def _load(tmp_path: Path, figure: str, head: str = HEAD):  # type: ignore[no-untyped-def]
    return load_template_file(_write(tmp_path, figure, head), "mine/fig", "mine/fig.yaml")


HOSTILE = "<script>alert('x')</script> & \"q\" $\\%"

# --------------------------------------------------------------------------- the figure key


@pytest.mark.parametrize(("figure", "message"), [
    ("figure: [1]\n", "mine/fig.yaml:11: figure: expected a mapping with 'series', got a list"),
    ("figure:\n  kind: pie\n  series: [{y: ys}]\n",
     "mine/fig.yaml:12: figure.kind: expected one of line, scatter, bar, got 'pie'"),
    ("figure:\n  series: []\n",
     "mine/fig.yaml:12: figure.series: expected a non-empty list of series, got a list"),
    ("figure:\n  series:\n" + "    - {label: s, y: ys}\n" * 9,
     "mine/fig.yaml:12: figure.series: at most 8 series in a figure, got 9"),
    ("figure:\n  series: [{y: ys}, {y: ys}]\n",
     "figure.series: each series of a figure with several needs a 'label'"),
    ("figure:\n  title: " + "t" * 81 + "\n  series: [{y: ys}]\n",
     "mine/fig.yaml:12: figure.title: at most 80 characters, got 81"),
    ("figure:\n  series: [{y: ys, colour: red}]\n",
     "figure.series[0].colour: unknown key 'colour' (allowed: label, x, y)"),
    ("figure:\n  series: [{y: yss}]\n",
     "figure.series[0].y: unknown name 'yss' in expression 'yss'; did you mean 'ys'?"),
    ("figure:\n  kind: bar\n  x: ys\n  series: [{y: ys}]\n",
     "mine/fig.yaml:13: figure.x: a bar chart's x axis is its 'categories', not values"),
    ("figure:\n  kind: bar\n  series: [{x: ys, y: ys}]\n",
     "figure.series[0].x: a bar chart's x axis is its 'categories', not values"),
    ("figure:\n  categories: [a, b]\n  series: [{y: ys}]\n",
     "mine/fig.yaml:12: figure.categories: only a bar chart has categories"),
    ("figure:\n  kind: bar\n  categories: [" + ", ".join(["c"] * 51) + "]\n  series: [{y: ys}]\n",
     "mine/fig.yaml:13: figure.categories: at most 50 categories, got 51"),
    ("figure:\n  serie: [{y: ys}]\n",
     "figure.serie: unknown key 'serie'; did you mean 'series'?"),
])
def test_a_bad_figure_is_refused_at_load_time(tmp_path: Path, figure: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        _load(tmp_path, figure)
    assert message in str(info.value)


@pytest.mark.parametrize(("figure", "message"), [
    # 201 points: the limit depends on the params, so it is checked when an instance is made
    ("figure:\n  series:\n    - {label: s, y: 'zeros(201)'}\n",
     "mine/fig.yaml:13: figure.series[0].y: at most 200 points in a series, got 201"),
    ("figure:\n  x: zeros(2)\n  series:\n    - {label: s, y: ys}\n",
     "figure.series[0]: the series has"),
    ("figure:\n  series:\n    - {label: s, y: '10^13 * ys'}\n",
     "figure.series[0].y: a plotted value is not finite or beyond ±1e+12"),
    ("figure:\n  series:\n    - {label: s, y: n}\n",
     "figure.series[0].y: expected a vector of numbers to plot, got"),
    ("figure:\n  kind: bar\n  categories: [a, b]\n  series:\n    - {label: s, y: ys}\n",
     "but the figure has 2 categories"),
])
def test_a_figure_that_does_not_fit_its_values_fails_when_generated(
        tmp_path: Path, figure: str, message: str) -> None:
    template = _load(tmp_path, figure)
    with pytest.raises(TemplateError) as info:
        generate(template, 1)
    assert message in str(info.value)


def test_each_kind_draws_in_every_format(tmp_path: Path) -> None:
    for kind in ("line", "scatter", "bar"):
        template = _load(tmp_path, f"figure:\n  kind: {kind}\n  title: T\n  series:\n"
                         "    - {label: a, y: ys}\n    - {label: b, y: 2 * ys}\n")
        instance = generate(template, 3)
        assert instance.figure is not None and instance.figure.kind == kind
        for fmt in ("text", "md", "html", "tex"):
            assert "T" in instance.render_prompt(fmt)
        etree.fromstring(_svg(instance.render_prompt("html")))


# --------------------------------------------------------------------------- drawing

def _svg(page: str) -> bytes:
    match = re.search(r"<svg.*?</svg>", page, re.S)
    assert match, "an inline <svg> element"
    return match.group(0).encode("utf-8")


def test_the_learning_curves_svg_is_pinned_at_a_fixed_seed() -> None:
    """The golden file was checked by eye (rendered in a browser); any change to the layout
    or the curves shows here."""
    instance = generate(LC, 7)
    assert instance.figure is not None
    svg = _svg(draw(instance.figure, "html")).decode("utf-8")
    check_golden(GOLDEN / "learning-curves-seed7.svg", svg + "\n")


def test_the_svg_is_well_formed_accessible_xml() -> None:
    instance = generate(LC, 7)
    root = etree.fromstring(_svg(instance.render_prompt("html")))
    assert root.tag == f"{SVG_NS}svg" and root.get("role") == "img"
    assert root[0].tag == f"{SVG_NS}title" and root[0].text == \
        "Line plot of loss against epoch: Loss per epoch"
    desc = root[1]
    assert desc.tag == f"{SVG_NS}desc"
    figure = instance.figure
    assert figure is not None
    for series in figure.series:  # the text alternative lists every plotted value
        for x, y in zip(series.x, series.y, strict=True):
            assert f"({value_text(x)}, {value_text(y)})" in (desc.text or "")
    assert not root.xpath("//*[local-name()='script' or local-name()='style' or @id]")


def test_the_figure_is_byte_identical_across_processes() -> None:
    code = ("from questionbank import generate; import sys; "
            "i = generate('fitting/learning-curves', 11); "
            "sys.stdout.write(i.render_prompt('html') + i.render_prompt('tex'))")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=True).stdout for _ in range(2)]
    here = generate(LC, 11)
    assert runs[0] == runs[1] == here.render_prompt("html") + here.render_prompt("tex")
    assert "<svg" in runs[0] and "\\begin{tikzpicture}" in runs[0]


def test_every_text_of_a_hostile_figure_is_escaped() -> None:
    figure = Figure(kind="bar", title=HOSTILE, x_label=HOSTILE, y_label=HOSTILE,
                    categories=(HOSTILE, "b"), alt=HOSTILE + "\x01",
                    series=(Series(HOSTILE, (0.0, 1.0), (1.0, 2.0)),
                            Series("plain", (0.0, 1.0), (3.0, -1.0))))
    page = draw(figure, "html")
    assert "<script" not in page and "&lt;script&gt;" in page
    etree.fromstring(_svg(page))  # the control character is dropped: still well-formed XML
    tex = draw(figure, "tex")
    assert "<script" not in tex and "\\textless{}script\\textgreater{}alert" in tex
    assert "\\& \"q\" \\$\\textbackslash{}\\%" in tex


def test_a_hostile_pack_label_is_escaped_by_show(tmp_path: Path) -> None:
    label = "<script>alert(1)</script>"
    _write(tmp_path, f"figure:\n  title: '{label}'\n  series:\n    - {{label: '{label}', y: ys}}\n")
    run = subprocess.run([sys.executable, "-m", "grader", "show", "mine/fig", "--bank",
                          str(tmp_path), "--seed", "2", "--format", "html"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    assert "<script" not in run.stdout
    assert "<title>Line plot: &lt;script&gt;alert(1)&lt;/script&gt;</title>" in run.stdout
    etree.fromstring(_svg(run.stdout))


def test_a_label_with_a_pipe_stays_one_markdown_cell() -> None:
    figure = Figure(kind="line", series=(Series("a|b", (1.0, 2.0), (3.0, 4.0)),))
    header = draw(figure, "md").split("\n")[2]
    assert header == "| x | a\\|b |"


def test_the_text_forms_list_the_values() -> None:
    instance = generate(LC, 7)
    figure = instance.figure
    assert figure is not None
    head, rows = values_table(figure)
    assert head == ["epoch", "training", "validation"]
    assert len(rows) == len(figure.series[0].y)
    text = instance.render_prompt("text")
    assert "Figure (Line plot of loss against epoch: Loss per epoch):" in text
    assert "| epoch | training | validation |" in text
    for fmt in ("md", "text"):
        assert f"| {rows[0][0]}" in instance.render_prompt(fmt)
    assert "<table" in instance.render_prompt("html")


def test_the_latex_holds_the_picture_and_falls_back_to_the_table() -> None:
    tex = generate(LC, 7).render_prompt("tex")
    assert "\\ifdefined\\tikzpicture\n\\begin{tikzpicture}" in tex
    assert tex.count("\\begin{tabular}") == 1  # shown after the picture, so not a fallback


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_sheet_with_a_figure_compiles(tmp_path: Path) -> None:
    """With TikZ installed the picture is drawn, without it the table stands in: both
    compile."""
    from grader.exam.generate import generate_exam

    out = tmp_path / "exam"
    generate_exam(out, count=1, seed=3, questions=[LC], formats=["tex"])
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "sheets-all.tex"], cwd=out, capture_output=True, text=True,
                         timeout=180, check=False)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (out / "sheets-all.pdf").stat().st_size > 1000


def test_show_json_carries_the_figure_data() -> None:
    run = subprocess.run([sys.executable, "-m", "grader", "show", LC, "--seed", "7",
                          "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    doc = json.loads(run.stdout)
    assert {"template", "seed", "title", "topic", "params", "prompt", "parts",
            "solution"} <= set(doc)
    figure = doc["figure"]
    assert figure["kind"] == "line" and [s["label"] for s in figure["series"]] == \
        ["training", "validation"]
    assert len(figure["series"][0]["y"]) == doc["params"]["epochs"]


# --------------------------------------------------------------------------- ticks


@pytest.mark.parametrize(("lo", "hi", "ticks", "decimals"), [
    (1, 17, [0, 5, 10, 15, 20], 0),
    (0.145, 2.5, [0, 0.5, 1, 1.5, 2, 2.5], 1),
    (0.0, 0.9, [0, 0.2, 0.4, 0.6, 0.8, 1.0], 1),
    (-3, 3, [-4, -2, 0, 2, 4], 0),
    (5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6], 1),
    (0, 1000, [0, 200, 400, 600, 800, 1000], 0),
])
def test_nice_ticks(lo: float, hi: float, ticks: list[float], decimals: int) -> None:
    assert nice_ticks(lo, hi) == (ticks, decimals)


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    """For any range, the ticks start at or below it and end at or above it, in 3 to 11 equal
    steps of 1, 2, 2.5 or 5 times a power of ten."""
    for lo, span in [(0.0, 1e-6), (1.0, 0.03), (-250.0, 1234.5), (7.0, 93.0), (0.1, 0.25)]:
        ticks, _ = nice_ticks(lo, lo + span)
        assert ticks[0] <= lo and ticks[-1] >= lo + span
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5, 10)) < 1e-6
        assert 3 <= len(ticks) <= 12


@pytest.mark.parametrize(("values", "column"), [
    ((2.5, 0.167, 10.0, -0.0), ["2.500", "0.167", "10.000", "0.000"]),
    ((1.0, -0.0, 20.0), ["1", "0", "20"]),
    ((0.1 + 0.2, 1.0), ["0.300000", "1.000000"]),  # at most 6 decimals
    ((1e-7, 2.0), ["1e-07", "2"]),
    ((-1.25, 3e9), ["-1.25", "3000000000.00"]),
])
def test_a_table_column_shares_the_decimals_of_its_most_precise_value(
        values: tuple[float, ...], column: list[str]) -> None:
    figure = Figure(kind="line", series=(Series("s", tuple(range(len(values))), values),))
    assert [row[1] for row in values_table(figure)[1]] == column


_label = st.text(max_size=30)
_values = st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1,
                   max_size=12)


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["line", "scatter", "bar"]), title=_label, label=_label,
       ys=_values)
def test_any_figure_is_well_formed_xml_and_valid_tikz_text(kind: str, title: str, label: str,
                                                           ys: list[float]) -> None:
    """Whatever the labels and values, the SVG parses as XML, holds exactly one <svg>
    element from the figure, its labels only as text; the TikZ has balanced braces."""
    n = len(ys)
    figure = Figure(kind=kind, title=title, x_label=label, y_label=label,
                    categories=tuple(f"c{k}" for k in range(n)) if kind == "bar" else (),
                    series=(Series(label, tuple(float(k) for k in range(n)), tuple(ys)),))
    page = draw(figure, "html")
    root = etree.fromstring(_svg(page))
    assert not root.xpath("//*[local-name()='script' or local-name()='foreignObject']")
    assert page.count("<svg") == 1
    tex = draw(figure, "tex")
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and tex[i - 1] != "\\":
            depth += 1 if ch == "{" else -1
            assert depth >= 0
    assert depth == 0
