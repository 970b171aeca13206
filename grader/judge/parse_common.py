"""What every answer parser shares: the problem a scanner reports, and how it is shown.

A scanner raises `Problem` (what is wrong, where, a hint); each public parser turns it into a
`questionbank.errors.AnswerError` with its own prefix (`fail`). The helpers here find the text
between surrounding whitespace, bound its length before anything is scanned, read the Unicode
minus as '-', and explain a character that does not belong ("a comma is not accepted in a
number", an invisible character named by its Unicode name). Internal to `grader.judge`'s
parsers: the public API is `grader.judge.parse`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from questionbank.errors import AnswerError

T = TypeVar("T")

__all__ = [
    "CLOSERS",
    "DIGITS",
    "NOT_A_CALCULATION",
    "OPENERS",
    "Problem",
    "bounds",
    "char_problem",
    "check_length",
    "fail",
    "normalized",
    "read_answer",
    "scan_digits",
    "skip_space",
    "unexpected",
]

# The Unicode minus sign and the en dash are what word processors and some keyboards produce for
# '-'; they are read as '-' (one character for one, so positions do not move).
_MINUS_MAP = str.maketrans({"\u2212": "-", "\u2013": "-"})

OPENERS = {"[": "]", "(": ")", "{": "}"}
CLOSERS = {"]": "[", ")": "(", "}": "{"}
DIGITS = "0123456789"
NOT_A_CALCULATION = "Give the value itself, not a calculation."


class Problem(Exception):
    """What is wrong (a phrase, no final period), where (an index into the text), and a hint.

    Scanners raise it; the public functions turn it into an `AnswerError` with their own
    prefix, so the same reason reads well for a number, a vector entry or a matrix entry.
    """

    def __init__(self, reason: str, position: int, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position
        self.hint = hint


def bounds(text: str) -> tuple[int, int]:
    """The [start, end) indices of `text` without its surrounding whitespace."""
    stripped = text.lstrip()
    start = len(text) - len(stripped)
    return start, start + len(stripped.rstrip())


def normalized(text: str) -> str:
    """`text` with the Unicode minus and en dash read as '-' (same length, same positions)."""
    if "\u2212" in text or "\u2013" in text:
        return text.translate(_MINUS_MAP)
    return text


def fail(prefix: str, problem: Problem, text: str) -> AnswerError:
    """The student-facing error for `problem` found in `text`."""
    return AnswerError(f"{prefix}: {problem.reason}.", text, problem.position, problem.hint)


def read_answer(text: str, prefix: str, limit: int, empty: str,
                body: Callable[..., T], *args: Any) -> T:
    """The lead-in every parser of an answer shares: refuse an over-long answer, call an empty
    one `empty`, run ``body(text, lo, hi, *args)`` on the text without its surrounding
    whitespace (``text[lo:hi]``), and turn a `Problem` it finds into the student-facing
    `AnswerError` (``prefix: reason.`` with a caret)."""
    lo, hi = bounds(text)
    check_length(prefix, text, lo, hi, limit)
    try:
        if lo == hi:
            raise Problem(empty, 0)
        return body(text, lo, hi, *args)
    except Problem as problem:
        raise fail(prefix, problem, text) from None


def check_length(prefix: str, text: str, start: int, end: int, limit: int) -> None:
    """Refuse an answer longer than `limit` before any scanning, so the work stays bounded."""
    if end - start > limit:
        raise AnswerError(
            f"{prefix}: it is too long ({end - start} characters; at most {limit}).",
            text,
            start + limit,
        )


def _char_label(ch: str) -> str:
    """A character's Unicode name and code point, e.g. 'ZERO WIDTH SPACE, U+200B'."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, None)
    if name is None and unicodedata.category(ch) == "Cc":
        name = "control character"
    return f"{name}, {code}" if name else code


def unexpected(ch: str) -> str:
    """'unexpected 'x'' for a character, naming it when it is not plain ASCII."""
    if ch.isascii() and ch.isprintable():
        return f"unexpected '{ch}'"
    if ch.isprintable():
        return f"unexpected '{ch}' ({_char_label(ch)})"
    return f"unexpected character ({_char_label(ch)})"


def _word_at(t: str, i: int, hi: int) -> str:
    """The run of letters starting at index `i` (a problem is always found at a word's start:
    the scanners stop at the first letter that is not an exponent's 'e')."""
    end = i + 1
    while end < hi and t[end].isalpha():
        end += 1
    return t[i:end]


def char_problem(
    text: str, t: str, i: int, lo: int, hi: int, in_number: bool = True
) -> Problem:
    """Explain why the character at `i` does not belong here.

    Invisible characters are named (they cannot be seen in the caret line) and other digit
    systems get a pointer to 0-9. Inside a number (`in_number`), words such as nan or true,
    hexadecimal, commas and underscores get their own message and a hint at the notation to use.
    """
    ch = text[i]
    if ch.isdigit():  # includes other scripts' digits, full-width and superscript digits
        if ch.isascii():
            return Problem(unexpected(ch), i)
        return Problem(f"'{ch}' ({_char_label(ch)}) is not an ordinary digit; "
                       "use the digits 0-9", i)
    category = unicodedata.category(ch)
    if category == "Cf" or (category == "Cc" and not ch.isspace()):
        return Problem(
            f"it contains an invisible character ({_char_label(ch)})",
            i,
            "Delete it (it may have been copied along with the answer) and type the answer again.",
        )
    if not in_number:
        return Problem(unexpected(ch), i)
    if ch.isalpha():
        word = _word_at(t, i, hi)
        lowered = word.lower()
        if lowered in ("nan", "inf", "infinity"):
            return Problem("it is not a finite number", i)
        if lowered in ("true", "false"):
            return Problem(f"'{word}' is not a number", i)
        if ch in "xX" and i - 1 >= lo and t[i - 1] == "0" and (i - 1 == lo or t[i - 2] in "+-"):
            return Problem("hexadecimal is not accepted", i, "Write the number in decimal.")
        return Problem(unexpected(ch), i, "Give only the number, without units or words.")
    if ch == ",":
        return Problem(
            "a comma is not accepted in a number",
            i,
            "Use a decimal point, e.g. 0.615, and no thousands separators.",
        )
    if ch == "_":
        return Problem("underscores are not accepted", i, "Write the digits without separators.")
    if ch == "\u221e":
        return Problem("it is not a finite number", i)
    if ch in "^*\u00d7":
        return Problem(unexpected(ch), i, "Write powers of ten with e, e.g. 6.15e-1.")
    if ch in "()[]+-":
        return Problem(unexpected(ch), i, NOT_A_CALCULATION)
    return Problem(unexpected(ch), i)



def skip_space(t: str, i: int, hi: int) -> int:
    """The first index at or after `i` that is not whitespace (or `hi`)."""
    while i < hi and t[i].isspace():
        i += 1
    return i


def scan_digits(t: str, i: int, hi: int) -> int:
    """The end of the run of ASCII digits starting at `i`."""
    while i < hi and t[i] in DIGITS:
        i += 1
    return i

