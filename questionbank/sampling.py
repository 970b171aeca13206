"""Sampling random parameters from their specs, with a seeded `numpy.random.Generator`.

Values are plain Python data (int, float, str, bool, tuples, mappings) so they serialise to JSON
as they are. Decimals are drawn on their step grid and rounded to the step's decimal places, so
``repr`` of a sampled float is the decimal a student reads (7.12, not 7.1199999).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from questionbank.errors import BudgetError, TemplateError
from questionbank.expr import Expr, ExprError, evaluate, to_exact, to_float, truth
from questionbank.specs import MAX_LENGTH, MAX_MATRIX_SIDE, ParamSpec, Template

if TYPE_CHECKING:  # `generate` imports numpy when it draws params (`questionbank.arrays`)
    import numpy as np

__all__ = ["INSTANCE_SECONDS", "budget_clock", "budget_now", "check_deadline", "coerce_param",
           "derive_seed", "evaluate_in", "past", "sample_param", "sample_params", "with_exact"]

#: The budget of one instance (sampling, derived values, solver, answers), in seconds of CPU
#: time of the thread making it: a bad template fails fast instead of hanging `list`,
#: `validate` or `generate`, and a busy machine (other processes, other threads) does not make
#: a good template fail. Instances of the built-in bank take milliseconds.
INSTANCE_SECONDS = 2.0

#: This thread's last reading of its CPU clock, with the wall clock's reading at that moment.
_last_reading = threading.local()


def budget_clock() -> float:
    """The clock the budget is measured on: this thread's CPU time (`time.thread_time`)."""
    cpu = time.thread_time()
    _last_reading.pair = (cpu, time.perf_counter())
    return cpu


def _forget_reading() -> None:
    """In a forked child, whose thread's CPU clock starts again near 0: the parent's reading
    (kept by the thread that forked) would make `budget_now` and `past` run on its clock."""
    _last_reading.__dict__.pop("pair", None)


if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=_forget_reading)

#: How recent (in wall time) the last reading of the CPU clock must be for `budget_now` to use
#: it instead of reading the clock again.
RECENT_READING = 0.001


def budget_now() -> float:
    """`budget_clock()`, or, when it was read less than `RECENT_READING` seconds of wall time
    ago, that reading plus the wall time since: the thread's CPU time cannot have grown more,
    so this is at most 1 ms above it. A budget started or a solver timed with it is off by at
    most a millisecond (of 2 s), and a batch of instances reads the clock about once per
    millisecond instead of three times per instance (2.5 us each, a system call: 7 of the
    70 us of rebuilding a confusion-matrix question)."""
    pair = getattr(_last_reading, "pair", None)
    if pair is not None:
        since = time.perf_counter() - pair[1]
        if since < RECENT_READING:
            return float(pair[0] + since)
    return budget_clock()


def past(deadline: float) -> bool:
    """Whether `budget_clock()` has passed `deadline`, reading it only when it may have.

    A thread's CPU clock never runs faster than the wall clock, so while the wall time since
    its last reading leaves room before `deadline`, it cannot have passed it. Reading the CPU
    clock is a system call here (2 to 5 us, against 0.1 us for the wall clock): at six reads
    an instance it was a fifth of the time of making a confusion-matrix instance."""
    pair = getattr(_last_reading, "pair", None)
    if pair is not None and pair[0] + (time.perf_counter() - pair[1]) <= deadline:
        return False
    return budget_clock() > deadline


def check_deadline(template: Template, deadline: float, stage: str) -> None:
    """A `BudgetError` once `budget_clock()` has passed `deadline` (checked between steps;
    no signals or threads are needed)."""
    if past(deadline):
        raise BudgetError(f"generating an instance took longer than the {INSTANCE_SECONDS:g} s "
                          f"budget ({stage}); simplify the template", path=template.path)


