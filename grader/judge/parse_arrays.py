"""Reading the arrays students type: vectors, matrices, and shapes (the sizes of an array).

A vector is a row of numbers ('[2, 0, 4.5]', '2 0 4.5'); a matrix a list of rows of the same
length ('[[1, 2], [3, 4]]', '1 2; 3 4', one row per line); every entry is read by the number
grammar of `grader.judge.parse_numbers`. A shape is a list of positive sizes or names ('3x4',
'(3, 4)', 'n x m'). Brackets must pair up, and anything that could be read two ways is refused.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator

from grader.judge.parse_common import (
    CLOSERS,
    DIGITS,
    OPENERS,
    Problem,
    char_problem,
    normalized,
    read_answer,
    scan_digits,
    skip_space,
    unexpected,
)
from grader.judge.parse_numbers import ParsedNumber, read_number

__all__ = ["parse_matrix", "parse_shape", "parse_vector", "plain_vector_values"]

# Length limits (characters, after stripping surrounding whitespace): they bound the work done
# on any input, whatever it contains.
_MAX_SHAPE_CHARS = 200
_MAX_ARRAY_CHARS = 20_000

_MAX_ENTRIES = 10_000  # vector / matrix entries in total
_MAX_DIM = 10**9
_MAX_DIMS = 8
_MAX_NAME_CHARS = 20

_NON_SPACE_RE = re.compile(r"\S+")
_VECTOR_STRUCTURE_RE = re.compile(r"[\[\]();\n\r]")
_BRACKET_RE = re.compile(r"[\[\]()]")
_ROW_SEPARATOR_RE = re.compile(r"\s*(?:;|\r\n?|\n)\s*")
_ROW_GAP_RE = re.compile(r"\s*[,;]?\s*")
# 'nxm', 'Nx3', 'dxdxk': one letter or a number on each side of an 'x' -- could be one name or
# several dimensions, so it is refused with a hint to add spaces.
_AMBIGUOUS_SHAPE_WORD_RE = re.compile(r"(?:[A-Za-z]|[0-9]+)(?:[xX](?:[A-Za-z]|[0-9]+))+")
_X_THEN_NUMBER_RE = re.compile(r"[xX][0-9]+")
# A comma between two digits where entries are also split by spaces, ';' or ', ' ('0,5 1,2',
# '[1,5, 2,5]'): decimal commas, which could be read two ways.
_DIGIT_COMMA_DIGIT_RE = re.compile(r"[0-9],[0-9]")
_OTHER_SEPARATOR_RE = re.compile(r"[0-9.]\s+[0-9.+-]|;|,\s")
# The usual spelling of a vector ('[7.5, 2, 61/9]'): decimals of at most 30 characters and
# fractions of whole numbers, separated by a comma and at least one space or tab (so that no
# comma can be a decimal comma), in one pair of brackets or none (`plain_vector_values`).
_PLAIN_ENTRY = r"[+-]?(?:[0-9]{1,14}(?:\.[0-9]{0,14})?|[0-9]{1,30}/[0-9]{1,30})"
_PLAIN_ROW = rf"{_PLAIN_ENTRY}(?:[ \t]*,[ \t]+{_PLAIN_ENTRY})*"
_PLAIN_VECTOR_RE = re.compile(
    rf"\[[ \t]*{_PLAIN_ROW}[ \t]*\]|\([ \t]*{_PLAIN_ROW}[ \t]*\)|{_PLAIN_ROW}")
_MAX_PLAIN_VECTOR = 2000
# The usual spelling of a shape, '3x4' or '5': up to `_MAX_DIMS` sizes below `_MAX_DIM`
# joined by single x's, nothing around them (`_plain_shape`).
_PLAIN_SHAPE_RE = re.compile(r"[0-9]{1,9}(?:[xX][0-9]{1,9}){0,7}")


# --------------------------------------------------------------------------------------------
# vectors and matrices


def _entry_spans(t: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split t[a:b] into entries: at commas if there is one, else at whitespace.

    With commas each entry is stripped and may be empty (an error for the caller to report);
    with whitespace only, entries are the runs of non-space characters.
    """
    if t.find(",", a, b) < 0:
        return [m.span() for m in _NON_SPACE_RE.finditer(t, a, b)]
    spans = []
    start = a
    for piece in t[a:b].split(","):
        stripped = piece.lstrip()
        s0 = start + len(piece) - len(stripped)
        spans.append((s0, s0 + len(stripped.rstrip())))
        start += len(piece) + 1
    return spans


