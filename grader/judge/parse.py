"""Parsers for the answers students type: numbers, integers, vectors, matrices, shapes, options.

Every parser reads untrusted text and either returns a value or raises
`questionbank.errors.AnswerError` with a short message for the student, the original text and the
index of the problem in it (so the message can show a caret). Nothing else escapes on any `str`:
the grammars are scanned with precompiled regular expressions and simple loops (never `eval`),
every input is bounded in length before it is scanned, and an answer that could mean two things
is refused rather than guessed.

The accepted notations are the contract of DESIGN.md section 3. The shared pattern of each
parser is a fast path (one regular expression for the common, valid forms) and a slow path that
scans the text character by character to find the *first* problem and explain it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import FrozenInstanceError
from fractions import Fraction
from typing import Any

from questionbank.errors import AnswerError

__all__ = [
    "ParsedNumber",
    "parse_choice",
    "parse_choices",
    "parse_integer",
    "parse_matrix",
    "parse_number",
    "parse_shape",
    "parse_vector",
]

# Length limits (characters, after stripping surrounding whitespace): they bound the work done
# on any input, whatever it contains.
_MAX_NUMBER_CHARS = 200
_MAX_INTEGER_CHARS = 100
_MAX_CHOICE_CHARS = 200
_MAX_SHAPE_CHARS = 200
_MAX_ARRAY_CHARS = 20_000

_MAX_ENTRIES = 10_000  # vector / matrix entries in total
_MAX_SIGFIGS = 30  # significant digits of a decimal
_MAX_FRACTION_DIGITS = 30  # digits of a fraction's numerator and of its denominator
_MAX_EXPONENT = 300  # |exponent| of 6.15e-1 notation
_MAX_INTEGER_DIGITS = 18
_MAX_DIM = 10**9
_MAX_DIMS = 8
_MAX_NAME_CHARS = 20
_MIN_NORMAL = 2.2250738585072014e-308  # smallest positive normal float (sys.float_info.min)

# The Unicode minus sign and the en dash are what word processors and some keyboards produce for
# '-'; they are read as '-' (one character for one, so positions do not move).
_MINUS_MAP = str.maketrans({"\u2212": "-", "\u2013": "-"})

# A decimal number: sign, digits with an optional point, optional exponent, optional percent.
_DECIMAL_RE = re.compile(
    r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?(?:[ \t]*(%))?"
)
# A fraction of two plain decimals, e.g. -8/13 or 0.5 / 2.
_FRACTION_RE = re.compile(
    r"([+-]?)([0-9]+)?(?:\.([0-9]*))?[ \t]*/[ \t]*([0-9]+)?(?:\.([0-9]*))?"
)
_INTEGER_RE = re.compile(r"[+-]?[0-9]{1,18}")
_NON_SPACE_RE = re.compile(r"\S+")
_VECTOR_STRUCTURE_RE = re.compile(r"[\[\]();\n\r]")
_BRACKET_RE = re.compile(r"[\[\]()]")
_ROW_SEPARATOR_RE = re.compile(r"\s*(?:;|\r\n?|\n)\s*")
_ROW_GAP_RE = re.compile(r"\s*[,;]?\s*")
_OPTION_PREFIX_RE = re.compile(r"option\s+", re.IGNORECASE)
_CHOICE_RE = re.compile(
    r"(?:option\s+)?(?:\(\s*([A-Za-z])\s*\)|\[\s*([A-Za-z])\s*\]|([A-Za-z])\s*[).]?)",
    re.IGNORECASE,
)
# 'nxm', 'Nx3', 'dxdxk': one letter or a number on each side of an 'x' -- could be one name or
# several dimensions, so it is refused with a hint to add spaces.
_AMBIGUOUS_SHAPE_WORD_RE = re.compile(r"(?:[A-Za-z]|[0-9]+)(?:[xX](?:[A-Za-z]|[0-9]+))+")
_X_THEN_NUMBER_RE = re.compile(r"[xX][0-9]+")

_OPENERS = {"[": "]", "(": ")", "{": "}"}
_CLOSERS = {"]": "[", ")": "(", "}": "{"}
_DIGITS = "0123456789"
_NOT_A_CALCULATION = "Give the value itself, not a calculation."


class ParsedNumber:
    """A number as the student typed it: its value and how precisely it was written.

    The exact rational value lets graders compare fractions without rounding error, and the
    typed precision (`decimals`, `sigfigs`) lets feedback say "you gave 2 significant figures".
    Immutable, compared and hashed by its fields, like a frozen dataclass.

    - `value`: the value as a float; always finite (and never a subnormal unless it is 0).
    - `exact`: the exact rational value of what was typed: '61.5%' -> Fraction(123, 200).
    - `percent`: typed with a '%' sign; `value` and `exact` are already divided by 100.
    - `decimals`: decimal places of the value as written ('0.50' -> 2, '6.15e-1' -> 3,
      '61.5%' -> 3); None for a fraction.
    - `sigfigs`: significant figures as typed ('0.0500' -> 3, '500' -> 3, '0.00' -> 2); None
      for a fraction.
    - `text`: the typed number with surrounding whitespace removed.
    """

    __slots__ = ("_exact", "decimals", "percent", "sigfigs", "text", "value")
    value: float
    percent: bool
    decimals: int | None
    sigfigs: int | None
    text: str

    def __init__(self, value: float, exact: Fraction, percent: bool, decimals: int | None,
                 sigfigs: int | None, text: str) -> None:
        _fill(self, value, exact, percent, decimals, sigfigs, text)

    @property
    def exact(self) -> Fraction:
        """The exact value, made on first use: grading compares floats, and most answers
        never need it (the parsers keep its numerator and denominator until then)."""
        exact = self._exact
        if type(exact) is tuple:
            exact = Fraction(*exact)
            _set_exact(self, exact)
        return exact

    def _fields(self) -> tuple[Any, ...]:
        return (self.value, self.exact, self.percent, self.decimals, self.sigfigs, self.text)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not ParsedNumber:
            return NotImplemented
        assert isinstance(other, ParsedNumber)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"ParsedNumber(value={self.value!r}, exact={self.exact!r}, "
                f"percent={self.percent!r}, decimals={self.decimals!r}, "
                f"sigfigs={self.sigfigs!r}, text={self.text!r})")

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return ParsedNumber, self._fields()


_POWERS_OF_TEN = tuple(10**k for k in range(_MAX_SIGFIGS + 1))
_new_object = object.__new__
_set_value = ParsedNumber.value.__set__  # type: ignore[attr-defined]
_set_exact = ParsedNumber._exact.__set__  # type: ignore[attr-defined]
_set_percent = ParsedNumber.percent.__set__  # type: ignore[attr-defined]
_set_decimals = ParsedNumber.decimals.__set__  # type: ignore[attr-defined]
_set_sigfigs = ParsedNumber.sigfigs.__set__  # type: ignore[attr-defined]
_set_text = ParsedNumber.text.__set__  # type: ignore[attr-defined]


def _fill(number: ParsedNumber, value: float, exact: Fraction | tuple[int, int], percent: bool,
          decimals: int | None, sigfigs: int | None, text: str) -> ParsedNumber:
    _set_value(number, value)
    _set_exact(number, exact)
    _set_percent(number, percent)
    _set_decimals(number, decimals)
    _set_sigfigs(number, sigfigs)
    _set_text(number, text)
    return number


def _make_number(
    value: float, exact: tuple[int, int], percent: bool, decimals: int | None,
    sigfigs: int | None, text: str,
) -> ParsedNumber:
    """A ParsedNumber whose exact value is (numerator, denominator), made into a Fraction on
    first use; its slots are written directly, without going through ``__setattr__`` (that
    was the largest single cost of reading a number: parse_vector runs this once per entry,
    up to 10,000 times)."""
    return _fill(_new_object(ParsedNumber), value, exact, percent, decimals, sigfigs, text)


class _Problem(Exception):
    """Internal: what is wrong (a phrase, no final period), where (index into the text), a hint.

    Scanners raise it; the public functions turn it into an `AnswerError` with their own
    prefix, so the same reason reads well for a number, a vector entry or a matrix entry.
    """

    def __init__(self, reason: str, position: int, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position
        self.hint = hint


# --------------------------------------------------------------------------------------------
# shared helpers


def _bounds(text: str) -> tuple[int, int]:
    """The [start, end) indices of `text` without its surrounding whitespace."""
    stripped = text.lstrip()
    start = len(text) - len(stripped)
    return start, start + len(stripped.rstrip())


def _normalized(text: str) -> str:
    """`text` with the Unicode minus and en dash read as '-' (same length, same positions)."""
    if "\u2212" in text or "\u2013" in text:
        return text.translate(_MINUS_MAP)
    return text


def _fail(prefix: str, problem: _Problem, text: str) -> AnswerError:
    """The student-facing error for `problem` found in `text`."""
    return AnswerError(f"{prefix}: {problem.reason}.", text, problem.position, problem.hint)


def _check_length(prefix: str, text: str, start: int, end: int, limit: int) -> None:
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


def _unexpected(ch: str) -> str:
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


def _char_problem(
    text: str, t: str, i: int, lo: int, hi: int, in_number: bool = True
) -> _Problem:
    """Explain why the character at `i` does not belong here.

    Invisible characters are named (they cannot be seen in the caret line) and other digit
    systems get a pointer to 0-9. Inside a number (`in_number`), words such as nan or true,
    hexadecimal, commas and underscores get their own message and a hint at the notation to use.
    """
    ch = text[i]
    if ch.isdigit():  # includes other scripts' digits, full-width and superscript digits
        if ch.isascii():
            return _Problem(_unexpected(ch), i)
        return _Problem(f"'{ch}' ({_char_label(ch)}) is not an ordinary digit; "
                        "use the digits 0-9", i)
    category = unicodedata.category(ch)
    if category == "Cf" or (category == "Cc" and not ch.isspace()):
        return _Problem(
            f"it contains an invisible character ({_char_label(ch)})",
            i,
            "Delete it (it may have been copied along with the answer) and type the answer again.",
        )
    if not in_number:
        return _Problem(_unexpected(ch), i)
    if ch.isalpha():
        word = _word_at(t, i, hi)
        lowered = word.lower()
        if lowered in ("nan", "inf", "infinity"):
            return _Problem("it is not a finite number", i)
        if lowered in ("true", "false"):
            return _Problem(f"'{word}' is not a number", i)
        if ch in "xX" and i - 1 >= lo and t[i - 1] == "0" and (i - 1 == lo or t[i - 2] in "+-"):
            return _Problem("hexadecimal is not accepted", i, "Write the number in decimal.")
        return _Problem(_unexpected(ch), i, "Give only the number, without units or words.")
    if ch == ",":
        return _Problem(
            "a comma is not accepted in a number",
            i,
            "Use a decimal point, e.g. 0.615, and no thousands separators.",
        )
    if ch == "_":
        return _Problem("underscores are not accepted", i, "Write the digits without separators.")
    if ch == "\u221e":
        return _Problem("it is not a finite number", i)
    if ch in "^*\u00d7":
        return _Problem(_unexpected(ch), i, "Write powers of ten with e, e.g. 6.15e-1.")
    if ch in "()[]+-":
        return _Problem(_unexpected(ch), i, _NOT_A_CALCULATION)
    return _Problem(_unexpected(ch), i)


# --------------------------------------------------------------------------------------------
# numbers


def _nth_significant(t: str, start: int, end: int, n: int) -> int:
    """Index of the `n`-th significant digit in t[start:end] (leading zeros and '.' skipped)."""
    seen = 0
    for i in range(start, end):
        ch = t[i]
        if ch == "." or (seen == 0 and ch == "0"):
            continue
        if ch not in _DIGITS:
            break
        seen += 1
        if seen == n:
            return i
    return start


def _build_decimal(
    text: str,
    t: str,
    lo: int,
    hi: int,
    negative: bool,
    int_digits: str,
    mantissa_start: int,
    frac_digits: str,
    exponent: str | None,
    exponent_start: int,
    percent: bool,
) -> ParsedNumber:
    """A ParsedNumber from the pieces of a decimal, checking its size and precision."""
    digits = int_digits + frac_digits
    significant = digits.lstrip("0")
    if significant:
        sigfigs = len(significant)
        if sigfigs > _MAX_SIGFIGS:
            where = _nth_significant(t, mantissa_start, hi, _MAX_SIGFIGS + 1)
            raise _Problem(f"it has more than {_MAX_SIGFIGS} significant digits", where,
                           "Round it to fewer digits.")
        mantissa = int(significant)
    else:
        # A zero: '0' has 1 significant figure, '0.00' has 2 (the zeros after the point).
        sigfigs = len(frac_digits) or 1
        mantissa = 0
    scale = -len(frac_digits)
    if exponent is not None:
        power = int(exponent)
        if power > _MAX_EXPONENT:
            raise _Problem(f"the number is too large (the exponent can be at most {_MAX_EXPONENT})",
                           exponent_start)
        if power < -_MAX_EXPONENT:
            raise _Problem(
                f"the number is too small (the exponent must be at least -{_MAX_EXPONENT})",
                exponent_start,
            )
        scale += power
    if negative:
        mantissa = -mantissa
    decimals = -scale if scale < 0 else 0
    if scale >= 0:
        numerator, denominator = mantissa * 10**scale, 1
    else:
        numerator, denominator = mantissa, 10**-scale
    if percent:
        denominator *= 100
        decimals += 2
    try:
        value = numerator / denominator  # int / int: correctly rounded
    except OverflowError:
        raise _Problem("the number is too large", lo) from None
    if mantissa and abs(value) < _MIN_NORMAL:
        raise _Problem("the number is too close to zero to be stored accurately", lo)
    return _make_number(value, (numerator, denominator), percent, decimals, sigfigs, text[lo:hi])


def _plain_digits(int_digits: str, frac_digits: str, start: int, what: str) -> int:
    """One side of a fraction as an integer (its value times 10^len(frac_digits)), checking
    its number of digits."""
    if len(int_digits) + len(frac_digits) > _MAX_FRACTION_DIGITS:
        raise _Problem(f"the {what} has more than {_MAX_FRACTION_DIGITS} digits", start)
    return int(int_digits + frac_digits or "0")


def _build_fraction(
    text: str,
    lo: int,
    hi: int,
    negative: bool,
    num_int: str,
    num_frac: str,
    num_start: int,
    den_int: str,
    den_frac: str,
    den_start: int,
) -> ParsedNumber:
    """A ParsedNumber for a fraction a/b of two plain decimals."""
    top = _plain_digits(num_int, num_frac, num_start, "numerator")
    bottom = _plain_digits(den_int, den_frac, den_start, "denominator")
    if not bottom:
        raise _Problem("division by zero", den_start)
    # (top / 10^a) / (bottom / 10^b), reduced only if `exact` is asked for
    numerator, denominator = top * 10 ** len(den_frac), bottom * 10 ** len(num_frac)
    if negative:
        numerator = -numerator
    # int / int is correctly rounded whether or not the fraction is in lowest terms
    return _make_number(numerator / denominator, (numerator, denominator), False, None, None,
                        text[lo:hi])


def _skip_space(t: str, i: int, hi: int) -> int:
    """The first index at or after `i` that is not whitespace (or `hi`)."""
    while i < hi and t[i].isspace():
        i += 1
    return i


def _scan_digits(t: str, i: int, hi: int) -> int:
    """The end of the run of ASCII digits starting at `i`."""
    while i < hi and t[i] in _DIGITS:
        i += 1
    return i


def _scan_unsigned(text: str, t: str, i: int, lo: int, hi: int) -> tuple[int, str, str]:
    """Scan digits with an optional decimal point at `i`: (end, integer digits, decimals)."""
    j = _scan_digits(t, i, hi)
    int_digits = t[i:j]
    frac_digits = ""
    if j < hi and t[j] == ".":
        k = _scan_digits(t, j + 1, hi)
        frac_digits = t[j + 1 : k]
        if not int_digits and not frac_digits:
            raise _Problem("a decimal point needs digits, e.g. 0.5", j)
        j = k
    elif not int_digits:  # callers only scan where there is a character to look at
        raise _char_problem(text, t, j, lo, hi)
    return j, int_digits, frac_digits


def _scan_number(text: str, t: str, lo: int, hi: int) -> ParsedNumber:
    """The slow path: scan t[lo:hi] one piece at a time and explain the first problem.

    It accepts everything the fast regular expressions accept (and builds the same value), so
    it is also a fallback for valid spellings they do not cover (e.g. a no-break space before %).
    """
    i = lo
    negative = False
    if t[i] in "+-":
        negative = t[i] == "-"
        i += 1
        if i >= hi:
            raise _Problem(f"a number is missing after '{text[i - 1]}'", i)
        if t[i] in "+-":
            raise _Problem(_unexpected(text[i]), i, "Use a single sign, e.g. -2.")
        if t[i].isspace():
            raise _Problem(f"there is a space after '{text[i - 1]}'", i,
                           "Write the sign next to the number, e.g. -2.")
    mantissa_start = i
    j, int_digits, frac_digits = _scan_unsigned(text, t, i, lo, hi)
    exponent: str | None = None
    exponent_start = j
    if j < hi and t[j] in "eE":
        k = j + 1
        if k < hi and t[k] in "+-":
            k += 1
        end = _scan_digits(t, k, hi)
        if end == k:
            raise _Problem("digits are missing after 'e' (an exponent, as in 6.15e-1)", k)
        exponent, exponent_start, j = t[j + 1 : end], j + 1, end
    k = _skip_space(t, j, hi)
    if k >= hi:
        return _build_decimal(text, t, lo, hi, negative, int_digits, mantissa_start,
                              frac_digits, exponent, exponent_start, False)
    ch = t[k]
    if ch == "%":
        after = _skip_space(t, k + 1, hi)
        if after < hi:
            raise _char_problem(text, t, after, lo, hi)
        return _build_decimal(text, t, lo, hi, negative, int_digits, mantissa_start,
                              frac_digits, exponent, exponent_start, True)
    if ch == "/":
        if exponent is not None:
            raise _Problem("a fraction is written without exponents", exponent_start - 1,
                           "Write for example 8/13.")
        den_start = _skip_space(t, k + 1, hi)
        if den_start >= hi:
            raise _Problem("the denominator is missing after '/'", den_start)
        if t[den_start] in "+-":
            raise _Problem(_unexpected(text[den_start]), den_start,
                           "Put the sign in front of the fraction, e.g. -8/13.")
        end, den_int, den_frac = _scan_unsigned(text, t, den_start, lo, hi)
        after = _skip_space(t, end, hi)
        if after < hi:
            nxt = t[after]
            if nxt in "eE" and after == end:
                raise _Problem("a fraction is written without exponents", after,
                               "Write for example 8/13.")
            if nxt == "/":
                raise _Problem("a fraction has only one '/'", after, _NOT_A_CALCULATION)
            if nxt == "%":
                raise _Problem("a fraction cannot also be a percentage", after,
                               "Write either a fraction, e.g. 1/2, or a percentage, e.g. 50%.")
            if after > end and nxt in "0123456789.+-":
                raise _Problem("it looks like more than one number", after,
                               "Give a single number, without spaces inside it.")
            raise _char_problem(text, t, after, lo, hi)
        return _build_fraction(text, lo, hi, negative, int_digits, frac_digits, mantissa_start,
                               den_int, den_frac, den_start)
    if k > j and ch in "0123456789.+-":
        raise _Problem("it looks like more than one number", k,
                       "Give a single number, without spaces inside it.")
    if ch == "." and exponent is not None:
        raise _Problem("the exponent must be a whole number", k)
    if ch == ".":
        raise _Problem("a number has only one decimal point", k)
    raise _char_problem(text, t, k, lo, hi)


def _number(text: str, t: str, lo: int, hi: int) -> ParsedNumber:
    """Parse the number in t[lo:hi] (non-empty, stripped); raise `_Problem` if it is invalid.

    `text` is the original input (for messages and `ParsedNumber.text`), `t` the same text
    with Unicode minus signs read as '-'.
    """
    m = _DECIMAL_RE.fullmatch(t, lo, hi)
    if m is not None:
        sign, int_digits, frac_digits, only_frac, exponent, percent = m.groups()
        if int_digits is None:
            int_digits, frac_digits = "", only_frac
        elif frac_digits is None:
            frac_digits = ""
        if exponent is None and percent is None and hi - lo <= _MAX_SIGFIGS:
            # The common case, inlined (vectors have thousands of entries): a plain decimal this
            # short has at most 30 digits and can neither overflow nor underflow.
            digits = int_digits + frac_digits
            mantissa = int(digits)
            if sign == "-":
                mantissa = -mantissa
            places = len(frac_digits)
            sigfigs = len(digits.lstrip("0")) if mantissa else places or 1
            if places:
                scale = _POWERS_OF_TEN[places]
                return _make_number(mantissa / scale, (mantissa, scale), False, places,
                                    sigfigs, text[lo:hi])
            return _make_number(float(mantissa), (mantissa, 1), False, 0, sigfigs,
                                text[lo:hi])
        return _build_decimal(text, t, lo, hi, sign == "-", int_digits, m.end(1), frac_digits,
                              exponent, m.start(5), percent is not None)
    m = _FRACTION_RE.fullmatch(t, lo, hi)
    if m is not None and (m.group(2) or m.group(3)) and (m.group(4) or m.group(5)):
        return _build_fraction(text, lo, hi, m.group(1) == "-", m.group(2) or "",
                               m.group(3) or "", m.end(1), m.group(4) or "", m.group(5) or "",
                               m.start(4) if m.group(4) is not None else m.start(5) - 1)
    return _scan_number(text, t, lo, hi)


def parse_number(text: str) -> ParsedNumber:
    """Read one number: a decimal, 6.15e-1 notation, a fraction a/b or a percentage.

    Commas, underscores, hexadecimal, nan/inf, other digit systems and invisible characters are
    refused with a message saying why; nothing is guessed.
    """
    prefix = "Could not read the answer as a number"
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_NUMBER_CHARS)
    if lo == hi:
        raise AnswerError(f"{prefix}: the answer is empty.", text, 0)
    try:
        return _number(text, _normalized(text), lo, hi)
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None


def parse_integer(text: str) -> int:
    """Read a whole number of at most 18 digits; '42.0' and '4.2e1' are read as 42.

    Fractions and percentages are refused even when their value is whole: an integer part
    expects a count, and '84/2' or '4200%' there is more likely a misunderstanding.
    """
    prefix = "Could not read the answer as a whole number"
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_INTEGER_CHARS)
    if lo == hi:
        raise AnswerError(f"{prefix}: the answer is empty.", text, 0)
    if _INTEGER_RE.fullmatch(text, lo, hi):
        return int(text[lo:hi])
    try:
        number = _number(text, _normalized(text), lo, hi)
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None
    if number.decimals is None:
        raise AnswerError(f"{prefix}: expected a whole number, not a fraction.", text, lo)
    if number.percent:
        raise AnswerError(f"{prefix}: expected a whole number, not a percentage.", text,
                          text.rfind("%", lo, hi))
    if number.exact.denominator != 1:
        point = text.find(".", lo, hi)
        raise AnswerError(f"{prefix}: expected a whole number.", text, point if point >= 0 else lo)
    value = number.exact.numerator
    if abs(value) >= 10**_MAX_INTEGER_DIGITS:
        raise AnswerError(f"{prefix}: it has more than {_MAX_INTEGER_DIGITS} digits.", text, lo)
    return value


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
        raise _Problem(f"it has more than {_MAX_ENTRIES} entries",
                       spans[_MAX_ENTRIES - first_entry][0])
    entries = []
    for k, (s0, s1) in enumerate(spans, 1):
        if s0 == s1:
            raise _Problem(f"{where}entry {k} is empty", s0)
        try:
            entries.append(_number(text, t, s0, s1))
        except _Problem as problem:
            problem.reason = f"{where}entry {k}: {problem.reason}"
            if problem.hint is None and t[s0] in "%/":
                problem.hint = "In a list of numbers, write 61.5% and 8/13 without spaces."
            raise
    return tuple(entries)


def _unwrap(t: str, lo: int, hi: int) -> tuple[int, int]:
    """If t[lo:hi] is in one pair of brackets [..] or (..), the region inside it; else as is.

    Only the first and last characters are looked at: whether the brackets between them pair up
    is the caller's business.
    """
    first, last = t[lo], t[hi - 1]
    if first in "[(":
        if hi - lo >= 2 and last == _OPENERS[first]:
            return lo + 1, hi - 1
        if hi - lo >= 2 and last in ")]":
            raise _Problem(f"the '{first}' is closed by '{last}'", hi - 1)
        raise _Problem(f"the '{first}' is never closed", lo)
    if last in ")]":
        raise _Problem(f"the '{last}' has no matching '{_CLOSERS[last]}'", hi - 1)
    return lo, hi


def parse_vector(text: str) -> tuple[ParsedNumber, ...]:
    """Read a vector: '[2, 0, 4.5]', '(2, 0, 4.5)', '2 0 4.5' or '2,0,4.5'.

    Entries are separated by commas when there is a comma, else by spaces; each entry is a
    number as for `parse_number`. Anything that looks like a matrix is refused.
    """
    prefix = "Could not read the answer as a vector"
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_ARRAY_CHARS)
    try:
        if lo == hi:
            raise _Problem("the vector is empty", 0)
        t = _normalized(text)
        a, b = _unwrap(t, lo, hi)
        m = _VECTOR_STRUCTURE_RE.search(t, a, b)
        if m is not None:
            for i in range(m.start(), b):
                if t[i] in "[(;\n\r":
                    raise _Problem("this looks like a matrix", i, "Give a single row of numbers.")
            ch = m.group()
            raise _Problem(f"the '{ch}' has no matching '{_CLOSERS[ch]}'", m.start())
        spans = _entry_spans(t, a, b)
        if not spans:
            raise _Problem("the vector is empty", lo)
        return _row(text, t, spans, 0, "")
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None


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
                raise _Problem("the brackets are nested more than two deep", pos,
                               "Write a matrix as [[1, 2], [3, 4]] or 1 2; 3 4.")
            continue
        if not stack:
            raise _Problem(f"the '{ch}' has no matching '{_CLOSERS[ch]}'", pos)
        opened = stack.pop()
        if _OPENERS[t[opened]] != ch:
            raise _Problem(f"the '{t[opened]}' is closed by '{ch}'", pos)
        pairs.append((opened, pos, len(stack)))
    if stack:
        raise _Problem(f"the '{t[stack[-1]]}' is never closed", stack[-1])
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
                raise _Problem(f"row {k + 1} is empty", end)
            if ch in "0123456789.+-":
                raise _Problem("every row must be in brackets", end,
                               "Write for example [[1, 2], [3, 4]].")
            raise _char_problem(text, t, end, a, b, in_number=False)
        if k in (0, len(gaps) - 1):  # a separator before the first row or after the last
            separator = _skip_space(t, g0, g1)
            if separator < g1:
                raise _Problem(f"row {k + 1} is empty", separator)
    rows = []
    for k, (o, c) in enumerate(groups, 1):
        semicolon = t.find(";", o, c)
        if semicolon >= 0:
            raise _Problem(f"row {k} contains ';'", semicolon,
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
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_ARRAY_CHARS)
    try:
        if lo == hi:
            raise _Problem("the matrix is empty", 0)
        t = _normalized(text)
        pairs = _bracket_pairs(t, lo, hi)
        outer = [(o, c) for o, c, depth in pairs if depth == 0]
        inner = [(o, c) for o, c, depth in pairs if depth == 1]
        wrapped = len(outer) == 1 and outer[0] == (lo, hi - 1)
        if wrapped and inner:
            rows = _rows_in_brackets(text, t, inner, lo + 1, hi - 1)
        elif wrapped:
            rows = _flat_rows(t, lo + 1, hi - 1)
        elif inner and len(outer) > 1:
            raise _Problem("put the whole matrix in one pair of brackets", outer[1][0],
                           "Write for example [[1, 2], [3, 4]].")
        elif inner:  # one pair with rows inside, and something before or after it
            (o, c), = outer
            where = lo if o > lo else _skip_space(t, c + 1, hi)
            raise _Problem("everything must be inside the matrix's brackets", where,
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
                    raise _Problem("the matrix is empty", lo)
                raise _Problem(f"row {k} is empty", r0)
            if k == 1:
                width = len(spans)
            elif len(spans) != width:
                count = f"{len(spans)} entr{'y' if len(spans) == 1 else 'ies'}"
                raise _Problem(f"row {k} has {count}, row 1 has {width}", spans[0][0],
                               "Every row must have the same number of entries.")
            where = f"row {k}, " if len(rows) > 1 else ""
            result.append(_row(text, t, spans, total, where))
            total += len(spans)
        return tuple(result)
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None


# --------------------------------------------------------------------------------------------
# shapes


def parse_shape(text: str) -> tuple[int | str, ...]:
    """Read an array shape: '3x4', '3 x 4', '3×4', '3 by 4', '(3, 4)', '5', '(5,)', 'n x m'.

    A dimension is a positive integer up to 10**9 or a name such as n or d_model. Spellings that
    could be one name or several dimensions ('nxm') are refused with a hint to add spaces.
    """
    prefix = "Could not read the answer as a shape"
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_SHAPE_CHARS)
    try:
        if lo == hi:
            raise _Problem("the shape is empty", 0)
        return _scan_shape(text, _normalized(text), lo, hi)
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None


def _scan_shape(text: str, t: str, lo: int, hi: int) -> tuple[int | str, ...]:
    """Scan the shape in t[lo:hi] (stripped, non-empty); raise `_Problem` if it is invalid."""
    a, b = _unwrap(t, lo, hi)
    bracketed = a > lo
    dims: list[int | str] = []
    expect_dim = True
    separator, separator_at = "", lo

    def add_separator(at: int) -> None:
        nonlocal expect_dim, separator, separator_at
        if expect_dim:
            raise _Problem(f"a dimension is missing before '{text[at]}'", at)
        expect_dim, separator, separator_at = True, text[at], at

    def add_dim(dim: int | str, at: int) -> None:
        nonlocal expect_dim
        if not expect_dim:
            raise _Problem("the dimensions must be separated by 'x'", at, "Write for example 3x4.")
        if len(dims) == _MAX_DIMS:
            raise _Problem(f"a shape has at most {_MAX_DIMS} dimensions", at)
        dims.append(dim)
        expect_dim = False

    i = a
    while i < b:
        ch = t[i]
        if ch.isspace():
            i += 1
        elif ch in _DIGITS:
            j = _scan_digits(t, i, b)
            if j < b and t[j] == ".":
                raise _Problem("dimensions must be whole numbers", i)
            size = int(t[i:j]) if j - i <= 10 else _MAX_DIM + 1
            if size == 0:
                raise _Problem("dimensions must be positive", i)
            if size > _MAX_DIM:
                raise _Problem(f"a dimension can be at most {_MAX_DIM}", i)
            add_dim(size, i)
            i = j
            if i < b and t[i] in "xX":  # 3x4, 3xn
                if i + 1 < b and t[i + 1] in "xX":
                    raise _Problem(_unexpected(text[i + 1]), i + 1, "Write for example 3x4.")
                add_separator(i)
                i += 1
            elif i < b and (t[i].isalpha() or t[i] == "_"):
                raise _Problem(_unexpected(text[i]), i, "Separate the dimensions with x, e.g. 3x4.")
        elif ch.isascii() and ch.isalpha():
            j = i + 1
            while j < b and (t[j].isascii() and (t[j].isalnum() or t[j] == "_")):
                j += 1
            word = t[i:j]
            if word in ("x", "X") or word.lower() == "by":
                add_separator(i)
                i = j
            elif _X_THEN_NUMBER_RE.fullmatch(word):  # x4: a separator, then a number
                add_separator(i)
                i += 1
            elif _AMBIGUOUS_SHAPE_WORD_RE.fullmatch(word):
                spaced = " ".join(re.split(r"([xX])", word))
                raise _Problem(f"'{word}' could be one name or several dimensions", i,
                               f"Write {spaced} with spaces around the x.")
            elif len(word) > _MAX_NAME_CHARS:
                raise _Problem(f"a dimension name has at most {_MAX_NAME_CHARS} characters", i)
            else:
                add_dim(word, i)
                i = j
        elif ch in ",\u00d7":
            add_separator(i)
            i += 1
        elif ch == "*":
            raise _Problem("'*' is not accepted here", i, "Write the shape as 3x4.")
        elif ch == "-" and i + 1 < b and t[i + 1] in _DIGITS:
            raise _Problem("dimensions must be positive", i)
        elif ch in "[(":
            raise _Problem(f"unexpected '{ch}'", i, "Write for example (3, 4) or 3x4.")
        elif ch in ")]":
            raise _Problem(f"the '{ch}' has no matching '{_CLOSERS[ch]}'", i)
        else:
            raise _char_problem(text, t, i, a, b, in_number=False)
    if expect_dim:
        if not dims:
            raise _Problem("the shape is empty", lo)
        if not (bracketed and separator == ","):
            raise _Problem(f"a dimension is missing after '{separator}'", separator_at)
    return tuple(dims)


# --------------------------------------------------------------------------------------------
# options


def _check_options(n_options: int) -> str:
    """Validate the number of options of a question (a template bug if wrong); the last letter."""
    if isinstance(n_options, bool) or not isinstance(n_options, int) or not 1 <= n_options <= 26:
        raise ValueError(f"n_options must be an int from 1 to 26, got {n_options!r}")
    return chr(ord("A") + n_options - 1)


def _no_such_option(letter: str, last: str, at: int) -> _Problem:
    """The problem for an option letter past the last one."""
    if last == "A":
        return _Problem(f"there is no option {letter.upper()}; the only option is A", at)
    return _Problem(f"there is no option {letter.upper()}; the options are A to {last}", at)


def _option_char_problem(text: str, i: int, lo: int, hi: int, many: bool) -> _Problem:
    """Explain a character that cannot be part of an option answer."""
    if text[i] in _DIGITS:
        what = "the letters of the options, not their numbers" if many else (
            "the letter of the option, not its number")
        return _Problem(f"give {what}", i)
    return _char_problem(text, text, i, lo, hi, in_number=False)


def parse_choice(text: str, n_options: int) -> int:
    """Read one option letter ('B', 'b', '(B)', 'B)', 'B.', '[B]', 'option B'): a 0-based index.

    `n_options` (1 to 26) is the number of options of the question; the letters are A onwards.
    """
    last = _check_options(n_options)
    prefix = "Could not read the answer as an option"
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_CHOICE_CHARS)
    try:
        if lo == hi:
            raise _Problem("the answer is empty", 0)
        m = _CHOICE_RE.fullmatch(text, lo, hi)
        if m is not None:
            index = m.lastindex or 1
            letter = m.group(index)
            option = ord(letter.upper()) - ord("A")
            if option >= n_options:
                raise _no_such_option(letter, last, m.start(index))
            return option
        raise _diagnose_choice(text, lo, hi, n_options, last)
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None


def _diagnose_choice(text: str, lo: int, hi: int, n_options: int, last: str) -> _Problem:
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
        return _Problem("give one option only", letters[1])
    for r0, r1 in runs:
        if r1 - r0 >= 3:
            return _Problem(f"expected the letter of one option, A to {last}", r0)
    for p in letters:
        if p not in in_range:
            return _no_such_option(text[p], last, p)
    if not letters:
        return _Problem(f"expected the letter of one option, A to {last}", lo)
    for p in range(start, hi):
        if not text[p].isspace() and p != letters[0]:
            return _Problem(_unexpected(text[p]), p, "Write just the letter, e.g. B.")
    return _Problem(f"expected the letter of one option, A to {last}", lo)  # pragma: no cover


def parse_choices(text: str, n_options: int) -> frozenset[int]:
    """Read a set of option letters ('A, C', 'A C', 'AC', '{A, C}', '[A, C]'): 0-based indices.

    Repeated letters are allowed (the answer is a set); at least one option must be given.
    """
    last = _check_options(n_options)
    prefix = "Could not read the answer as a set of options"
    lo, hi = _bounds(text)
    _check_length(prefix, text, lo, hi, _MAX_CHOICE_CHARS)
    try:
        if lo == hi:
            raise _Problem("no option was given", 0)
        a, b = lo, hi
        first, final = text[lo], text[hi - 1]
        if first in "{[(":
            if hi - lo < 2 or final != _OPENERS[first]:
                if hi - lo >= 2 and final in "}])":
                    raise _Problem(f"the '{first}' is closed by '{final}'", hi - 1)
                raise _Problem(f"the '{first}' is never closed", lo)
            a, b = lo + 1, hi - 1
        elif final in "}])":
            raise _Problem(f"the '{final}' has no matching '{_CLOSERS[final]}'", hi - 1)
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
                raise _Problem(f"'{text[i:j]}' is not an option", i,
                               "Give only the letters, e.g. A, C.")
            for p in range(i, j):
                option = ord(text[p].upper()) - ord("A")
                if option >= n_options:
                    raise _no_such_option(text[p], last, p)
                chosen.add(option)
            i = j
        if not chosen:
            raise _Problem("no option was given", lo)
        return frozenset(chosen)
    except _Problem as problem:
        raise _fail(prefix, problem, text) from None
