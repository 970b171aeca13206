"""Whole documents rendered from the Jinja templates in ``templates/``: instance pages for
``mlquiz show`` (text, md, html), and the shared environment the sheet, feedback and report
modules use.

The ``templates/`` folder sits at the top of the source tree and is shipped inside the wheel as
``grader/templates``; `templates_dir` finds it in both layouts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.runtime import new_context

from questionbank.instance import Instance
from questionbank.values import readable_answer

__all__ = ["FORMAT_HINTS", "environment", "md_html", "page_template", "render_compiled",
           "render_instance", "templates_dir", "unwrap_paragraph"]

#: What a student may type, per answer type (shown under each part).
FORMAT_HINTS = {
    # percentages are accepted too, but only proportions are written so: the sheets say it
    # once, and the templates of proportions (metrics) say it in their prompts
    "number": "a number: decimal (0.615) or fraction (8/13)",
    "integer": "a whole number",
    "vector": "a vector, e.g. [2, 0, 4.5]",
    "matrix": "a matrix, e.g. [[1, 2], [3, 4]] or 1 2; 3 4",
    "shape": "a shape, rows x columns, e.g. 3x4 (a single number for a vector)",
    "choice": "one option letter, e.g. B",
    "choices": "every option letter that applies, e.g. A, C",
    "expression": "an expression, e.g. 2*X or a*b^T (^T transposes)",
}


def templates_dir() -> Path:
    """The Jinja templates folder: inside the package in a wheel, at the top in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "instance.html.j2").is_file():
            return candidate
    raise RuntimeError(f"mlquiz's templates folder is missing (looked in {here})")


