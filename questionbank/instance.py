"""Problem instances: `generate(template, seed)` samples params and computes reference answers.

Same template + seed gives the same instance in every process: the only randomness is a
`numpy.random.Generator` made from the seed (params in declared order, then option shuffles).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from fractions import Fraction
from functools import cached_property, partial
from typing import Any

import numpy as np

from questionbank.errors import QuizError, TemplateError
from questionbank.expr import Expr, ExprError, evaluate, to_exact, to_float
from questionbank.render import display_value, render
from questionbank.sampling import coerce_param, sample_param
from questionbank.schema import MistakeSpec, PartSpec, Template
from questionbank.tolerance import DEFAULT_TOLERANCE, Tolerance
from questionbank.values import format_number, json_number, to_json

__all__ = ["Instance", "Mistake", "Option", "Part", "answer_json", "comparable_mistake",
           "generate"]

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SEED = 2**63 - 1


class _Text:
    """Template text rendered on first use: hints and feedback are often never shown, and
    rendering them eagerly would triple the cost of generating an instance. (A plain class:
    an instance makes several, and a frozen dataclass's ``__init__`` costs more than all the
    rest of making one.)"""

    __slots__ = ("context", "line", "path", "source", "where")

    def __init__(self, source: str, context: Mapping[str, Any], where: str = "",
                 path: str | None = None, line: int | None = None) -> None:
        self.source = source
        self.context = context
        self.where = where
        self.path = path
        self.line = line

    def __repr__(self) -> str:
        return f"_Text({self.source!r}, where={self.where!r})"

    def render(self, fmt: str = "md") -> str:
        return render(self.source, self.context, fmt, where=self.where, path=self.path,
                      line=self.line)


@dataclass(frozen=True)
class Mistake:
    """A declared wrong answer for this instance, with its value and feedback."""

    id: str
    type: str
    value: Any
    style: str | None = field(repr=False)
    feedback_text: _Text = field(repr=False, compare=False)

    @cached_property
    def _json(self) -> tuple[Any, str]:
        return answer_json(self.type, self.value, self.style)

    @cached_property
    def answer(self) -> Any:
        """The mistaken answer as JSON-native data."""
        return answer_value(self.type, self.value)

    @property
    def answer_text(self) -> str:
        """The mistaken answer written exactly (what a student making it would type)."""
        return self._json[1]

    @cached_property
    def feedback(self) -> str:
        return self.feedback_text.render()


@dataclass(frozen=True)
class Option:
    """One option of a choice part, in the order shown to this student."""

    letter: str
    text: str
    correct: bool
    feedback: str
    id: str


@dataclass(frozen=True)
class Part:
    """One answerable part of an instance: the reference answer and what grading needs."""

    id: str
    type: str
    prompt_text: _Text = field(repr=False, compare=False)
    points: float
    value: Any
    answer: Any
    answer_text: str
    tolerance: Tolerance | None = None
    hint_texts: tuple[_Text, ...] = field(default=(), repr=False, compare=False)
    #: computes the mistakes on first use: most answers are right, and a right answer never
    #: needs them (validation and wrong answers do)
    mistake_source: Callable[[], tuple[Mistake, ...]] | None = field(
        default=None, repr=False, compare=False)
    options: tuple[Option, ...] = ()
    partial: bool = True
    symbols: Mapping[str, tuple[int, ...]] | None = None
    solution_text: _Text | None = field(default=None, repr=False, compare=False)
    #: the mistakes' ids and answers as stored with an exam's key (see `mistake_values`)
    stored_mistakes: Any = field(default=None, repr=False, compare=False)

    @cached_property
    def numeric_value(self) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """A number, vector or matrix answer as (shape, flat floats), for fast comparison
        (a number has the shape ``()``)."""
        value = self.value
        if self.type == "number":
            return (), (float(value),)
        if type(value) is list:  # a stored key: a list of numbers, or of rows of numbers
            if type(value[0]) is list:
                return (len(value), len(value[0])), tuple(float(v) for r in value for v in r)
            return (len(value),), tuple(map(float, value))
        arr = np.asarray(value, dtype=object)
        return arr.shape, tuple(float(v) for v in arr.ravel())

    @cached_property
    def prompt(self) -> str:
        """The part's own question (Markdown-lite)."""
        return self.prompt_text.render()

    @cached_property
    def mistakes(self) -> tuple[Mistake, ...]:
        """The declared mistakes that apply to this instance (some have a `when`)."""
        return self.mistake_source() if self.mistake_source else ()

    @cached_property
    def mistake_values(self) -> tuple[tuple[str, Any], ...]:
        """(id, value) of each declared mistake, in the order of `mistakes`, the value in the
        form the checkers compare an answer with (`comparable_mistake`).

        A part judged from an exam's stored key has them from the manifest: a wrong answer
        that matches none of them is explained without rebuilding the instance, and one that
        matches reads its feedback from `mistakes` (which rebuilds it).
        """
        if self.stored_mistakes is not None:
            try:
                return tuple((_stored_id(mistake_id), comparable_mistake(
                    self.type, _stored_value(self.type, answer)))
                    for mistake_id, answer in self.stored_mistakes)
            except (ValueError, TypeError, AttributeError):
                pass  # not in the form of a stored key: the rebuilt mistakes decide
        shape = self.type == "shape"
        return tuple((m.id, comparable_mistake(self.type, m.answer if shape else m.value))
                     for m in self.mistakes)

    def mistake_feedback(self, index: int) -> str:
        """The feedback of the `index`-th declared mistake (of `mistake_values`)."""
        return self.mistakes[index].feedback

    @cached_property
    def hints(self) -> tuple[str, ...]:
        """The part's hints, rendered (in order: each gives a little more away)."""
        return tuple(t.render() for t in self.hint_texts)

    @cached_property
    def solution(self) -> str:
        """The part's own worked solution, if the template gives one."""
        return self.solution_text.render() if self.solution_text else ""

    @property
    def effective_tolerance(self) -> Tolerance:
        return self.tolerance or DEFAULT_TOLERANCE

    #: the part types whose reference answer is fully given by its stored JSON value
    STORED_TYPES = frozenset({"number", "integer", "vector", "matrix", "shape"})

    @classmethod
    def from_key(cls, spec: PartSpec, answer: Any, answer_text: str, points: float,
                 mistakes: Callable[[], tuple[Mistake, ...]],
                 stored_mistakes: Any = None) -> Part:
        """A part judged against a stored key (an exam's ``answer`` and ``answer_text``) with
        the template's tolerance and partial-credit rule; `mistakes` is called only when a
        wrong answer matches a declared mistake (or, without `stored_mistakes`, when any
        wrong answer needs explaining). Checking reads the reference answer of these types as
        floats (``answer`` is exactly the float of the exact value), so the verdict is the one
        the rebuilt instance would give.

        `stored_mistakes` is the key's list of ``[id, answer]`` (`Part.stored_key`), or
        None for a key stored without it; it is read when an answer is wrong (and if it is
        not in that form, the rebuilt instance's mistakes decide). Raises ValueError when
        `answer` does not have the form of `spec.type`.

        Made without the dataclass's ``__init__`` (which sets every field through
        ``object.__setattr__``): a batch makes one per graded answer."""
        part = _new_object(cls)
        part.__dict__.update(_PART_DEFAULTS, id=spec.id, type=spec.type,
                             prompt_text=_Text(spec.prompt, {}), points=points,
                             value=_stored_value(spec.type, answer), answer=answer,
                             answer_text=answer_text, tolerance=spec.tolerance,
                             partial=spec.partial, mistake_source=mistakes,
                             stored_mistakes=stored_mistakes)
        return part

    def stored_key(self) -> dict[str, Any]:
        """What an exam manifest stores of this part to grade it without rebuilding the
        instance: the answer, its text, the points and, for the types graded from the stored
        key, the declared mistakes as ``[id, answer]`` pairs, in order (their feedback needs
        the instance; pairs, not objects, keep a big class's manifest small in memory)."""
        key: dict[str, Any] = {"id": self.id, "type": self.type, "answer": self.answer,
                               "answer_text": self.answer_text, "points": self.points}
        if self.type in self.STORED_TYPES:
            key["mistakes"] = [[m.id, m.answer] for m in self.mistakes]
        return key

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "prompt": self.prompt,
                                "points": self.points, "answer": self.answer,
                                "answer_text": self.answer_text}
        if self.options:
            data["options"] = [f"{o.letter}) {o.text}" for o in self.options]
        if self.symbols:
            data["symbols"] = {k: list(v) for k, v in self.symbols.items()}
        return data


