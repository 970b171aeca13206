"""The Markdown subset of template texts, parsed once and written as HTML, LaTeX or terminal text.

Texts are parsed with `markdown-it-py`, configured for exactly the subset the bank uses:

- paragraphs: a line break stays a line break, with the line's indentation;
- ``**strong**`` and ``*emphasis*``, nested either way. Only ``*`` marks emphasis, and never
  inside a word: ``a_L`` and ``2*x*y`` are written as typed. In a paragraph the marks pair
  within a line; in a list item, across its continuation lines;
- ```code``` spans (on one line) and blocks indented by 4 spaces: literal in every format;
- ``-``/``*``/``+`` bullet lists and ``1.`` ordered lists, with continuation lines;
- pipe tables, whose cells hold inline markup;
- ``\\`` escapes a mark (``\\*`` is a literal star).

Sub- and superscripts are Unicode characters (``xᵢ²``, ``aᵀ``), mapped to maths in LaTeX.
Raw HTML, entities, links, images, headings, quotes and fences are not parsed: they show as
typed, and every character of text is escaped for HTML and LaTeX, so a param or a student's
answer cannot inject markup.

One walker (`_Walk`) writes the tokens in every format; a `Writer` per format says how each
construct is written. A blank line ends every construct of the subset (its lists are tight),
so a text is parsed chunk by chunk (the text between blank lines), and both the parse and
each chunk's output are cached. The ``md`` format is the source language itself: its output
is the text as written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import repeat
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it itself is imported on the first parse (see `_parser`)
    from markdown_it import MarkdownIt
    from markdown_it.rules_core.state_core import StateCore
    from markdown_it.rules_inline.state_inline import StateInline
    from markdown_it.token import Token

__all__ = ["TEX_UNICODE", "Blocks", "convert", "md_to_html", "md_to_tex", "md_to_text",
           "plain_table", "tex_escape"]

_BLOCK = "\x00{}\x00"
_BLOCK_RE = re.compile("\x00(\\d+)\x00")
_CHUNK_BREAK = re.compile(r"\n\s*\n")
#: What the parser could read as markup in a chunk (see `_has_markup`); a chunk without any
#: of it is one plain paragraph, written without parsing (a third of the bank's chunks are).
#: A whitespace character at either end, or a list marker at the start, is markup too.
_MARKUP_INSIDE = re.compile(r"[*`|\\\t\r\x00]|[ ]\n|\n[ ]|\n(?:[-+]|\d{1,9}[.)])(?:[ ]|\n|\Z)")
_MARKER_FIRST = re.compile(r"(?:[-+]|\d{1,9}[.)])(?:[ ]|\n|\Z)")
#: A chunk whose every line is indented by 4 spaces is one code block (`_code_block`).
_NOT_CODE = re.compile(r"\A(?![ ]{4})|\n(?![ ]{4})|[\t\r\x00]")


class Blocks:
    """Pre-rendered blocks (the ``table`` helper's output) kept out of the parser: each is
    replaced by a marker paragraph, and `convert` puts it back in place of the marker."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> str:
        """The marker that stands for `text` (on a paragraph of its own) until `convert`."""
        self.items.append(text)
        return "\n\n" + _BLOCK.format(len(self.items) - 1) + "\n\n"


# --------------------------------------------------------------------------- parser

def _star_emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, for ``*`` only and never inside a word: ``_`` stays a letter
    (``a_L``, ``‖X‖²_F``) and ``2*x*y`` a product, as in the notation students type."""
    if silent or state.src[state.pos] != "*":
        return False
    from markdown_it.rules_inline.state_inline import Delimiter

    scanned = state.scanDelims(state.pos, False)  # False: cannot split a word (CommonMark's _)
    for _ in range(scanned.length):
        token = state.push("text", "", 0)
        token.content = "*"
        state.delimiters.append(Delimiter(marker=ord("*"), length=scanned.length,
                                          token=len(state.tokens) - 1, end=-1,
                                          open=scanned.can_open, close=scanned.can_close))
    state.pos += scanned.length
    return True


def _one_line_code(state: StateInline, silent: bool) -> bool:
    """markdown-it's code span rule within one line: a code span never hides a line break, so
    every line break of a paragraph stays a break token (and keeps its line's indentation)."""
    from markdown_it.rules_inline.backticks import backtick

    line_end = state.src.find("\n", state.pos, state.posMax)
    if line_end == -1:
        return backtick(state, silent)
    whole = state.posMax
    state.posMax = line_end
    try:
        return backtick(state, silent)
    finally:
        state.posMax = whole


def _line_break(state: StateInline, silent: bool) -> bool:
    """markdown-it's line break rule. In a paragraph each line is a line of its own (a formula,
    an answer echoed above a caret), so ``*`` opened before the break cannot close after it; a
    list item's continuation lines continue its text, and its marks pair across them."""
    from markdown_it.rules_inline.newline import newline

    if not newline(state, silent):
        return False
    if not silent and not state.env.get("wrapped"):
        # The line's marks become a group of their own, paired apart from the next line's (the
        # way markdown-it keeps a link's marks apart), under the line break token just pushed.
        state.tokens_meta[-1] = {"delimiters": state.delimiters}
        state.delimiters = []
    return True


def _inline_in_context(state: StateCore) -> None:
    """markdown-it's core inline rule, telling the inline rules whether the text is wrapped
    (a list item's) or line by line (a paragraph's)."""
    items = 0
    for token in state.tokens:
        items += (token.type == "list_item_open") - (token.type == "list_item_close")
        if token.type == "inline":
            state.env["wrapped"] = items > 0
            token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The configured parser. markdown-it is imported here, on the first parse: the commands
    that render no Markdown (`list`, grading without pages) start without it (25 ms)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("zero", {"maxNesting": 20})  # zero: paragraphs and text only
    parser.enable(["list", "code", "table", "emphasis", "backticks", "newline", "escape"])
    parser.inline.ruler.at("emphasis", _star_emphasis)
    parser.inline.ruler.at("backticks", _one_line_code)
    parser.inline.ruler.at("newline", _line_break)
    parser.core.ruler.at("inline", _inline_in_context)
    # The text rule stops only where an enabled inline rule can start (line break, escape,
    # code, emphasis), not at every punctuation mark: maths text is full of them, and this
    # halves the parse time of the bank's texts.
    parser.inline.terminator_re = re.compile(r"[\n\\`*]")
    return parser


@lru_cache(maxsize=1024)
def _parse(chunk: str) -> list[Token]:
    """The tokens of one chunk (shared by every format; never modified)."""
    return _parser().parse(chunk, {})


# --------------------------------------------------------------------------- TeX escaping

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱᵀⁿᵗᴸᵏᵐᶠˣ", "0123456789+-=()iTntLkmfx", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv",
                       strict=True))