@lru_cache(maxsize=2)
def environment(autoescape: bool) -> jinja2.Environment:
    """The page environment: StrictUndefined, autoescaping for HTML documents."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # the shipped templates do not change while mlquiz runs: without this, every page
        # rendered would check the modification time of its template and of the template it
        # extends (two `stat` calls per feedback page)
        auto_reload=False,
    )
    env.globals["FORMAT_HINTS"] = FORMAT_HINTS
    env.filters["md"] = md_html
    env.filters["md_code"] = md_code_block
    env.filters["md_answer"] = md_answer
    env.filters["plain"] = _plain_filter
    return env


def _plain_filter(text: str) -> str:
    from questionbank.render import md_to_text

    return md_to_text(str(text))


def md_answer(text: str) -> str:
    """A student's answer in Markdown: an inline code span when it is one plain line, else a
    fenced block; either way nothing in it is read as Markdown or HTML."""
    text = str(text)
    if "\n" not in text and "`" not in text and "\r" not in text:
        return f" `{text}`"
    return "\n\n" + md_code_block(text)


def md_code_block(text: str) -> str:
    """`text` as a fenced Markdown code block that nothing inside it can close: the fence is
    longer than any run of backticks in the text."""
    longest = max((len(run) for run in re.findall(r"`+", str(text))), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def md_html(text: str) -> Any:
    """Markdown-lite to HTML (the templates' ``md`` filter); the text is escaped first, so it
    cannot inject markup."""
    return _md_html(str(text))


@lru_cache(maxsize=4096)
def _md_html(text: str) -> Any:
    """`md_html`, made once per text: most of a class's feedback texts are the same few
    ("Correct.", "No answer was given.", the same reading error), 901 distinct ones for
    10,000 answers of a class of 2,500 (one seed each), each shown on a feedback page."""
    from markupsafe import Markup

    from questionbank.render import md_to_html

    return Markup(md_to_html(text))


def render_page(name: str, **context: Any) -> str:
    """Render ``templates/NAME``; names ending in .html.j2 are autoescaped."""
    return environment(name.endswith(".html.j2")).get_template(name).render(**context)


@lru_cache(maxsize=8)
def page_template(name: str) -> jinja2.Template:
    """The compiled ``templates/NAME`` of a page rendered many times (a class's feedback
    pages, rendered with `render_compiled`); an HTML page's is compiled in
    `_escaping_environment`."""
    if name.endswith(".html.j2"):
        return _escaping_environment().get_template(name)
    return environment(False).get_template(name)


def render_compiled(template: jinja2.Template, context: dict[str, Any]) -> str:
    """`template` (of `page_template`) rendered with `context`, which is used as it is: the
    page sees none of the environment's globals. `Template.render` copies the context, then
    merges the globals into the copy: 3.8 us of the 18 us of a Markdown feedback page (best
    of 7, 800 pages). The context is made without the globals' names, which only a
    template's module exports need (`Template.new_context` lists them: 1.1 us)."""
    try:
        page = new_context(template.environment, template.name, template.blocks, context,
                           shared=True)
        return "".join(template.root_render_func(page))
    except Exception:
        template.environment.handle_exception()  # raises the error, with the template's lines
        raise  # pragma: no cover (never reached)


@lru_cache(maxsize=1)
def _escaping_environment() -> jinja2.Environment:
    """The page environment for an HTML page rendered many times: like the autoescaping one,
    but every ``{{ ... }}`` is escaped by `_escaped`, its `finalize`, instead of by Jinja's
    autoescaping, which wraps each escaped value in a `Markup` (made in Python: 0.35 us of
    the 0.37 us each value took). A feedback page of 2,500 students x 4 parts took 34 us
    instead of 52 us, with the same bytes (best of 7, 800 pages).

    What differs: text built inside the template (with ``~``, ``join``, a macro or a
    ``{% set %}`` block) is plain text here, and escaped as a whole when it is written, even
    the `Markup` pieces in it; a value written as it is (``{{ x }}``, ``{{ x | md }}``) is
    escaped unless it is a `Markup`, as with autoescaping. ``student_feedback.html.j2`` builds
    its body in a ``{% set %}`` block, whose values are escaped as they go in, and writes it
    with ``| safe``."""
    return environment(False).overlay(finalize=_escaped)


try:  # the C function behind `markupsafe.escape` (MarkupSafe 3), which returns a plain str
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover (another MarkupSafe: the same text, made slower)
    def _escape_inner(text: str, /) -> str:
        from markupsafe import escape

        return str(escape(text))


def _escaped(value: Any) -> str:
    """`value` as HTML text: escaped as `markupsafe.escape` does, or as it is when it says it
    is HTML already (a `Markup`, such as the ``md`` filter's output)."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        html: str = value.__html__()
        return html
    return _escape_inner(str(value))


def unwrap_paragraph(fragment: str) -> str:
    """An HTML fragment that is one ``<p>`` without its tags, to sit inside a line of text."""
    if fragment.startswith("<p>") and fragment.endswith("</p>") and fragment.count("<p>") == 1:
        return fragment[3:-4]
    return fragment


def instance_view(instance: Instance, fmt: str) -> dict[str, Any]:
    """The values the instance templates need, with text pre-rendered for `fmt`."""
    from markupsafe import Markup


    inner = "md" if fmt == "md" else fmt
    wrap = Markup if fmt == "html" else str
    # an option's text sits on its letter's line: one paragraph without its <p>
    inline = (lambda t: Markup(unwrap_paragraph(t))) if fmt == "html" else str
    parts = []
    for part in instance.parts:
        parts.append({
            "id": part.id,
            "type": part.type,
            "points": part.points,
            "prompt": wrap(instance.render_part_prompt(part.id, inner)),
            "options": [{"letter": o.letter,
                         "text": inline(instance.render_option(part.id, o, inner))}
                        for o in part.options],
            "hint": FORMAT_HINTS[part.type],
            "key": readable_answer(part.type, part.answer_text),
        })
    return {
        "id": instance.template_id,
        "title": instance.title,
        "topic": instance.topic,
        "seed": instance.seed,
        "prompt": wrap(instance.render_prompt(inner)),
        "solution": wrap(instance.render_solution(inner)),
        "parts": parts,
    }


def render_instance(instance: Instance, fmt: str, *, solution: bool = False) -> str:
    """One instance as a terminal text, a Markdown document or a standalone HTML page."""
    ext = {"text": "txt", "md": "md", "html": "html"}[fmt]
    return render_page(f"instance.{ext}.j2", q=instance_view(instance, fmt),
                       show_solution=solution)