_new_object = object.__new__
#: every field of a `Part` with a default: `Part.from_key` fills the others
_PART_DEFAULTS = {f.name: f.default for f in fields(Part) if f.default is not MISSING}


@dataclass(frozen=True)
class Instance:
    """A randomized problem: params, rendered prompt and solution, parts with answers."""

    template: Template = field(repr=False, compare=False)
    seed: int
    params: Mapping[str, Any]
    parts: tuple[Part, ...]
    context: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    #: how many samples the constraints needed (1 = the first draw was accepted)
    attempts: int = field(default=1, compare=False)

    @cached_property
    def prompt(self) -> str:
        """The question text (Markdown-lite: the form `show --format json` gives)."""
        return self.render_prompt("md")

    @cached_property
    def solution(self) -> str:
        """The worked solution (Markdown-lite)."""
        return self.render_solution("md")

    @property
    def template_id(self) -> str:
        return self.template.id

    @property
    def title(self) -> str:
        return self.template.title

    @property
    def topic(self) -> str:
        return self.template.topic

    def part(self, part_id: str) -> Part:
        for part in self.parts:
            if part.id == part_id:
                return part
        known = ", ".join(p.id for p in self.parts)
        raise QuizError(f"{self.template.id} has no part {part_id!r} (parts: {known})")

    def render_prompt(self, fmt: str) -> str:
        """The question text in another output format (text, md, html, tex)."""
        return render(self.template.prompt, self.context, fmt, where="prompt",
                      path=self.template.path, line=self.template.text_lines.get("prompt"))

    def render_solution(self, fmt: str) -> str:
        return render(self.template.solution, self.context, fmt, where="solution",
                      path=self.template.path, line=self.template.text_lines.get("solution"))

    def render_part_prompt(self, part_id: str, fmt: str) -> str:
        spec = self.template.part(part_id)
        return render(spec.prompt, self.context, fmt, where=f"parts.{part_id}.prompt",
                      path=self.template.path, line=spec.prompt_line or spec.line)

    def render_option(self, part_id: str, option: Option, fmt: str) -> str:
        spec = self.template.part(part_id)
        source = next(o.text for o in spec.options if o.id == option.id)
        return render(source, self.context, fmt, path=self.template.path)

    def to_dict(self) -> dict[str, Any]:
        """The ``show --format json`` document (DESIGN.md section 5)."""
        return {
            "template": self.template.id,
            "seed": self.seed,
            "title": self.template.title,
            "topic": self.template.topic,
            "version": self.template.version,
            "params": to_json(dict(self.params)),
            "prompt": self.prompt,
            "parts": [p.to_dict() for p in self.parts],
            "solution": self.solution,
        }


