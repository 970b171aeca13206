"""The maths in template text, typeset as maths in LaTeX.

Template texts write maths as plain Unicode text (``Y = X Wᵀ + b``, ``1/(1 − p)``,
``∂L/∂W``), which reads well in a terminal and in HTML. In LaTeX, `tex_math_text` finds the
formulas in such a text and writes each in math mode: variables in italic, ``Wᵀ`` as
``W^{\\top}``, ``xᵢⱼ`` as ``x_{ij}``, a proper minus sign, ``a/b`` as ``\\frac{a}{b}`` when both
sides are simple (a number, a variable, ``∂x`` or a bracketed group), Greek letters and
operators as commands. The rest is escaped text (`questionbank.markup.tex_escape`).

What counts as maths, word by word (a word is what lies between spaces, its trailing
punctuation apart):

- a single letter other than ``a``, ``A`` and ``I`` (articles and the pronoun), or ``a`` next to
  an operator (``a = [...]``);
- a word holding a maths character (sub- or superscripts, Greek, ∂, ∇, ⊙, ·, ‖, ...) or a
  letter followed by brackets (``f(x)``, ``σ(z)``);
- operators (``=``, ``−``, ``+``, ``×``, ``≤``, ...) and numbers, between maths words.

A formula is a run of such words that holds a maths word; a run of numbers and operators alone
(``8/13``, ``2 + 2``) stays text. The result is always valid LaTeX: every character outside
letters, digits and the mapped symbols is escaped.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["tex_math_text"]

_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿᵗᴸᵏᵐᶠˣʳ", "0123456789+-=()intLkmfxr", strict=True))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv",
                strict=True))
#: Symbols inside a formula (without the ``$`` of `questionbank.markup.TEX_UNICODE`).
_SYMBOLS = {
    "−": "-", "×": r"\times ", "⊙": r"\odot ", "·": r"\cdot ", "≤": r"\le ", "≥": r"\ge ",
    "≠": r"\ne ", "≈": r"\approx ", "→": r"\rightarrow ", "←": r"\leftarrow ", "‖": r"\|",
    "∂": r"\partial ", "∑": r"\sum ", "Σ": r"\Sigma ", "∇": r"\nabla ", "∈": r"\in ",
    "ℝ": r"\mathbb{R}", "√": r"\surd ", "…": r"\ldots ", "±": r"\pm ", "∞": r"\infty ",
    "′": "'", "″": "''", "÷": r"\div ", "∝": r"\propto ", "⊤": r"\top ", "∏": r"\prod ",
    "∘": r"\circ ", "⊗": r"\otimes ", "ℓ": r"\ell ", "⌈": r"\lceil ", "⌉": r"\rceil ",
    "⌊": r"\lfloor ", "⌋": r"\rfloor ", "ŷ": r"\hat{y}", "<": "<", ">": ">", "=": "=",
    "+": "+", "-": "-", "/": "/", "*": "*", "(": "(", ")": ")", "[": "[", "]": "]",
    ",": ",", ".": ".", " ": " ", "'": "'", "!": "!", ":": ":", ";": ";", "|": "|",
    "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
    "_": r"\_", "~": r"\sim ", "^": r"\hat{}", "\\": r"\backslash ",
    **{g: "\\" + n + " " for g, n in zip(
        "αβγδεζηθκλμνξπρστφχψωΓΔΘΛΞΠΦΨΩ",
        ["alpha", "beta", "gamma", "delta", "varepsilon", "zeta", "eta", "theta", "kappa",
         "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
         "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Phi", "Psi", "Omega"], strict=True)},
}
#: Symbols that are operands (of a fraction) and carry sub- and superscripts.
_ATOM_SYMBOLS = frozenset("αβγδεζηθκλμνξπρστφχψωΓΔΘΛΞΠΦΨΩŷℝℓ∞Σ")
_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "ln": r"\ln", "max": r"\max", "min": r"\min",
              "tanh": r"\tanh", "sin": r"\sin", "cos": r"\cos"}
_MATH_CHARS = set(_SUP) | set(_SUB) | {"ᵀ", "\u0302"} | (
    set(_SYMBOLS) - set("<>=+-/*()[],. '!:;|{}%&#$_~^\\−…"))
_OPERATORS = {"=", "+", "−", "-", "×", "⊙", "·", "≤", "≥", "≠", "≈", "<", ">", "→", "←",
              "∈", "/", "±", "÷", "∝", "⇒"}
#: A word: the text between spaces, split from its trailing punctuation.
_WORD = re.compile(r"(\S+?)([,.;:?!]*)(?=\s|$)|(\s+)")
_NUMBER = re.compile("[-−]?[0-9\u017f]+(?:[.,][0-9\u017f]+)*")  # ſ: markup's number mark
#: A number as `questionbank.markup` sets numbers aside (each one a ``ſ`` mark while the text
#: is written): a formula must read the same either way.
_ATOM_NUMBER = re.compile("-?(?:[0-9]+(?:[.][0-9]+)?|\u017f)")
_DIGITS = frozenset("0123456789\u017f")
_FUNCTION_CALL = re.compile(r"[A-Za-z]{1,3}[(\[]|[A-Za-z]{3,7}\(")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _kind(word: str) -> str:
    """'math', 'op', 'num' or 'text' for one word (no spaces, no trailing punctuation)."""
    word = _ATOM_NUMBER.sub("\u017f", word)  # the same kind with numbers set aside or not
    if word in _OPERATORS:
        return "op"
    if _NUMBER.fullmatch(word):
        return "num"
    if len(word) == 1 and word in _LETTERS:
        return "text" if word in "aAI" else "math"
    core = word.strip("()[]")
    if not core or ("_" in core and any(ch.isascii() and ch.isalpha() for ch in core)):
        return "text"  # y_true, a_L: names as typed
    if any(ch in _MATH_CHARS for ch in word) or _FUNCTION_CALL.match(word.lstrip("([")):
        return "math"
    if len(core) == 1 and core in _LETTERS and core not in "aAI":
        return "math"  # (x) or p)
    if re.fullmatch(r"[\[(]*[-−]?[0-9\u017f.]+(?:/[\[(]*[-−]?[0-9\u017f.]+)?[\])]*", word):
        return "num"  # 1/(1 or 2)
    return "text"


def _runs(text: str) -> list[tuple[bool, str]]:
    """`text` split into (is_formula, piece) pieces, in order."""
    words: list[tuple[str, str]] = []  # (kind, text): spaces and punctuation are 'gap'/'punct'
    for match in _WORD.finditer(text):
        if match.group(3) is not None:
            words.append(("gap", match.group(3)))
            continue
        word, punct = match.group(1), match.group(2)
        if not word and punct:
            words.append(("punct", punct))
            continue
        words.append((_kind(word), word))
        if punct:
            words.append(("punct", punct))
    for i, (_, word) in enumerate(words):
        near = [words[j][0] for j in (i - 2, i + 2) if 0 <= j < len(words)]
        if word in ("a", "A") and "op" in near:  # `a` beside an operator is a variable
            words[i] = ("math", word)
        elif word == "x" and near == ["text", "text"]:  # rows x columns
            words[i] = ("text", word)
    pieces: list[tuple[bool, str]] = []
    i = 0
    while i < len(words):
        j, depth = i, 0
        while j < len(words) and (words[j][0] in ("math", "op", "num", "gap")
                                  or (depth > 0 and words[j][0] == "punct")):
            depth += sum(words[j][1].count(b) for b in "([") - sum(
                words[j][1].count(b) for b in ")]")
            j += 1
        run = words[i:j]
        # a formula starts and ends at a maths word or number, and holds a maths word
        while run and run[-1][0] in ("gap", "op"):
            run.pop()
        start = 0
        while start < len(run) and run[start][0] in ("gap", "op"):
            start += 1
        if any(k == "math" for k, _ in run[start:]):
            pieces.append((False, "".join(w for _, w in words[i:i + start])))
            pieces.append((True, "".join(w for _, w in run[start:])))
            pieces.append((False, "".join(w for _, w in words[i + len(run):j])))
            i = j
        else:
            pieces.append((False, "".join(w for _, w in words[i:max(j, i + 1)])))
            i = max(j, i + 1)
    return [p for p in pieces if p[1]]


def _scripts(text: str, i: int, table: dict[str, str]) -> tuple[str, int]:
    """The run of sub- or superscript characters at `text[i]`, as plain characters."""
    out = []
    while i < len(text) and text[i] in table:
        out.append(table[text[i]])
        i += 1
    return "".join(out), i


def _atoms(formula: str) -> list[tuple[str, str]]:
    """A formula as (kind, LaTeX) atoms: 'atom' (operand of a fraction), 'open', 'close',
    'slash' or 'other'."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(formula):
        ch = formula[i]
        if ch in _SUP or ch == "ᵀ" or ch in _SUB:
            table = _SUB if ch in _SUB else {**_SUP, "ᵀ": "T"}
            run, i = _scripts(formula, i, table)
            mark = "_" if table is _SUB else "^"
            body = r"\top" if run == "T" and mark == "^" else run
            if out and out[-1][0] == "atom":
                out.append(("atom", out.pop()[1] + f"{mark}{{{body}}}"))
            else:  # after a bracket or an operator: a script of its own
                out.append(("other", f"{{}}{mark}{{{body}}}"))
            continue
        if ch in _LETTERS:
            word = re.match("[A-Za-z]+", formula[i:]).group()  # type: ignore[union-attr]
            i += len(word)
            if word in _FUNCTIONS:
                out.append(("other", _FUNCTIONS[word] + " "))
            elif len(word) > 3:
                out.append(("other", r"\operatorname{" + word + "}"))
            else:
                out.append(("atom", word))
            if i < len(formula) and formula[i] == "\u0302":  # a combining circumflex: x̂
                out[-1] = ("atom", r"\hat{" + out[-1][1] + "}")
                i += 1
            continue
        # as in markup's number marks, an ASCII minus before a digit belongs to the number
        number = _ATOM_NUMBER.match(formula, i) if ch in _DIGITS or (
            ch == "-" and formula[i + 1:i + 2] in _DIGITS) else None
        if number:
            out.append(("atom", number.group()))
            i = number.end()
            continue
        i += 1
        if ch == " ":
            continue  # maths mode ignores spaces (and `x / y` is a fraction too)
        kind = {"(": "open", "[": "open", ")": "close", "]": "close", "/": "slash"}.get(
            ch, "atom" if ch in _ATOM_SYMBOLS else "other")
        out.append((kind, _SYMBOLS.get(ch, "?")))
    return out