def derive_seed(exam_seed: int, student_id: str, number: int) -> int:
    """A per-question seed from (exam seed, student id, question number), via SHA-256.

    Never `hash()`: that is salted per process, and the same student must get the same version
    in every process and on every machine.
    """
    digest = hashlib.sha256(f"mlquiz:{exam_seed}:{student_id}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _resolve(template: Template, spec: ParamSpec, value: Any, env: Mapping[str, Any],
             what: str) -> Any:
    """A spec field that may be an expression of earlier params."""
    if isinstance(value, Expr):
        try:
            value = evaluate(value, env)
        except ExprError as exc:
            raise TemplateError(f"cannot compute {what}: {exc.message}", path=template.path,
                                line=spec.line, key=f"params.{spec.name}") from None
    return value


def _length(template: Template, spec: ParamSpec, value: Any, env: Mapping[str, Any],
            rng: np.random.Generator, what: str, limit: int = MAX_LENGTH) -> int:
    """A length drawn from a range (its bounds were checked against `limit` by the schema) or
    computed from earlier params (checked here)."""
    if isinstance(value, tuple):
        return int(rng.integers(value[0], value[1], endpoint=True))
    n = _resolve(template, spec, value, env, what)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= limit:
        raise TemplateError(f"{what} must be a whole number from 1 to {limit}, got {n!r}",
                            path=template.path, line=spec.line, key=f"params.{spec.name}")
    return n


@lru_cache(maxsize=256)
def _decimals(step: float) -> int:
    """Decimal places of a number as written: 0.05 -> 2, 2.5e-3 -> 4, 3.0 -> 0."""
    text = repr(float(step))
    if "e" in text:
        mantissa, exp = text.split("e")
        frac = mantissa.split(".")[1] if "." in mantissa else ""
        return max(0, len(frac.rstrip("0")) - int(exp))
    frac = text.split(".")[1] if "." in text else ""
    return len(frac.rstrip("0"))


def sample_param(template: Template, spec: ParamSpec, env: Mapping[str, Any],
                 rng: np.random.Generator) -> Any:
    """Draw one value for `spec`; `env` holds earlier params in the exact domain."""
    kind = spec.type
    if kind in ("int", "decimal", "choice", "bool"):
        return _draw(template, spec, env, rng, None)
    if kind == "mask":
        n = _length(template, spec, spec.length, env, rng, "length")
        return tuple(int(v) for v in (rng.random(n) < spec.p).tolist())
    if kind == "vector":
        assert spec.of is not None
        n = _length(template, spec, spec.length, env, rng, "length")
        return tuple(_draw(template, spec.of, env, rng, n))
    if kind == "matrix":
        assert spec.of is not None
        rows = _length(template, spec, spec.rows, env, rng, "rows", MAX_MATRIX_SIDE)
        cols = _length(template, spec, spec.cols, env, rng, "cols", MAX_MATRIX_SIDE)
        flat = _draw(template, spec.of, env, rng, rows * cols)
        return tuple(tuple(flat[r * cols:(r + 1) * cols]) for r in range(rows))
    raise AssertionError(kind)


@lru_cache(maxsize=1024)
def _grid(lo: float, hi: float, step: float) -> tuple[int, int]:
    """The last index of a decimal range's step grid, and the decimal places to round to."""
    return math.floor((hi - lo) / step + 1e-9), max(_decimals(step), _decimals(lo))