# --------------------------------------------------------------------------- answers


def answer_json(ptype: str, value: Any, style: str | None = None) -> tuple[Any, str]:
    """The JSON-native answer and its exact text for an exact-domain reference value."""
    if ptype == "number":
        return json_number(value), format_number(value, style)
    if ptype == "integer":
        return int(value), str(int(value))
    if ptype == "vector":
        items = _vector_items(value)
        return ([json_number(v) for v in items],
                "[" + ", ".join([format_number(v, style) for v in items]) + "]")
    if ptype == "matrix":
        rows = [list(r) for r in np.asarray(value, dtype=object)]
        return ([[json_number(v) for v in r] for r in rows],
                "[" + ", ".join("[" + ", ".join(format_number(v, style) for v in r) + "]"
                                for r in rows) + "]")
    if ptype == "shape":
        dims = [d if isinstance(d, str) else int(d) for d in np.asarray(value, dtype=object)]
        return dims, "x".join(str(d) for d in dims)
    if ptype == "expression":
        return str(value), str(value)
    raise AssertionError(ptype)


def answer_value(ptype: str, value: Any) -> Any:
    """The JSON-native part of `answer_json` alone (an exam manifest stores the mistakes'
    answers, not their texts)."""
    if ptype == "vector":
        return [json_number(v) for v in _vector_items(value)]
    if ptype == "matrix":
        return [[json_number(v) for v in r] for r in np.asarray(value, dtype=object)]
    if ptype == "number":
        return json_number(value)
    if ptype == "shape" and type(value) is tuple:  # checked by _check_value: ints and names
        return list(value)
    return answer_json(ptype, value)[0]