def _fractions(atoms: list[tuple[str, str]]) -> str:
    """The formula's LaTeX, with ``x/y`` as ``\\frac{x}{y}`` when both sides are one operand:
    an atom, ``∂`` and an atom, or a bracketed group (written without its brackets)."""
    groups: list[list[tuple[str, str]]] = [[]]  # open brackets: each collects its items
    for kind, tex in atoms:
        if kind == "open":
            groups.append([(kind, tex)])
        elif kind == "close" and len(groups) > 1:
            inner = groups.pop()
            inner.append((kind, tex))
            _push(groups[-1], ("group", "".join(t for _, t in inner)))
        else:
            _push(groups[-1], (kind, tex))
    return "".join(t for group in groups for _, t in group)


def _push(items: list[tuple[str, str]], item: tuple[str, str]) -> None:
    """Append `item`: after ``∂`` it joins it; an operand after ``/`` makes a fraction."""
    if item[0] in ("atom", "group") and items and items[-1][1] == r"\partial ":
        item = ("atom", r"\partial " + items.pop()[1][len(r"\partial "):] + item[1])
    items.append(item)
    if len(items) >= 3 and items[-2][0] == "slash" and _operand(items[-3]) \
            and _operand(items[-1]):
        right, _, left = items.pop(), items.pop(), items.pop()
        _push(items, ("atom", rf"\frac{{{_bare(left)}}}{{{_bare(right)}}}"))


def _operand(item: tuple[str, str]) -> bool:
    return item[0] in ("atom", "group")


def _bare(item: tuple[str, str]) -> str:
    """An operand without its outer brackets (the fraction bar groups it)."""
    kind, tex = item
    return tex[1:-1] if kind == "group" and tex[:1] == "(" else tex


@lru_cache(maxsize=4096)
def tex_math_text(text: str) -> str:
    """Plain template text in LaTeX, its formulas in math mode (see the module docstring)."""
    from questionbank.markup import tex_escape

    out = []
    for formula, piece in _runs(text):
        if formula:
            out.append("$" + _fractions(_atoms(piece)).strip() + "$")
        else:
            out.append(tex_escape(piece))
    return re.sub(r"(?<!\\)\$\$", "{}", "".join(out))
