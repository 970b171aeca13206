"""Problem instances: `generate(template, seed)` samples params and computes reference answers.

Same template + seed gives the same instance in every process: the only randomness is a
`numpy.random.Generator` made from the seed (params in declared order, then option shuffles).
The per-type rules for reference values (checking, JSON and text forms, comparison forms) are
in `questionbank.answers`; the lazily computed mappings texts and mistakes read, in
`questionbank.contexts`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from questionbank.answers import (
    VALUE_TYPES,
    WrongValue,
    answer_json,
    answer_value,
    comparable_mistake,
)
from questionbank.arrays import float_errors_raise, is_numpy_int
from questionbank.contexts import DisplayContext, FloatEnv, Overlay
from questionbank.errors import QuizError, TemplateError
from questionbank.expr import Expr, truth
from questionbank.render import display_value, render, render_formats
from questionbank.sampling import (
    INSTANCE_SECONDS,
    budget_now,
    check_deadline,
    coerce_param,
    evaluate_in,
    sample_params,
)
from questionbank.specs import MistakeSpec, PartSpec, Template
from questionbank.tolerance import DEFAULT_TOLERANCE, Tolerance
from questionbank.values import to_json

if TYPE_CHECKING:  # few templates draw a figure: its modules are imported when one does
    import numpy as np

    from questionbank.figures import Figure
    from questionbank.solvers import Solver

# answer_json, answer_value and comparable_mistake live in `questionbank.answers`; they are
# re-exported here, where importers have found them.
__all__ = ["MAX_SEED", "Instance", "LazyText", "Mistake", "Option", "Part", "answer_json",
           "answer_value", "comparable_mistake", "generate"]

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SEED = 2**63 - 1


class LazyText:
    """Template text rendered on first use: hints and feedback are often never shown, and
    rendering them eagerly would triple the cost of generating an instance.

    A plain class, not a frozen dataclass: an instance makes several, and a frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field) costs more than all the rest of making
    one. Its attributes are never reassigned.
    """

    __slots__ = ("context", "line", "path", "source", "where")

    def __init__(self, source: str, context: Mapping[str, Any], where: str = "",
                 path: str | None = None, line: int | None = None) -> None:
        self.source = source
        self.context = context
        self.where = where
        self.path = path
        self.line = line

    def __repr__(self) -> str:
        return f"LazyText({self.source!r}, where={self.where!r})"

    def render(self, fmt: str = "md") -> str:
        return render(self.source, self.context, fmt, where=self.where, path=self.path,
                      line=self.line)


# Mistake, Part and Instance have no __slots__: their `cached_property` values (what is computed
# on first use) are stored in the instance's __dict__.


@dataclass(frozen=True)
class Mistake:
    """A declared wrong answer for this instance, with its value and feedback."""

    id: str
    type: str
    #: the value, checked for the part's type (exact or float: it is compared within tolerance)
    value: Any
    style: str | None = field(repr=False)
    feedback_text: LazyText = field(repr=False, compare=False)

    @cached_property
    def answer(self) -> Any:
        """The mistaken answer as JSON-native data."""
        return answer_value(self.type, self.value)

    @cached_property
    def answer_text(self) -> str:
        """The mistaken answer written exactly (what a student making it would type)."""
        return answer_json(self.type, self.value, self.style)[1]

    @cached_property
    def feedback(self) -> str:
        return self.feedback_text.render()


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a choice part, in the order shown to this student."""

    letter: str
    text: str
    correct: bool
    feedback: str
    id: str


