"""Validation of a loaded template document into frozen dataclasses.

Every problem is a `TemplateError` naming ``file:line``, the key path, what was expected and what
was found; unknown keys are errors with a "did you mean" when a known key is close. The JSON
Schema in ``template.schema.json`` describes the same format for editors; a test keeps the two
in sync through `SCHEMA_KEYS`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from questionbank.errors import TemplateError
from questionbank.expr import CONSTANTS, FUNCTIONS, Expr, ExprError, parse
from questionbank.tolerance import MODES, Tolerance
from questionbank.yamlsafe import LineDict, LineList

__all__ = [
    "ANSWER_TYPES", "PARAM_TYPES", "SCHEMA_KEYS", "MistakeSpec", "OptionSpec", "ParamSpec",
    "PartSpec", "Template", "TestCase", "validate_template",
]

ANSWER_TYPES = ("number", "integer", "vector", "matrix", "shape", "choice", "choices",
                "expression")
PARAM_TYPES = ("int", "decimal", "choice", "bool", "vector", "matrix", "mask")
SCALAR_PARAM_TYPES = ("int", "decimal", "choice", "bool")

#: The keys allowed in each kind of mapping (the JSON Schema test compares against these).
SCHEMA_KEYS: dict[str, tuple[str, ...]] = {
    "template": ("id", "title", "topic", "tags", "difficulty", "version", "description",
                 "params", "constraints", "derived", "solver", "prompt", "solution", "parts",
                 "tests", "max_tries"),
    "param": ("type", "min", "max", "step", "values", "p", "length", "rows", "cols", "of",
              "description"),
    "constraint": ("expr", "message"),
    "part": ("id", "type", "prompt", "answer", "points", "tolerance", "hints", "mistakes",
             "options", "shuffle", "partial", "symbols", "format", "solution"),
    "tolerance": ("mode", "value", "floor"),
    "mistake": ("id", "answer", "feedback", "when"),
    "option": ("text", "correct", "feedback", "id"),
    "test": ("name", "params", "expect"),
}

_ID = re.compile(r"^[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = {"and", "or", "not", "T", "pi", "params", "answers", "mistake", "mistake_text",
             "table", "matrix"}


@dataclass(frozen=True)
class ParamSpec:
    """One random parameter: how to sample it. Numbers/lengths may be expressions of earlier
    parameters (`Expr`), so a mask can take the length of the activations it masks."""

    name: str
    type: str
    line: int
    min: Any = None
    max: Any = None
    step: Any = None
    values: tuple[Any, ...] = ()
    p: Any = 0.5
    length: Any = None
    rows: Any = None
    cols: Any = None
    of: ParamSpec | None = None


@dataclass(frozen=True)
class Constraint:
    """A condition every sample must meet; resampled a bounded number of times."""

    expr: Expr
    message: str
    line: int


@dataclass(frozen=True)
class MistakeSpec:
    """A wrong answer a student is likely to give, with the feedback that explains it."""

    id: str
    answer: Expr | str
    feedback: str
    line: int
    when: Expr | None = None


@dataclass(frozen=True)
class OptionSpec:
    """One option of a choice part; `correct` is a constant or an expression of the params."""

    text: str
    correct: Expr | bool
    feedback: str
    id: str
    line: int


@dataclass(frozen=True)
class PartSpec:
    """One answerable part of a question."""

    id: str
    type: str
    prompt: str
    line: int
    answer: Expr | str | None = None
    points: float = 1.0
    tolerance: Tolerance | None = None
    hints: tuple[str, ...] = ()
    #: declared mistakes, or the name of a solver value listing {id, answer, feedback} mappings
    mistakes: tuple[MistakeSpec, ...] | str = ()
    options: tuple[OptionSpec, ...] = ()
    shuffle: bool = True
    #: partial credit: per option for choices (the default there), per entry for vectors
    partial: bool = False
    symbols: Mapping[str, tuple[Any, ...]] | str | None = None
    format: str | None = None
    solution: str | None = None
    #: the line where the prompt text starts (Jinja errors are reported relative to it)
    prompt_line: int = 0


@dataclass(frozen=True)
class TestCase:
    """Fixed params with expected answers, e.g. a worked example of the course notes."""

    __test__ = False  # not a pytest test class

    name: str
    params: Mapping[str, Any]
    expect: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class Template:
    """A validated question template."""

    id: str
    title: str
    topic: str
    path: str
    tags: tuple[str, ...] = ()
    difficulty: int = 2
    version: int = 1
    description: str = ""
    params: tuple[ParamSpec, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    derived: tuple[tuple[str, Expr, int], ...] = ()
    solver: str | None = None
    prompt: str = ""
    solution: str = ""
    parts: tuple[PartSpec, ...] = ()
    tests: tuple[TestCase, ...] = ()
    max_tries: int = 1000
    source: str = field(default="", repr=False, compare=False)
    #: where the texts start: {"prompt": line, "solution": line}, for Jinja error lines
    text_lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)

    def part(self, part_id: str) -> PartSpec:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise KeyError(part_id)

    @cached_property
    def sampling_names(self) -> frozenset[str]:
        """The params that other params' specs refer to (a mask of length ``len(a)``):
        sampling needs these in the exact domain as it goes, the others only at the end."""
        names: set[str] = set()
        specs = list(self.params)
        while specs:
            spec = specs.pop()
            for value in (spec.min, spec.max, spec.step, spec.p, spec.length, spec.rows,
                          spec.cols):
                if isinstance(value, Expr):
                    names |= value.names
            if spec.of is not None:
                specs.append(spec.of)
        return frozenset(names)


# --------------------------------------------------------------------------- validation helpers


class _Ctx:
    """Where we are in the document: the file and a key path, for error messages."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, message: str, node: Any = None, line: int | None = None) -> None:
        if line is None:
            line = getattr(node, "line", None) or None
        raise TemplateError(message, path=self.path, line=line, key=key or None)


