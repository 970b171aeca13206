"""What a validated template is: the frozen records `validate_template` builds, and the
template format's vocabulary (answer and param types, the keys each mapping allows).

The JSON Schema in ``template.schema.json`` describes the same format for editors; a test keeps
the two in sync through `SCHEMA_KEYS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from questionbank.expr import Expr
from questionbank.tolerance import Tolerance

__all__ = [
    "ANSWER_TYPES", "MAX_LENGTH", "MAX_MATRIX_SIDE", "PARAM_TYPES", "SCALAR_PARAM_TYPES",
    "SCHEMA_KEYS", "Constraint", "FigureSpec", "MistakeSpec", "OptionSpec", "ParamSpec",
    "PartSpec", "SeriesSpec", "Template", "TestCase",
]

ANSWER_TYPES = ("number", "integer", "vector", "matrix", "shape", "choice", "choices",
                "expression")
PARAM_TYPES = ("int", "decimal", "choice", "bool", "vector", "matrix", "mask")
SCALAR_PARAM_TYPES = ("int", "decimal", "choice", "bool")
#: the answer types whose values are numpy arrays (or are checked with numpy)
_ARRAY_ANSWER_TYPES = ("vector", "matrix", "shape")

#: Size limits of vector/mask params and of each side of a matrix param (so a matrix has at
#: most 10,000 entries), whether sampled, computed or given with ``--param``.
MAX_LENGTH = 10_000
MAX_MATRIX_SIDE = 100

#: The keys allowed in each kind of mapping (the JSON Schema test compares against these).
SCHEMA_KEYS: dict[str, tuple[str, ...]] = {
    "template": ("id", "title", "topic", "tags", "difficulty", "version", "description",
                 "params", "constraints", "derived", "solver", "prompt", "solution", "parts",
                 "tests", "max_tries", "figure"),
    "param": ("type", "min", "max", "step", "values", "p", "length", "rows", "cols", "of",
              "description"),
    "constraint": ("expr", "message"),
    "part": ("id", "type", "prompt", "answer", "points", "tolerance", "hints", "mistakes",
             "options", "shuffle", "partial", "symbols", "format", "solution"),
    "tolerance": ("mode", "value", "floor"),
    "mistake": ("id", "answer", "feedback", "when"),
    "option": ("text", "correct", "feedback", "id"),
    "test": ("name", "params", "expect"),
    "figure": ("kind", "title", "x_label", "y_label", "x", "categories", "series", "alt",
               "table"),
    "series": ("label", "x", "y"),
}

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
class SeriesSpec:
    """One plotted series of a figure: its legend label and the expressions of its values."""

    label: str
    y: Expr
    line: int
    x: Expr | None = None


@dataclass(frozen=True)
class FigureSpec:
    """A template's plot (`questionbank.figures` computes and draws it): a line plot, a
    scatter plot or a bar chart of series whose values are expressions of the params."""

    kind: str
    series: tuple[SeriesSpec, ...]
    line: int
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    x: Expr | None = None
    categories: tuple[str, ...] = ()
    alt: str = ""
    #: show the table of plotted values next to the picture (html, tex); text and md always do
    table: bool = True


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
    figure: FigureSpec | None = None
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

    @cached_property
    def may_make_arrays(self) -> bool:
        """Whether an instance can hold a numpy array: an array param, an array answer type,
        a choice param with list values, a figure, or an expression that makes an array (a
        list, ``zeros``). Generating one loads numpy first; the other templates never need it
        (see `questionbank.arrays`). A solver's module imports numpy itself if it uses it."""
        if self.figure is not None or any(p.type in _ARRAY_ANSWER_TYPES for p in self.parts):
            return True
        if any(p.type not in SCALAR_PARAM_TYPES or any(
                isinstance(v, list | tuple) for v in p.values) for p in self.params):
            return True
        return any(e.makes_arrays() for e in self._expressions())

    def _expressions(self) -> list[Expr]:
        """Every expression the template evaluates when it makes an instance."""
        found = [c.expr for c in self.constraints] + [e for _, e, _ in self.derived]
        for spec in self.params:
            found += [v for v in (spec.min, spec.max, spec.step, spec.p, spec.length,
                                  spec.rows, spec.cols) if isinstance(v, Expr)]
        for part in self.parts:
            found += [part.answer] if isinstance(part.answer, Expr) else []
            found += [o.correct for o in part.options if isinstance(o.correct, Expr)]
            if not isinstance(part.mistakes, str):
                for m in part.mistakes:
                    found += [v for v in (m.answer, m.when) if isinstance(v, Expr)]
        return found