#: Unicode used in prompts -> LaTeX (math in $...$), so `pdflatex` needs no special fonts.
TEX_UNICODE = {
    **{ch: f"$^{{{plain}}}$" for ch, plain in _SUPERSCRIPTS.items()},
    **{ch: f"$_{{{plain}}}$" for ch, plain in _SUBSCRIPTS.items()},
    "ᵀ": r"$^{T}$", "⊙": r"$\odot$", "×": r"$\times$", "−": r"$-$", "–": "--", "—": "---",
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


# --------------------------------------------------------------------------- tables

Rows = Sequence[Sequence[str]]


def _grid_table(head: Sequence[str] | None, rows: Rows) -> str:
    """A table for a terminal: aligned columns in a ruled grid, ``=`` under the header."""
    grid = ([head] if head else []) + list(rows)
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line]
    for i, row in enumerate(grid):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0 and head:
            out.append(line.replace("-", "="))
    out.append(line)
    return "\n".join(out)


def _pipe_table(head: Sequence[str] | None, rows: Rows) -> str:
    """A Markdown pipe table (an empty header row when there is none)."""
    head = head or [""] * len(rows[0])
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(head: Sequence[str] | None, rows: Rows) -> str:
    out = ['<table class="grid">']
    if head:
        out.append("<thead><tr>" + "".join(f"<th>{c}</th>" for c in head) + "</tr></thead>")
    out.append("<tbody>")
    out += ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
    out.append("</tbody></table>")
    return "".join(out)


def _tex_table(head: Sequence[str] | None, rows: Rows) -> str:
    cols = len(head) if head else len(rows[0])
    out = [r"\begin{center}\begin{tabular}{|" + "|".join("l" for _ in range(cols)) + "|}",
           r"\hline"]
    if head:
        out.append(" & ".join(head) + r" \\ \hline")
    out += [" & ".join(r) + r" \\ \hline" for r in rows]
    out.append(r"\end{tabular}\end{center}")
    return "\n".join(out)


# --------------------------------------------------------------------------- writers

def _html_list(tag: str, items: Sequence[str], start: int = 1) -> str:
    opening = f'<{tag} start="{start}">' if start != 1 else f"<{tag}>"
    return opening + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def _tex_list(env: str, items: Sequence[str], start: int = 1) -> str:
    counter = f"\\setcounter{{enumi}}{{{start - 1}}}\n" if start != 1 else ""
    body = "\n".join(r"\item " + item for item in items)
    return f"\\begin{{{env}}}\n{counter}{body}\n\\end{{{env}}}"