def _draw(template: Template, spec: ParamSpec, env: Mapping[str, Any],
          rng: np.random.Generator, n: int | None) -> Any:
    """One draw of a scalar spec (`n` None), or a list of `n` independent draws made in one
    call to the generator. A scalar draw consumes the generator's stream exactly as a draw of
    size 1 does, so both give the same values for the same seed."""
    kind = spec.type
    if kind == "int":
        lo = spec.min if type(spec.min) is int else math.ceil(
            _resolve(template, spec, spec.min, env, "min"))
        hi = spec.max if type(spec.max) is int else math.floor(
            _resolve(template, spec, spec.max, env, "max"))
        if lo > hi:
            raise TemplateError(f"empty range: min {lo} > max {hi}", path=template.path,
                                line=spec.line, key=f"params.{spec.name}")
        if n is None:
            return int(rng.integers(lo, hi, endpoint=True))
        return rng.integers(lo, hi, size=n, endpoint=True).tolist()
    if kind == "decimal":
        lo = float(_resolve(template, spec, spec.min, env, "min"))
        hi = float(_resolve(template, spec, spec.max, env, "max"))
        step = float(spec.step)
        k_max, places = _grid(lo, hi, step)
        if k_max < 0:
            raise TemplateError(f"empty range: min {lo} > max {hi}", path=template.path,
                                line=spec.line, key=f"params.{spec.name}")
        # `+ 0.0` turns a rounded -0.0 into 0.0
        if n is None:
            return round(lo + int(rng.integers(0, k_max, endpoint=True)) * step, places) + 0.0
        return [round(lo + k * step, places) + 0.0
                for k in rng.integers(0, k_max, size=n, endpoint=True).tolist()]
    if kind == "choice":
        if n is None:
            return spec.values[int(rng.integers(0, len(spec.values)))]
        return [spec.values[i] for i in rng.integers(0, len(spec.values), size=n).tolist()]
    if kind == "bool":
        if n is None:
            return bool(rng.random() < spec.p)
        return (rng.random(n) < spec.p).tolist()
    raise AssertionError(kind)


def evaluate_in(template: Template, expr: Expr, env: Mapping[str, Any], key: str, line: int,
                exact: bool = True, guarded: bool = True) -> Any:
    """`evaluate`, an error being the template's, located at `key` and `line`."""
    try:
        return evaluate(expr, env, exact=exact, guarded=guarded)
    except ExprError as exc:
        raise TemplateError(f"cannot evaluate {expr.text!r}: {exc.message}", path=template.path,
                            line=line, key=key) from None


def sample_params(template: Template, rng: np.random.Generator | None,
                  overrides: Mapping[str, Any], deadline: float = math.inf,
                  ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], int]:
    """Params satisfying every constraint, with `overrides` fixed; bounded resampling: at most
    ``template.max_tries`` samples, and none started after `deadline` (`budget_clock()`).

    Returns the params, the exact and the float environments, and how many samples were
    drawn (validation reports the acceptance rate). Constraints are conditions, not answers,
    so they are evaluated in floating point: several times faster than exact fractions (the
    derived values they do not read are left to the caller's `FloatEnv`: `_float_now`).
    """
    failures: dict[int, int] = {}
    fixed: set[str] | None = None  # (`_fixed_names`, found at the first failed constraint)
    needed, checked = template.sampling_names, _float_now(template)
    for attempt in range(1, template.max_tries + 1):
        if past(deadline):  # (the stage text is only made when over the budget)
            check_deadline(template, deadline, f"sample {attempt} of at most "
                           f"{template.max_tries}")
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
            env = with_exact(values, env)
            for name, expr, line in template.derived:
                env[name] = evaluate_in(template, expr, env, f"derived.{name}", line)
                if name in checked:
                    fenv[name] = to_float(env[name])
        failed = None
        for i, constraint in enumerate(template.constraints):
            ok = evaluate_in(template, constraint.expr, fenv, f"constraints[{i}]", constraint.line,
                       exact=False, guarded=False)
            if not truth(ok):
                failed = i
                break
        if failed is None:
            return values, with_exact(values, env), fenv, attempt
        failures[failed] = failures.get(failed, 0) + 1
        c = template.constraints[failed]
        if fixed is None:
            fixed = _fixed_names(template, overrides)
        if c.expr.names <= fixed:
            raise TemplateError(f"the given params break the constraint {c.message!r}",
                                path=template.path, line=c.line, key=f"constraints[{failed}]")
    worst = max(failures, key=lambda k: failures[k])  # the constraint that failed most often
    c = template.constraints[worst]
    raise TemplateError(
        f"could not satisfy the constraint {c.message!r} in {template.max_tries} tries "
        f"(it failed {failures[worst]} times); widen the param ranges or relax it",
        path=template.path, line=c.line, key=f"constraints[{worst}]")


def _fixed_names(template: Template, overrides: Mapping[str, Any]) -> set[str]:
    """The params given and the derived values that depend on them only: a constraint of
    these alone that fails would fail on every sample."""
    fixed = set(overrides)
    for name, expr, _ in template.derived:
        if expr.names <= fixed:
            fixed.add(name)
    return fixed


