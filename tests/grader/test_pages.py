"""Pages rendered many times (`grader.pages.page_template`, `render_compiled`): an HTML page
escapes every value as an autoescaped one does, and a template error is still raised."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from grader.pages import _escaping_environment, environment, page_template, render_compiled

SOURCE = ("<p title='{{ a }}'>{{ a }} {{ b }} {{ n }} {{ none }} {{ a | md }} {{ b or a }}"
          "{% for x in items %}<i>{{ x }}</i>{% endfor %}</p>\n")
VALUES = [
    {"a": "<script>alert('x & \"y\"')</script>", "b": Markup("<em>kept</em>"), "n": 3,
     "none": None, "items": ["<b>", Markup("<b>"), 0.5, "plain"]},
    {"a": "**bold** `code` <i>", "b": "", "n": -0.0, "none": True, "items": []},
    {"a": "", "b": Markup(""), "n": 10**20, "none": "é ≈ ½", "items": ["'\"&"]},
]


@pytest.mark.parametrize("values", VALUES)
def test_an_html_page_is_escaped_as_by_autoescaping(values: dict[str, object]) -> None:
    autoescaped = environment(True).from_string(SOURCE).render(values)
    escaping = _escaping_environment().from_string(SOURCE)
    assert render_compiled(escaping, values) == autoescaped


def test_untrusted_text_is_escaped_and_markup_kept() -> None:
    page = render_compiled(_escaping_environment().from_string(SOURCE), VALUES[0])
    script = "&lt;script&gt;alert(&#39;x &amp; &#34;y&#34;&#39;)&lt;/script&gt;"
    as_md = "&lt;script&gt;alert('x &amp; \"y\"')&lt;/script&gt;"  # quotes are safe in text
    assert page == (f"<p title='{script}'>{script} <em>kept</em> 3 None <p>{as_md}</p> "
                    "<em>kept</em><i>&lt;b&gt;</i><i><b></i><i>0.5</i><i>plain</i></p>\n")


def test_the_feedback_pages_are_compiled_for_rendering_many_times() -> None:
    html, md = (page_template(f"student_feedback.{fmt}.j2") for fmt in ("html", "md"))
    assert html.environment.finalize is not None and not html.environment.autoescape
    assert md.environment is environment(False)


def test_a_template_error_is_raised() -> None:
    template = _escaping_environment().from_string("{{ missing }}")
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        render_compiled(template, {})
