"""Reading the expression language: tokenizer, parser, the `Expr` tree and `unparse`.

The grammar and its limits are described in the package docstring (`questionbank.expr`). A
syntax tree is nested tuples ``(kind, pos, ...)`` (cheap to build and to walk); `unparse` writes
one back with the parentheses a reader needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from questionbank.errors import AnswerError
from questionbank.expr.functions import CONSTANTS, FUNCTIONS

__all__ = ["Expr", "ExprError", "Node", "parse", "unparse"]

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_DIGITS = 40


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

    def makes_arrays(self) -> bool:
        """Whether evaluating it can make an array from scalars (a list, ``zeros(n)``): the
        code that evaluates it then loads numpy first (see `questionbank.arrays`)."""
        return _makes_arrays(self.root)


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
        return self.logic_chain("or", self.and_expr)

    def and_expr(self) -> Node:
        return self.logic_chain("and", self.not_expr)

    def logic_chain(self, word: str, operand: Callable[[], Node]) -> Node:
        """``operand (word operand)*``, grouped from the left (``a or b or c``)."""
        left = operand()
        while self.peek().kind == "name" and self.peek().text == word:
            tok = self.logic_tok()
            left = self.node(word, tok.pos, left, operand())
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
            items = self.comma_list("]")
            self.depth -= 1
            self.expect("]")
            if not items:
                raise self.error("empty list", tok.pos)
            return self.node("list", tok.pos, tuple(items))
        if tok.kind == "end":
            raise self.error("the expression ends too early", tok.pos)
        raise self.error(f"unexpected {tok.text!r}", tok.pos)

    def comma_list(self, close: str) -> list[Node]:
        """``item (, item)*`` up to the `close` bracket (left for the caller), or nothing when
        the bracket comes first."""
        items: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == close):
            items.append(self.or_expr())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.next()
                items.append(self.or_expr())
        return items

    def call(self, name_tok: _Tok) -> Node:
        open_tok = self.expect("(")
        self.enter(open_tok.pos)
        args = self.comma_list(")")
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



# --------------------------------------------------------------------------- printing

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "@": 6,
         "neg": 7, "^": 8, "T": 9}


def _makes_arrays(node: Node) -> bool:
    kind = node[0]
    if kind == "list" or (kind == "call" and node[2] == "zeros"):
        return True
    for item in node[2:]:  # a child node, or a tuple of them (a call's arguments)
        if type(item) is tuple and any(_makes_arrays(child) for child in (
                (item,) if item and type(item[0]) is str else item)):
            return True
    return False


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