@dataclass(frozen=True)
class Part:
    """One answerable part of an instance: the reference answer and what grading needs.

    It satisfies the judge's answer-key protocol (`grader.judge.key.AnswerKey`). `value` is the
    exact reference value (a Fraction, an int, an object array of them, a tuple of
    dimensions, the expression's text, the set of right letters of a choice part).
    """

    id: str
    type: str
    prompt_text: LazyText = field(repr=False, compare=False)
    points: float
    value: Any
    answer: Any
    answer_text: str
    tolerance: Tolerance | None = None
    hint_texts: tuple[LazyText, ...] = field(default=(), repr=False, compare=False)
    #: computes the mistakes on first use: most answers are right, and a right answer never
    #: needs them (validation and wrong answers do)
    mistake_source: Callable[[], tuple[Mistake, ...]] | None = field(
        default=None, repr=False, compare=False)
    options: tuple[Option, ...] = ()
    partial: bool = True
    symbols: Mapping[str, tuple[int, ...]] | None = None
    solution_text: LazyText | None = field(default=None, repr=False, compare=False)

    @cached_property
    def numeric_value(self) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """A number, vector or matrix answer as (shape, flat floats), for fast comparison
        (a number has the shape ``()``)."""
        numeric = VALUE_TYPES[self.type].numeric
        if numeric is None:
            raise TypeError(f"a {self.type} part has no numeric value")
        return numeric(self.value)

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
        form the checkers compare an answer with (`comparable_mistake`)."""
        return tuple((m.id, comparable_mistake(self.type, m.value)) for m in self.mistakes)

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

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "prompt": self.prompt,
                                "points": self.points, "answer": self.answer,
                                "answer_text": self.answer_text}
        if self.options:
            data["options"] = [f"{o.letter}) {o.text}" for o in self.options]
        if self.symbols:
            data["symbols"] = {k: list(v) for k, v in self.symbols.items()}
        return data


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
    #: the template's figure with this instance's values (shown after the prompt text)
    figure: Figure | None = field(default=None, repr=False, compare=False)

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
        """The question text in another output format (text, md, html, tex), with the
        figure, if any, after it."""
        text = render(self.template.prompt, self.context, fmt, where="prompt",
                      path=self.template.path, line=self.template.text_lines.get("prompt"))
        if not self.figure:
            return text
        from questionbank.figures import draw

        return text + "\n\n" + draw(self.figure, fmt)

    def render_solution(self, fmt: str) -> str:
        return render(self.template.solution, self.context, fmt, where="solution",
                      path=self.template.path, line=self.template.text_lines.get("solution"))

    def render_texts(self, fmts: Sequence[str]) -> tuple[tuple[str, str], ...]:
        """(`render_prompt`, `render_solution`) in each format of `fmts`, each text's Jinja
        run once for all of them (`render_formats`): what a feedback page in html and md
        shows of its question."""
        template = self.template
        prompts = render_formats(template.prompt, self.context, fmts, where="prompt",
                                 path=template.path, line=template.text_lines.get("prompt"))
        if self.figure:
            from questionbank.figures import draw

            prompts = tuple(text + "\n\n" + draw(self.figure, fmt)
                            for text, fmt in zip(prompts, fmts, strict=True))
        solutions = render_formats(template.solution, self.context, fmts, where="solution",
                                   path=template.path,
                                   line=template.text_lines.get("solution"))
        return tuple(zip(prompts, solutions, strict=True))

    def render_part_prompt(self, part_id: str, fmt: str) -> str:
        spec = self.template.part(part_id)
        return render(spec.prompt, self.context, fmt, where=f"parts.{part_id}.prompt",
                      path=self.template.path, line=spec.prompt_line or spec.line)

    def render_option(self, part_id: str, option: Option, fmt: str) -> str:
        spec = self.template.part(part_id)
        source = next(o.text for o in spec.options if o.id == option.id)
        return render(source, self.context, fmt, path=self.template.path)

    def to_dict(self) -> dict[str, Any]:
        """The ``show --format json`` document (DESIGN.md section 5), with the figure's
        data under ``figure`` when the template has one."""
        data: dict[str, Any] = {
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
        if self.figure is not None:
            data["figure"] = self.figure.to_dict()
        return data


def _get_solver(template: Template) -> Solver | None:
    """The template's solver, if any (importing its module on first use)."""
    if template.solver is None:
        return None
    from questionbank.solvers import get_solver

    return get_solver(template.solver)


