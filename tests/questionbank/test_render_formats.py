"""`render_formats` (Jinja once, the Markdown per format) gives exactly what `render` gives in
each format: the same texts for the whole bank, the same errors, and a text whose helper
output could differ per format is rendered per format."""

from __future__ import annotations

from typing import Any

import pytest

from questionbank import load_bank
from questionbank.errors import TemplateError
from questionbank.instance import generate
from questionbank.render import FORMATS, MAX_RENDERED_CHARS, render, render_formats

BANK = load_bank(builtin=True, use_env=False)


def _each(source: str, context: dict[str, Any], fmts: tuple[str, ...] = FORMATS
          ) -> tuple[str, ...]:
    return tuple(render(source, context, fmt) for fmt in fmts)


@pytest.mark.parametrize("template_id", BANK.ids())
def test_every_text_of_the_bank_renders_as_each_format_renders_it(template_id: str) -> None:
    template = BANK.get(template_id)
    for seed in (1, 7, 2026):
        instance = generate(template, seed, render_text=False)
        for fmts in (FORMATS, ("html", "md")):
            together = instance.render_texts(fmts)
            assert together == tuple((instance.render_prompt(f), instance.render_solution(f))
                                     for f in fmts)


ROWS = {"rows": [[1, 2.5], [3, "a|b"]], "head": ["x", "y"], "label": "**L**"}


@pytest.mark.parametrize("source", [
    "Cells {{ label }}:\n\n{{ table(rows, header=head) }}\n\nand {{ matrix(rows) }} after.",
    "{{ table(rows) }}{{ matrix(rows) }}{{ table(rows, head) }}",
    "{% for r in rows %}{{ matrix([r]) }}{% endfor %}",
    "{{ table(rows) | upper }}",  # a filter on a helper's output: rendered per format
    "{% set t = table(rows) %}{{ t | length }}",
    "{% filter upper %}{{ table(rows) }}{% endfilter %}",
    "{% macro m() %}{{ table(rows) }}{% endmacro %}{{ m() | lower }}",
    "{{ table(rows | map('reverse')) }}",  # rows from a generator
    "{{ table(rows, header=head | map('upper')) }}",
    "{{ label }} \x00 0 \x00 {{ matrix(rows) }}",
    "{{ table([[1, 2], [3]]) }}",  # an error, as each format reports it
])
def test_helpers_render_as_in_each_format(source: str) -> None:
    try:
        expected: Any = _each(source, ROWS)
    except TemplateError as exc:
        with pytest.raises(TemplateError) as caught:
            render_formats(source, ROWS, FORMATS)
        assert str(caught.value) == str(exc)
        return
    assert render_formats(source, ROWS, FORMATS) == expected


def test_a_param_holding_a_marker_is_printed_as_it_is() -> None:
    context = {"rows": [[1]], "x": "\x000\x00"}
    assert render_formats("{{ x }} {{ table(rows) }}", context, FORMATS) == \
        _each("{{ x }} {{ table(rows) }}", context)


@pytest.mark.parametrize("source, message", [
    ("{{ undefined_name }}", "undefined name"),
    ("{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}",
     "loops take more than"),
    ("{{ 'x' * 600000 }}{{ 'y' * 600000 }}", "more than"),
])
def test_errors_are_the_formats_own(source: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message) as together:
        render_formats(source, {}, ("html", "md"), where="prompt", path="t.yaml", line=3)
    with pytest.raises(TemplateError) as alone:
        render(source, {}, "html", where="prompt", path="t.yaml", line=3)
    assert str(together.value) == str(alone.value)


def test_a_text_near_the_size_limit_is_checked_in_each_format() -> None:
    """The md text holds the table itself, html a marker: the limit holds for each."""
    wide = [["x" * 1000] * 10] * 2
    context = {"rows": wide, "n": MAX_RENDERED_CHARS - 30_000}
    source = "{{ 'a' * n }}{% for i in range(2) %}{{ table(rows) }}{% endfor %}"
    try:
        expected: Any = _each(source, context, ("html", "md"))
    except TemplateError as exc:
        expected = str(exc)
    try:
        got: Any = render_formats(source, context, ("html", "md"))
    except TemplateError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("source, expected", [
    ("{{ d.pos }}", "Spam"),  # a key that is no dict attribute: the item
    ("{{ d._hidden }}", "1"),  # a key, though an attribute of that name would be refused
    ("{{ d.keys() | list | length }}", "3"),  # a dict attribute: the method, not the key
    ("{{ d.keys }}", "<built-in method keys of dict object"),
])
def test_dict_keys_read_as_attributes(source: str, expected: str) -> None:
    context = {"d": {"pos": "Spam", "_hidden": 1, "keys": "a key"}}
    assert render(source, context, "text").startswith(expected)


@pytest.mark.parametrize("source, message", [
    ("{{ d.__class__ }}", "unsafe"),
    ("{{ d.nope }}", "has no attribute 'nope'"),
])
def test_dict_attributes_stay_guarded(source: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        render(source, {"d": {"pos": 1}}, "md")
