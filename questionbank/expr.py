"""The restricted expression language shared by templates and student answers.

One tokenizer, one parser and one evaluator, all our own: no text ever reaches `eval`,
`sympify`, `parse_expr` or `lambdify`. The language has numbers, names, ``+ - * / ^`` (``**`` is
accepted for ``^``), unary minus, parentheses, list literals ``[1, 2]``, transpose (``X^T``,
``X'``, ``transpose(X)``), matrix product (``@``, or ``*`` between two matrices), comparisons,
``and``/``or``/``not`` and a small function table. Implicit multiplication (``2x``, ``a b^T``,
``2(x + 1)``) is read as ``*``.

Two evaluation modes:

- ``exact=True`` (templates): integers and decimals become `fractions.Fraction`, so ``8/13``
  stays exact; irrational functions (``sqrt`` of a non-square, ``exp``, ``log``) fall back to
  float. Vectors are 1-D numpy object arrays.
- ``exact=False`` (checking an expression answer): everything is float64 numpy.

`*` multiplies a scalar with anything, two 1-D vectors of the same length entry by entry, and two
2-D matrices as a matrix product. There is no other broadcasting: mismatched shapes are an error
that names both shapes, because a shape mismatch is exactly what a grader must report.

Every parse and evaluation is bounded: input length, token and node counts, nesting depth, the
size of literals and of integer powers are limited, so a hostile input fails fast.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from questionbank.errors import AnswerError

__all__ = ["FUNCTIONS", "Expr", "ExprError", "evaluate", "parse", "to_exact", "to_float",
           "unparse"]

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_DIGITS = 40
MAX_EXPONENT_LITERAL = 300
MAX_INT_POWER = 256
MAX_EXACT_BITS = 2048


class ExprError(AnswerError):
    """An expression could not be parsed or evaluated (carries the text and a caret position).

    `kind` is ``"shape"`` when the expression is well formed but combines matrices whose shapes
    do not fit (a verdict on the mathematics, not a reading problem), else ``"error"``.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None,
                 hint: str | None = None, kind: str = "error") -> None:
        self.kind = kind
        super().__init__(message, text, position, hint)