def _vector_items(value: Any) -> list[Any]:
    return (value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
            ).ravel().tolist()


def _stored_value(ptype: str, answer: Any) -> Any:
    def number(x: Any) -> bool:
        return type(x) in (int, float) and math.isfinite(x)

    def row(x: Any) -> bool:
        return isinstance(x, list) and bool(x) and all(map(number, x))

    if ptype == "number" and number(answer):
        return answer
    if ptype == "integer" and type(answer) is int:
        return answer
    if ptype == "vector" and row(answer):
        return answer
    if ptype == "matrix" and isinstance(answer, list) and answer and all(map(row, answer)) \
            and len({len(r) for r in answer}) == 1:
        return answer
    if ptype == "shape" and isinstance(answer, list) and answer and all(
            (type(d) is int and d >= 1) or (isinstance(d, str) and d) for d in answer):
        return tuple(answer)
    raise ValueError(f"a stored {ptype} answer cannot be {answer!r}")


def _whole(value: Any) -> bool:
    """Whether a number (not a bool) is a whole number: 3, 3.0, Fraction(6, 2)."""
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return value.is_integer()
    return not isinstance(value, bool | str) and Fraction(value).denominator == 1


def _stored_id(mistake_id: Any) -> str:
    if not isinstance(mistake_id, str):
        raise ValueError(f"a stored mistake's id must be text, not {mistake_id!r}")
    return mistake_id


def comparable_mistake(ptype: str, value: Any) -> Any:
    """A declared mistake's value in the form answers are compared with: a float (number), an
    int (integer), a float array (vector, matrix), a tuple of dimensions (shape, from the
    mistake's JSON answer), the value itself otherwise. The same from the exact or float value
    of a rebuilt mistake as from its JSON answer in a manifest (``json_number`` keeps the
    float)."""
    if ptype == "number":
        return float(value)
    if ptype == "integer":
        return int(value)
    if ptype in ("vector", "matrix"):
        return np.asarray(np.asarray(value, dtype=object), dtype=float)
    if ptype == "shape":
        return tuple(value)
    return value


def _check_value(template: Template, spec: PartSpec, value: Any, what: str) -> Any:
    """Make sure a computed value has the part's type (a template bug otherwise)."""
    def bad(expected: str) -> TemplateError:
        return TemplateError(f"{what} must be {expected}, got {value!r}", path=template.path,
                             line=spec.line, key=f"parts.{spec.id}")

    ptype = spec.type
    if ptype in ("number", "integer"):
        if isinstance(value, np.ndarray | tuple | list | str | bool):
            raise bad("a number")
        if isinstance(value, float) and not np.isfinite(value):
            raise bad("a finite number")
        if ptype == "integer" and not _whole(value):
            raise bad("a whole number")
        return value
    if ptype in ("vector", "matrix") and type(value) is np.ndarray and value.dtype.kind == "f":
        # a mistake's value, computed in floating point: checked without an object array
        if value.ndim != (2 if ptype == "matrix" else 1) or value.size == 0:
            raise bad("a non-empty " + ("matrix" if ptype == "matrix" else "list"))
        if not np.isfinite(value).all():
            raise bad("finite numbers")
        return value.astype(object)
    if ptype in ("vector", "matrix", "shape"):
        arr = np.asarray(value, dtype=object)
        want = 2 if ptype == "matrix" else 1
        if arr.ndim != want or arr.size == 0:
            raise bad("a non-empty " + ("matrix" if want == 2 else "list"))
        if ptype == "shape":
            dims = arr.tolist()
            if not all(type(d) is str or (_whole(d) and d >= 1) for d in dims):
                raise bad("a list of positive whole numbers")
            return tuple(d if type(d) is str else int(d) for d in dims)
        for v in arr.ravel():
            if type(v) is Fraction or type(v) is int:
                continue  # exact numbers are always finite
            if isinstance(v, bool | str) or not math.isfinite(float(v)):
                raise bad("finite numbers")
        return arr
    if ptype == "expression":
        if not isinstance(value, str):
            raise bad("expression text")
        return value
    raise AssertionError(ptype)