def _solve(template: Template, solver: Solver | None, env: dict[str, Any]) -> None:
    """Run the template's solver, if any, adding its outputs to `env` (exact domain)."""
    if solver is None:
        return
    try:
        result = solver.fn(env)
    except (ValueError, ArithmeticError, KeyError) as exc:
        raise TemplateError(f"solver {template.solver!r} failed: {exc}", path=template.path,
                            key="solver") from None
    for name in solver.outputs:
        env[name] = result[name]


def _symbols(template: Template, spec: PartSpec, env: Mapping[str, Any]) -> dict[str, Any]:
    """An expression part's symbols with their shapes, the named dimensions looked up."""
    raw = env[spec.symbols] if isinstance(spec.symbols, str) else spec.symbols
    assert raw is not None  # the schema requires symbols on an expression part
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
    if isinstance(seed, bool) or not (isinstance(seed, int) or is_numpy_int(seed)) or \
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
    # numpy (110 ms of CPU to import) is loaded only when this instance can use it: to draw
    # the params, or for an array. It is loaded before the error state is entered, as is the
    # solver's module, which imports numpy if it uses it (`questionbank.arrays`).
    sampled = any(spec.name not in overrides for spec in template.params)
    if sampled or template.may_make_arrays or any(
            spec.type in ("choice", "choices") for spec in template.parts):
        import numpy  # noqa: F401
    solver = _get_solver(template)
    deadline = budget_now() + INSTANCE_SECONDS
    with float_errors_raise():
        instance = _generate(template, seed, overrides, deadline, sampled, solver)
    if render_text:
        deadline = budget_now() + INSTANCE_SECONDS  # the text has a budget of its own
        # Render now, so that a template error surfaces here and not later, far from its cause.
        for part in instance.parts:
            _ = part.prompt
        _ = instance.prompt, instance.solution
        check_deadline(template, deadline, "rendering the text")
    return instance


def _generate(template: Template, seed: int, overrides: Mapping[str, Any],
              deadline: float, sampled: bool, solver: Solver | None) -> Instance:
    """Sample, solve, compute each part's answer, then build the parts (choice parts after
    the others: their options may use the answers); the time budget is checked between steps."""
    # Making a Generator costs tens of microseconds: skip it when every param is given (as when
    # an exam is regraded from its stored params).
    rng = _random(seed) if sampled else None
    values, env, fenv, attempts = sample_params(template, rng, overrides, deadline)
    check_deadline(template, deadline, "sampling and derived values")
    if solver is not None:
        solver_start = budget_now()
        _solve(template, solver, env)
        # a solver is trusted code (the first call may import sympy, seconds on a busy
        # machine): its time is not counted against the template's budget
        deadline += budget_now() - solver_start
    floats = FloatEnv(env, fenv)

    # params as sampled (2.0 stays 2.0, as the student reads it); computed values for display
    answers_text: dict[str, str] = {}
    context = DisplayContext({k: v for k, v in env.items() if k not in values},
                             {**values, "params": dict(values), "answers": answers_text})
    pending: list[tuple[PartSpec, Any, tuple[Any, str] | None]] = []
    for spec in template.parts:
        if spec.type in ("choice", "choices"):
            pending.append((spec, None, None))
            continue
        if spec.answer is None:
            raw = env[spec.id]
        elif isinstance(spec.answer, Expr):
            raw = evaluate_in(template, spec.answer, env, f"parts.{spec.id}.answer", spec.line)
        else:
            raw = spec.answer
        value = _check_value(template, spec, raw, f"the answer of part {spec.id!r}")
        answer = answer_json(spec.type, value, spec.format)
        answers_text[spec.id] = answer[1]
        context.add(f"answer_{spec.id}", value)
        pending.append((spec, value, answer))

    check_deadline(template, deadline, "the answers")
    shuffle_rng = _random([seed, 0x5EED]) if any(
        spec.type in ("choice", "choices") for spec in template.parts) else None
    parts = tuple(_build_part(template, spec, value, answer, env, floats, context, shuffle_rng)
                  for spec, value, answer in pending)
    check_deadline(template, deadline, "the mistakes and options")
    for part in parts:
        answers_text[part.id] = part.answer_text
    figure = None
    if template.figure:
        from questionbank.figures import compute_figure

        figure = compute_figure(template, floats)
    return Instance(template=template, seed=seed, params=values, parts=parts, context=context,
                    attempts=attempts, figure=figure)