# --------------------------------------------------------------------------- tokenizer

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+(?![A-Za-z_]))?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/^@()\[\],<>'])
    """,
    re.VERBOSE | re.ASCII,
)

_KEYWORDS = {"and", "or", "not"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num, name, op, end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ExprError(_bad_char_message(text[pos]), text, pos, hint=_bad_char_hint(text[pos]))
        kind = m.lastgroup or ""
        if kind != "ws":
            tok_text = m.group()
            if kind == "num":
                digits = sum(ch.isdigit() for ch in tok_text.split("e")[0].split("E")[0])
                if digits > MAX_DIGITS:
                    raise ExprError(f"number with more than {MAX_DIGITS} digits", text, pos)
            if kind == "op" and tok_text == "**":
                tok_text = "^"
            toks.append(_Tok(kind, tok_text, pos))
            if len(toks) > MAX_NODES * 2:
                raise ExprError("expression is too long", text, pos)
        pos = m.end()
    toks.append(_Tok("end", "", n))
    return toks


def _bad_char_message(ch: str) -> str:
    import unicodedata

    if ch.isprintable() and ch.isascii():
        return f"unexpected character {ch!r}"
    return f"unexpected character U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')})"


def _bad_char_hint(ch: str) -> str | None:
    if ch in "\u2212\u2013":
        return "Use the ASCII minus sign '-'."
    if ch == "\u00d7" or ch == "\u22c5" or ch == "\u00b7":
        return "Use '*' for multiplication."
    if ch.isdigit():
        return "Use the digits 0-9."
    if ch == ".":
        return "Attribute access is not part of the expression language."
    if not ch.isascii() and ch.isalpha():
        return "Only ASCII letters are allowed in names (a look-alike letter?)."
    return None


# --------------------------------------------------------------------------- AST
# Nodes are tuples (kind, pos, ...): cheap to build and to walk.
#   ("num", pos, text) ("name", pos, id) ("neg", pos, x) ("not", pos, x)
#   ("bin", pos, op, a, b) ("cmp", pos, op, a, b) ("and"/"or", pos, a, b)
#   ("call", pos, fname, args) ("T", pos, x) ("list", pos, items) ("index", pos, x, i)

Node = tuple


class _Compiled(dict):  # type: ignore[type-arg]
    """An expression's compiled evaluators, one per mode; pickled empty (closures cannot be
    pickled, and a worker process compiles again on first use)."""

    def __reduce__(self) -> tuple[type, tuple[()]]:
        return _Compiled, ()


@dataclass(frozen=True, slots=True)
class Expr:
    """A parsed expression: its source text, syntax tree and the names it uses."""

    text: str
    root: Node
    names: frozenset[str]
    #: the tree compiled into closures, per mode (exact: True/False), on first evaluation
    compiled: _Compiled = field(default_factory=_Compiled, init=False, repr=False,
                                compare=False)

    def __str__(self) -> str:
        return unparse(self.root)


class _Parser:
    def __init__(self, text: str, toks: list[_Tok], names: Collection[str] | None,
                 allow_logic: bool) -> None:
        self.text = text
        self.toks = toks
        self.i = 0
        self.names = names
        self.allow_logic = allow_logic
        self.nodes = 0
        self.depth = 0
        self.used: set[str] = set()

    # helpers
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, pos: int, hint: str | None = None) -> ExprError:
        return ExprError(message, self.text, pos, hint=hint)

    def node(self, *parts: Any) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error("expression is too complex", parts[1])
        return parts

    def expect(self, op: str) -> _Tok:
        tok = self.next()
        if tok.kind != "op" or tok.text != op:
            found = "the end of the input" if tok.kind == "end" else repr(tok.text)
            raise self.error(f"expected {op!r} but found {found}", tok.pos)
        return tok

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression is nested too deeply", pos)

    # grammar
    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("the expression is empty", 0)
        root = self.or_expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(f"unexpected {tok.text!r}", tok.pos)
        return root

    def or_expr(self) -> Node:
        left = self.and_expr()
        while self.peek().kind == "name" and self.peek().text == "or":
            tok = self.logic_tok()
            left = self.node("or", tok.pos, left, self.and_expr())
        return left

    def and_expr(self) -> Node:
        left = self.not_expr()
        while self.peek().kind == "name" and self.peek().text == "and":
            tok = self.logic_tok()
            left = self.node("and", tok.pos, left, self.not_expr())
        return left

    def logic_tok(self) -> _Tok:
        tok = self.next()
        if not self.allow_logic:
            raise self.error(f"{tok.text!r} is not allowed in an answer", tok.pos)
        return tok

    def not_expr(self) -> Node:
        tok = self.peek()
        if tok.kind == "name" and tok.text == "not":
            self.logic_tok()
            self.enter(tok.pos)
            inner = self.not_expr()
            self.depth -= 1
            return self.node("not", tok.pos, inner)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("<", "<=", ">", ">=", "==", "!="):
            if not self.allow_logic:
                raise self.error(f"comparison {tok.text!r} is not allowed in an answer", tok.pos)
            self.next()
            right = self.sum()
            left = self.node("cmp", tok.pos, tok.text, left, right)
            nxt = self.peek()
            if nxt.kind == "op" and nxt.text in ("<", "<=", ">", ">=", "==", "!="):
                raise self.error("chained comparisons are not supported; use 'and'", nxt.pos)
        return left

    def sum(self) -> Node:
        left = self.term()
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text in "+-" and tok.text:
                self.next()
                left = self.node("bin", tok.pos, tok.text, left, self.term())
            else:
                return left

    def starts_atom(self, tok: _Tok) -> bool:
        if tok.kind == "num":
            return True
        if tok.kind == "name":
            return tok.text not in _KEYWORDS
        return tok.kind == "op" and tok.text == "("

    def term(self) -> Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text in ("*", "/", "@"):
                self.next()
                left = self.node("bin", tok.pos, tok.text, left, self.unary())
            elif self.starts_atom(tok):
                if tok.kind == "num" and self.toks[self.i - 1].kind == "num":
                    raise self.error("two numbers in a row", tok.pos)
                left = self.node("bin", tok.pos, "*", left, self.unary())
            else:
                return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in "+-" and tok.text:
            self.next()
            self.enter(tok.pos)
            inner = self.unary()
            self.depth -= 1
            return inner if tok.text == "+" else self.node("neg", tok.pos, inner)
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        tok = self.peek()
        if tok.kind == "op" and tok.text == "^":
            self.next()
            nxt = self.peek()
            if nxt.kind == "name" and nxt.text == "T" and not self.is_symbol("T"):
                self.next()
                node = self.postfix_tail(self.node("T", tok.pos, base))
                while self.peek().kind == "op" and self.peek().text == "^" and \
                        self.toks[self.i + 1].kind == "name" and self.toks[self.i + 1].text == "T":
                    caret = self.next()
                    self.next()
                    node = self.postfix_tail(self.node("T", caret.pos, node))
                if self.peek().kind == "op" and self.peek().text == "^":
                    caret = self.next()  # a raised transpose, X^T^2: (X^T)^2
                    self.enter(caret.pos)
                    exponent = self.unary()
                    self.depth -= 1
                    node = self.node("bin", caret.pos, "^", node, exponent)
                return node
            self.enter(tok.pos)
            exponent = self.unary()
            self.depth -= 1
            return self.node("bin", tok.pos, "^", base, exponent)
        return base

    def is_symbol(self, name: str) -> bool:
        return self.names is not None and name in self.names

    def postfix(self) -> Node:
        return self.postfix_tail(self.atom())

    def postfix_tail(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text == "'":
                self.next()
                node = self.node("T", tok.pos, node)
            elif tok.kind == "op" and tok.text == "[" and self.allow_logic:
                self.next()
                self.enter(tok.pos)
                index = self.or_expr()
                self.depth -= 1
                self.expect("]")
                node = self.node("index", tok.pos, node, index)
            else:
                return node

    def atom(self) -> Node:
        tok = self.next()
        if tok.kind == "num":
            return self.node("num", tok.pos, tok.text)
        if tok.kind == "name":
            if tok.text in _KEYWORDS:
                raise self.error(f"unexpected {tok.text!r}", tok.pos)
            nxt = self.peek()
            if tok.text in FUNCTIONS and not self.is_symbol(tok.text):
                if not (nxt.kind == "op" and nxt.text == "("):
                    raise self.error(f"function {tok.text!r} needs parentheses", nxt.pos)
                return self.call(tok)
            if self.names is not None and tok.text not in self.names and tok.text not in CONSTANTS:
                known = ", ".join(sorted(self.names)) or "none"
                raise self.error(f"unknown name {tok.text!r} (the symbols here are: {known})",
                                 tok.pos, hint=_split_hint(tok.text, self.names))
            self.used.add(tok.text)
            return self.node("name", tok.pos, tok.text)
        if tok.kind == "op" and tok.text == "(":
            self.enter(tok.pos)
            inner = self.or_expr()
            self.depth -= 1
            self.expect(")")
            return inner
        if tok.kind == "op" and tok.text == "[":
            self.enter(tok.pos)
            items: list[Node] = []
            if not (self.peek().kind == "op" and self.peek().text == "]"):
                items.append(self.or_expr())
                while self.peek().kind == "op" and self.peek().text == ",":
                    self.next()
                    items.append(self.or_expr())
            self.depth -= 1
            self.expect("]")
            if not items:
                raise self.error("empty list", tok.pos)
            return self.node("list", tok.pos, tuple(items))
        if tok.kind == "end":
            raise self.error("the expression ends too early", tok.pos)
        raise self.error(f"unexpected {tok.text!r}", tok.pos)

    def call(self, name_tok: _Tok) -> Node:
        open_tok = self.expect("(")
        self.enter(open_tok.pos)
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.or_expr())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.next()
                args.append(self.or_expr())
        self.depth -= 1
        self.expect(")")
        lo, hi, _ = FUNCTIONS[name_tok.text]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.error(f"{name_tok.text}() takes {want} argument(s), got {len(args)}",
                             name_tok.pos)
        return self.node("call", name_tok.pos, name_tok.text, tuple(args))


def _split_hint(name: str, names: Collection[str]) -> str | None:
    if len(name) > 1 and all(ch in names for ch in name):
        return f"Write products with '*' or spaces, e.g. {' * '.join(name)}."
    return None


def parse(text: str, names: Collection[str] | None = None, *, allow_logic: bool = True) -> Expr:
    """Parse `text` into an `Expr`.

    `names`, when given, is the complete set of symbols the text may use: any other name is an
    error with a caret (this is how student answers are read). `allow_logic=False` forbids
    comparisons and and/or/not, which have no place in an answer.
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is longer than {MAX_LENGTH} characters", text[:80], 0)
    toks = _tokenize(text)
    parser = _Parser(text, toks, names, allow_logic)
    root = parser.parse()
    return Expr(text=text, root=root, names=frozenset(parser.used))