def _row(
    text: str, t: str, spans: list[tuple[int, int]], first_entry: int, where: str
) -> tuple[ParsedNumber, ...]:
    """Parse the entries of one row; a problem is reported as '<where>entry k: <reason>'."""
    if first_entry + len(spans) > _MAX_ENTRIES:
        raise Problem(f"it has more than {_MAX_ENTRIES} entries",
                      spans[_MAX_ENTRIES - first_entry][0])
    entries = []
    for k, (s0, s1) in enumerate(spans, 1):
        if s0 == s1:
            raise Problem(f"{where}entry {k} is empty", s0)
        try:
            entries.append(read_number(text, t, s0, s1))
        except Problem as problem:
            problem.reason = f"{where}entry {k}: {problem.reason}"
            if problem.hint is None and t[s0] in "%/":
                problem.hint = "In a list of numbers, write 61.5% and 8/13 without spaces."
            raise
    return tuple(entries)


def _check_decimal_commas(t: str, a: int, b: int) -> None:
    """Refuse decimal commas ('0,5 1,2', '[0,5; 1,2]') with the decimal-point hint, before
    the commas are taken as entry separators."""
    m = _DIGIT_COMMA_DIGIT_RE.search(t, a, b)
    if m is not None and _OTHER_SEPARATOR_RE.search(t, a, b):
        raise Problem("a comma is not accepted in a number", m.start() + 1,
                      "Use a decimal point, e.g. 0.5, and separate entries with spaces or ', '.")


def _unwrap(t: str, lo: int, hi: int) -> tuple[int, int]:
    """If t[lo:hi] is in one pair of brackets [..] or (..), the region inside it; else as is.

    Only the first and last characters are looked at: whether the brackets between them pair up
    is the caller's business.
    """
    first, last = t[lo], t[hi - 1]
    if first in "[(":
        if hi - lo >= 2 and last == OPENERS[first]:
            return lo + 1, hi - 1
        if hi - lo >= 2 and last in ")]":
            raise Problem(f"the '{first}' is closed by '{last}'", hi - 1)
        raise Problem(f"the '{first}' is never closed", lo)
    if last in ")]":
        raise Problem(f"the '{last}' has no matching '{CLOSERS[last]}'", hi - 1)
    return lo, hi


def parse_vector(text: str) -> tuple[ParsedNumber, ...]:
    """Read a vector: '[2, 0, 4.5]', '(2, 0, 4.5)', '2 0 4.5' or '2,0,4.5'.

    Entries are separated by commas when there is a comma, else by spaces; each entry is a
    number as for `parse_number`. Anything that looks like a matrix is refused.
    """
    prefix = "Could not read the answer as a vector"
    return read_answer(text, prefix, _MAX_ARRAY_CHARS, "the vector is empty", _vector)


def _vector(text: str, lo: int, hi: int) -> tuple[ParsedNumber, ...]:
    """`parse_vector` past the shared lead-in (`read_answer`): the answer is text[lo:hi]."""
    t = normalized(text)
    _check_decimal_commas(t, lo, hi)
    a, b = _unwrap(t, lo, hi)
    m = _VECTOR_STRUCTURE_RE.search(t, a, b)
    if m is not None:
        for i in range(m.start(), b):
            if t[i] in "[(;\n\r":
                raise Problem("this looks like a matrix", i, "Give a single row of numbers.")
        ch = m.group()
        raise Problem(f"the '{ch}' has no matching '{CLOSERS[ch]}'", m.start())
    spans = _entry_spans(t, a, b)
    if not spans:
        raise Problem("the vector is empty", lo)
    return _row(text, t, spans, 0, "")


