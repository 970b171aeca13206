"""Rendering template text (prompts, solutions, hints, feedback) with Jinja, per output format.

Template text is Markdown-lite: paragraphs, ``**bold**``, ``*italic*``, ```code```, ``- `` lists,
and Unicode maths (``aᵀXb``, ``⊙``). Tables and vectors come from helpers (``table``, ``vec``,
``num``, ``fmt``, ``pct``, ``shape``, ``round``, ``matrix``) that know the output format:

- ``md``: the source format; tables become pipe tables.
- ``text``: for a terminal; tables are drawn with aligned columns and ``**`` marks are dropped.
- ``html``: a fragment; *everything* is escaped first (params may hold labels), then the
  Markdown-lite is turned into tags, and tables are spliced in as real ``<table>`` markup.
- ``tex``: a LaTeX fragment, special characters escaped and Unicode maths mapped to commands.

Jinja runs with `StrictUndefined`, so a misspelt name in a template is an error, not a blank.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.nodes
import numpy as np

from questionbank.errors import TemplateError
from questionbank.expr import to_exact
from questionbank.values import format_number

__all__ = ["FORMATS", "check_syntax", "display_value", "render"]

FORMATS = ("text", "md", "html", "tex")
_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")


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
        if _terminating_denominator(value.denominator):
            return value.numerator / value.denominator  # float(value), without the ABC detour
        return value
    return display_value(value)


@lru_cache(maxsize=1024)
def _terminating_denominator(d: int) -> bool:
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


class _Blocks:
    """Pre-rendered blocks (tables) kept out of the escaping pass in html and tex."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> str:
        self.items.append(text)
        return _PLACEHOLDER.format(len(self.items) - 1)

    def splice(self, text: str) -> str:
        return _PLACEHOLDER_RE.sub(lambda m: self.items[int(m.group(1))], text)


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


def _table_text(rows: list[list[str]], header: list[str] | None) -> str:
    grid = ([header] if header else []) + rows
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line]
    for i, row in enumerate(grid):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0 and header:
            out.append(line.replace("-", "="))
    out.append(line)
    return "\n".join(out)


def _table_md(rows: list[list[str]], header: list[str] | None) -> str:
    head = header or [""] * len(rows[0])
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _table_html(rows: list[list[str]], header: list[str] | None) -> str:
    esc = html.escape
    out = ['<table class="grid">']
    if header:
        out.append("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in header)
                   + "</tr></thead>")
    out.append("<tbody>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _table_tex(rows: list[list[str]], header: list[str] | None) -> str:
    cols = len(rows[0])
    out = [r"\begin{center}\begin{tabular}{|" + "|".join("l" * 1 for _ in range(cols)) + "|}",
           r"\hline"]
    if header:
        out.append(" & ".join(tex_escape(c) for c in header) + r" \\ \hline")
    for r in rows:
        out.append(" & ".join(tex_escape(c) for c in r) + r" \\ \hline")
    out.append(r"\end{tabular}\end{center}")
    return "\n".join(out)


_TABLES = {"text": _table_text, "md": _table_md, "html": _table_html, "tex": _table_tex}


def _make_table(fmt: str, blocks: _Blocks) -> Callable[..., str]:
    def table(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None = None) -> str:
        cells = [[_fmt(c) for c in r] for r in rows]
        head = [_fmt(c) for c in header] if header is not None else None
        width = len(head) if head else len(cells[0])
        if not cells or any(len(r) != width for r in cells):
            raise ValueError("table(): every row needs the same number of cells")
        rendered = _TABLES[fmt](cells, head)
        if fmt in ("html", "tex"):
            return "\n\n" + blocks.add(rendered) + "\n\n"
        return "\n\n" + rendered + "\n\n"

    return table


def _make_matrix(fmt: str, blocks: _Blocks) -> Callable[..., str]:
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
    blocks = _Blocks()
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
    return _convert(_BLANK_LINES.sub("\n\n", text).strip(), fmt, blocks)


def _convert(text: str, fmt: str, blocks: _Blocks) -> str:
    """Rendered Markdown-lite in the output format `fmt`, with its blocks put back."""
    if fmt == "text":
        return blocks.splice(md_to_text(text))
    if fmt == "html":
        return blocks.splice(md_to_html(text))
    if fmt == "tex":
        return blocks.splice(md_to_tex(text))
    return text


@lru_cache(maxsize=4096)
def _static(source: str, fmt: str) -> str:
    """`render` of a text without Jinja (a part prompt such as "Shape of ∂L/∂b"): what the
    template would give, made once per format."""
    return _convert(_BLANK_LINES.sub("\n\n", source).strip(), fmt, _Blocks())


# --------------------------------------------------------------------------- Markdown-lite

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]+)`")


def md_to_text(text: str) -> str:
    """Markdown-lite to plain terminal text: emphasis and code marks dropped."""
    if "*" in text:  # (each pattern needs its mark: most lines have none)
        text = _BOLD.sub(r"\1", text)
        text = _ITALIC.sub(r"\1", text)
    return _CODE.sub(r"\1", text) if "`" in text else text


