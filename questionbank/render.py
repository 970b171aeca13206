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

Template text is data from anyone (a colleague's pack), so it renders in Jinja's immutable
sandbox: no attribute starting with ``_`` (so no ``''.__class__.__mro__`` or
``f.__globals__``), no method that changes a value except ``list.append`` (tables build their
rows so), no globals but the helpers above and a `range` of at most `MAX_RANGE` items, sequence
repetition and powers bounded, and at most `MAX_RENDERED_CHARS` characters of output. A refused
construct is a `TemplateError` at the text's file and line; nothing of it runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from fractions import Fraction
from functools import lru_cache
from itertools import islice
from typing import Any

import jinja2
import jinja2.nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from questionbank.arrays import is_array, is_numpy_float, is_numpy_int
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
from questionbank.values import format_number, readable_number, terminates

__all__ = ["FORMATS", "MAX_RANGE", "MAX_RENDERED_CHARS", "TEX_UNICODE", "check_syntax",
           "display_value", "is_static", "md_to_html", "md_to_tex", "md_to_text", "render",
           "render_formats", "tex_escape"]

FORMATS = ("text", "md", "html", "tex")

#: The longest `range()` a template text may make, and the most characters one text may render
#: to (a sheet's prompt is a few thousand); also the longest string or list `*` may build.
MAX_RANGE = 10_000
MAX_RENDERED_CHARS = 1_000_000
#: The largest exponent of `**` in template text (as in expressions).
MAX_POWER = 256
#: The widest field a format, `center` or `indent` may pad to: the padding is built before the
#: rendered text is measured, so a width of 10**9 would take a GB and a minute on its own.
MAX_WIDTH = 1000
#: The most loop steps (all `{% for %}` loops together) one text may take: loops that print
#: nothing are not stopped by the output cap, and the time budget is checked between texts.
MAX_LOOP_STEPS = 1_000_000
#: The steps taken by the text being rendered (a one-item list, set by `_run`).
_LOOP_STEPS: ContextVar[list[int]] = ContextVar("loop_steps")
_PRINTF_WIDTHS = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")


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
    if type(value) in _PLAIN:  # most values (counts, labels): 0.6 us less each, on first use
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        return ExactNumber(value)
    if is_array(value):
        if value.dtype != object:
            return value.tolist()
        return [_display_entry(v) for v in value.tolist()]
    if is_numpy_int(value):
        return int(value)
    if is_numpy_float(value):
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
    """A computed number as a person reads it: 0.9, 8/13, 4.5, 0.664732 (at most six
    significant figures; `style`: 'fraction'/'decimal')."""
    if isinstance(x, str):
        return x
    return readable_number(x, style)


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
    if isinstance(x, int | Fraction) or is_numpy_int(x) or is_numpy_float(x):
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
        if fmt == "tex":  # a matrix in brackets, displayed
            body = " \\\\\n".join(" & ".join(tex_escape(_fmt(v)) for v in r) for r in rows)
            return blocks.add("\\[\\begin{pmatrix}\n" + body + "\n\\end{pmatrix}\\]")
        return table(rows)

    return matrix


#: The helpers whose output depends on the format, by name: made per text that uses them.
_HELPER_MAKERS = {"table": _make_table, "matrix": _make_matrix}


@lru_cache(maxsize=1024)  # the same few formats ('%.4g') are used on every instance
def _check_widths(fmt: str, specs: re.Pattern[str]) -> None:
    """Refuse a printf (``%8.3f``) or ``str.format`` (``{:>8}``) text that pads a field wider
    than `MAX_WIDTH` or takes its width from an argument (``%*d``, ``{:{w}}``)."""
    for match in specs.finditer(fmt):
        for number in re.findall(r"\*|\d+", "".join(g or "" for g in match.groups())):
            if number == "*" or int(number) > MAX_WIDTH:
                raise SecurityError(f"the format {match.group()!r} is too wide "
                                    f"(fields of at most {MAX_WIDTH} characters)")
    if specs is _FORMAT_SPEC and re.search(r"\{[^{}]*:[^{}]*\{", fmt):
        raise SecurityError("a format field may not take its width from an argument")


def _bounded_width(width: Any) -> None:
    size = width if isinstance(width, int) else len(str(width))
    if size > MAX_WIDTH:
        raise SecurityError(f"a width of {size} is too wide (at most {MAX_WIDTH})")


def _center(value: Any, width: int = 80) -> str:
    _bounded_width(width)
    return str(value).center(width)


def _indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    _bounded_width(width)
    return jinja2.filters.do_indent(str(value), width, first, blank)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_widths(str(value), _PRINTF_WIDTHS)
    return jinja2.filters.do_format(value, *args, **kwargs)


def _counted_loop(items: Iterable[Any]) -> Iterable[Any]:
    """Every `{% for %}` loop iterates through this (see `_Sandbox._parse`). A sized iterable
    (list, range, text: nearly all) is charged its length up front and passed on as it is; a
    generator step by step. Wrapping every loop in a generator cost 7% of rendering the bank."""
    steps = _LOOP_STEPS.get()
    try:
        steps[0] += len(items)  # type: ignore[arg-type]
    except TypeError:
        return _count_steps(items, steps)
    if steps[0] > MAX_LOOP_STEPS:
        raise SecurityError(f"the loops take more than {MAX_LOOP_STEPS:,} steps")
    return items


def _count_steps(items: Iterable[Any], steps: list[int]) -> Iterator[Any]:
    for item in items:
        steps[0] += 1
        if steps[0] > MAX_LOOP_STEPS:
            raise SecurityError(f"the loops take more than {MAX_LOOP_STEPS:,} steps")
        yield item


def _bounded_range(*args: int) -> range:
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise SecurityError(f"range() of {len(items)} items is too long (at most {MAX_RANGE})")
    return items


#: What `getattr` finds on any dict (its methods and object's): ``d.items`` is the method.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with `list.append` allowed and `*`/`**` bounded."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Jinja's checks depend only on the object's type and the attribute's name; they cost
        # about 2 µs each (isinstance against a dozen types), paid on every `loop.index0`:
        # cached, rendering the built-in bank is 15% faster (benchmarks/bench_core.py).
        self._safe: dict[tuple[type, str], bool] = {}

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        """The syntax tree, with every loop's iterable passed through `_counted_loop` (Jinja
        offers no hook inside a loop; this private method is where every text is parsed)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(jinja2.nodes.For):
            loop.iter = jinja2.nodes.Filter(loop.iter, "counted_loop", [], [], None, None,
                                            lineno=loop.iter.lineno)
        return tree

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            # {% set _ = rows.append([...]) %} builds a table (gradients/vanishing)
            safe = self._safe[key] = (type(obj) is list and attr == "append") or bool(
                super().is_safe_attribute(obj, attr, value))
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``label.pos`` on a dict: Jinja tries the attribute first, and its AttributeError
        costs ~1 µs; a key that is no attribute of a dict gives what Jinja gives, the item
        (0.2 µs: 5 µs less on each confusion-matrix prompt)."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            _check_widths(left, _PRINTF_WIDTHS)
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
            raise SecurityError(f"the exponent {right} is too large (at most {MAX_POWER})")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and \
                        len(seq) * times > MAX_RENDERED_CHARS:
                    raise SecurityError("repeating a text or list that many times is refused "
                                        f"(at most {MAX_RENDERED_CHARS:,} items)")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` and `format_map` in template text, with bounded field widths."""
        if getattr(value, "__name__", None) in ("format", "format_map") and isinstance(
                getattr(value, "__self__", None), str):
            _check_widths(value.__self__, _FORMAT_SPEC)
        return super().wrap_str_format(value)


@lru_cache(maxsize=8)
def _environment(fmt: str) -> jinja2.Environment:
    env = _Sandbox(undefined=jinja2.StrictUndefined, autoescape=False,
                   keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=_num, vec=_vec, pct=_pct, shape=_shape, fmt=_fmt, round=_round,
                       center=_center, indent=_indent, format=_format,
                       counted_loop=_counted_loop)
    env.globals.clear()  # no cycler, joiner, lipsum, namespace or dict: only our helpers
    env.globals.update(vec=_vec, num=_num, pct=_pct, shape=_shape, fmt=_fmt,
                       range=_bounded_range)
    return env


def _run(template: jinja2.Template, values: dict[str, Any]) -> str:
    """The rendered text, refused once it grows beyond `MAX_RENDERED_CHARS`."""
    _LOOP_STEPS.set([0])
    # the context without the globals' names, which only a template's module exports need
    # (`Template.new_context` lists them: 1.1 us of each text)
    context = new_context(template.environment, template.name, template.blocks, values,
                          shared=True)
    chunks = template.root_render_func(context)
    # Checked per batch of 64 chunks (each at most a few MB: repetition is bounded), not per
    # chunk: a Python step per chunk made rendering the built-in bank up to 5% slower. Most
    # texts are one batch.
    parts = list(islice(chunks, 64))
    text = "".join(parts)
    size = len(text)
    while size <= MAX_RENDERED_CHARS and len(parts) == 64:
        parts = list(islice(chunks, 64))
        text += "".join(parts)
        size = len(text)
    if size > MAX_RENDERED_CHARS:
        raise SecurityError(f"the text renders to more than {MAX_RENDERED_CHARS:,} characters")
    return text


def _text_line(template: jinja2.Template, exc: BaseException) -> int:
    """The line, within the text, where rendering raised `exc` (1 when not known)."""
    import traceback  # only on an error: 1.2 ms to import (with textwrap)

    frames = [(f, n) for f, n in traceback.walk_tb(exc.__traceback__)
              if f.f_code.co_filename == "<template>"]
    return template.get_corresponding_lineno(frames[-1][1]) if frames else 1


@lru_cache(maxsize=4096)
def _compile(source: str, fmt: str) -> tuple[jinja2.Template, tuple[str, ...]]:
    """The compiled template and the names it may read from its context (found once, from
    the syntax tree), so rendering passes a small plain dict: Jinja looks names up in it at C
    speed, and only the values the text uses are converted for display."""
    env = _environment(fmt)
    tree = env.parse(source)  # parsed once, for its names and its code (halves compiling)
    # Every name the text reads (loop variables too: they are simply not in the context).
    # Not `jinja2.meta.find_undeclared_variables`: it leaves out the names of globals, and a
    # value in the context (a solver output named `shape`) must win over a global helper.
    names = {node.name for node in tree.find_all(jinja2.nodes.Name) if node.ctx == "load"}
    return env.from_string(tree), tuple(sorted(names))


def is_static(source: str) -> bool:
    """Whether `source` holds no Jinja (every construct starts with '{'): plain text, valid
    and rendered the same for every instance."""
    return "{" not in source


@lru_cache(maxsize=4096)
def check_syntax(source: str) -> tuple[int, str] | None:
    """None when `source` is valid Jinja, else (line within the text, message)."""
    if is_static(source):
        return None
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
    if is_static(source):
        return _static(source, fmt)
    blocks = Blocks()
    try:
        template, names = _compile(source, fmt)
        text = _run(template, _values(template, names, context,
                                      lambda name: _HELPER_MAKERS[name](fmt, blocks)))
    except RecursionError:
        raise TemplateError("refused in template text: a macro or recursive loop calls itself "
                            "without end", path=path, line=line, key=where) from None
    except SecurityError as exc:
        at = _text_line(template, exc)
        raise TemplateError(f"refused in template text: {exc}", path=path,
                            line=line + at - 1 if line else None, key=where) from None
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
    return _finish(text, fmt, blocks.items)


def _values(template: jinja2.Template, names: tuple[str, ...], context: Mapping[str, Any],
            helper: Callable[[str], Callable[..., str]]) -> dict[str, Any]:
    """The names the text reads, with their values: the `table` and `matrix` helpers (made
    by `helper`, only for a text that uses them), the context's values, else Jinja's
    globals (the other helpers)."""
    values: dict[str, Any] = {}
    for name in names:
        if name == "table" or name == "matrix":
            values[name] = helper(name)
            continue
        value = context.get(name, _ABSENT)  # one look-up (see `DisplayContext.get`)
        if value is not _ABSENT:
            values[name] = value
        elif name in template.globals:
            values[name] = template.globals[name]
    return values


_ABSENT = object()


def _finish(text: str, fmt: str, blocks: Sequence[str]) -> str:
    """Jinja's output in the format `fmt`: blank lines collapsed, the Markdown converted."""
    # What `_BLANK_LINES` does, by `str.replace` (each pass shortens every run of 3 or more
    # newlines): a confusion-matrix prompt, with the blank lines of its `{% if %}`, takes 1.5
    # µs instead of 3.5 µs, twice per student's feedback pages; the substitution also took
    # 3.5 µs on a text where it changes nothing.
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return convert(text.strip(), fmt, blocks)


@lru_cache(maxsize=4096)
def _static(source: str, fmt: str) -> str:
    """`render` of a text without Jinja (a part prompt such as "Shape of ∂L/∂b"): what the
    template would give, made once per format."""
    return convert(_BLANK_LINES.sub("\n\n", source).strip(), fmt)


class _Unshared(Exception):
    """A text that `render_formats` renders once per format instead (see there)."""


def _shared_helper(makers: Sequence[Callable[..., str]], outputs: Sequence[list[str]]
                   ) -> Callable[..., str]:
    """A `table` or `matrix` helper for several formats at once: each format's helper (of
    `makers`) writes its own output, kept in `outputs`, and the shared text gets the marker
    ``\\x00N\\x00`` where `render_formats` puts each format's output back. Its rows must be
    lists (a generator would be used up by the first format)."""
    def helper(rows: Any, *args: Any, **kwargs: Any) -> str:
        if type(rows) not in (list, tuple) or any(type(r) not in (list, tuple) for r in rows) \
                or any(a is not None and type(a) not in (list, tuple)
                       for a in (*args, *kwargs.values())):
            raise _Unshared
        for make, out in zip(makers, outputs, strict=True):
            out.append(make(rows, *args, **kwargs))
        return f"\x00{len(outputs[0]) - 1}\x00"

    return helper


#: Constructs whose output a text can take as a value and change (``{{ m() | upper }}``).
_CAPTURES = (jinja2.nodes.Macro, jinja2.nodes.CallBlock, jinja2.nodes.FilterBlock,
             jinja2.nodes.AssignBlock, jinja2.nodes.Block)
_HELPERS = ("table", "matrix")


@lru_cache(maxsize=4096)
def _shareable(source: str) -> bool:
    """Whether `source` prints every `table`/`matrix` result as it is (``{{ table(...) }}``
    and nothing else: no filter, no capture), so the shared text's marker can stand for it
    (`render_formats`); a syntax error is left to `render` to report."""
    try:
        tree = _environment("md").parse(source)
    except jinja2.TemplateSyntaxError:
        return False
    uses = sum(1 for n in tree.find_all(jinja2.nodes.Name) if n.name in _HELPERS)
    if not uses:
        return True
    if any(True for _ in tree.find_all(_CAPTURES)) or any(
            loop.recursive for loop in tree.find_all(jinja2.nodes.For)):
        return False
    printed = sum(1 for out in tree.find_all(jinja2.nodes.Output) for node in out.nodes
                  if isinstance(node, jinja2.nodes.Call)
                  and isinstance(node.node, jinja2.nodes.Name) and node.node.name in _HELPERS)
    return printed == uses


def render_formats(source: str, context: Mapping[str, Any], fmts: Sequence[str], *,
                   where: str = "", path: str | None = None, line: int | None = None
                   ) -> tuple[str, ...]:
    """`render` of `source` in each format of `fmts`, Jinja running once: its output is the
    same in every format but for the `table` and `matrix` helpers, which write each format's
    output in place of a marker. A confusion-matrix question's prompt and solution in html
    and md so take 76 µs instead of 122 µs (what a class's feedback pages show).
    A text that fails, or might render otherwise per format (a NUL in it, a helper given a
    generator, near the size limit; see also `_shareable`), is rendered per format: the same
    texts and errors."""
    if len(fmts) < 2 or is_static(source) or not _shareable(source):
        return tuple(render(source, context, f, where=where, path=path, line=line)
                     for f in fmts)
    blocks = [Blocks() for _ in fmts]
    outputs: list[list[str]] = [[] for _ in fmts]  # each format's helper outputs, in order
    try:
        template, names = _compile(source, fmts[0])
        text = _run(template, _values(template, names, context, lambda name: _shared_helper(
            [_HELPER_MAKERS[name](f, b) for f, b in zip(fmts, blocks, strict=True)], outputs)))
    except Exception:  # every error as each format's rendering reports it
        text = None
    if text is None or text.count("\x00") != 2 * len(outputs[0]) or any(
            len(text) + sum(map(len, out)) > MAX_RENDERED_CHARS for out in outputs):
        return tuple(render(source, context, f, where=where, path=path, line=line)
                     for f in fmts)
    if not outputs[0]:
        return tuple(_finish(text, f, ()) for f in fmts)
    return tuple(_finish(_put_back(text, out), f, b.items)
                 for f, b, out in zip(fmts, blocks, outputs, strict=True))


_SHARED_MARK = re.compile("\x00(\\d+)\x00")


def _put_back(text: str, outputs: Sequence[str]) -> str:
    """The shared text with each helper's marker replaced by its output in one format."""
    return _SHARED_MARK.sub(lambda match: outputs[int(match.group(1))], text)