def _describe(value: Any) -> str:
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


def _check_keys(ctx: _Ctx, key: str, node: Any, kind: str, required: tuple[str, ...] = ()) -> None:
    if not isinstance(node, dict):
        ctx.fail(key, f"expected a mapping, got {_describe(node)}", node)
    allowed = SCHEMA_KEYS[kind]
    for k in node:
        if k not in allowed:
            line = node.line_of(k) if isinstance(node, LineDict) else None
            close = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else \
                f" (allowed: {', '.join(allowed)})"
            ctx.fail(_join(key, str(k)), f"unknown key {str(k)!r}{hint}", line=line)
    for k in required:
        if k not in node:
            ctx.fail(key, f"missing required key {k!r}", node)


def _join(key: str, sub: str) -> str:
    return f"{key}.{sub}" if key else sub


def _text_line(node: Any, key: str) -> int:
    """The first line of a text value (0 when unknown)."""
    return node.text_line(key) if isinstance(node, LineDict) and key in node else 0


def _line(node: Any, key: Any) -> int | None:
    if isinstance(node, LineDict | LineList):
        return node.line_of(key)
    return None


def _str(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str, default: str | None = None,
         required: bool = False) -> str:
    if key not in node:
        if required:
            ctx.fail(path, f"missing required key {key!r}", node)
        return default if default is not None else ""
    value = node[key]
    if not isinstance(value, str):
        ctx.fail(_join(path, key), f"expected text, got {_describe(value)}", line=_line(node, key))
    return value


def _number(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str, default: float,
            positive: bool = False) -> float:
    if key not in node:
        return default
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.fail(_join(path, key), f"expected a number, got {_describe(value)}",
                 line=_line(node, key))
    if positive and not value > 0:
        ctx.fail(_join(path, key), f"expected a positive number, got {value!r}",
                 line=_line(node, key))
    return value


def _int(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str, default: int,
         lo: int | None = None, hi: int | None = None) -> int:
    if key not in node:
        return default
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(_join(path, key), f"expected a whole number, got {_describe(value)}",
                 line=_line(node, key))
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        ctx.fail(_join(path, key), f"expected a whole number from {lo} to {hi}, got {value}",
                 line=_line(node, key))
    return value


