"""Validating a template's ``parts``: answer, tolerance, mistakes, options and symbols."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionbank.expr import Expr, ExprError, parse
from questionbank.schema_fields import (
    ID_PATTERN,
    NAME_PATTERN,
    RESERVED,
    Ctx,
    check_keys,
    check_one_of,
    describe,
    join_key,
    line_of,
    read_bool,
    read_expr,
    read_int,
    read_number,
    read_strings,
    read_text,
    text_line,
)
from questionbank.specs import ANSWER_TYPES, MistakeSpec, OptionSpec, PartSpec
from questionbank.tolerance import MODES, Tolerance
from questionbank.yamlsafe import LineDict

__all__ = ["read_part"]


def _tolerance(ctx: Ctx, node: Any, path: str, line: int | None) -> Tolerance:
    """A part's ``tolerance``: a mode and its value (and the floor of ``rel``)."""
    if not isinstance(node, dict):
        ctx.fail(path, "expected a mapping such as {mode: rel, value: 0.005}, got "
                 f"{describe(node)}", line=line)
    check_keys(ctx, path, node, "tolerance", required=("mode", "value"))
    mode = check_one_of(ctx, node, "mode", path, MODES)
    value: float  # a whole number of figures or places, or a fraction / an amount
    if mode in ("sigfigs", "decimals"):
        value = read_int(ctx, node, "value", path, 3, lo=0 if mode == "decimals" else 1, hi=15)
    else:
        value = read_number(ctx, node, "value", path, 0.005, positive=True)
    floor = read_number(ctx, node, "floor", path, 1e-9)
    if floor < 0:
        ctx.fail(join_key(path, "floor"), f"expected a number >= 0, got {floor!r}",
                 line=line_of(node, "floor"))
    return Tolerance(mode=mode, value=value, floor=floor)


def read_part(ctx: Ctx, node: Any, path: str, names: set[str], line: int | None) -> PartSpec:
    """One part; `names` are the params, derived and solver values its expressions may use."""
    if not isinstance(node, dict):
        ctx.fail(path, f"expected a mapping, got {describe(node)}", line=line)
    check_keys(ctx, path, node, "part", required=("id", "type"))
    pid = read_text(ctx, node, "id", path)
    if not NAME_PATTERN.match(pid):
        ctx.fail(join_key(path, "id"), f"expected a name of letters, digits and _, got {pid!r}",
                 line=line_of(node, "id"))
    path = f"parts.{pid}"
    ptype = check_one_of(ctx, node, "type", path, ANSWER_TYPES)
    answer = _answer(ctx, node, path, ptype, names)
    tolerance = None
    if "tolerance" in node:
        if ptype not in ("number", "vector", "matrix"):
            ctx.fail(join_key(path, "tolerance"), f"a {ptype} answer is compared exactly; "
                     "tolerance applies to number, vector and matrix parts",
                     line=line_of(node, "tolerance"))
        tolerance = _tolerance(ctx, node["tolerance"], join_key(path, "tolerance"),
                               line_of(node, "tolerance"))
    points = read_number(ctx, node, "points", path, 1.0, positive=True)
    mistakes = _mistakes(ctx, node, path, names, ptype)
    options, symbols = _options_and_symbols(ctx, node, path, ptype, names)
    fmt = read_text(ctx, node, "format", path) or None
    if fmt is not None and fmt not in ("fraction", "decimal"):
        ctx.fail(join_key(path, "format"), f"expected 'fraction' or 'decimal', got {fmt!r}",
                 line=line_of(node, "format"))
    return PartSpec(
        id=pid, type=ptype, prompt=read_text(ctx, node, "prompt", path),
        line=node.line if isinstance(node, LineDict) else 0, answer=answer,
        points=points, tolerance=tolerance, hints=read_strings(ctx, node, "hints", path),
        mistakes=mistakes, options=options, shuffle=read_bool(ctx, node, "shuffle", path, True),
        partial=read_bool(ctx, node, "partial", path, ptype == "choices"), symbols=symbols,
        format=fmt,
        solution=read_text(ctx, node, "solution", path) or None,
        prompt_line=text_line(node, "prompt"),
    )