def plain_vector_values(text: str) -> list[float] | None:
    """The values of a vector written the usual way (`_PLAIN_VECTOR_RE`: '[7.5, 2, 61/9]'),
    exactly those of `parse_vector`'s entries; None for any other text (which `parse_vector`
    reads or explains), or a zero denominator.

    The judge reads a right vector's values only, not how precisely each entry was typed:
    a vector of 8 entries took 13 us through `parse_vector`, 3 us here. A decimal's value is
    the float nearest to it either way (``float`` and the exact division of `parse_vector`
    both round correctly), and ``-0`` is read as 0.0 as there."""
    if len(text) > _MAX_PLAIN_VECTOR or _PLAIN_VECTOR_RE.fullmatch(text) is None:
        return None
    if text[0] in "[(":
        text = text[1:-1]
    values = []
    for entry in text.split(","):
        if "/" in entry:
            top, bottom = entry.split("/")
            denominator = int(bottom)
            if not denominator:
                return None
            values.append(int(top) / denominator)  # int / int: correctly rounded
        else:
            values.append(float(entry) + 0.0)  # (+ 0.0: -0.0 is 0.0)
    return values


def _bracket_pairs(t: str, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """The matched bracket pairs in t[lo:hi] as (open, close, depth), depth 0 outermost.

    Refuses unbalanced or mismatched brackets and nesting deeper than two levels.
    """
    stack: list[int] = []
    pairs: list[tuple[int, int, int]] = []
    for m in _BRACKET_RE.finditer(t, lo, hi):
        ch, pos = m.group(), m.start()
        if ch in "[(":
            stack.append(pos)
            if len(stack) > 2:
                raise Problem("the brackets are nested more than two deep", pos,
                              "Write a matrix as [[1, 2], [3, 4]] or 1 2; 3 4.")
            continue
        if not stack:
            raise Problem(f"the '{ch}' has no matching '{CLOSERS[ch]}'", pos)
        opened = stack.pop()
        if OPENERS[t[opened]] != ch:
            raise Problem(f"the '{t[opened]}' is closed by '{ch}'", pos)
        pairs.append((opened, pos, len(stack)))
    if stack:
        raise Problem(f"the '{t[stack[-1]]}' is never closed", stack[-1])
    pairs.sort()
    return pairs


def _rows_in_brackets(
    text: str, t: str, groups: list[tuple[int, int]], a: int, b: int
) -> list[tuple[int, int]]:
    """Check that t[a:b] holds only the bracketed rows `groups` and separators between them."""
    gaps = [(a, groups[0][0])]
    gaps += [(groups[k][1] + 1, groups[k + 1][0]) for k in range(len(groups) - 1)]
    gaps.append((groups[-1][1] + 1, b))
    for k, (g0, g1) in enumerate(gaps):
        m = _ROW_GAP_RE.match(t, g0, g1)
        end = m.end() if m is not None else g0
        if end < g1:
            ch = t[end]
            if ch in ",;":
                raise Problem(f"row {k + 1} is empty", end)
            if ch in "0123456789.+-":
                raise Problem("every row must be in brackets", end,
                              "Write for example [[1, 2], [3, 4]].")
            raise char_problem(text, t, end, a, b, in_number=False)
        if k in (0, len(gaps) - 1):  # a separator before the first row or after the last
            separator = skip_space(t, g0, g1)
            if separator < g1:
                raise Problem(f"row {k + 1} is empty", separator)
    rows = []
    for k, (o, c) in enumerate(groups, 1):
        semicolon = t.find(";", o, c)
        if semicolon >= 0:
            raise Problem(f"row {k} contains ';'", semicolon,
                          "Separate the rows with brackets, e.g. [[1, 2], [3, 4]].")
        rows.append((o + 1, c))
    return rows


def _flat_rows(t: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split t[a:b] (no brackets) into rows at ';' or line breaks."""
    rows = []
    start = a
    for m in _ROW_SEPARATOR_RE.finditer(t, a, b):
        rows.append((start, m.start()))
        start = m.end()
    rows.append((start, b))
    return rows


def parse_matrix(text: str) -> tuple[tuple[ParsedNumber, ...], ...]:
    """Read a matrix: '[[1, 2], [3, 4]]', '1 2; 3 4', '[1 2; 3 4]' or one row per line.

    Every row must have the same number of entries; entries are numbers as for `parse_number`.
    """
    prefix = "Could not read the answer as a matrix"
    return read_answer(text, prefix, _MAX_ARRAY_CHARS, "the matrix is empty", _matrix)


def _matrix(text: str, lo: int, hi: int) -> tuple[tuple[ParsedNumber, ...], ...]:
    """`parse_matrix` past the shared lead-in (`read_answer`): the answer is text[lo:hi]."""
    t = normalized(text)
    pairs = _bracket_pairs(t, lo, hi)
    outer = [(o, c) for o, c, depth in pairs if depth == 0]
    inner = [(o, c) for o, c, depth in pairs if depth == 1]
    wrapped = len(outer) == 1 and outer[0] == (lo, hi - 1)
    if wrapped and inner:
        rows = _rows_in_brackets(text, t, inner, lo + 1, hi - 1)
    elif wrapped:
        rows = _flat_rows(t, lo + 1, hi - 1)
    elif inner and len(outer) > 1:
        raise Problem("put the whole matrix in one pair of brackets", outer[1][0],
                      "Write for example [[1, 2], [3, 4]].")
    elif inner:  # one pair with rows inside, and something before or after it
        (o, c), = outer
        outside = lo if o > lo else skip_space(t, c + 1, hi)
        raise Problem("everything must be inside the matrix's brackets", outside,
                      "Write for example [[1, 2], [3, 4]].")
    elif outer:
        rows = _rows_in_brackets(text, t, outer, lo, hi)
    else:
        rows = _flat_rows(t, lo, hi)
    result = []
    width = 0
    total = 0
    for k, (r0, r1) in enumerate(rows, 1):
        spans = _entry_spans(t, r0, r1)
        if not spans:
            if len(rows) == 1:
                raise Problem("the matrix is empty", lo)
            raise Problem(f"row {k} is empty", r0)
        if k == 1:
            width = len(spans)
        elif len(spans) != width:
            count = f"{len(spans)} entr{'y' if len(spans) == 1 else 'ies'}"
            raise Problem(f"row {k} has {count}, row 1 has {width}", spans[0][0],
                          "Every row must have the same number of entries.")
        where = f"row {k}, " if len(rows) > 1 else ""
        result.append(_row(text, t, spans, total, where))
        total += len(spans)
    return tuple(result)


# --------------------------------------------------------------------------------------------
# shapes


def parse_shape(text: str) -> tuple[int | str, ...]:
    """Read an array shape: '3x4', '3 x 4', '3×4', '3 by 4', '(3, 4)', '5', '(5,)', 'n x m'.

    A dimension is a positive integer up to 10**9 or a name such as n or d_model. Spellings that
    could be one name or several dimensions ('nxm') are refused with a hint to add spaces.
    """
    if _PLAIN_SHAPE_RE.fullmatch(text):
        dims = _plain_shape(text)
        if dims is not None:
            return dims
    prefix = "Could not read the answer as a shape"
    return read_answer(text, prefix, _MAX_SHAPE_CHARS, "the shape is empty", _shape)


def _plain_shape(text: str) -> tuple[int, ...] | None:
    """The sizes of a shape written as `_PLAIN_SHAPE_RE` ('237x461'), as `_scan_shape` reads
    them; None if a size is 0 (which the scan explains). Reading '237x461' took 2.2 us through
    the scan, 0.7 us here."""
    dims = tuple(map(int, text.replace("X", "x").split("x")))
    return None if 0 in dims else dims


def _shape(text: str, lo: int, hi: int) -> tuple[int | str, ...]:
    """`parse_shape` past the shared lead-in (`read_answer`): the answer is text[lo:hi]."""
    return _scan_shape(text, normalized(text), lo, hi)



#: a dimension (a size or a name) or, as None, a separator ('x', 'by', ',', '×'), and its index
_ShapeToken = tuple[int | str | None, int]


def _scan_shape(text: str, t: str, lo: int, hi: int) -> tuple[int | str, ...]:
    """Scan the shape in t[lo:hi] (stripped, non-empty); raise `Problem` if it is invalid.

    Dimensions and separators must alternate; a trailing separator is allowed only as the
    comma of a bracketed 1-tuple, '(5,)'. The tokens are checked as they are read, so the
    first problem from the left is the one reported.
    """
    a, b = _unwrap(t, lo, hi)
    dims: list[int | str] = []
    expect_dim = True
    separator_at = lo
    for dim, at in _shape_tokens(text, t, a, b):
        if dim is None:
            if expect_dim:
                raise Problem(f"a dimension is missing before '{text[at]}'", at)
            expect_dim, separator_at = True, at
            continue
        if not expect_dim:
            raise Problem("the dimensions must be separated by 'x'", at, "Write for example 3x4.")
        if len(dims) == _MAX_DIMS:
            raise Problem(f"a shape has at most {_MAX_DIMS} dimensions", at)
        dims.append(dim)
        expect_dim = False
    if expect_dim:
        if not dims:
            raise Problem("the shape is empty", lo)
        separator = text[separator_at]
        if not (a > lo and separator == ","):
            raise Problem(f"a dimension is missing after '{separator}'", separator_at)
    return tuple(dims)


def _shape_tokens(text: str, t: str, a: int, b: int) -> Iterator[_ShapeToken]:
    """The dimensions and separators of t[a:b], left to right; raise `Problem` at a character
    that is neither."""
    i = a
    while i < b:
        ch = t[i]
        if ch.isspace():
            i += 1
        elif ch in DIGITS:
            i = yield from _shape_size(text, t, i, b)
        elif ch.isascii() and ch.isalpha():
            token, i = _shape_word(t, i, b)
            yield token
        elif ch in ",\u00d7":
            yield None, i
            i += 1
        else:
            raise _shape_char_problem(text, t, i, a, b)


def _shape_size(text: str, t: str, i: int, b: int) -> Generator[_ShapeToken, None, int]:
    """The size starting at `i`, then the 'x' right after it (3x4, 3xn); returns where the
    scan goes on. What follows the size is looked at only once the size is taken."""
    j = scan_digits(t, i, b)
    if j < b and t[j] == ".":
        raise Problem("dimensions must be whole numbers", i)
    size = int(t[i:j]) if j - i <= 10 else _MAX_DIM + 1
    if size == 0:
        raise Problem("dimensions must be positive", i)
    if size > _MAX_DIM:
        raise Problem(f"a dimension can be at most {_MAX_DIM}", i)
    yield size, i
    if j < b and t[j] in "xX":
        if j + 1 < b and t[j + 1] in "xX":
            raise Problem(unexpected(text[j + 1]), j + 1, "Write for example 3x4.")
        yield None, j
        return j + 1
    if j < b and (t[j].isalpha() or t[j] == "_"):
        raise Problem(unexpected(text[j]), j, "Separate the dimensions with x, e.g. 3x4.")
    return j


def _shape_word(t: str, i: int, b: int) -> tuple[_ShapeToken, int]:
    """The word starting at `i`: a separator ('x', 'by'), an 'x' and a size ('x4'), or a
    dimension's name; and where to go on."""
    j = i + 1
    while j < b and (t[j].isascii() and (t[j].isalnum() or t[j] == "_")):
        j += 1
    word = t[i:j]
    if word in ("x", "X") or word.lower() == "by":
        return (None, i), j
    if _X_THEN_NUMBER_RE.fullmatch(word):  # x4: a separator, then a number
        return (None, i), i + 1
    if _AMBIGUOUS_SHAPE_WORD_RE.fullmatch(word):
        spaced = " ".join(re.split(r"([xX])", word))
        raise Problem(f"'{word}' could be one name or several dimensions", i,
                      f"Write {spaced} with spaces around the x.")
    if len(word) > _MAX_NAME_CHARS:
        raise Problem(f"a dimension name has at most {_MAX_NAME_CHARS} characters", i)
    return (word, i), j


def _shape_char_problem(text: str, t: str, i: int, a: int, b: int) -> Problem:
    """Explain a character that cannot start a dimension or a separator."""
    ch = t[i]
    if ch == "*":
        return Problem("'*' is not accepted here", i, "Write the shape as 3x4.")
    if ch == "-" and i + 1 < b and t[i + 1] in DIGITS:
        return Problem("dimensions must be positive", i)
    if ch in "[(":
        return Problem(f"unexpected '{ch}'", i, "Write for example (3, 4) or 3x4.")
    if ch in ")]":
        return Problem(f"the '{ch}' has no matching '{CLOSERS[ch]}'", i)
    return char_problem(text, t, i, a, b, in_number=False)