def _text_list(markers: Iterator[str], items: Sequence[str]) -> str:
    """Items after their markers; continuation lines indented under the item's text."""
    out = []
    for marker, item in zip(markers, items, strict=False):
        indent = "\n" + " " * (len(marker) + 1)
        out.append(marker + (" " + item.replace("\n", indent) if item else ""))
    return "\n".join(out)


def _tex_code_block(lines: Sequence[str]) -> str:
    """An indented block in typewriter type, spaces kept; not `verbatim`, which cannot show the
    Unicode maths (a′ = a ⊙ m) that these blocks hold."""
    body = " \\\\\n".join(tex_escape(ln).replace(" ", "~") or "~" for ln in lines)
    return "\\begin{flushleft}\\ttfamily\n" + body + "\n\\end{flushleft}"


_html_escape = partial(html.escape, quote=False)


def _tex_text(text: str) -> str:
    """Plain text in LaTeX, its formulas in math mode (`questionbank.texmath`)."""
    from questionbank.texmath import tex_math_text

    return tex_math_text(text)


def _same(text: str) -> str:
    return text


@dataclass(slots=True, frozen=True)
class Writer:
    """How one output format writes each construct of the subset (from its rendered parts)."""

    escape: Callable[[str], str]  #: plain text
    code: Callable[[str], str]  #: an inline code span, from its literal text
    marks: Mapping[str, str]  #: strong_open/_close, em_open/_close
    hardbreak: str
    item_break: str  #: a line break inside a list item
    paragraph: Callable[[str], str]
    code_block: Callable[[Sequence[str]], str]
    bullets: Callable[[str, Sequence[str]], str]  #: (marker, items)
    numbered: Callable[[int, str, Sequence[str]], str]  #: (start, delimiter, items)
    table: Callable[[Sequence[str] | None, Rows], str]  #: (header, rows)
    separator: str  #: between chunks (blocks apart by a blank line in the source)


_WRITERS = {
    "html": Writer(
        escape=_html_escape, code=lambda s: "<code>" + _html_escape(s) + "</code>",
        marks={"strong_open": "<strong>", "strong_close": "</strong>", "em_open": "<em>",
               "em_close": "</em>"},
        hardbreak="<br>\n", item_break=" ", paragraph=lambda s: "<p>" + s + "</p>",
        # code blocks and the table helper's cells escape quotes too (`html.escape`'s
        # default); both spellings show the same, and the pages keep their bytes
        code_block=lambda lines: "<pre>" + html.escape("\n".join(lines)) + "</pre>",
        bullets=lambda _, items: _html_list("ul", items),
        numbered=lambda start, _, items: _html_list("ol", items, start),
        table=_html_table, separator="\n"),
    "tex": Writer(
        escape=_tex_text, code=lambda s: r"\texttt{" + tex_escape(s) + "}",
        marks={"strong_open": r"\textbf{", "strong_close": "}", "em_open": r"\emph{",
               "em_close": "}"},
        hardbreak="\\\\\n", item_break=" ", paragraph=_same, code_block=_tex_code_block,
        bullets=lambda _, items: _tex_list("itemize", items),
        numbered=lambda start, _, items: _tex_list("enumerate", items, start),
        table=_tex_table, separator="\n\n"),
    "text": Writer(
        escape=_same, code=_same,
        marks={"strong_open": "", "strong_close": "", "em_open": "", "em_close": ""},
        hardbreak="\n", item_break="\n", paragraph=_same,
        code_block=lambda lines: "\n".join("    " + ln for ln in lines),
        bullets=lambda marker, items: _text_list(repeat(marker), items),
        numbered=lambda start, delim, items: _text_list(
            (f"{n}{delim}" for n in range(start, start + len(items))), items),
        table=_pipe_table, separator="\n\n"),
}


# --------------------------------------------------------------------------- the walker

