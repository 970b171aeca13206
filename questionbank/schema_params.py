"""Validating a template's ``params``: one `ParamSpec` per random parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionbank.schema_fields import (
    Ctx,
    check_keys,
    check_one_of,
    describe,
    freeze,
    join_key,
    line_of,
    read_expr,
    read_number,
    read_number_or_expr,
)
from questionbank.specs import (
    MAX_LENGTH,
    MAX_MATRIX_SIDE,
    PARAM_TYPES,
    SCALAR_PARAM_TYPES,
    ParamSpec,
)
from questionbank.yamlsafe import LineDict

__all__ = ["read_param"]


#: the keys each param type takes (every other spec key is an error for it)
_TAKES = {
    "int": ("min", "max"), "decimal": ("min", "max", "step"), "choice": ("values",),
    "bool": ("p",), "vector": ("length", "of"), "matrix": ("rows", "cols", "of"),
    "mask": ("length", "p"),
}
_SPEC_KEYS = ("min", "max", "step", "values", "p", "length", "rows", "cols", "of")


def read_param(ctx: Ctx, name: str, node: Any, path: str, names: set[str], line: int | None,
               nested: bool = False) -> ParamSpec:
    """The spec of param `name`; `names` are the earlier params its numbers may use, and a
    `nested` spec (the entries of a vector or matrix) must be of a scalar type."""
    if not isinstance(node, dict):
        ctx.fail(path, f"expected a mapping with a 'type', got {describe(node)}", line=line)
    check_keys(ctx, path, node, "param", required=("type",))
    ptype = check_one_of(ctx, node, "type", path, SCALAR_PARAM_TYPES if nested else PARAM_TYPES)
    line = node.line if isinstance(node, LineDict) else line or 0
    _check_applicable(ctx, node, path, ptype)
    if ptype in ("int", "decimal"):
        return _range(ctx, name, node, path, names, ptype, line)
    if ptype == "choice":
        values = node["values"]
        if not isinstance(values, list) or not values:
            ctx.fail(join_key(path, "values"), "expected a non-empty list, got "
                     f"{describe(values)}", line=line_of(node, "values"))
        return ParamSpec(name, "choice", line, values=tuple(freeze(v) for v in values))
    if ptype in ("bool", "mask"):
        p = read_number(ctx, node, "p", path, 0.5)
        if not 0 <= p <= 1:
            ctx.fail(join_key(path, "p"), f"expected a probability from 0 to 1, got {p!r}",
                     line=line_of(node, "p"))
        if ptype == "bool":
            return ParamSpec(name, "bool", line, p=p)
        return ParamSpec(name, "mask", line, p=p, length=_length(ctx, node, "length", path, names))
    of = read_param(ctx, name, node["of"], join_key(path, "of"), names, line_of(node, "of"),
                    nested=True)
    if ptype == "vector":
        return ParamSpec(name, "vector", line, length=_length(ctx, node, "length", path, names),
                         of=of)
    return ParamSpec(name, "matrix", line, rows=_length(ctx, node, "rows", path, names),
                     cols=_length(ctx, node, "cols", path, names), of=of)


def _check_applicable(ctx: Ctx, node: Mapping[str, Any], path: str, ptype: str) -> None:
    """Every key the type takes is given (``p`` has a default), and no other."""
    takes = _TAKES[ptype]
    for k in _SPEC_KEYS:
        if k in node and k not in takes:
            article = "an" if ptype == "int" else "a"
            ctx.fail(join_key(path, k), f"{k!r} does not apply to {article} {ptype} parameter "
                     f"(it takes: {', '.join(takes)})", line=line_of(node, k))
    for k in takes:
        if k not in node and k != "p":
            ctx.fail(path, f"a {ptype} parameter needs {k!r}", node)


def _range(ctx: Ctx, name: str, node: Mapping[str, Any], path: str, names: set[str],
           ptype: str, line: int) -> ParamSpec:
    """An int or decimal param: ``min`` and ``max`` (numbers or expressions of earlier
    params), and a decimal's ``step``."""
    lo = read_number_or_expr(ctx, node, "min", path, names)
    hi = read_number_or_expr(ctx, node, "max", path, names)
    step = None
    if ptype == "int":
        for k, v in (("min", lo), ("max", hi)):
            if isinstance(v, float):
                ctx.fail(join_key(path, k), f"expected a whole number, got {v!r}",
                         line=line_of(node, k))
    else:
        step = read_number(ctx, node, "step", path, 0.1, positive=True)
    if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
        ctx.fail(path, f"min ({lo}) is greater than max ({hi})", node)
    return ParamSpec(name, ptype, line, min=lo, max=hi, step=step)


def _length(ctx: Ctx, node: Mapping[str, Any], key: str, path: str, names: set[str]) -> Any:
    """A length: a whole number, ``[lo, hi]`` (uniform), or an expression of earlier params;
    at most `MAX_LENGTH` (`MAX_MATRIX_SIDE` for a matrix's rows and cols)."""
    limit = MAX_LENGTH if key == "length" else MAX_MATRIX_SIDE
    noun = "lengths" if key == "length" else "matrix rows and cols"
    value = node[key]
    line = line_of(node, key)
    if isinstance(value, list):
        if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                      for v in value) or value[0] > value[1]:
            ctx.fail(join_key(path, key), "expected [min, max] with 1 <= min <= max, got "
                     f"{value!r}", line=line)
        if value[1] > limit:
            ctx.fail(join_key(path, key), f"{noun} are limited to {limit}", line=line)
        return (value[0], value[1])
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= limit:
            ctx.fail(join_key(path, key), f"expected a length from 1 to {limit}, got {value}",
                     line=line)
        return value
    return read_expr(ctx, value, join_key(path, key), line, names)