def _answer(ctx: Ctx, node: Mapping[str, Any], path: str, ptype: str,
            names: set[str]) -> Expr | str | None:
    """The part's ``answer``: the text of an expression answer, else an expression over
    `names` (None when a solver value of the part's id gives it; choice parts have none)."""
    if "answer" not in node:
        return None
    key, line = join_key(path, "answer"), line_of(node, "answer")
    if ptype == "expression":
        return _expression_text(ctx, node["answer"], key, line)
    if ptype in ("choice", "choices"):
        ctx.fail(key, "a choice part marks its answer with 'correct' on its options", line=line)
    return read_expr(ctx, node["answer"], key, line, names)


def _options_and_symbols(ctx: Ctx, node: Mapping[str, Any], path: str, ptype: str,
                         names: set[str]) -> tuple[tuple[OptionSpec, ...], Any]:
    """The options of a choice part and the symbols of an expression part (each is an error
    on the other types)."""
    options: tuple[OptionSpec, ...] = ()
    if ptype in ("choice", "choices"):
        if "options" not in node:
            ctx.fail(path, f"a {ptype} part needs 'options'", node)
        options = _options(ctx, node["options"], join_key(path, "options"),
                           line_of(node, "options"), names)
    elif "options" in node:
        ctx.fail(join_key(path, "options"), "options apply to choice and choices parts",
                 line=line_of(node, "options"))
    symbols = None
    if ptype == "expression":
        if "symbols" not in node:
            ctx.fail(path, "an expression part needs 'symbols' (name: shape)", node)
        symbols = _symbols(ctx, node["symbols"], join_key(path, "symbols"),
                           line_of(node, "symbols"))
    elif "symbols" in node:
        ctx.fail(join_key(path, "symbols"), "symbols apply to expression parts",
                 line=line_of(node, "symbols"))
    return options, symbols


def _expression_text(ctx: Ctx, value: Any, path: str, line: int | None) -> str:
    """An expression answer is the answer's text in the student language; check it parses."""
    if not isinstance(value, str):
        ctx.fail(path, f"expected the answer expression as text, got {describe(value)}",
                 line=line)
    try:
        parse(value, allow_logic=False)
    except ExprError as exc:
        ctx.fail(path, "invalid expression: " + exc.render().replace("\n", "\n    "), line=line)
    return value


def _symbols(ctx: Ctx, node: Any, path: str, line: int | None) -> Any:
    if isinstance(node, str):
        if not NAME_PATTERN.match(node):
            ctx.fail(path, f"expected a mapping or the name of a solver value, got {node!r}",
                     line=line)
        return node
    if not isinstance(node, dict) or not node:
        ctx.fail(path, f"expected a mapping of symbol: shape, got {describe(node)}", line=line)
    result: dict[str, tuple[Any, ...]] = {}
    for name, shape in node.items():
        sline = line_of(node, name)
        if not isinstance(name, str) or not NAME_PATTERN.match(name) or name in RESERVED:
            ctx.fail(join_key(path, str(name)), f"not a usable symbol name: {name!r}", line=sline)
        if not isinstance(shape, list) or not 1 <= len(shape) <= 2 or not all(
                (isinstance(d, str) and NAME_PATTERN.match(d)) or (isinstance(d, int) and
                not isinstance(d, bool) and d >= 1) for d in shape):
            ctx.fail(join_key(path, name), "expected a shape such as [n, m] or [n, 1] "
                     f"(names or positive whole numbers), got {describe(shape)}", line=sline)
        result[name] = tuple(shape)
    return result