#: Numbers are the part of a text that changes from one instance to the next. A chunk is
#: written with each number replaced by one mark (`_NUMBER_MARK`), and the numbers are put
#: back into the output, so the chunks of every instance of a template share one parse and
#: one walk: the 12,000 texts of a 1,000-student exam take 419 parses instead of 9,000, and
#: generating its html sheets no longer takes 70% longer than with the old regex renderer.
#: The mark reads like a digit to the parser (a letter: not space, not punctuation) and like
#: itself in every format, as digits do. A minus is part of the number except after ``*`` or
#: ``\\``, where it decides the markup; a chunk with a list number (markup too) is written
#: as it is.
#:
#: The two patterns match what ``-?[0-9]+(?:\.[0-9]+)?`` and
#: ``(?:(?<![*\\])-)?[0-9]+(?:\.[0-9]+)?`` match, written to start with one character class
#: (a minus or a digit; the lookbehinds then require a digit after a minus): the regex engine
#: then skips ahead to those characters instead of trying the pattern at every one. Splitting
#: a confusion-matrix solution's list (25 numbers) took 4.9 us instead of 14.7, its prompt's
#: paragraph (one number) 1.2 us instead of 4.2 (best of 5, on a busy machine).
_NUMBER = re.compile(r"([-0-9](?:(?<=-)[0-9]|(?<=[0-9]))[0-9]*(?:\.[0-9]+)?)")
_NUMBER_AFTER_MARK = re.compile(r"([-0-9](?:(?<=-)(?<![*\\]-)[0-9]|(?<=[0-9]))[0-9]*(?:\.[0-9]+)?)")
_LIST_NUMBER = re.compile(r"(?m)^[-+*0-9.) \t]*[0-9][.)]")  # may follow other list marks
_NUMBER_MARK = "\u017f"  # ſ, a Latin letter that pdflatex reads as it is


def _close(tokens: Sequence[Token], i: int) -> int:
    """The index of the token that closes ``tokens[i]`` (``i`` itself when it is a leaf)."""
    opening = tokens[i]
    if opening.nesting != 1:
        return i
    j = i + 1
    while tokens[j].nesting != -1 or tokens[j].level != opening.level:
        j += 1
    return j