# --------------------------------------------------------------------------- generation


def _eval(template: Template, expr: Expr, env: Mapping[str, Any], key: str, line: int,
          exact: bool = True, guarded: bool = True) -> Any:
    try:
        return evaluate(expr, env, exact=exact, guarded=guarded)
    except ExprError as exc:
        raise TemplateError(f"cannot evaluate {expr.text!r}: {exc.message}", path=template.path,
                            line=line, key=key) from None


def _sample(template: Template, rng: np.random.Generator | None, overrides: Mapping[str, Any],
            ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], int]:
    """Params satisfying every constraint, with `overrides` fixed; bounded resampling.

    Returns the params, the exact and the float environments, and how many samples were
    drawn (validation reports the acceptance rate). Constraints are conditions, not answers,
    so they are evaluated in floating point: several times faster than exact fractions.
    """
    fixed = set(overrides)
    for name, expr, _ in template.derived:
        if expr.names <= fixed:
            fixed.add(name)
    failures: dict[int, int] = {}
    needed = template.sampling_names
    for attempt in range(1, template.max_tries + 1):
        values: dict[str, Any] = {}
        env: dict[str, Any] = {}
        for spec in template.params:
            if spec.name in overrides:
                value = overrides[spec.name]
            else:
                assert rng is not None
                value = sample_param(template, spec, env, rng)
            values[spec.name] = value
            if spec.name in needed:
                env[spec.name] = to_exact(value)
        fenv = {k: _float_value(v) for k, v in values.items()}
        if template.derived:
            env = _with_exact(values, env)
            for name, expr, line in template.derived:
                env[name] = _eval(template, expr, env, f"derived.{name}", line)
                fenv[name] = to_float(env[name])
        failed = None
        for i, constraint in enumerate(template.constraints):
            ok = _eval(template, constraint.expr, fenv, f"constraints[{i}]", constraint.line,
                       exact=False, guarded=False)
            if not _truthy(ok):
                failed = i
                break
        if failed is None:
            return values, _with_exact(values, env), fenv, attempt
        failures[failed] = failures.get(failed, 0) + 1
        c = template.constraints[failed]
        if c.expr.names <= fixed:
            raise TemplateError(f"the given params break the constraint {c.message!r}",
                                path=template.path, line=c.line, key=f"constraints[{failed}]")
    worst = max(failures, key=lambda k: failures[k])  # the constraint that failed most often
    c = template.constraints[worst]
    raise TemplateError(
        f"could not satisfy the constraint {c.message!r} in {template.max_tries} tries "
        f"(it failed {failures[worst]} times); widen the param ranges or relax it",
        path=template.path, line=c.line, key=f"constraints[{worst}]")


def _with_exact(values: Mapping[str, Any], env: dict[str, Any]) -> dict[str, Any]:
    """`env` with every param in the exact domain: sampling converts only the params other
    specs refer to, the others once a sample is kept (or derived values need them)."""
    if values.keys() <= env.keys():
        return env
    return {k: env[k] if k in env else to_exact(v) for k, v in values.items()}


