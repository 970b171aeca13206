"""Validation of a loaded template document into a `Template` (the records are in `specs`).

Every problem is a `TemplateError` naming ``file:line``, the key path, what was expected and what
was found; unknown keys are errors with a "did you mean" when a known key is close. The top
level is checked here; `schema_params` and `schema_parts` check one param or part, with the
readers of `schema_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionbank.expr import FUNCTIONS, Expr
from questionbank.schema_fields import (
    ID_PATTERN,
    NAME_PATTERN,
    RESERVED,
    Ctx,
    check_keys,
    describe,
    did_you_mean,
    freeze,
    join_key,
    line_of,
    read_expr,
    read_int,
    read_strings,
    read_text,
    text_line,
)
from questionbank.schema_figure import read_figure
from questionbank.schema_params import read_param
from questionbank.schema_parts import read_part
from questionbank.specs import (
    ANSWER_TYPES,
    PARAM_TYPES,
    SCALAR_PARAM_TYPES,
    SCHEMA_KEYS,
    Constraint,
    MistakeSpec,
    OptionSpec,
    ParamSpec,
    PartSpec,
    Template,
    TestCase,
)

# The records and the format's vocabulary are defined in `specs` and re-exported here, where
# importers (grader, tests) have always found them.
__all__ = [
    "ANSWER_TYPES", "PARAM_TYPES", "SCALAR_PARAM_TYPES", "SCHEMA_KEYS", "Constraint",
    "MistakeSpec", "OptionSpec", "ParamSpec", "PartSpec", "Template", "TestCase",
    "validate_template",
]

def _tests(ctx: Ctx, node: Any, line: int | None, param_names: set[str],
           part_ids: set[str]) -> tuple[TestCase, ...]:
    """The ``tests``: fixed params (of `param_names`) with expected answers (of `part_ids`)."""
    if not isinstance(node, list):
        ctx.fail("tests", f"expected a list, got {describe(node)}", line=line)
    result: list[TestCase] = []
    for i, item in enumerate(node):
        ipath = f"tests[{i}]"
        iline = line_of(node, i)
        check_keys(ctx, ipath, item, "test", required=("params", "expect"))
        params = _known_keys(ctx, item, "params", ipath, param_names, "param: value",
                             "parameter", allow_empty=True)
        expect = _known_keys(ctx, item, "expect", ipath, part_ids, "part id: answer", "part",
                             allow_empty=False)
        result.append(TestCase(name=read_text(ctx, item, "name", ipath) or f"test {i + 1}",
                               params=freeze(params), expect=freeze(expect), line=iline or 0))
    return tuple(result)


def _known_keys(ctx: Ctx, item: Mapping[str, Any], key: str, path: str, known: set[str],
                what: str, noun: str, allow_empty: bool) -> dict[str, Any]:
    """`item[key]`: a mapping of `what` whose keys are all `known` (each names a `noun`)."""
    value = item[key]
    if not isinstance(value, dict) or not (value or allow_empty):
        ctx.fail(join_key(path, key), f"expected a mapping of {what}", line=line_of(item, key))
    for k in value:
        if k not in known:
            ctx.fail(join_key(path, f"{key}.{k}"), f"no {noun} named {k!r}",
                     line=line_of(value, k))
    return value


# --------------------------------------------------------------------------- the template


def validate_template(doc: Any, template_id: str, path: str, source: str = "",
                      solver_outputs: Mapping[str, tuple[str, ...]] | None = None) -> Template:
    """Check a loaded YAML document and build the `Template`.

    `solver_outputs` maps registered solver names to the names they return, so that part
    answers, prompts and mistakes can be checked for unknown names at load time.
    """
    ctx = Ctx(path)
    if not isinstance(doc, dict):
        ctx.fail("", f"a template must be a mapping at the top level, got {describe(doc)}",
                 line=1)
    check_keys(ctx, "", doc, "template", required=("title", "topic", "parts"))
    if "id" in doc and doc["id"] != template_id:
        ctx.fail("id", f"the id {doc['id']!r} does not match the file's place in the bank "
                 f"({template_id!r}); remove it or rename the file", line=line_of(doc, "id"))
    topic = read_text(ctx, doc, "topic", "")
    if not ID_PATTERN.match(topic):
        ctx.fail("topic", f"expected a lower-case topic name, got {topic!r}",
                 line=line_of(doc, "topic"))
    names: set[str] = set()  # grows section by section: what later expressions may use
    params = _params(ctx, doc, names)
    param_names = set(names)
    derived = _derived(ctx, doc, names)
    constraints = _constraints(ctx, doc, names)
    solver = _solver(ctx, doc, names, solver_outputs)
    parts = _parts(ctx, doc, names, solver if solver_outputs is not None else None)
    figure = read_figure(ctx, doc["figure"], names, line_of(doc, "figure")) \
        if "figure" in doc else None
    tests: tuple[TestCase, ...] = ()
    if "tests" in doc:
        tests = _tests(ctx, doc["tests"], line_of(doc, "tests"), param_names,
                       {p.id for p in parts})
    difficulty = read_int(ctx, doc, "difficulty", "", 2, lo=1, hi=5)
    return Template(
        id=template_id, title=read_text(ctx, doc, "title", ""), topic=topic, path=path,
        tags=read_strings(ctx, doc, "tags", ""), difficulty=difficulty,
        version=read_int(ctx, doc, "version", "", 1, lo=1),
        description=read_text(ctx, doc, "description", ""), params=params,
        constraints=constraints, derived=derived, solver=solver,
        prompt=read_text(ctx, doc, "prompt", "", required=True),
        solution=read_text(ctx, doc, "solution", ""), parts=parts, tests=tests,
        max_tries=read_int(ctx, doc, "max_tries", "", 1000, lo=1, hi=100_000),
        figure=figure, source=source,
        text_lines={k: text_line(doc, k) for k in ("prompt", "solution") if k in doc},
    )


def _params(ctx: Ctx, doc: Mapping[str, Any], names: set[str]) -> tuple[ParamSpec, ...]:
    """The ``params`` in order, each added to `names` (a spec may use the earlier ones)."""
    params: list[ParamSpec] = []
    raw_params = doc.get("params", {})
    if not isinstance(raw_params, dict):
        ctx.fail("params", f"expected a mapping of name: spec, got {describe(raw_params)}",
                 line=line_of(doc, "params"))
    for name, spec in raw_params.items():
        _check_name(ctx, f"params.{name}", name, names, line_of(raw_params, name))
        params.append(read_param(ctx, name, spec, f"params.{name}", set(names),
                                 line_of(raw_params, name)))
        names.add(name)
    return tuple(params)


def _derived(ctx: Ctx, doc: Mapping[str, Any],
             names: set[str]) -> tuple[tuple[str, Expr, int], ...]:
    """The ``derived`` values (name, expression, line) in order, each added to `names`."""
    derived: list[tuple[str, Expr, int]] = []
    raw_derived = doc.get("derived", {})
    if not isinstance(raw_derived, dict):
        ctx.fail("derived", f"expected a mapping of name: expression, got "
                 f"{describe(raw_derived)}", line=line_of(doc, "derived"))
    for name, text in raw_derived.items():
        dline = line_of(raw_derived, name)
        _check_name(ctx, f"derived.{name}", name, names, dline)
        derived.append((name, read_expr(ctx, text, f"derived.{name}", dline, set(names)),
                        dline or 0))
        names.add(name)
    return tuple(derived)


def _constraints(ctx: Ctx, doc: Mapping[str, Any], names: set[str]) -> tuple[Constraint, ...]:
    """The ``constraints``: an expression, or a mapping with ``expr`` and ``message``."""
    constraints = []
    raw_constraints = doc.get("constraints", [])
    if not isinstance(raw_constraints, list):
        ctx.fail("constraints", f"expected a list, got {describe(raw_constraints)}",
                 line=line_of(doc, "constraints"))
    for i, item in enumerate(raw_constraints):
        cline = line_of(raw_constraints, i)
        if isinstance(item, dict):
            check_keys(ctx, f"constraints[{i}]", item, "constraint", required=("expr",))
            text, message = item["expr"], read_text(ctx, item, "message", f"constraints[{i}]")
        else:
            text, message = item, ""
        expr = read_expr(ctx, text, f"constraints[{i}]", cline, set(names))
        constraints.append(Constraint(expr=expr, message=message or str(text), line=cline or 0))
    return tuple(constraints)


def _solver(ctx: Ctx, doc: Mapping[str, Any], names: set[str],
            solver_outputs: Mapping[str, tuple[str, ...]] | None) -> str | None:
    """The ``solver``'s name; with `solver_outputs` known, it must be registered, and the
    names it returns are added to `names`."""
    if "solver" not in doc:
        return None
    solver = read_text(ctx, doc, "solver", "")
    if solver_outputs is not None:
        if solver not in solver_outputs:
            hint = did_you_mean(solver, sorted(solver_outputs), 0.6)
            ctx.fail("solver", f"no solver named {solver!r}{hint}", line=line_of(doc, "solver"))
        names.update(solver_outputs[solver])
    return solver


def _parts(ctx: Ctx, doc: Mapping[str, Any], names: set[str],
           checked_solver: str | None) -> tuple[PartSpec, ...]:
    """The ``parts``, with distinct ids; a part without an ``answer`` needs a solver value of
    its id (`checked_solver`: the solver, when its outputs are known)."""
    raw_parts = doc["parts"]
    if not isinstance(raw_parts, list) or not raw_parts:
        ctx.fail("parts", f"expected a non-empty list of parts, got {describe(raw_parts)}",
                 line=line_of(doc, "parts"))
    parts = []
    seen_parts: set[str] = set()
    for i, item in enumerate(raw_parts):
        part = read_part(ctx, item, f"parts[{i}]", names, line_of(raw_parts, i))
        if part.id in seen_parts:
            ctx.fail(f"parts[{i}].id", f"duplicate part id {part.id!r}",
                     line=line_of(item, "id"))
        seen_parts.add(part.id)
        if part.answer is None and part.type not in ("choice", "choices") and (
                checked_solver is None or part.id not in names):
            ctx.fail(f"parts.{part.id}", "no 'answer' given and no solver value named "
                     f"{part.id!r}", item)
        parts.append(part)
    return tuple(parts)


def _check_name(ctx: Ctx, key: str, name: Any, names: set[str], line: int | None) -> None:
    """A new param or derived name: well formed, not reserved, not taken."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        ctx.fail(key, f"not a valid name: {name!r} (letters, digits and _)", line=line)
    if name in RESERVED or name in FUNCTIONS or name.startswith("answer_"):
        ctx.fail(key, f"{name!r} is reserved (a function, keyword or text variable); "
                 "choose another name", line=line)
    if name in names:
        ctx.fail(key, f"the name {name!r} is already used", line=line)