# --------------------------------------------------------------------------- evaluation

CONSTANTS: dict[str, float] = {"pi": math.pi}


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _shape(x: Any) -> str:
    if _is_array(x):
        return "x".join(str(d) for d in x.shape) if x.ndim else "scalar"
    return "scalar"


def _as_float_array(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _sqrt(x: Any) -> Any:
    if _is_array(x):
        return np.vectorize(_sqrt, otypes=[object])(x) if x.dtype == object else np.sqrt(x)
    if isinstance(x, Fraction | int) and not isinstance(x, bool):
        if x < 0:
            raise ValueError("square root of a negative number")
        q = Fraction(x)
        rn, rd = math.isqrt(q.numerator), math.isqrt(q.denominator)
        if rn * rn == q.numerator and rd * rd == q.denominator:
            return Fraction(rn, rd)
        return math.sqrt(q)
    if x < 0:
        raise ValueError("square root of a negative number")
    return math.sqrt(x)


def _elementwise(fn: Callable[[float], float], np_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        if _is_array(x):
            if x.dtype == object:
                return np.array([fn(float(v)) for v in x.ravel()], dtype=float).reshape(x.shape)
            return np_fn(x)
        return fn(float(x))
    return apply


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError("logarithm of a non-positive number")
    return math.log(x)


def _exp(x: float) -> float:
    if x > 700:
        raise OverflowError("exp overflows")
    return math.exp(x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    ex = math.exp(x)
    return ex / (1.0 + ex)


def _np_log(x: np.ndarray) -> np.ndarray:
    if np.any(x <= 0):
        raise ValueError("logarithm of a non-positive number")
    return np.log(x)


def _np_exp(x: np.ndarray) -> np.ndarray:
    if np.any(x > 700):
        raise OverflowError("exp overflows")
    return np.exp(x)


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _abs(x: Any) -> Any:
    return np.abs(x) if _is_array(x) else abs(x)


def _sign(x: Any) -> Any:
    if _is_array(x):
        return np.array([(v > 0) - (v < 0) for v in x.ravel()], dtype=object).reshape(x.shape) \
            if x.dtype == object else np.sign(x)
    return (x > 0) - (x < 0)


def _trace(x: Any) -> Any:
    if not _is_array(x) or x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"trace needs a square matrix, got {_shape(x)}")
    return x.trace()


def _transpose(x: Any) -> Any:
    if not _is_array(x):
        return x
    if x.ndim == 1:
        return x.reshape(1, -1)
    return x.T


def _sum(x: Any) -> Any:
    return x.sum() if _is_array(x) else x


def _len(x: Any) -> int:
    if not _is_array(x) or x.ndim == 0:
        raise ValueError("len() needs a vector")
    return int(x.shape[0])


def _mean(x: Any) -> Any:
    if not _is_array(x):
        return x
    total = x.sum()
    return total / x.size if isinstance(total, float | np.floating) else Fraction(total) / x.size


def _minmax(pick: Callable[..., Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        if len(args) == 1:
            if not _is_array(args[0]):
                return args[0]
            return pick(args[0].ravel().tolist())
        if any(_is_array(a) for a in args):
            raise ValueError("min/max of several values takes scalars")
        return pick(args)
    return apply


def _norm(x: Any, p: Any = 2) -> Any:
    if not _is_array(x):
        return abs(x)
    if p == 1:
        return _abs(x).sum()
    if p == 2:
        return _sqrt((x * x).sum())
    raise ValueError("norm(x, p) supports p = 1 or 2")


def _dot(a: Any, b: Any) -> Any:
    if not (_is_array(a) and _is_array(b)) or a.shape != b.shape:
        raise ValueError(f"dot needs two arrays of the same shape, got {_shape(a)} and {_shape(b)}")
    return (a * b).sum()


def _count(x: Any, value: Any) -> int:
    if not _is_array(x):
        raise ValueError("count() needs a vector")
    return int(sum(1 for v in x.ravel() if v == value))


def _ifelse(cond: Any, a: Any, b: Any) -> Any:
    return a if _truth(cond) else b


def _ceil(x: Any) -> Any:
    return math.ceil(x)


def _floor(x: Any) -> Any:
    return math.floor(x)


def _round(x: Any, digits: Any = 0) -> Any:
    return round(Fraction(x), int(digits)) if not isinstance(x, float) else round(x, int(digits))


def _zeros(n: Any) -> np.ndarray:
    n = int(n)
    if not 0 < n <= 10_000:
        raise ValueError("zeros(n) needs 1 <= n <= 10000")
    return np.array([0] * n, dtype=object)


# name -> (min args, max args, implementation)
FUNCTIONS: dict[str, tuple[int, int, Callable[..., Any]]] = {
    "exp": (1, 1, _elementwise(_exp, _np_exp)),
    "log": (1, 1, _elementwise(_log, _np_log)),
    "ln": (1, 1, _elementwise(_log, _np_log)),
    "sqrt": (1, 1, _sqrt),
    "abs": (1, 1, _abs),
    "sigmoid": (1, 1, _elementwise(_sigmoid, _np_sigmoid)),
    "tanh": (1, 1, _elementwise(math.tanh, np.tanh)),
    "sign": (1, 1, _sign),
    "tr": (1, 1, _trace),
    "trace": (1, 1, _trace),
    "transpose": (1, 1, _transpose),
    "sum": (1, 1, _sum),
    "mean": (1, 1, _mean),
    "len": (1, 1, _len),
    "min": (1, 8, _minmax(min)),
    "max": (1, 8, _minmax(max)),
    "norm": (1, 2, _norm),
    "dot": (2, 2, _dot),
    "count": (2, 2, _count),
    "ifelse": (3, 3, _ifelse),
    "ceil": (1, 1, _ceil),
    "floor": (1, 1, _floor),
    "round": (1, 2, _round),
    "zeros": (1, 1, _zeros),
}


@lru_cache(maxsize=65536)
def _decimal_fraction(x: float) -> Fraction:
    """The exact value of the shortest decimal that reads back as `x` (7.12 -> 178/25),
    by integer arithmetic: three times faster than ``Fraction(repr(x))``. Cached: sampled
    decimals lie on a few step grids, so the same values come back again and again."""
    text = repr(x)
    if "e" in text or "n" in text:
        return Fraction(text)
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if not frac:
        return Fraction(int(whole))
    numerator = int(whole + frac) if not whole.startswith("-") else -int(whole[1:] + frac)
    return Fraction(numerator, 10 ** len(frac))


def to_exact(value: Any) -> Any:
    """Convert a parameter value to the exact domain: floats via their shortest decimal repr.

    A decimal parameter sampled as 7.12 is the float closest to 7.12; its repr is '7.12', so
    `Fraction('7.12')` recovers the number the student sees, exactly.
    """
    if isinstance(value, bool | int | Fraction | str):
        return value
    if isinstance(value, float):
        return _decimal_fraction(value) if math.isfinite(value) else value
    if isinstance(value, list | tuple):
        arr = np.empty(len(value), dtype=object)
        if all(type(v) is float for v in value) and all(map(math.isfinite, value)):
            arr[:] = [_decimal_fraction(v) for v in value]
            return arr
        items = [to_exact(v) for v in value]
        if items and _is_array(items[0]):
            return np.array(items, dtype=object)
        arr[:] = items
        return arr
    if isinstance(value, np.ndarray):
        return to_exact(value.tolist())
    return value


def to_float(value: Any) -> Any:
    """An exact-domain value in the float domain (ints and booleans stay as they are)."""
    if isinstance(value, bool | int | str | float) or value is None:
        return value
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            try:
                return value.astype(float)
            except (TypeError, ValueError):
                return value
        return value
    if isinstance(value, list | tuple):
        try:
            return np.array(value, dtype=float)
        except (TypeError, ValueError):
            return value
    return value


def _exact_div(a: Any, b: Any) -> Any:
    """Division that stays rational when both sides are (int / int is a Fraction, not a float)."""
    if isinstance(a, int | Fraction) and isinstance(b, int | Fraction):
        return Fraction(a) / Fraction(b)
    return a / b


_DIV_ARRAY = np.frompyfunc(_exact_div, 2, 1)


def _truth(x: Any) -> bool:
    if _is_array(x):
        return bool(all(bool(v) for v in x.ravel()))
    return bool(x)


_SCALARS = frozenset({int, float, Fraction})
_FAST_OPS = frozenset({"+", "-", "*", "/"})
_SCALAR_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


class _Evaluator:
    """Compiles a syntax tree into nested closures, each taking the environment: the tree is
    walked once per expression and mode, not on every evaluation (templates evaluate the same
    constraints and answers for every instance)."""

    def __init__(self, expr: Expr, exact: bool) -> None:
        self.expr = expr
        self.exact = exact
        #: the closures that return a constant (numbers, and operations on them only)
        self.constants: set[Callable[[Mapping[str, Any]], Any]] = set()

    def error(self, message: str, node: Node, kind: str = "error") -> ExprError:
        return ExprError(message, self.expr.text, node[1], kind=kind)

    def compile(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        kind = node[0]
        if kind == "num":
            try:
                value = self.number(node)
            except ExprError:
                return lambda env: self.number(node)
            return self.constant(value)
        if kind == "name":
            return self.compile_name(node)
        if kind == "list":
            return self.compile_list(node)
        if kind == "call":
            return self.compile_call(node)
        if kind in ("bin", "cmp"):
            left, right, op = self.compile(node[3]), self.compile(node[4]), node[2]
            if kind == "bin" and op in _SCALAR_OPS:
                return self.fold(self.scalar_op(node, op, left, right), left, right)
            binary = self.binary if kind == "bin" else self.compare
            return self.fold(lambda env: binary(node, op, left(env), right(env)), left, right)
        if kind in ("and", "or"):
            left, right = self.compile(node[2]), self.compile(node[3])
            if kind == "and":
                return lambda env: _truth(left(env)) and _truth(right(env))
            return lambda env: _truth(left(env)) or _truth(right(env))
        if kind == "index":
            base, index = self.compile(node[2]), self.compile(node[3])
            return lambda env: self.index(node, base(env), index(env))
        inner = self.compile(node[2])
        if kind == "neg":
            def negate(env: Mapping[str, Any]) -> Any:
                value = inner(env)
                self.check_numeric(value, node)
                return -value
            return self.fold(negate, inner)
        if kind == "T":
            return lambda env: _transpose(inner(env))
        if kind == "not":
            return lambda env: not _truth(inner(env))
        raise AssertionError(f"unknown node {kind}")

    def constant(self, value: Any) -> Callable[[Mapping[str, Any]], Any]:
        def const(env: Mapping[str, Any]) -> Any:
            return value
        self.constants.add(const)
        return const

    def fold(self, fn: Callable[[Mapping[str, Any]], Any],
             *parts: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
        """`fn` evaluated once when all its operands are constants (``1/10``) and the result
        is a plain number; an error (``1/0``) is left to be raised on evaluation."""
        if not all(p in self.constants for p in parts):
            return fn
        try:
            value = fn({})
        except (ExprError, ArithmeticError, ValueError, TypeError, FloatingPointError):
            return fn
        return self.constant(value) if type(value) in _SCALARS or type(value) is bool else fn

    def scalar_op(self, node: Node, op: str, left: Callable[[Mapping[str, Any]], Any],
                  right: Callable[[Mapping[str, Any]], Any]
                  ) -> Callable[[Mapping[str, Any]], Any]:
        """+, - or * with the two-plain-numbers case done directly (`binary` does the rest)."""
        binary, apply, scalars = self.binary, _SCALAR_OPS[op], _SCALARS

        def scalar_or_binary(env: Mapping[str, Any]) -> Any:
            a, b = left(env), right(env)
            if type(a) in scalars and type(b) in scalars:
                return apply(a, b)
            return binary(node, op, a, b)
        return scalar_or_binary

    def compile_name(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        name = node[2]

        def lookup(env: Mapping[str, Any]) -> Any:
            try:
                return env[name]
            except KeyError:
                if name in CONSTANTS:
                    return CONSTANTS[name]
                raise self.error(f"unknown name {name!r}", node) from None
        return lookup

    def compile_list(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        parts = [self.compile(item) for item in node[2]]
        dtype = object if self.exact else float

        def make_list(env: Mapping[str, Any]) -> Any:
            items = [part(env) for part in parts]
            if any(_is_array(i) for i in items) and not all(
                    _is_array(i) and i.shape == items[0].shape for i in items):
                raise self.error("rows of a list must all have the same length", node,
                                 kind="shape")
            return np.array(items, dtype=dtype)
        return make_list

    def compile_call(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        name = node[2]
        parts = [self.compile(a) for a in node[3]]
        impl = FUNCTIONS[name][2]

        def call(env: Mapping[str, Any]) -> Any:
            args = [part(env) for part in parts]
            for arg in args:
                self.check_numeric(arg, node)
            try:
                return impl(*args)
            except (ValueError, OverflowError, ZeroDivisionError, TypeError) as exc:
                kind = "shape" if "shape" in str(exc) or "square" in str(exc) else "error"
                raise self.error(f"{name}(): {exc}", node, kind=kind) from None
        return call

    def index(self, node: Node, base: Any, i: Any) -> Any:
        if isinstance(base, list | tuple):
            base = np.array(base, dtype=object)
        if not _is_array(base) or base.ndim == 0:
            raise self.error("only vectors and matrices can be indexed", node)
        if isinstance(i, bool) or not isinstance(i, int | Fraction | float) or \
                Fraction(i).denominator != 1:
            raise self.error("an index must be a whole number", node)
        i = int(i)
        if not -base.shape[0] <= i < base.shape[0]:
            raise self.error(f"index {i} is out of range for length {base.shape[0]}", node)
        return base[i]

    def number(self, node: Node) -> Any:
        text = node[2]
        mantissa, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > MAX_EXPONENT_LITERAL:
            raise self.error("the exponent of this number is too large", node)
        if self.exact:
            value = Fraction(text)
            integral = value.denominator == 1 and "." not in mantissa and not exponent
            return value.numerator if integral else value
        if "." not in mantissa and not exponent:
            return int(text)
        return float(text)

    def check_numeric(self, value: Any, node: Node) -> None:
        if isinstance(value, str):
            raise self.error("text cannot be used in arithmetic", node)

    def binary(self, node: Node, op: str, a: Any, b: Any) -> Any:
        ta, tb = type(a), type(b)
        if ta in _SCALARS and tb in _SCALARS and op in _FAST_OPS:
            # the common case, two plain numbers: no array or type checks needed
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if b == 0:
                raise self.error("division by zero", node)
            if self.exact and ta is not float and tb is not float:
                return Fraction(a) / Fraction(b) if ta is int and tb is int else a / b
            return a / b
        self.check_numeric(a, node)
        self.check_numeric(b, node)
        a_arr, b_arr = _is_array(a), _is_array(b)
        try:
            if op == "^":
                return self.power(node, a, b)
            if op == "@":
                if not (a_arr and b_arr):
                    raise self.error("'@' needs two matrices", node, kind="shape")
                return self.matmul(node, a, b)
            if a_arr and b_arr:
                if op == "*" and a.ndim == 2 and b.ndim == 2:
                    return self.matmul(node, a, b)
                if a.shape != b.shape:
                    raise self.error(f"cannot combine shapes {_shape(a)} and {_shape(b)} "
                                     f"with {op!r}", node, kind="shape")
                if op in "*/" and a.ndim != 1:
                    raise self.error(f"{op!r} between two matrices is not defined here", node)
            elif ((a_arr and a.ndim > 1) or (b_arr and b.ndim > 1)) and op in "+-":
                raise self.error(f"cannot {'add' if op == '+' else 'subtract'} a scalar and "
                                 f"a {_shape(a if a_arr else b)} matrix", node, kind="shape")
            if op == "/" and b_arr:
                if any(v == 0 for v in b.ravel()):
                    raise self.error("division by zero", node)
            elif op == "/" and b == 0:
                raise self.error("division by zero", node)
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if self.exact:
                return _DIV_ARRAY(a, b) if a_arr or b_arr else _exact_div(a, b)
            return a / b
        except (TypeError, OverflowError, FloatingPointError) as exc:
            raise self.error(f"cannot compute {op!r} here ({exc})", node) from None

    def matmul(self, node: Node, a: Any, b: Any) -> Any:
        if a.ndim != 2 or b.ndim != 2:
            raise self.error("matrix product needs two matrices", node, kind="shape")
        if a.shape[1] != b.shape[0]:
            raise self.error(f"cannot multiply a {_shape(a)} matrix by a {_shape(b)} matrix",
                             node, kind="shape")
        result = a @ b
        return result

    def power(self, node: Node, a: Any, b: Any) -> Any:
        if _is_array(b):
            raise self.error("the exponent must be a number", node)
        if isinstance(b, int | Fraction) and Fraction(b).denominator == 1:
            n = int(b)
            if abs(n) > MAX_INT_POWER:
                raise self.error(f"the exponent {n} is too large (at most {MAX_INT_POWER})", node)
            if _is_array(a):
                if a.ndim != 1:
                    raise self.error("powers of a matrix are not supported", node, kind="shape")
                return np.array([self.scalar_power(node, v, n) for v in a], dtype=a.dtype)
            return self.scalar_power(node, a, n)
        if _is_array(a):
            raise self.error("vector powers need a whole-number exponent", node)
        base, exponent = float(a), float(b)
        if base < 0:
            raise self.error("a negative number to a fractional power", node)
        if base == 0 and exponent < 0:
            raise self.error("division by zero", node)
        try:
            result = base ** exponent
        except OverflowError:
            raise self.error("the result is too large", node) from None
        if not math.isfinite(result):
            raise self.error("the result is too large", node)
        return result

    def scalar_power(self, node: Node, a: Any, n: int) -> Any:
        if self.exact and isinstance(a, int | Fraction) and not isinstance(a, bool):
            q = Fraction(a)
            if q == 0 and n < 0:
                raise self.error("division by zero", node)
            bits = max(q.numerator.bit_length(), q.denominator.bit_length()) * abs(n)
            if bits > MAX_EXACT_BITS:
                raise self.error("the result is too large", node)
            return q ** n
        x = float(a)
        if x == 0 and n < 0:
            raise self.error("division by zero", node)
        try:
            result = x ** n
        except OverflowError:
            raise self.error("the result is too large", node) from None
        if not math.isfinite(result):
            raise self.error("the result is too large", node)
        return result

    def compare(self, node: Node, op: str, a: Any, b: Any) -> Any:
        if _is_array(a) or _is_array(b):
            if op in ("==", "!="):
                same = _is_array(a) and _is_array(b) and a.shape == b.shape and \
                    all(x == y for x, y in zip(a.ravel(), b.ravel(), strict=True))
                return same if op == "==" else not same
            raise self.error("ordering comparisons need scalars (compare min(x) or max(x))", node)
        try:
            if op == "<":
                return a < b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            if op == ">=":
                return a >= b
            if op == "==":
                return a == b
            return a != b
        except TypeError:
            raise self.error(f"cannot compare {type(a).__name__} and {type(b).__name__}",
                             node) from None


def evaluate(expr: Expr, env: Mapping[str, Any], *, exact: bool = True,
             guarded: bool = True) -> Any:
    """Evaluate `expr` with the values in `env` (already in the domain of the chosen mode).

    Numeric mode runs under ``np.errstate(...="raise")`` so overflow is an error, not inf;
    `guarded=False` means the caller already holds that state (entering it costs ~20 µs).
    """
    if exact or not guarded:
        return _run(expr, env, exact)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return _run(expr, env, exact)


def _run(expr: Expr, env: Mapping[str, Any], exact: bool) -> Any:
    try:
        fn = expr.compiled.get(exact)
        if fn is None:
            fn = expr.compiled[exact] = _Evaluator(expr, exact).compile(expr.root)
        return fn(env)
    except FloatingPointError as exc:
        raise ExprError(f"the value cannot be computed ({exc})", expr.text, 0) from None
    except RecursionError:
        raise ExprError("expression is nested too deeply", expr.text, 0) from None


# --------------------------------------------------------------------------- printing

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "@": 6,
         "neg": 7, "^": 8, "T": 9}


def unparse(node: Node) -> str:
    """Canonical text of a syntax tree, with the parentheses the reader needs and no more."""
    text, _ = _unparse(node)
    return text


def _unparse(node: Node) -> tuple[str, int]:
    kind = node[0]
    if kind == "num":
        return node[2], 10
    if kind == "name":
        return node[2], 10
    if kind == "call":
        return f"{node[2]}({', '.join(unparse(a) for a in node[3])})", 10
    if kind == "list":
        return "[" + ", ".join(unparse(a) for a in node[2]) + "]", 10
    if kind == "index":
        inner, p = _unparse(node[2])
        return (inner if p >= 10 else f"({inner})") + f"[{unparse(node[3])}]", 10
    if kind == "T":
        inner, p = _unparse(node[2])
        return (inner if p >= 10 else f"({inner})") + "^T", 9
    if kind == "neg":
        inner, p = _unparse(node[2])
        return "-" + (inner if p > 7 else f"({inner})"), 7
    if kind == "not":
        inner, p = _unparse(node[2])
        return "not " + (inner if p >= 3 else f"({inner})"), 3
    if kind in ("and", "or"):
        prec = _PREC[kind]
        left, lp = _unparse(node[2])
        right, rp = _unparse(node[3])
        return f"{_wrap(left, lp, prec)} {kind} {_wrap(right, rp, prec + 1)}", prec
    op = node[2]
    prec = _PREC["cmp"] if kind == "cmp" else _PREC[op]
    left, lp = _unparse(node[3])
    right, rp = _unparse(node[4])
    if op == "^":
        return f"{_wrap(left, lp, prec + 2)}^{_wrap(right, rp, prec)}", prec
    sep = f" {op} " if op in "+-" or kind == "cmp" else op
    left_need = prec + 1 if kind == "cmp" else prec
    return f"{_wrap(left, lp, left_need)}{sep}{_wrap(right, rp, prec + 1)}", prec


def _wrap(text: str, p: int, need: int) -> str:
    return text if p >= need else f"({text})"