def _list_items(lines: list[str]) -> list[str] | None:
    """The items of a bulleted block (lines starting '- '; other lines continue the item
    above), or None when the block is not a list."""
    if not lines[0].lstrip().startswith(("- ", "* ")):
        return None
    items: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("- ", "* ")):
            items.append(stripped[2:])
        else:
            items[-1] += " " + stripped
    return items


def _md_blocks(text: str) -> Iterator[tuple[str, Any]]:
    """The blocks of Markdown-lite text, each as (kind, content): ``("block", placeholder)``,
    ``("list", items)``, ``("table", rows of cells)``, ``("code", lines)`` or
    ``("para", lines)``. Every output format renders these same blocks."""
    for block in re.split(r"\n\s*\n", text):
        block = block.strip("\n")
        if not block:
            continue
        if _PLACEHOLDER_RE.fullmatch(block.strip()):
            yield "block", block.strip()
            continue
        lines = block.split("\n")
        items = _list_items(lines)
        if items is not None:
            yield "list", items
        elif lines[0].startswith("|") and len(lines) > 1 and set(lines[1]) <= set("|-: "):
            yield "table", [[c.strip() for c in ln.strip().strip("|").split("|")]
                            for ln in [lines[0], *lines[2:]]]
        elif all(ln.startswith("    ") for ln in lines):
            yield "code", [ln[4:] for ln in lines]
        else:
            yield "para", lines


def md_to_html(text: str) -> str:
    """Markdown-lite to an HTML fragment; all source text is escaped first."""
    out: list[str] = []
    for kind, content in _md_blocks(text):
        if kind == "block":
            out.append(content)
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in content)
                       + "</ul>")
        elif kind == "table":
            out.append(_pipe_table_html(content))
        elif kind == "code":
            out.append("<pre>" + html.escape("\n".join(content)) + "</pre>")
        else:
            out.append("<p>" + "\n".join(_inline_html(ln) for ln in content) + "</p>")
    return "\n".join(out)


def _inline_html(text: str) -> str:
    text = html.escape(text, quote=False)
    if "`" in text:  # (each pattern needs its mark: most lines have none)
        text = _CODE.sub(r"<code>\1</code>", text)
    if "*" not in text:
        return text
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def _pipe_table_html(rows: list[list[str]]) -> str:
    head, body = rows[0], rows[1:]
    out = ['<table class="grid"><thead><tr>']
    out += [f"<th>{_inline_html(c)}</th>" for c in head]
    out.append("</tr></thead><tbody>")
    for row in body:
        out.append("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}

#: Unicode used in prompts -> LaTeX (math in $...$), so `pdflatex` needs no special fonts.
TEX_UNICODE = {
    "ᵀ": r"$^{T}$", "⊙": r"$\odot$", "×": r"$\times$", "−": "-", "–": "--", "—": "---",
    "≤": r"$\le$", "≥": r"$\ge$", "≠": r"$\ne$", "≈": r"$\approx$", "→": r"$\rightarrow$",
    "←": r"$\leftarrow$", "‖": r"$\|$", "∂": r"$\partial$", "∑": r"$\sum$", "Σ": r"$\Sigma$",
    "σ": r"$\sigma$", "λ": r"$\lambda$", "α": r"$\alpha$", "β": r"$\beta$", "η": r"$\eta$",
    "ε": r"$\varepsilon$", "∈": r"$\in$", "ℝ": r"$\mathbb{R}$", "√": r"$\surd$", "·": r"$\cdot$",
    "²": r"$^2$", "³": r"$^3$", "¹": r"$^1$", "⁰": r"$^0$", "ⁿ": r"$^n$", "ᵗ": r"$^t$",
    "ᴸ": r"$^L$", "ᵏ": r"$^k$", "ₖ": r"$_k$", "ᵢ": r"$_i$", "ⱼ": r"$_j$", "₀": r"$_0$",
    "₁": r"$_1$", "₂": r"$_2$", "ₜ": r"$_t$", "ŷ": r"$\hat{y}$", "θ": r"$\theta$",
    "μ": r"$\mu$", "∇": r"$\nabla$", "⌈": r"$\lceil$", "⌉": r"$\rceil$", "⌊": r"$\lfloor$",
    "⌋": r"$\rfloor$", "…": r"\ldots{}", "“": "``", "”": "''", "’": "'", "‘": "`", "±": r"$\pm$",
    "∞": r"$\infty$", "ᶠ": r"$^f$", "ₙ": r"$_n$", "ₘ": r"$_m$", "̂": "", "⁻": r"$^-$",
    "′": r"$'$", "″": r"$''$", "÷": r"$\div$", "∝": r"$\propto$", "∀": r"$\forall$",
    "∃": r"$\exists$", "∘": r"$\circ$", "⊗": r"$\otimes$", "⊤": r"$\top$", "∏": r"$\prod$",
    "∫": r"$\int$", "⇒": r"$\Rightarrow$", "⇔": r"$\Leftrightarrow$", "↦": r"$\mapsto$",
    "γ": r"$\gamma$", "δ": r"$\delta$", "ζ": r"$\zeta$", "κ": r"$\kappa$", "ν": r"$\nu$",
    "ξ": r"$\xi$", "π": r"$\pi$", "ρ": r"$\rho$", "τ": r"$\tau$", "φ": r"$\phi$",
    "χ": r"$\chi$", "ψ": r"$\psi$", "ω": r"$\omega$", "Γ": r"$\Gamma$", "Δ": r"$\Delta$",
    "Θ": r"$\Theta$", "Λ": r"$\Lambda$", "Ξ": r"$\Xi$", "Π": r"$\Pi$", "Φ": r"$\Phi$",
    "Ψ": r"$\Psi$", "Ω": r"$\Omega$", "ℓ": r"$\ell$", "⁺": r"$^+$", "ᵐ": r"$^m$",
    "ʳ": r"$^r$", "ₓ": r"$_x$", "₃": r"$_3$", "\u00a0": "~",
}


def _tex_letter(ch: str) -> bool:
    """Latin letters that pdflatex reads directly from UTF-8 with the T1 font encoding."""
    return "\u00c0" <= ch <= "\u017f" and ch not in "\u00d7\u00f7"


_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱᵀⁿᵗᴸᵏᵐᶠˣ", "0123456789+-=()iTntLkmfx", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv",
                       strict=True))