def _bool(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
    if key not in node:
        return default
    value = node[key]
    if not isinstance(value, bool):
        ctx.fail(_join(path, key), f"expected true or false, got {_describe(value)}",
                 line=_line(node, key))
    return value


def _expr(ctx: _Ctx, text: Any, key: str, line: int | None, names: set[str] | None = None) -> Expr:
    if isinstance(text, bool):
        ctx.fail(key, f"expected an expression, got {_describe(text)}", line=line)
    if isinstance(text, int | float):
        text = repr(text)
    if not isinstance(text, str):
        ctx.fail(key, f"expected an expression, got {_describe(text)}", line=line)
    try:
        expr = parse(text)
    except ExprError as exc:
        ctx.fail(key, "invalid expression: " + exc.render().replace("\n", "\n    "), line=line)
    if names is not None:
        unknown = sorted(expr.names - names - CONSTANTS.keys())
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(names), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            ctx.fail(key, f"unknown name {unknown[0]!r} in expression {text!r}{hint}", line=line)
    return expr


def _number_or_expr(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str,
                    names: set[str]) -> Any:
    """A number as is, or a string compiled to an expression over earlier params."""
    if key not in node:
        return None
    value = node[key]
    if isinstance(value, bool):
        ctx.fail(_join(path, key), f"expected a number or an expression, got {_describe(value)}",
                 line=_line(node, key))
    if isinstance(value, int | float):
        return value
    return _expr(ctx, value, _join(path, key), _line(node, key), names)


# --------------------------------------------------------------------------- params


def _param(ctx: _Ctx, name: str, node: Any, path: str, names: set[str], line: int | None,
           nested: bool = False) -> ParamSpec:
    if not isinstance(node, dict):
        ctx.fail(path, f"expected a mapping with a 'type', got {_describe(node)}", line=line)
    _check_keys(ctx, path, node, "param", required=("type",))
    ptype = node["type"]
    allowed = SCALAR_PARAM_TYPES if nested else PARAM_TYPES
    if ptype not in allowed:
        close = difflib.get_close_matches(str(ptype), allowed, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        ctx.fail(_join(path, "type"), f"expected one of {', '.join(allowed)}, got "
                 f"{_describe(ptype)}{hint}", line=_line(node, "type"))
    line = node.line if isinstance(node, LineDict) else line or 0
    get = lambda key: _number_or_expr(ctx, node, key, path, names)  # noqa: E731
    relevant = {
        "int": ("min", "max"), "decimal": ("min", "max", "step"), "choice": ("values",),
        "bool": ("p",), "vector": ("length", "of"), "matrix": ("rows", "cols", "of"),
        "mask": ("length", "p"),
    }[ptype]
    for k in ("min", "max", "step", "values", "p", "length", "rows", "cols", "of"):
        if k in node and k not in relevant:
            article = "an" if ptype == "int" else "a"
            ctx.fail(_join(path, k), f"{k!r} does not apply to {article} {ptype} parameter "
                     f"(it takes: {', '.join(relevant)})", line=_line(node, k))
    for k in relevant:
        if k not in node and k not in ("p",):
            ctx.fail(path, f"a {ptype} parameter needs {k!r}", node)
    if ptype == "int":
        lo, hi = get("min"), get("max")
        for k, v in (("min", lo), ("max", hi)):
            if isinstance(v, float):
                ctx.fail(_join(path, k), f"expected a whole number, got {v!r}",
                         line=_line(node, k))
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            ctx.fail(path, f"min ({lo}) is greater than max ({hi})", node)
        return ParamSpec(name, "int", line, min=lo, max=hi)
    if ptype == "decimal":
        lo, hi = get("min"), get("max")
        step = _number(ctx, node, "step", path, 0.1, positive=True)
        if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
            ctx.fail(path, f"min ({lo}) is greater than max ({hi})", node)
        return ParamSpec(name, "decimal", line, min=lo, max=hi, step=step)
    if ptype == "choice":
        values = node["values"]
        if not isinstance(values, list) or not values:
            ctx.fail(_join(path, "values"), f"expected a non-empty list, got {_describe(values)}",
                     line=_line(node, "values"))
        return ParamSpec(name, "choice", line, values=tuple(_freeze(v) for v in values))
    if ptype in ("bool", "mask"):
        p = _number(ctx, node, "p", path, 0.5)
        if not 0 <= p <= 1:
            ctx.fail(_join(path, "p"), f"expected a probability from 0 to 1, got {p!r}",
                     line=_line(node, "p"))
        if ptype == "bool":
            return ParamSpec(name, "bool", line, p=p)
        return ParamSpec(name, "mask", line, p=p, length=_length(ctx, node, "length", path, names))
    of = _param(ctx, name, node["of"], _join(path, "of"), names, _line(node, "of"), nested=True)
    if ptype == "vector":
        return ParamSpec(name, "vector", line, length=_length(ctx, node, "length", path, names),
                         of=of)
    return ParamSpec(name, "matrix", line, rows=_length(ctx, node, "rows", path, names),
                     cols=_length(ctx, node, "cols", path, names), of=of)


def _length(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str, names: set[str]) -> Any:
    """A length: a whole number, ``[lo, hi]`` (uniform), or an expression of earlier params."""
    value = node[key]
    line = _line(node, key)
    if isinstance(value, list):
        if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                      for v in value) or value[0] > value[1]:
            ctx.fail(_join(path, key), f"expected [min, max] with 1 <= min <= max, got {value!r}",
                     line=line)
        if value[1] > 10_000:
            ctx.fail(_join(path, key), "lengths are limited to 10000", line=line)
        return (value[0], value[1])
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 10_000:
            ctx.fail(_join(path, key), f"expected a length from 1 to 10000, got {value}",
                     line=line)
        return value
    return _expr(ctx, value, _join(path, key), line, names)


def _freeze(value: Any) -> Any:
    """Plain, immutable copies of YAML data (LineDict -> dict, LineList -> tuple)."""
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


# --------------------------------------------------------------------------- parts


def _tolerance(ctx: _Ctx, node: Any, path: str, line: int | None) -> Tolerance:
    if not isinstance(node, dict):
        ctx.fail(path, "expected a mapping such as {mode: rel, value: 0.005}, got "
                 f"{_describe(node)}", line=line)
    _check_keys(ctx, path, node, "tolerance", required=("mode", "value"))
    mode = node["mode"]
    if mode not in MODES:
        close = difflib.get_close_matches(str(mode), MODES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        ctx.fail(_join(path, "mode"), f"expected one of {', '.join(MODES)}, got "
                 f"{_describe(mode)}{hint}", line=_line(node, "mode"))
    if mode in ("sigfigs", "decimals"):
        value = _int(ctx, node, "value", path, 3, lo=0 if mode == "decimals" else 1, hi=15)
    else:
        value = _number(ctx, node, "value", path, 0.005, positive=True)
    floor = _number(ctx, node, "floor", path, 1e-9)
    if floor < 0:
        ctx.fail(_join(path, "floor"), f"expected a number >= 0, got {floor!r}",
                 line=_line(node, "floor"))
    return Tolerance(mode=mode, value=value, floor=floor)


def _strings(ctx: _Ctx, node: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    if key not in node:
        return ()
    value = node[key]
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        ctx.fail(_join(path, key), f"expected a list of texts, got {_describe(value)}",
                 line=_line(node, key))
    for i, item in enumerate(value):
        if not isinstance(item, str):
            tip = " (quote a text that contains ': ')" if isinstance(item, dict) else ""
            ctx.fail(f"{_join(path, key)}[{i}]", f"expected text, got {_describe(item)}{tip}",
                     line=_line(value, i))
    return tuple(value)


def _part(ctx: _Ctx, node: Any, path: str, names: set[str], line: int | None) -> PartSpec:
    if not isinstance(node, dict):
        ctx.fail(path, f"expected a mapping, got {_describe(node)}", line=line)
    _check_keys(ctx, path, node, "part", required=("id", "type"))
    pid = _str(ctx, node, "id", path)
    if not _NAME.match(pid):
        ctx.fail(_join(path, "id"), f"expected a name of letters, digits and _, got {pid!r}",
                 line=_line(node, "id"))
    path = f"parts.{pid}"
    ptype = node["type"]
    if ptype not in ANSWER_TYPES:
        close = difflib.get_close_matches(str(ptype), ANSWER_TYPES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        ctx.fail(_join(path, "type"), f"expected one of {', '.join(ANSWER_TYPES)}, got "
                 f"{_describe(ptype)}{hint}", line=_line(node, "type"))
    pline = node.line if isinstance(node, LineDict) else 0
    answer: Expr | str | None = None
    if "answer" in node:
        if ptype == "expression":
            answer = _expression_text(ctx, node["answer"], _join(path, "answer"),
                                      _line(node, "answer"))
        elif ptype in ("choice", "choices"):
            ctx.fail(_join(path, "answer"), "a choice part marks its answer with "
                     "'correct' on its options", line=_line(node, "answer"))
        else:
            answer = _expr(ctx, node["answer"], _join(path, "answer"), _line(node, "answer"),
                           names)
    tolerance = None
    if "tolerance" in node:
        if ptype not in ("number", "vector", "matrix"):
            ctx.fail(_join(path, "tolerance"), f"a {ptype} answer is compared exactly; "
                     "tolerance applies to number, vector and matrix parts",
                     line=_line(node, "tolerance"))
        tolerance = _tolerance(ctx, node["tolerance"], _join(path, "tolerance"),
                               _line(node, "tolerance"))
    points = _number(ctx, node, "points", path, 1.0, positive=True)
    mistakes = _mistakes(ctx, node, path, names, ptype)
    options: tuple[OptionSpec, ...] = ()
    if ptype in ("choice", "choices"):
        if "options" not in node:
            ctx.fail(path, f"a {ptype} part needs 'options'", node)
        options = _options(ctx, node["options"], _join(path, "options"),
                           _line(node, "options"), names)
    elif "options" in node:
        ctx.fail(_join(path, "options"), "options apply to choice and choices parts",
                 line=_line(node, "options"))
    symbols = None
    if ptype == "expression":
        if "symbols" not in node:
            ctx.fail(path, "an expression part needs 'symbols' (name: shape)", node)
        symbols = _symbols(ctx, node["symbols"], _join(path, "symbols"), _line(node, "symbols"))
    elif "symbols" in node:
        ctx.fail(_join(path, "symbols"), "symbols apply to expression parts",
                 line=_line(node, "symbols"))
    fmt = _str(ctx, node, "format", path) or None
    if fmt is not None and fmt not in ("fraction", "decimal"):
        ctx.fail(_join(path, "format"), f"expected 'fraction' or 'decimal', got {fmt!r}",
                 line=_line(node, "format"))
    return PartSpec(
        id=pid, type=ptype, prompt=_str(ctx, node, "prompt", path), line=pline, answer=answer,
        points=points, tolerance=tolerance, hints=_strings(ctx, node, "hints", path),
        mistakes=mistakes, options=options, shuffle=_bool(ctx, node, "shuffle", path, True),
        partial=_bool(ctx, node, "partial", path, ptype == "choices"), symbols=symbols,
        format=fmt,
        solution=_str(ctx, node, "solution", path) or None,
        prompt_line=_text_line(node, "prompt"),
    )


def _expression_text(ctx: _Ctx, value: Any, path: str, line: int | None) -> str:
    """An expression answer is the answer's text in the student language; check it parses."""
    if not isinstance(value, str):
        ctx.fail(path, f"expected the answer expression as text, got {_describe(value)}",
                 line=line)
    try:
        parse(value, allow_logic=False)
    except ExprError as exc:
        ctx.fail(path, "invalid expression: " + exc.render().replace("\n", "\n    "), line=line)
    return value


def _symbols(ctx: _Ctx, node: Any, path: str, line: int | None) -> Any:
    if isinstance(node, str):
        if not _NAME.match(node):
            ctx.fail(path, f"expected a mapping or the name of a solver value, got {node!r}",
                     line=line)
        return node
    if not isinstance(node, dict) or not node:
        ctx.fail(path, f"expected a mapping of symbol: shape, got {_describe(node)}", line=line)
    result: dict[str, tuple[Any, ...]] = {}
    for name, shape in node.items():
        sline = _line(node, name)
        if not isinstance(name, str) or not _NAME.match(name) or name in _RESERVED:
            ctx.fail(_join(path, str(name)), f"not a usable symbol name: {name!r}", line=sline)
        if not isinstance(shape, list) or not 1 <= len(shape) <= 2 or not all(
                (isinstance(d, str) and _NAME.match(d)) or (isinstance(d, int) and
                not isinstance(d, bool) and d >= 1) for d in shape):
            ctx.fail(_join(path, name), "expected a shape such as [n, m] or [n, 1] "
                     f"(names or positive whole numbers), got {_describe(shape)}", line=sline)
        result[name] = tuple(shape)
    return result


def _mistakes(ctx: _Ctx, node: Mapping[str, Any], path: str, names: set[str],
              ptype: str) -> tuple[MistakeSpec, ...] | str:
    if "mistakes" not in node:
        return ()
    items = node["mistakes"]
    if ptype in ("choice", "choices") and items:
        ctx.fail(_join(path, "mistakes"), "for choice parts, put the feedback on the options",
                 line=_line(node, "mistakes"))
    if isinstance(items, str):
        if not _NAME.match(items) or items not in names:
            ctx.fail(_join(path, "mistakes"), f"expected a list of mistakes or the name of a "
                     f"solver value that holds them, got {items!r}", line=_line(node, "mistakes"))
        return items  # type: ignore[return-value]
    if not isinstance(items, list):
        ctx.fail(_join(path, "mistakes"), f"expected a list, got {_describe(items)}",
                 line=_line(node, "mistakes"))
    seen: set[str] = set()
    result = []
    for i, item in enumerate(items):
        ipath = f"{path}.mistakes[{i}]"
        line = _line(items, i)
        if not isinstance(item, dict):
            ctx.fail(ipath, f"expected a mapping, got {_describe(item)}", line=line)
        _check_keys(ctx, ipath, item, "mistake", required=("id", "answer", "feedback"))
        mid = _str(ctx, item, "id", ipath)
        if not _ID.match(mid):
            ctx.fail(_join(ipath, "id"), f"expected a lower-case id like 'recall-for-precision',"
                     f" got {mid!r}", line=_line(item, "id"))
        if mid in seen:
            ctx.fail(_join(ipath, "id"), f"duplicate mistake id {mid!r}", line=_line(item, "id"))
        seen.add(mid)
        if ptype == "expression":
            answer: Expr | str = _expression_text(ctx, item["answer"], _join(ipath, "answer"),
                                                  _line(item, "answer"))
        else:
            answer = _expr(ctx, item["answer"], _join(ipath, "answer"), _line(item, "answer"),
                           names)
        when = None
        if "when" in item:
            when = _expr(ctx, item["when"], _join(ipath, "when"), _line(item, "when"), names)
        result.append(MistakeSpec(id=mid, answer=answer, feedback=_str(ctx, item, "feedback",
                                  ipath), line=line or 0, when=when))
    return tuple(result)


def _options(ctx: _Ctx, items: Any, path: str, line: int | None,
             names: set[str]) -> tuple[OptionSpec, ...]:
    if not isinstance(items, list) or len(items) < 2:
        ctx.fail(path, f"expected a list of at least 2 options, got {_describe(items)}",
                 line=line)
    if len(items) > 26:
        ctx.fail(path, "at most 26 options (A to Z)", line=line)
    result = []
    for i, item in enumerate(items):
        ipath = f"{path}[{i}]"
        iline = _line(items, i)
        if not isinstance(item, dict):
            ctx.fail(ipath, f"expected a mapping with 'text' and 'correct', got "
                     f"{_describe(item)}", line=iline)
        _check_keys(ctx, ipath, item, "option", required=("text",))
        correct_raw = item.get("correct", False)
        correct: Expr | bool
        if isinstance(correct_raw, bool):
            correct = correct_raw
        else:
            correct = _expr(ctx, correct_raw, _join(ipath, "correct"), _line(item, "correct"),
                            names)
        oid = _str(ctx, item, "id", ipath) or f"option-{i + 1}"
        if any(o.id == oid for o in result):
            ctx.fail(_join(ipath, "id"), f"duplicate option id {oid!r}", line=_line(item, "id"))
        result.append(OptionSpec(text=_str(ctx, item, "text", ipath, required=True),
                                 correct=correct, feedback=_str(ctx, item, "feedback", ipath),
                                 id=oid, line=iline or 0))
    return tuple(result)


def _tests(ctx: _Ctx, node: Any, line: int | None, param_names: set[str],
           part_ids: set[str]) -> tuple[TestCase, ...]:
    if not isinstance(node, list):
        ctx.fail("tests", f"expected a list, got {_describe(node)}", line=line)
    result = []
    for i, item in enumerate(node):
        ipath = f"tests[{i}]"
        iline = _line(node, i)
        _check_keys(ctx, ipath, item, "test", required=("params", "expect"))
        params, expect = item["params"], item["expect"]
        if not isinstance(params, dict):
            ctx.fail(_join(ipath, "params"), "expected a mapping of param: value",
                     line=_line(item, "params"))
        for k in params:
            if k not in param_names:
                ctx.fail(_join(ipath, f"params.{k}"), f"no parameter named {k!r}",
                         line=_line(params, k))
        if not isinstance(expect, dict) or not expect:
            ctx.fail(_join(ipath, "expect"), "expected a mapping of part id: answer",
                     line=_line(item, "expect"))
        for k in expect:
            if k not in part_ids:
                ctx.fail(_join(ipath, f"expect.{k}"), f"no part named {k!r}",
                         line=_line(expect, k))
        result.append(TestCase(name=_str(ctx, item, "name", ipath) or f"test {i + 1}",
                               params=_freeze(params), expect=_freeze(expect), line=iline or 0))
    return tuple(result)


# --------------------------------------------------------------------------- the template


def validate_template(doc: Any, template_id: str, path: str, source: str = "",
                      solver_outputs: Mapping[str, tuple[str, ...]] | None = None) -> Template:
    """Check a loaded YAML document and build the `Template`.

    `solver_outputs` maps registered solver names to the names they return, so that part
    answers, prompts and mistakes can be checked for unknown names at load time.
    """
    ctx = _Ctx(path)
    if not isinstance(doc, dict):
        ctx.fail("", f"a template must be a mapping at the top level, got {_describe(doc)}",
                 line=1)
    _check_keys(ctx, "", doc, "template", required=("title", "topic", "parts"))
    if "id" in doc and doc["id"] != template_id:
        ctx.fail("id", f"the id {doc['id']!r} does not match the file's place in the bank "
                 f"({template_id!r}); remove it or rename the file", line=_line(doc, "id"))
    topic = _str(ctx, doc, "topic", "")
    if not _ID.match(topic):
        ctx.fail("topic", f"expected a lower-case topic name, got {topic!r}",
                 line=_line(doc, "topic"))

    names: set[str] = set()
    params: list[ParamSpec] = []
    raw_params = doc.get("params", {})
    if not isinstance(raw_params, dict):
        ctx.fail("params", f"expected a mapping of name: spec, got {_describe(raw_params)}",
                 line=_line(doc, "params"))
    for name, spec in raw_params.items():
        _check_name(ctx, f"params.{name}", name, names, _line(raw_params, name))
        params.append(_param(ctx, name, spec, f"params.{name}", set(names),
                             _line(raw_params, name)))
        names.add(name)
    param_names = set(names)

    derived: list[tuple[str, Expr, int]] = []
    raw_derived = doc.get("derived", {})
    if not isinstance(raw_derived, dict):
        ctx.fail("derived", f"expected a mapping of name: expression, got "
                 f"{_describe(raw_derived)}", line=_line(doc, "derived"))
    for name, text in raw_derived.items():
        dline = _line(raw_derived, name)
        _check_name(ctx, f"derived.{name}", name, names, dline)
        derived.append((name, _expr(ctx, text, f"derived.{name}", dline, set(names)), dline or 0))
        names.add(name)

    constraints = []
    raw_constraints = doc.get("constraints", [])
    if not isinstance(raw_constraints, list):
        ctx.fail("constraints", f"expected a list, got {_describe(raw_constraints)}",
                 line=_line(doc, "constraints"))
    for i, item in enumerate(raw_constraints):
        cline = _line(raw_constraints, i)
        if isinstance(item, dict):
            _check_keys(ctx, f"constraints[{i}]", item, "constraint", required=("expr",))
            text, message = item["expr"], _str(ctx, item, "message", f"constraints[{i}]")
        else:
            text, message = item, ""
        expr = _expr(ctx, text, f"constraints[{i}]", cline, set(names))
        constraints.append(Constraint(expr=expr, message=message or str(text), line=cline or 0))

    solver = None
    if "solver" in doc:
        solver = _str(ctx, doc, "solver", "")
        if solver_outputs is not None:
            if solver not in solver_outputs:
                close = difflib.get_close_matches(solver, sorted(solver_outputs), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                ctx.fail("solver", f"no solver named {solver!r}{hint}", line=_line(doc, "solver"))
            for out in solver_outputs[solver]:
                names.add(out)

    raw_parts = doc["parts"]
    if not isinstance(raw_parts, list) or not raw_parts:
        ctx.fail("parts", f"expected a non-empty list of parts, got {_describe(raw_parts)}",
                 line=_line(doc, "parts"))
    parts = []
    seen_parts: set[str] = set()
    for i, item in enumerate(raw_parts):
        part = _part(ctx, item, f"parts[{i}]", names, _line(raw_parts, i))
        if part.id in seen_parts:
            ctx.fail(f"parts[{i}].id", f"duplicate part id {part.id!r}",
                     line=_line(item, "id"))
        seen_parts.add(part.id)
        if part.answer is None and part.type not in ("choice", "choices") and (
                solver_outputs is None or solver is None or part.id not in names):
            ctx.fail(f"parts.{part.id}", "no 'answer' given and no solver value named "
                     f"{part.id!r}", item)
        parts.append(part)

    tests: tuple[TestCase, ...] = ()
    if "tests" in doc:
        tests = _tests(ctx, doc["tests"], _line(doc, "tests"), param_names, seen_parts)

    difficulty = _int(ctx, doc, "difficulty", "", 2, lo=1, hi=5)
    return Template(
        id=template_id, title=_str(ctx, doc, "title", ""), topic=topic, path=path,
        tags=_strings(ctx, doc, "tags", ""), difficulty=difficulty,
        version=_int(ctx, doc, "version", "", 1, lo=1),
        description=_str(ctx, doc, "description", ""), params=tuple(params),
        constraints=tuple(constraints), derived=tuple(derived), solver=solver,
        prompt=_str(ctx, doc, "prompt", "", required=True), solution=_str(ctx, doc, "solution", ""),
        parts=tuple(parts), tests=tests, max_tries=_int(ctx, doc, "max_tries", "", 1000, lo=1,
                                                        hi=100_000),
        source=source,
        text_lines={k: _text_line(doc, k) for k in ("prompt", "solution") if k in doc},
    )


def _check_name(ctx: _Ctx, key: str, name: Any, names: set[str], line: int | None) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        ctx.fail(key, f"not a valid name: {name!r} (letters, digits and _)", line=line)
    if name in _RESERVED or name in FUNCTIONS or name.startswith("answer_"):
        ctx.fail(key, f"{name!r} is reserved (a function, keyword or text variable); "
                 "choose another name", line=line)
    if name in names:
        ctx.fail(key, f"the name {name!r} is already used", line=line)