def _random(seed: int | list[int]) -> np.random.Generator:
    """The seeded generator of an instance (numpy is imported by `generate` when it needs one)."""
    import numpy as np

    return np.random.default_rng(seed)


def _check_value(template: Template, spec: PartSpec, value: Any, what: str) -> Any:
    """A computed value checked for the part's type (a template bug otherwise)."""
    try:
        return VALUE_TYPES[spec.type].check(value)
    except WrongValue as exc:
        raise TemplateError(f"{what} must be {exc.expected}, got {value!r}", path=template.path,
                            line=spec.line, key=f"parts.{spec.id}") from None


def _build_part(template: Template, spec: PartSpec, value: Any,
                answer_pair: tuple[Any, str] | None, env: Mapping[str, Any],
                fenv: Mapping[str, Any], context: Mapping[str, Any],
                rng: np.random.Generator | None) -> Part:
    """One part: its answer (exact), its mistakes (evaluated in floating point: they are only
    compared within tolerance), hints and feedback (rendered when first needed)."""
    path = template.path
    where = f"parts.{spec.id}"
    prompt = LazyText(spec.prompt, context, f"{where}.prompt", path, spec.prompt_line or spec.line)
    hints = tuple(LazyText(h, context, f"{where}.hints", path, spec.line) for h in spec.hints)
    solution = LazyText(spec.solution, context, f"{where}.solution", path, spec.line) \
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
    with float_errors_raise():
        for m in specs:
            mistake = _mistake(template, spec, m, fenv, context, where)
            if mistake is not None:
                mistakes.append(mistake)
    return tuple(mistakes)


def _mistake(template: Template, spec: PartSpec, m: MistakeSpec, fenv: Mapping[str, Any],
             context: Mapping[str, Any], where: str) -> Mistake | None:
    """One declared mistake with its value, or None when its `when` rules it out."""
    path = template.path
    if m.when is not None and not truth(
            evaluate_in(template, m.when, fenv, f"{where}.mistakes.{m.id}.when", m.line,
                  exact=False, guarded=False)):
        return None
    if isinstance(m.answer, Expr):
        raw = evaluate_in(template, m.answer, fenv, f"{where}.mistakes.{m.id}", m.line,
                    exact=False, guarded=False)
        mvalue = _check_value(template, spec, raw, f"mistake {m.id!r}")
    else:
        mvalue = m.answer
    if "mistake" in m.feedback:
        mctx: Mapping[str, Any] = Overlay(
            context, mistake=partial(display_value, mvalue),
            mistake_text=lambda: answer_json(spec.type, mvalue, spec.format)[1])
    else:
        mctx = context
    return Mistake(id=m.id, type=spec.type, value=mvalue, style=spec.format,
                   feedback_text=LazyText(m.feedback, mctx, f"{where}.mistakes.{m.id}.feedback",
                                          path, m.line))


def _choice_part(template: Template, spec: PartSpec, env: Mapping[str, Any],
                 context: Mapping[str, Any], rng: np.random.Generator, prompt: LazyText,
                 hints: tuple[LazyText, ...], solution: LazyText | None) -> Part:
    where = f"parts.{spec.id}"
    order = list(range(len(spec.options)))
    if spec.shuffle:
        order = [int(i) for i in rng.permutation(len(order))]
    options = []
    for letter, index in zip(LETTERS, order, strict=False):
        o = spec.options[index]
        correct = o.correct if isinstance(o.correct, bool) else truth(
            evaluate_in(template, o.correct, env, f"{where}.options[{index}].correct", o.line))
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
