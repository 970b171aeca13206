"""Reading the options students pick: one letter for a choice part, a set for a choices part.

Letters are A onwards, in the order the options are shown; case, brackets and an 'option'
prefix are accepted ('b', '(B)', 'option B'), and a digit, a word or a letter past the last
option is refused with a message that says which letters there are.
"""

from __future__ import annotations

import re

from grader.judge.parse_common import (
    CLOSERS,
    DIGITS,
    OPENERS,
    Problem,
    char_problem,
    read_answer,
    unexpected,
)

__all__ = ["parse_choice", "parse_choices"]

_MAX_CHOICE_CHARS = 200  # characters after stripping: bounds the work on any input

_OPTION_PREFIX_RE = re.compile(r"option\s+", re.IGNORECASE)
_CHOICE_RE = re.compile(
    r"(?:option\s+)?(?:\(\s*([A-Za-z])\s*\)|\[\s*([A-Za-z])\s*\]|([A-Za-z])\s*[).]?)",
    re.IGNORECASE,
)


# Words that describe a selection instead of listing it ('none' would read as N, O, N, E).
_SELECTION_WORDS = frozenset({"none", "nothing", "neither", "all", "both"})


def _check_options(n_options: int) -> str:
    """Validate the number of options of a question (a template bug if wrong); the last letter."""
    if isinstance(n_options, bool) or not isinstance(n_options, int) or not 1 <= n_options <= 26:
        raise ValueError(f"n_options must be an int from 1 to 26, got {n_options!r}")
    return chr(ord("A") + n_options - 1)


def _no_such_option(letter: str, last: str, at: int) -> Problem:
    """The problem for an option letter past the last one."""
    if last == "A":
        return Problem(f"there is no option {letter.upper()}; the only option is A", at)
    return Problem(f"there is no option {letter.upper()}; the options are A to {last}", at)


def _option_char_problem(text: str, i: int, lo: int, hi: int, many: bool) -> Problem:
    """Explain a character that cannot be part of an option answer."""
    if text[i] in DIGITS:
        what = "the letters of the options, not their numbers" if many else (
            "the letter of the option, not its number")
        return Problem(f"give {what}", i)
    return char_problem(text, text, i, lo, hi, in_number=False)


def parse_choice(text: str, n_options: int) -> int:
    """Read one option letter ('B', 'b', '(B)', 'B)', 'B.', '[B]', 'option B'): a 0-based index.

    `n_options` (1 to 26) is the number of options of the question; the letters are A onwards.
    """
    last = _check_options(n_options)
    prefix = "Could not read the answer as an option"
    return read_answer(text, prefix, _MAX_CHOICE_CHARS, "the answer is empty", _choice,
                       n_options, last)


def _choice(text: str, lo: int, hi: int, n_options: int, last: str) -> int:
    """`parse_choice` past the shared lead-in (`read_answer`): the answer is text[lo:hi]."""
    m = _CHOICE_RE.fullmatch(text, lo, hi)
    if m is not None:
        index = m.lastindex or 1
        letter = m.group(index)
        option = ord(letter.upper()) - ord("A")
        if option >= n_options:
            raise _no_such_option(letter, last, m.start(index))
        return option
    raise _diagnose_choice(text, lo, hi, n_options, last)


def _diagnose_choice(text: str, lo: int, hi: int, n_options: int, last: str) -> Problem:
    """Explain why `text` is not one option (the fast regular expression did not match)."""
    letters: list[int] = []
    runs: list[tuple[int, int]] = []
    prefix = _OPTION_PREFIX_RE.match(text, lo, hi)
    start = i = lo if prefix is None else prefix.end()
    while i < hi:
        ch = text[i]
        if ch.isascii() and ch.isalpha():
            j = i
            while j < hi and text[j].isascii() and text[j].isalpha():
                j += 1
            runs.append((i, j))
            letters.extend(range(i, j))
            i = j
        elif ch.isspace() or ch in "()[].,;&/":
            i += 1
        else:
            return _option_char_problem(text, i, lo, hi, many=False)
    in_range = {p for p in letters if ord(text[p].upper()) - ord("A") < n_options}
    if len(letters) >= 2 and len(in_range) == len(letters):
        return Problem("give one option only", letters[1])
    for r0, r1 in runs:
        if r1 - r0 >= 3:
            return Problem(f"expected the letter of one option, A to {last}", r0)
    for p in letters:
        if p not in in_range:
            return _no_such_option(text[p], last, p)
    if not letters:
        return Problem(f"expected the letter of one option, A to {last}", lo)
    for p in range(start, hi):
        if not text[p].isspace() and p != letters[0]:
            return Problem(unexpected(text[p]), p, "Write just the letter, e.g. B.")
    return Problem(f"expected the letter of one option, A to {last}", lo)  # pragma: no cover


def parse_choices(text: str, n_options: int) -> frozenset[int]:
    """Read a set of option letters ('A, C', 'A C', 'AC', '{A, C}', '[A, C]'): 0-based indices.

    Repeated letters are allowed (the answer is a set); at least one option must be given.
    """
    last = _check_options(n_options)
    prefix = "Could not read the answer as a set of options"
    return read_answer(text, prefix, _MAX_CHOICE_CHARS, "no option was given", _choices,
                       n_options, last)


def _choices(text: str, lo: int, hi: int, n_options: int, last: str) -> frozenset[int]:
    """`parse_choices` past the shared lead-in (`read_answer`): the answer is text[lo:hi]."""
    a, b = lo, hi
    first, final = text[lo], text[hi - 1]
    if first in "{[(":
        if hi - lo < 2 or final != OPENERS[first]:
            if hi - lo >= 2 and final in "}])":
                raise Problem(f"the '{first}' is closed by '{final}'", hi - 1)
            raise Problem(f"the '{first}' is never closed", lo)
        a, b = lo + 1, hi - 1
    elif final in "}])":
        raise Problem(f"the '{final}' has no matching '{CLOSERS[final]}'", hi - 1)
    chosen: set[int] = set()
    i = a
    while i < b:
        ch = text[i]
        if ch.isspace() or ch in ",;":
            i += 1
            continue
        if not (ch.isascii() and ch.isalpha()):
            raise _option_char_problem(text, i, a, b, many=True)
        j = i
        while j < b and text[j].isascii() and text[j].isalpha():
            j += 1
        if text[i:j].lower() in ("and", "or"):
            raise Problem(f"'{text[i:j]}' is not an option", i,
                          "Give only the letters, e.g. A, C.")
        if text[i:j].lower() in _SELECTION_WORDS:
            raise Problem(f"'{text[i:j]}' is not an option", i, "Give the letters of the "
                          "options you choose, e.g. A, C.")
        for p in range(i, j):
            option = ord(text[p].upper()) - ord("A")
            if option >= n_options:
                raise _no_such_option(text[p], last, p)
            chosen.add(option)
        i = j
    if not chosen:
        raise Problem("no option was given", lo)
    return frozenset(chosen)