for _ch, _plain in _SUPERSCRIPTS.items():
    TEX_UNICODE.setdefault(_ch, f"$^{{{_plain}}}$")
for _ch, _plain in _SUBSCRIPTS.items():
    TEX_UNICODE.setdefault(_ch, f"$_{{{_plain}}}$")


def tex_escape(text: str) -> str:
    """Escape LaTeX specials and map known Unicode; drop anything else non-ASCII as '?'.

    Neighbouring maths pieces are joined with an empty group: ``$_i$$_j$`` would open display
    maths and ``$_i_j$`` is a double subscript, but ``$_i{}_j$`` is valid.
    """
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
        if i < len(text) and text[i] == "\u0302" and ch.isalpha() and ch.isascii():
            out.append(r"$\hat{" + ch + "}$")  # x̂: a letter with a combining circumflex
            i += 1
        elif ch in _SUBSCRIPTS or ch in _SUPERSCRIPTS:
            table, mark = (_SUBSCRIPTS, "_") if ch in _SUBSCRIPTS else (_SUPERSCRIPTS, "^")
            run = [table[ch]]
            while i < len(text) and text[i] in table:  # vₜ₋₁ -> v$_{t-1}$
                run.append(table[text[i]])
                i += 1
            out.append(f"${mark}{{{''.join(run)}}}$")
        elif ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in TEX_UNICODE:
            out.append(TEX_UNICODE[ch])
        elif (ord(ch) < 128 and (ch.isprintable() or ch in "\n\t")) or _tex_letter(ch):
            out.append(ch)
        else:
            out.append("?")
    return re.sub(r"(?<!\\)\$\$", "{}", "".join(out))


def md_to_tex(text: str) -> str:
    """Markdown-lite to a LaTeX fragment."""
    out: list[str] = []
    for kind, content in _md_blocks(text):
        if kind == "block":
            out.append(content)
        elif kind == "list":
            body = "\n".join(r"\item " + _inline_tex(i) for i in content)
            out.append("\\begin{itemize}\n" + body + "\n\\end{itemize}")
        elif kind == "table":
            out.append(_table_tex(content[1:], content[0]))
        elif kind == "code":
            out.append(_code_block_tex(content))
        else:
            out.append("\n".join(_inline_tex(ln) for ln in content))
    return "\n\n".join(out)


def _code_block_tex(lines: list[str]) -> str:
    """An indented block in typewriter type, spaces kept; not `verbatim`, which cannot show the
    Unicode maths (a′ = a ⊙ m) that these blocks hold."""
    body = " \\\\\n".join(tex_escape(ln).replace(" ", "~") or "~" for ln in lines)
    return "\\begin{flushleft}\\ttfamily\n" + body + "\n\\end{flushleft}"


def _inline_tex(text: str) -> str:
    parts = re.split(r"(\*\*.+?\*\*|`[^`]+`|(?<![\w*])\*(?!\s)[^*]+?(?<!\s)\*(?![\w*]))", text)
    out = []
    for part in parts:
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            out.append(r"\textbf{" + tex_escape(part[2:-2]) + "}")
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            out.append(r"\emph{" + tex_escape(part[1:-1]) + "}")
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            out.append(r"\texttt{" + tex_escape(part[1:-1]) + "}")
        else:
            out.append(tex_escape(part))
    return "".join(out)