class _Walk:
    """One walk over the tokens of a chunk, writing each construct with `w`; `lines` are the
    chunk's source lines (paragraphs keep each line's indentation)."""

    def __init__(self, w: Writer, lines: Sequence[str]) -> None:
        self.w = w
        self.lines = lines

    def inline(self, token: Token, line_break: str, indents: Sequence[str] = ()) -> str:
        """The inline content of a paragraph or table cell; `indents` are the leading spaces
        of the paragraph's lines after the first, written after each line break."""
        w = self.w
        out = []
        lines = iter(indents)
        for child in token.children or ():
            kind = child.type
            if kind == "text":
                out.append(w.escape(child.content))
            elif kind == "code_inline":
                out.append(w.code(child.content))
            elif kind == "softbreak":
                out.append(line_break + next(lines, ""))
            elif kind == "hardbreak":
                out.append(w.hardbreak + next(lines, ""))
            else:
                out.append(w.marks[kind])
        return "".join(out)

    def items(self, tokens: Sequence[Token]) -> list[str]:
        """The items of a list, from the tokens between its own open and close."""
        items = []
        i = 0
        while i < len(tokens):
            end = _close(tokens, i)
            items.append("\n".join(self.blocks(tokens[i + 1:end], self.w.item_break, False)))
            i = end + 1
        return items

    def table(self, tokens: Sequence[Token]) -> str:
        """A pipe table: its first row is the header (the parser always makes one)."""
        rows: list[list[str]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline":
                rows[-1].append(self.inline(token, " "))
        return self.w.table(rows[0], rows[1:])

    def paragraph(self, tokens: Sequence[Token], i: int, line_break: str, top: bool) -> str:
        """The paragraph opened by ``tokens[i]``; at the top level its lines keep their
        indentation (an answer echoed with a caret under it)."""
        first, last = tokens[i].map or (0, 0)
        lines = self.lines[first:last] if top else ()
        indents = [ln[:len(ln) - len(ln.lstrip(" \t"))] for ln in lines] or [""]
        text = indents[0] + self.inline(tokens[i + 1], line_break, indents[1:])
        return text if tokens[i].hidden else self.w.paragraph(text)

    def blocks(self, tokens: Sequence[Token], line_break: str, top: bool) -> list[str]:
        """Each block of `tokens` (one nesting level): `top` for the chunk's own level."""
        w = self.w
        out = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            end = _close(tokens, i)
            if token.type == "paragraph_open":
                out.append(self.paragraph(tokens, i, line_break, top))
            elif token.type == "code_block":
                out.append(w.code_block(token.content.rstrip("\n").split("\n")))
            elif token.type == "bullet_list_open":
                out.append(w.bullets(token.markup, self.items(tokens[i + 1:end])))
            elif token.type == "ordered_list_open":
                start = int(token.attrGet("start") or 1)
                out.append(w.numbered(start, token.markup, self.items(tokens[i + 1:end])))
            elif token.type == "table_open":
                out.append(self.table(tokens[i:end]))
            i = end + 1
        return out


@lru_cache(maxsize=4096)
def _written(chunk: str, fmt: str) -> str:
    """One chunk in the format `fmt`, its blocks on adjacent lines as in the source."""
    walk = _Walk(_WRITERS[fmt], chunk.split("\n"))
    return "\n".join(walk.blocks(_parse(chunk), "\n", True))


def _has_markup(chunk: str) -> bool:
    """Whether the parser could read markup in `chunk` (a non-empty chunk). One regex with
    ``\\A`` alternatives took 9 µs on a 3-line paragraph, as the regex engine cannot skip
    ahead to the characters that may start a match; these checks take 3 µs."""
    return chunk[0].isspace() or chunk[-1].isspace() or \
        _MARKUP_INSIDE.search(chunk) is not None or _MARKER_FIRST.match(chunk) is not None


def _code_block(chunk: str, w: Writer) -> str | None:
    """A chunk that is one indented code block, written without parsing (what the parser makes
    of it: each line less its 4 spaces of indentation, `Writer.code_block`); None for any
    other chunk. Most of the chunks that differ from one instance to the next are such blocks
    (a vector of another length: ``a = [0.5, 1, 2]``): the 1,000 instances of a 100-student
    exam of issue 17 parsed 199 chunks, 21 without them (40 ms of markdown-it less)."""
    if _NOT_CODE.search(chunk):
        return None
    lines = [line[4:] for line in chunk.split("\n")]
    if not all(line.strip() for line in lines):
        return None  # a blank line (first or last: convert splits at the others) is no code
    return w.code_block(lines)


@lru_cache(maxsize=4096)
def _chunk(chunk: str, fmt: str) -> str:
    """One chunk (text between blank lines) in the format `fmt`. Cached as it is: a chunk
    without Jinja in it (an explanation after the formulas) is the same in every instance."""
    w = _WRITERS[fmt]
    if not _has_markup(chunk):
        return w.paragraph(w.escape(chunk))
    code = _code_block(chunk, w)
    if code is not None:
        return code
    if _NUMBER_MARK in chunk or _LIST_NUMBER.search(chunk):
        return _written(chunk, fmt)
    number = _NUMBER_AFTER_MARK if "*-" in chunk or "\\-" in chunk else _NUMBER
    parts = number.split(chunk)  # text, number, text, ..., text
    if len(parts) == 1:
        return _written(chunk, fmt)
    out = _written(_NUMBER_MARK.join(parts[::2]), fmt).split(_NUMBER_MARK)
    if len(out) != len(parts) // 2 + 1:
        return _written(chunk, fmt)  # a number the parser dropped (a table row's extra cell)
    # the written text in place of the text between the numbers: a slice assignment, not a
    # zip of the two (a confusion-matrix solution's list of 25 numbers: 2.9 -> 0.6 us)
    parts[::2] = out
    return "".join(parts)


def convert(text: str, fmt: str, blocks: Sequence[str] = ()) -> str:
    """`text` in the output format `fmt` ('html', 'tex', 'text' or 'md'); a marker paragraph
    made by `Blocks.add` is replaced by its block from `blocks`."""
    if fmt == "md":
        return text
    out = []
    for chunk in _CHUNK_BREAK.split(text):
        chunk = chunk.strip("\n")
        if not chunk:
            continue
        marker = _BLOCK_RE.fullmatch(chunk.strip()) if blocks else None
        if marker and int(marker.group(1)) < len(blocks):
            out.append(blocks[int(marker.group(1))])
        else:
            out.append(_chunk(chunk, fmt))
    return _WRITERS[fmt].separator.join(out)


def md_to_html(text: str) -> str:
    """The Markdown subset to an HTML fragment; every character of text is escaped."""
    return convert(text, "html")


def md_to_tex(text: str) -> str:
    """The Markdown subset to a LaTeX fragment."""
    return convert(text, "tex")


def md_to_text(text: str) -> str:
    """The Markdown subset to plain terminal text: the marks of emphasis and code dropped."""
    return convert(text, "text")


def plain_table(fmt: str, rows: Rows, header: Sequence[str] | None) -> str:
    """A table of plain cells in `fmt`: a ruled grid in text, a pipe table in md, escaped
    cells in html and tex (the same layout as a pipe table's)."""
    if fmt == "text":
        return _grid_table(header, rows)
    if fmt == "md":
        return _pipe_table(header, rows)
    escape = html.escape if fmt == "html" else _WRITERS[fmt].escape  # see the html Writer
    head = [escape(c) for c in header] if header is not None else None
    return _WRITERS[fmt].table(head, [[escape(c) for c in r] for r in rows])