def _mistakes(ctx: Ctx, node: Mapping[str, Any], path: str, names: set[str],
              ptype: str) -> tuple[MistakeSpec, ...] | str:
    if "mistakes" not in node:
        return ()
    items = node["mistakes"]
    if ptype in ("choice", "choices") and items:
        ctx.fail(join_key(path, "mistakes"), "for choice parts, put the feedback on the options",
                 line=line_of(node, "mistakes"))
    if isinstance(items, str):
        if not NAME_PATTERN.match(items) or items not in names:
            ctx.fail(join_key(path, "mistakes"), f"expected a list of mistakes or the name of a "
                     f"solver value that holds them, got {items!r}", line=line_of(node, "mistakes"))
        return items
    if not isinstance(items, list):
        ctx.fail(join_key(path, "mistakes"), f"expected a list, got {describe(items)}",
                 line=line_of(node, "mistakes"))
    seen: set[str] = set()
    result: list[MistakeSpec] = []
    for i, item in enumerate(items):
        ipath = f"{path}.mistakes[{i}]"
        line = line_of(items, i)
        if not isinstance(item, dict):
            ctx.fail(ipath, f"expected a mapping, got {describe(item)}", line=line)
        check_keys(ctx, ipath, item, "mistake", required=("id", "answer", "feedback"))
        mid = read_text(ctx, item, "id", ipath)
        if not ID_PATTERN.match(mid):
            ctx.fail(join_key(ipath, "id"), f"expected a lower-case id like 'recall-for-precision',"
                     f" got {mid!r}", line=line_of(item, "id"))
        if mid in seen:
            ctx.fail(join_key(ipath, "id"), f"duplicate mistake id {mid!r}",
                     line=line_of(item, "id"))
        seen.add(mid)
        if ptype == "expression":
            answer: Expr | str = _expression_text(ctx, item["answer"], join_key(ipath, "answer"),
                                                  line_of(item, "answer"))
        else:
            answer = read_expr(ctx, item["answer"], join_key(ipath, "answer"),
                               line_of(item, "answer"), names)
        when = None
        if "when" in item:
            when = read_expr(ctx, item["when"], join_key(ipath, "when"), line_of(item, "when"),
                             names)
        result.append(MistakeSpec(id=mid, answer=answer, feedback=read_text(ctx, item, "feedback",
                                  ipath), line=line or 0, when=when))
    return tuple(result)


def _options(ctx: Ctx, items: Any, path: str, line: int | None,
             names: set[str]) -> tuple[OptionSpec, ...]:
    if not isinstance(items, list) or len(items) < 2:
        ctx.fail(path, f"expected a list of at least 2 options, got {describe(items)}",
                 line=line)
    if len(items) > 26:
        ctx.fail(path, "at most 26 options (A to Z)", line=line)
    result: list[OptionSpec] = []
    for i, item in enumerate(items):
        ipath = f"{path}[{i}]"
        iline = line_of(items, i)
        if not isinstance(item, dict):
            ctx.fail(ipath, f"expected a mapping with 'text' and 'correct', got "
                     f"{describe(item)}", line=iline)
        check_keys(ctx, ipath, item, "option", required=("text",))
        correct_raw = item.get("correct", False)
        correct: Expr | bool
        if isinstance(correct_raw, bool):
            correct = correct_raw
        else:
            correct = read_expr(ctx, correct_raw, join_key(ipath, "correct"),
                                line_of(item, "correct"), names)
        oid = read_text(ctx, item, "id", ipath) or f"option-{i + 1}"
        if any(o.id == oid for o in result):
            ctx.fail(join_key(ipath, "id"), f"duplicate option id {oid!r}",
                     line=line_of(item, "id"))
        result.append(OptionSpec(text=read_text(ctx, item, "text", ipath, required=True),
                                 correct=correct, feedback=read_text(ctx, item, "feedback", ipath),
                                 id=oid, line=iline or 0))
    return tuple(result)