def _float_value(value: Any) -> Any:
    """A sampled param in the float domain: what `to_float(to_exact(value))` gives, without
    the detour through fractions (a float's shortest decimal reads back as the float)."""
    kind = type(value)
    if kind is float or kind is int or kind is str or kind is bool:
        return value
    if kind is tuple and value:
        if all(type(v) is float or type(v) is int for v in value):
            return np.array(value, dtype=float)
        if all(type(r) is tuple and r and len(r) == len(value[0])
               and all(type(v) is float or type(v) is int for v in r) for r in value):
            return np.array(value, dtype=float)
    return to_float(to_exact(value))


def _truthy(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return bool(all(value.ravel()))
    return bool(value)


def _solve(template: Template, env: dict[str, Any]) -> None:
    if template.solver is None:
        return
    from questionbank.solvers import get_solver

    solver = get_solver(template.solver)
    try:
        result = solver.fn(env)
    except (ValueError, ArithmeticError, KeyError) as exc:
        raise TemplateError(f"solver {template.solver!r} failed: {exc}", path=template.path,
                            key="solver") from None
    for name in solver.outputs:
        env[name] = result[name]


def _symbols(template: Template, spec: PartSpec, env: Mapping[str, Any]) -> dict[str, Any]:
    raw = spec.symbols
    if isinstance(raw, str):
        raw = env[raw]
    result: dict[str, tuple[int, ...]] = {}
    for name, shape in dict(raw).items():
        dims = []
        for d in shape:
            dim = env.get(d) if isinstance(d, str) else d
            if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= 50:
                raise TemplateError(f"symbol {name!r}: dimension {d!r} must be a whole number "
                                    "from 1 to 50", path=template.path, line=spec.line,
                                    key=f"parts.{spec.id}.symbols")
            dims.append(dim)
        result[name] = tuple(dims)
    return result


def generate(template: Template, seed: int, params: Mapping[str, Any] | None = None, *,
             render_text: bool = True) -> Instance:
    """The instance of `template` for `seed`, with `params` overriding sampled values.

    Option shuffles draw from their own generator (seeded from `seed` alone), so rebuilding an
    instance from its stored params gives the same option order as sampling them did.
    `render_text=False` leaves the prompt and solution to be rendered on first use: grading a
    stored exam never reads them.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or \
            not 0 <= seed <= MAX_SEED:
        raise QuizError(f"the seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    seed = int(seed)
    overrides: dict[str, Any] = {}
    specs = {s.name: s for s in template.params}
    for name, value in (params or {}).items():
        if name not in specs:
            known = ", ".join(specs) or "none"
            raise QuizError(f"{template.id} has no parameter {name!r} (parameters: {known})")
        overrides[name] = coerce_param(template, specs[name], value)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        instance = _generate(template, seed, overrides)
    if render_text:
        # Render now, so that a template error surfaces here and not later, far from its cause.
        for part in instance.parts:
            _ = part.prompt
        _ = instance.prompt, instance.solution
    return instance


def _generate(template: Template, seed: int, overrides: Mapping[str, Any]) -> Instance:
    # Making a Generator costs tens of microseconds: skip it when every param is given (as when
    # an exam is regraded from its stored params).
    sampled = any(spec.name not in overrides for spec in template.params)
    rng = np.random.default_rng(seed) if sampled else None
    values, env, fenv, attempts = _sample(template, rng, overrides)
    _solve(template, env)
    floats = _FloatEnv(env, fenv)

    # params as sampled (2.0 stays 2.0, as the student reads it); computed values for display
    answers_text: dict[str, str] = {}
    context = _DisplayContext({k: v for k, v in env.items() if k not in values},
                              {**values, "params": dict(values), "answers": answers_text})
    pending: list[tuple[PartSpec, Any, tuple[Any, str] | None]] = []
    for spec in template.parts:
        if spec.type in ("choice", "choices"):
            pending.append((spec, None, None))
            continue
        if spec.answer is None:
            raw = env[spec.id]
        elif isinstance(spec.answer, Expr):
            raw = _eval(template, spec.answer, env, f"parts.{spec.id}.answer", spec.line)
        else:
            raw = spec.answer
        value = _check_value(template, spec, raw, f"the answer of part {spec.id!r}")
        answer = answer_json(spec.type, value, spec.format)
        answers_text[spec.id] = answer[1]
        context.add(f"answer_{spec.id}", value)
        pending.append((spec, value, answer))

    shuffle_rng = np.random.default_rng([seed, 0x5EED]) if any(
        spec.type in ("choice", "choices") for spec in template.parts) else None
    parts = tuple(_build_part(template, spec, value, answer, env, floats, context, shuffle_rng)
                  for spec, value, answer in pending)
    for part in parts:
        answers_text[part.id] = part.answer_text
    return Instance(template=template, seed=seed, params=values, parts=parts, context=context,
                    attempts=attempts)


class _FloatEnv(Mapping[str, Any]):
    """The environment in floating point, for mistakes and their conditions: the params are
    ready (the constraints used them), a solver's outputs are converted one by one on first
    use. Most instances never compute their mistakes (a right answer needs none)."""

    def __init__(self, exact: Mapping[str, Any], ready: dict[str, Any]) -> None:
        self._exact = exact
        self._ready = ready

    def __getitem__(self, key: str) -> Any:
        try:
            return self._ready[key]
        except KeyError:
            value = self._ready[key] = to_float(self._exact[key])
            return value

    def __contains__(self, key: object) -> bool:
        return key in self._ready or key in self._exact

    def __iter__(self) -> Iterator[str]:
        return iter(self._exact)

    def __len__(self) -> int:
        return len(self._exact)


class _DisplayContext(Mapping[str, Any]):
    """The values templates' text sees, converted for display (`display_value`) on first
    access: grading never renders text, so it never pays for the conversion."""

    def __init__(self, raw: dict[str, Any], ready: dict[str, Any]) -> None:
        self._raw = raw
        self._ready = ready

    def add(self, key: str, raw_value: Any) -> None:
        self._raw[key] = raw_value

    def __getitem__(self, key: str) -> Any:
        if key in self._ready:
            return self._ready[key]
        value = display_value(self._raw[key])
        self._ready[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._ready or key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._raw, *self._ready]))

    def __len__(self) -> int:
        return len(self._raw.keys() | self._ready.keys())


class _Overlay(Mapping[str, Any]):
    """A context with a few more names, computed on first use (a mistake's own value for its
    feedback): no copy of the context, whose values are converted for display one by one."""

    def __init__(self, base: Mapping[str, Any], **extra: Callable[[], Any]) -> None:
        self._base = base
        self._extra = extra
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self._extra:
            if key not in self._done:
                self._done[key] = self._extra[key]()
            return self._done[key]
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._extra or key in self._base

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._base, *self._extra]))

    def __len__(self) -> int:
        return len(set(self._base) | self._extra.keys())


def _build_part(template: Template, spec: PartSpec, value: Any,
                answer_pair: tuple[Any, str] | None, env: Mapping[str, Any],
                fenv: Mapping[str, Any], context: Mapping[str, Any],
                rng: np.random.Generator | None) -> Part:
    """One part: its answer (exact), its mistakes (evaluated in floating point: they are only
    compared within tolerance), hints and feedback (rendered when first needed)."""
    path = template.path
    where = f"parts.{spec.id}"
    prompt = _Text(spec.prompt, context, f"{where}.prompt", path, spec.prompt_line or spec.line)
    hints = tuple(_Text(h, context, f"{where}.hints", path, spec.line) for h in spec.hints)
    solution = _Text(spec.solution, context, f"{where}.solution", path, spec.line) \
        if spec.solution else None
    if spec.type in ("choice", "choices"):
        assert rng is not None
        return _choice_part(template, spec, env, context, rng, prompt, hints, solution)
    answer, answer_text = answer_pair or answer_json(spec.type, value, spec.format)
    symbols = _symbols(template, spec, env) if spec.type == "expression" else None
    return Part(id=spec.id, type=spec.type, prompt_text=prompt, points=spec.points, value=value,
                answer=answer, answer_text=answer_text, tolerance=spec.tolerance,
                hint_texts=hints, partial=spec.partial, symbols=symbols,
                solution_text=solution,
                mistake_source=partial(_mistakes, template, spec, env, fenv, context))


def _mistakes(template: Template, spec: PartSpec, env: Mapping[str, Any],
              fenv: Mapping[str, Any], context: Mapping[str, Any]) -> tuple[Mistake, ...]:
    """The part's declared mistakes that apply to this instance, with their values."""
    where = f"parts.{spec.id}"
    mistakes = []
    specs = spec.mistakes
    if isinstance(specs, str):
        specs = tuple(MistakeSpec(id=str(d["id"]), answer=d["answer"], feedback=d["feedback"],
                                  line=spec.line) for d in env[specs])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for m in specs:
            mistake = _mistake(template, spec, m, fenv, context, where)
            if mistake is not None:
                mistakes.append(mistake)
    return tuple(mistakes)


def _mistake(template: Template, spec: PartSpec, m: MistakeSpec, fenv: Mapping[str, Any],
             context: Mapping[str, Any], where: str) -> Mistake | None:
    """One declared mistake with its value, or None when its `when` rules it out."""
    path = template.path
    if m.when is not None and not _truthy(
            _eval(template, m.when, fenv, f"{where}.mistakes.{m.id}.when", m.line,
                  exact=False, guarded=False)):
        return None
    if isinstance(m.answer, Expr):
        raw = _eval(template, m.answer, fenv, f"{where}.mistakes.{m.id}", m.line,
                    exact=False, guarded=False)
        mvalue = _check_value(template, spec, raw, f"mistake {m.id!r}")
    else:
        mvalue = m.answer
    if "mistake" in m.feedback:
        mctx: Mapping[str, Any] = _Overlay(
            context, mistake=partial(display_value, mvalue),
            mistake_text=lambda: answer_json(spec.type, mvalue, spec.format)[1])
    else:
        mctx = context
    # made without the frozen dataclass's __init__ (fields set one by one through
    # object.__setattr__): an instance has several mistakes per part
    mistake = _new_object(Mistake)
    mistake.__dict__.update(id=m.id, type=spec.type, value=mvalue, style=spec.format,
                            feedback_text=_Text(m.feedback, mctx,
                                                f"{where}.mistakes.{m.id}.feedback", path,
                                                m.line))
    return mistake


def _choice_part(template: Template, spec: PartSpec, env: Mapping[str, Any],
                 context: Mapping[str, Any], rng: np.random.Generator, prompt: _Text,
                 hints: tuple[_Text, ...], solution: _Text | None) -> Part:
    where = f"parts.{spec.id}"
    order = list(range(len(spec.options)))
    if spec.shuffle:
        order = [int(i) for i in rng.permutation(len(order))]
    options = []
    for letter, index in zip(LETTERS, order, strict=False):
        o = spec.options[index]
        correct = o.correct if isinstance(o.correct, bool) else _truthy(
            _eval(template, o.correct, env, f"{where}.options[{index}].correct", o.line))
        options.append(Option(
            letter=letter, text=render(o.text, context, "md", path=template.path, line=o.line,
                                       where=f"{where}.options[{index}].text"),
            correct=correct, feedback=render(o.feedback, context, "md", path=template.path,
                                             line=o.line,
                                             where=f"{where}.options[{index}].feedback"),
            id=o.id))
    right = [o.letter for o in options if o.correct]
    if spec.type == "choice" and len(right) != 1:
        raise TemplateError(f"a choice part needs exactly one correct option, this instance has "
                            f"{len(right)} (params {to_json(dict(context['params']))})",
                            path=template.path, line=spec.line, key=where)
    if spec.type == "choices" and not right:
        raise TemplateError("a choices part needs at least one correct option",
                            path=template.path, line=spec.line, key=where)
    if spec.type == "choice":
        answer: Any = right[0]
        text = right[0]
    else:
        answer = right
        text = ", ".join(right)
    return Part(id=spec.id, type=spec.type, prompt_text=prompt, points=spec.points,
                value=frozenset(right), answer=answer, answer_text=text, hint_texts=hints,
                options=tuple(options), partial=spec.partial, solution_text=solution)
