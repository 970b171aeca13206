"""Reading the fields of a template document: each reader checks one value's type and fails
with a `TemplateError` naming ``file:line``, the key path, what was expected and what was found
(with a "did you mean" when a known word is close)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from questionbank.errors import TemplateError
from questionbank.expr import CONSTANTS, Expr, ExprError, parse
from questionbank.specs import SCHEMA_KEYS
from questionbank.yamlsafe import LineDict, LineList

__all__ = [
    "ID_PATTERN", "NAME_PATTERN", "RESERVED", "Ctx", "check_keys", "check_one_of", "describe",
    "did_you_mean", "freeze", "join_key", "line_of", "read_bool", "read_expr", "read_int",
    "read_number", "read_number_or_expr", "read_strings", "read_text", "text_line",
]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: names a param, derived value or symbol may not take (keywords and text variables)
RESERVED = {"and", "or", "not", "T", "pi", "params", "answers", "mistake", "mistake_text",
            "table", "matrix"}


class Ctx:
    """Where we are in the document: the file and a key path, for error messages."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, message: str, node: Any = None,
             line: int | None = None) -> NoReturn:
        """Raise the `TemplateError` for `key`, at `line` or else at the line of `node`."""
        if line is None:
            line = getattr(node, "line", None) or None
        raise TemplateError(message, path=self.path, line=line, key=key or None)


def describe(value: Any) -> str:
    """A found value as an error message shows it (short, and saying what kind it is)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, known: Sequence[str], cutoff: float) -> str:
    """``"; did you mean 'x'?"`` when a known word is close to `word`, else ``""``."""
    import difflib  # only for an error's hint (0.6 ms at start-up otherwise)

    close = difflib.get_close_matches(word, known, n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_one_of(ctx: Ctx, node: Mapping[str, Any], key: str, path: str,
                 allowed: Sequence[str]) -> Any:
    """`node[key]`, which must be one of the words `allowed` (a close one is suggested)."""
    value = node[key]
    if value not in allowed:
        ctx.fail(join_key(path, key), f"expected one of {', '.join(allowed)}, got "
                 f"{describe(value)}{did_you_mean(str(value), allowed, 0.5)}",
                 line=line_of(node, key))
    return value


def check_keys(ctx: Ctx, key: str, node: Any, kind: str, required: tuple[str, ...] = ()) -> None:
    """`node` is a mapping with only the keys `SCHEMA_KEYS[kind]` allows, and the `required`."""
    if not isinstance(node, dict):
        ctx.fail(key, f"expected a mapping, got {describe(node)}", node)
    allowed = SCHEMA_KEYS[kind]
    for k in node:
        if k not in allowed:
            line = node.line_of(k) if isinstance(node, LineDict) else None
            hint = did_you_mean(str(k), allowed, 0.6) or f" (allowed: {', '.join(allowed)})"
            ctx.fail(join_key(key, str(k)), f"unknown key {str(k)!r}{hint}", line=line)
    for k in required:
        if k not in node:
            ctx.fail(key, f"missing required key {k!r}", node)


def join_key(key: str, sub: str) -> str:
    """The key path of `sub` inside `key` (``parts.p1`` + ``answer``)."""
    return f"{key}.{sub}" if key else sub


def text_line(node: Any, key: str) -> int:
    """The first line of a text value (0 when unknown)."""
    return node.text_line(key) if isinstance(node, LineDict) and key in node else 0


def line_of(node: Any, key: Any) -> int | None:
    """The line of a mapping's key or a list's item (None when unknown)."""
    if isinstance(node, LineDict | LineList):
        return node.line_of(key)
    return None


def read_text(ctx: Ctx, node: Mapping[str, Any], key: str, path: str, default: str | None = None,
              required: bool = False) -> str:
    """Text at `key` (`default`, or ``""``, when absent and not `required`)."""
    if key not in node:
        if required:
            ctx.fail(path, f"missing required key {key!r}", node)
        return default if default is not None else ""
    value = node[key]
    if not isinstance(value, str):
        ctx.fail(join_key(path, key), f"expected text, got {describe(value)}",
                 line=line_of(node, key))
    return value


def read_number(ctx: Ctx, node: Mapping[str, Any], key: str, path: str, default: float,
                positive: bool = False) -> float:
    """A number (int or float, not a boolean) at `key`, > 0 when `positive`."""
    if key not in node:
        return default
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.fail(join_key(path, key), f"expected a number, got {describe(value)}",
                 line=line_of(node, key))
    if positive and not value > 0:
        ctx.fail(join_key(path, key), f"expected a positive number, got {value!r}",
                 line=line_of(node, key))
    return value


def read_int(ctx: Ctx, node: Mapping[str, Any], key: str, path: str, default: int,
             lo: int | None = None, hi: int | None = None) -> int:
    """A whole number at `key`, within [`lo`, `hi`] where given."""
    if key not in node:
        return default
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(join_key(path, key), f"expected a whole number, got {describe(value)}",
                 line=line_of(node, key))
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        ctx.fail(join_key(path, key), f"expected a whole number from {lo} to {hi}, got {value}",
                 line=line_of(node, key))
    return value


def read_bool(ctx: Ctx, node: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
    """True or false at `key`."""
    if key not in node:
        return default
    value = node[key]
    if not isinstance(value, bool):
        ctx.fail(join_key(path, key), f"expected true or false, got {describe(value)}",
                 line=line_of(node, key))
    return value


def read_expr(ctx: Ctx, text: Any, key: str, line: int | None,
              names: set[str] | None = None) -> Expr:
    """An expression (a number is its text), parsed; with `names`, it may use only those."""
    if isinstance(text, bool):
        ctx.fail(key, f"expected an expression, got {describe(text)}", line=line)
    if isinstance(text, int | float):
        text = repr(text)
    if not isinstance(text, str):
        ctx.fail(key, f"expected an expression, got {describe(text)}", line=line)
    try:
        expr = parse(text)
    except ExprError as exc:
        ctx.fail(key, "invalid expression: " + exc.render().replace("\n", "\n    "), line=line)
    if names is not None:
        unknown = sorted(expr.names - names - CONSTANTS.keys())
        if unknown:
            hint = did_you_mean(unknown[0], sorted(names), 0.6)
            ctx.fail(key, f"unknown name {unknown[0]!r} in expression {text!r}{hint}", line=line)
    return expr


def read_number_or_expr(ctx: Ctx, node: Mapping[str, Any], key: str, path: str,
                        names: set[str]) -> Any:
    """A number as is, or a string compiled to an expression over earlier params."""
    if key not in node:
        return None
    value = node[key]
    if isinstance(value, bool):
        ctx.fail(join_key(path, key), "expected a number or an expression, got "
                 f"{describe(value)}", line=line_of(node, key))
    if isinstance(value, int | float):
        return value
    return read_expr(ctx, value, join_key(path, key), line_of(node, key), names)


def freeze(value: Any) -> Any:
    """Plain, immutable copies of YAML data (LineDict -> dict, LineList -> tuple)."""
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def read_strings(ctx: Ctx, node: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    if key not in node:
        return ()
    value = node[key]
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        ctx.fail(join_key(path, key), f"expected a list of texts, got {describe(value)}",
                 line=line_of(node, key))
    for i, item in enumerate(value):
        if not isinstance(item, str):
            tip = " (quote a text that contains ': ')" if isinstance(item, dict) else ""
            ctx.fail(f"{join_key(path, key)}[{i}]", f"expected text, got {describe(item)}{tip}",
                     line=line_of(value, i))
    return tuple(value)