#: `_float_now` of the templates seen, by id, with the template itself (an id is reused only
#: once its template is gone): 3.8 us less on each instance of metrics/confusion-matrix.
_FLOAT_NOW: dict[int, tuple[Template, frozenset[str]]] = {}


def _float_now(template: Template) -> frozenset[str]:
    """`_derived_floats` of `template`, found once per template."""
    known = _FLOAT_NOW.get(id(template))
    if known is not None and known[0] is template:
        return known[1]
    if len(_FLOAT_NOW) >= 1024:  # bounded: a long-lived process that loads banks again
        _FLOAT_NOW.clear()
    names = frozenset(_derived_floats(template))
    _FLOAT_NOW[id(template)] = (template, names)
    return names


def _derived_floats(template: Template) -> set[str]:
    """The derived values `sample_params` converts to floats: those the constraints read, and
    those a solver output of the same name replaces in the exact environment (the float one
    keeps the derived value). The others are converted on first use by the caller's
    `FloatEnv`, if ever, with the same `to_float`: 23 of the 30 derived values of
    optimizers/adam, 34 us a sample."""
    names = set().union(*(c.expr.names for c in template.constraints))
    if template.solver is not None:
        from questionbank.solvers import get_solver  # (`generate` has loaded it already)

        names.update(get_solver(template.solver).outputs)
    return names


def with_exact(values: Mapping[str, Any], env: dict[str, Any]) -> dict[str, Any]:
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
        import numpy as np  # (an array param's value)

        if all(type(v) is float or type(v) is int for v in value):
            return np.array(value, dtype=float)
        if all(type(r) is tuple and r and len(r) == len(value[0])
               and all(type(v) is float or type(v) is int for v in r) for r in value):
            return np.array(value, dtype=float)
    return to_float(to_exact(value))


def coerce_param(template: Template, spec: ParamSpec, value: Any) -> Any:
    """Check an override value (`--param k=v`, a test case) against the spec and normalise it.

    Ranges are not enforced (an instructor may reproduce a textbook example outside them), but
    types and shapes are, and the template's constraints still apply afterwards.
    """
    def bad(expected: str) -> TemplateError:
        return TemplateError(f"parameter {spec.name!r} expects {expected}, got {value!r}",
                             path=template.path, line=spec.line, key=f"params.{spec.name}")

    return _coerce(spec, value, bad)


def _coerce(spec: ParamSpec, value: Any, bad: Any) -> Any:
    kind = spec.type
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        return value
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise bad("a number")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "choice":
        if value not in spec.values:
            if isinstance(value, str):
                return value  # a label outside the list (e.g. 'cancer') is still a label
            raise bad("one of " + ", ".join(map(repr, spec.values)))
        return value
    if kind == "mask":
        if not isinstance(value, list | tuple) or not value or any(
                v not in (0, 1) or (isinstance(v, float) and not v.is_integer()) for v in value):
            raise bad("a non-empty list of 0s and 1s")
        if len(value) > MAX_LENGTH:
            raise bad(f"at most {MAX_LENGTH} entries")
        return tuple(int(v) for v in value)
    if kind == "vector":
        if not isinstance(value, list | tuple) or not value:
            raise bad("a non-empty list")
        if len(value) > MAX_LENGTH:
            raise bad(f"at most {MAX_LENGTH} entries")
        assert spec.of is not None
        return tuple(_coerce(spec.of, v, bad) for v in value)
    if kind == "matrix":
        if not isinstance(value, list | tuple) or not value or not all(
                isinstance(r, list | tuple) and len(r) == len(value[0]) and r for r in value):
            raise bad("a non-empty rectangular list of lists")
        if len(value) > MAX_MATRIX_SIDE or len(value[0]) > MAX_MATRIX_SIDE:
            raise bad(f"at most {MAX_MATRIX_SIDE}x{MAX_MATRIX_SIDE} entries")
        assert spec.of is not None
        return tuple(tuple(_coerce(spec.of, v, bad) for v in row) for row in value)
    raise AssertionError(kind)
