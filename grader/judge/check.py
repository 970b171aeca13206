"""Judging one submitted answer against an instance: `check(instance, part_id, text)`.

The submitted text is untrusted. It is read by the parser of the part's answer type (never by
`eval`, `sympify` or a YAML loader); anything unreadable is ``invalid`` with a message that
points at the problem. A readable answer is ``correct`` when it is within the part's tolerance
(shape first, then values); otherwise it is ``incorrect``, and the feedback says why in the
most specific way available: a declared mistake of the template ("That is recall ..."), then
the generic detectors a teacher would apply (a percentage without its % sign, the right value
rounded too coarsely, a sign error, the right entries in the wrong order, a transposed shape).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from grader.judge import tolerance as compare
from grader.judge.parse import (
    ParsedNumber,
    parse_choice,
    parse_choices,
    parse_integer,
    parse_matrix,
    parse_number,
    parse_shape,
    parse_vector,
)
from questionbank.errors import AnswerError
from questionbank.instance import Instance, Mistake, Part
from questionbank.tolerance import Tolerance

__all__ = ["STATUSES", "ItemResult", "Result", "check", "check_all"]

STATUSES = ("correct", "incorrect", "invalid")
MAX_ANSWER_CHARS = 100_000


@dataclass(frozen=True)
class Result:
    """The verdict on one part.

    `status` is correct / incorrect / invalid, `score` in [0, 1], `feedback` the explanation
    (Markdown-lite; the student's own text never appears in it unescaped as markup, the page
    renderers escape it), `mistake` the id of the matched mistake (declared, or a generic one
    such as ``percent-without-sign``), `value` the parsed answer as JSON-native data, `read_as`
    how the answer was understood.
    """

    part: str
    status: str
    score: float
    feedback: str
    mistake: str | None = None
    value: Any = None
    read_as: str | None = None
    answer: str = field(default="", repr=False)

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict[str, Any]:
        """The ``check --json`` document (DESIGN.md section 5) plus what was read."""
        return {"status": self.status, "score": self.score, "correct": self.correct,
                "feedback": self.feedback, "mistake": self.mistake, "part": self.part,
                "read_as": self.read_as}


@dataclass(frozen=True)
class ItemResult:
    """All parts of one instance: per-part results and the points-weighted score."""

    results: tuple[Result, ...]
    points: float
    max_points: float

    @property
    def fraction(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0


def _invalid(part: Part, text: str, message: str) -> Result:
    return Result(part=part.id, status="invalid", score=0.0, feedback=message, answer=text)


def _correct(part: Part, text: str, value: Any, read_as: str, note: str = "") -> Result:
    feedback = "Correct." + (f" {note}" if note else "")
    return Result(part=part.id, status="correct", score=1.0, feedback=feedback, value=value,
                  read_as=read_as, answer=text)


def _incorrect(part: Part, text: str, value: Any, read_as: str, feedback: str,
               mistake: str | None = None, score: float = 0.0) -> Result:
    return Result(part=part.id, status="incorrect", score=score, feedback=feedback,
                  mistake=mistake, value=value, read_as=read_as, answer=text)


def check(instance: Instance, part_id: str, answer: str) -> Result:
    """Grade `answer` (raw text as submitted) for one part of `instance`."""
    part = instance.part(part_id)
    if not isinstance(answer, str):
        raise TypeError("answer must be text")
    if len(answer) > MAX_ANSWER_CHARS:
        return _invalid(part, answer[:200], f"The answer is too long ({len(answer)} characters;"
                        f" at most {MAX_ANSWER_CHARS}).")
    if not answer.strip():
        return _invalid(part, answer, "No answer was given.")
    return check_part(instance, part, answer)


def check_part(instance: Instance, part: Part, answer: str) -> Result:
    """`check` for a part already looked up, of an answer already known to be text that is
    not blank and at most `MAX_ANSWER_CHARS` long (what a batch has made sure of)."""
    try:
        return _CHECKERS[part.type](instance, part, answer)
    except AnswerError as exc:
        message = exc.render()
        if part.type == "expression":
            message = "Could not read the expression: " + message
        return _invalid(part, answer, message)


def check_all(instance: Instance, answers: Mapping[str, str]) -> ItemResult:
    """Grade every part; a part with no entry in `answers` is invalid (no answer)."""
    results = tuple(check(instance, p.id, answers.get(p.id, "")) for p in instance.parts)
    points = sum(r.score * p.points for r, p in zip(results, instance.parts, strict=True))
    return ItemResult(results=results, points=points,
                      max_points=sum(p.points for p in instance.parts))


# --------------------------------------------------------------------------- numbers


def _tol(part: Part) -> Tolerance:
    return part.effective_tolerance


def _float(x: Any) -> float:
    return float(x)


def _number_mistake(part: Part, value: float) -> Mistake | None:
    tol = _tol(part)
    for index, (_, mistaken) in enumerate(part.mistake_values):
        if compare.within(tol, value, mistaken):
            return part.mistakes[index]
    return None


def _check_number(instance: Instance, part: Part, text: str) -> Result:
    parsed = parse_number(text)
    a_sub, a_tru = parsed.value, _float(part.value)
    read_as = _read_number(parsed)
    tol = _tol(part)
    if compare.within(tol, a_sub, a_tru):
        return _correct(part, text, a_sub, read_as)
    return _explain_number(part, text, parsed, a_sub, a_tru, read_as)


def _read_number(parsed: ParsedNumber) -> str:
    if parsed.percent:
        return f"{parsed.text} = {parsed.value:.6g}"
    return f"{parsed.value:.12g}"


def _explain_number(part: Part, text: str, parsed: ParsedNumber, a_sub: float, a_tru: float,
                    read_as: str) -> Result:
    tol = _tol(part)
    mistake = _number_mistake(part, a_sub)
    if mistake is not None:
        return _incorrect(part, text, a_sub, read_as, mistake.feedback, mistake.id)
    if not parsed.percent and 0 <= a_tru <= 1 and abs(a_sub) > 1 and \
            compare.within(tol, a_sub / 100, a_tru):
        return _incorrect(
            part, text, a_sub, read_as,
            f"It looks like a percentage without its % sign: {parsed.text} means "
            f"{parsed.text}, not {a_sub / 100:g}. Write it as a fraction or decimal "
            f"({a_sub / 100:g}) or add the sign ({parsed.text}%).", "percent-without-sign")
    if not parsed.percent and 0 <= a_tru <= 1 and abs(a_sub) > 1:
        mistake = _number_mistake(part, a_sub / 100)
        if mistake is not None:
            return _incorrect(part, text, a_sub, read_as,
                              mistake.feedback + " (Also: a percentage needs its % sign.)",
                              mistake.id)
    digits = parsed.sigfigs
    if digits is not None and a_tru != 0 and compare.is_close_sigfigs(a_sub, a_tru, digits):
        return _incorrect(part, text, a_sub, read_as,
                          f"Right value, but rounded too coarsely ({digits} significant "
                          f"figure{'s' if digits != 1 else ''}). The answer must be "
                          f"{tol.describe()}: keep more digits, or give the exact fraction.",
                          "rounded-too-coarsely")
    if a_tru != 0 and compare.within(tol, -a_sub, a_tru):
        return _incorrect(part, text, a_sub, read_as,
                          "The size is right but the sign is wrong.", "sign-error")
    return _incorrect(part, text, a_sub, read_as, _not_within(tol))


def _not_within(tol: Tolerance) -> str:
    return f"Not correct: the answer must be {tol.describe()}."


def _check_integer(instance: Instance, part: Part, text: str) -> Result:
    value = parse_integer(text)
    truth = int(part.value)
    if value == truth:
        return _correct(part, text, value, str(value))
    for index, (_, mistaken) in enumerate(part.mistake_values):
        if mistaken == value:
            m = part.mistakes[index]
            return _incorrect(part, text, value, str(value), m.feedback, m.id)
    if truth != 0 and value == -truth:
        return _incorrect(part, text, value, str(value), "The size is right but the sign is "
                          "wrong.", "sign-error")
    return _incorrect(part, text, value, str(value), "Not correct.")


# --------------------------------------------------------------------------- vectors, matrices


def _within_array(tol: Tolerance, got: np.ndarray, want: np.ndarray) -> bool:
    """`compare.within_all` for float arrays, vectorised for the rel and abs modes (the
    parsers and the solvers guarantee finite values, so only the comparison is left)."""
    if got.shape != want.shape:
        return False
    if tol.mode == "rel":
        return bool(np.all(np.abs(got - want) <= np.maximum(tol.value * np.abs(want),
                                                             tol.floor)))
    if tol.mode == "abs":
        return bool(np.all(np.abs(got - want) <= tol.value))
    return compare.within_all(tol, got, want)


def _within_flat(tol: Tolerance, got: Sequence[float], want: Sequence[float]) -> bool:
    """`_within_array` for short flat lists in plain Python: for the handful of entries of a
    typical answer this is several times faster than numpy's per-call overhead."""
    if tol.mode == "rel":
        rtol, floor = tol.value, tol.floor
        return all(abs(g - w) <= max(rtol * abs(w), floor)
                   for g, w in zip(got, want, strict=True))
    if tol.mode == "abs":
        atol = tol.value
        return all(abs(g - w) <= atol for g, w in zip(got, want, strict=True))
    return compare.within_all(tol, list(got), list(want))


def _flat_text(flat: Sequence[float], shape: tuple[int, ...]) -> str:
    """How an array answer was read: '[2, 0, 4.5]' or '[[1, 2], [3, 4]]'."""
    entries = [format(x, ".10g") for x in flat]
    if len(shape) == 2:
        cols = shape[1]
        return "[" + ", ".join("[" + ", ".join(entries[r * cols:(r + 1) * cols]) + "]"
                               for r in range(shape[0])) + "]"
    return "[" + ", ".join(entries) + "]"


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"{shape[0]} entries"
    return f"{shape[0]}×{shape[1]}"


def _check_array(instance: Instance, part: Part, text: str) -> Result:
    parsed: Sequence[Any] = parse_matrix(text) if part.type == "matrix" else parse_vector(text)
    if part.type == "matrix":
        shape: tuple[int, ...] = (len(parsed), len(parsed[0]))
        flat = [n.value for row in parsed for n in row]
        value: Any = [[n.value for n in row] for row in parsed]
    else:
        shape, flat = (len(parsed),), [n.value for n in parsed]
        value = flat
    read_as = _flat_text(flat, shape)
    tol = _tol(part)
    want_shape, want_flat = part.numeric_value
    if shape == want_shape and _within_flat(tol, flat, want_flat):
        return _correct(part, text, value, read_as)
    got = np.array(flat, dtype=float).reshape(shape)
    want = np.array(want_flat, dtype=float).reshape(want_shape)
    for index, (_, mv) in enumerate(part.mistake_values):
        if mv.shape == got.shape and _within_array(tol, got, mv):
            m = part.mistakes[index]
            return _incorrect(part, text, value, read_as, m.feedback, m.id)
    if got.shape != want.shape:
        if part.type == "matrix" and got.T.shape == want.shape and \
                _within_array(tol, got.T, want):
            return _incorrect(part, text, value, read_as, "These are the right numbers, but "
                              "transposed: rows and columns are swapped.", "transposed")
        return _incorrect(part, text, value, read_as,
                          f"Wrong shape: the answer has {_shape_text(want.shape)}, yours has "
                          f"{_shape_text(got.shape)}.", "wrong-shape")
    return _explain_array(part, text, parsed, got, want, value, read_as)


def _explain_array(part: Part, text: str, parsed: Sequence[Any], got: np.ndarray,
                   want: np.ndarray, value: Any, read_as: str) -> Result:
    tol = _tol(part)
    flat_got, flat_want = got.ravel(), want.ravel()
    ok = [compare.within(tol, float(g), float(w)) for g, w in zip(flat_got, flat_want,
                                                                  strict=True)]
    score = sum(ok) / len(ok) if part.partial else 0.0
    if all(0 <= w <= 1 for w in flat_want) and any(abs(g) > 1 for g in flat_got) and \
            _within_array(tol, got / 100, want):
        return _incorrect(part, text, value, read_as, "These look like percentages without "
                          "the % sign; give the values as decimals.", "percent-without-sign",
                          score)
    if _within_array(tol, -got, want) and np.any(want != 0):
        return _incorrect(part, text, value, read_as, "The sizes are right but the signs are "
                          "wrong.", "sign-error", score)
    if got.ndim == 1 and _within_array(tol, np.sort(got), np.sort(want)):
        return _incorrect(part, text, value, read_as, "The right values, but in the wrong "
                          "order: keep each entry in its position.", "wrong-order", score)
    numbers = [n for row in parsed for n in row] if got.ndim == 2 else list(parsed)
    coarse = [n.sigfigs is not None and compare.is_close_sigfigs(float(g), float(w), n.sigfigs)
              for n, g, w in zip(numbers, flat_got, flat_want, strict=True)]
    if all(coarse):
        return _incorrect(part, text, value, read_as, "Right values, but rounded too "
                          f"coarsely: each entry must be {tol.describe()}.",
                          "rounded-too-coarsely", score)
    wrong = [i + 1 for i, good in enumerate(ok) if not good]
    where = _positions(wrong, got.shape)
    return _incorrect(part, text, value, read_as,
                      f"Not correct: {where} {'is' if len(wrong) == 1 else 'are'} wrong "
                      f"(each entry must be {tol.describe()}).", None, score)


def _positions(wrong: list[int], shape: tuple[int, ...]) -> str:
    if len(shape) == 2:
        cols = shape[1]
        cells = [f"({(i - 1) // cols + 1}, {(i - 1) % cols + 1})" for i in wrong]
        label = "entry" if len(cells) == 1 else "entries"
        return f"{label} {', '.join(cells[:6])}{' ...' if len(cells) > 6 else ''}"
    label = "entry" if len(wrong) == 1 else "entries"
    return f"{label} {', '.join(map(str, wrong[:8]))}{' ...' if len(wrong) > 8 else ''}"


# --------------------------------------------------------------------------- shapes


def _check_shape(instance: Instance, part: Part, text: str) -> Result:
    dims = parse_shape(text)
    truth = tuple(part.answer)
    read_as = "x".join(str(d) for d in dims)
    value = list(dims)
    if dims == truth:
        return _correct(part, text, value, read_as)
    for index, (_, mistaken) in enumerate(part.mistake_values):
        if mistaken == dims:
            m = part.mistakes[index]
            return _incorrect(part, text, value, read_as, m.feedback, m.id)
    if any(isinstance(d, str) for d in dims) and not any(isinstance(d, str) for d in truth):
        return _incorrect(part, text, value, read_as, "Give the sizes as numbers: the question"
                          " states them.", "symbolic-shape")
    if len(dims) == len(truth) == 2 and dims == truth[::-1]:
        return _incorrect(part, text, value, read_as, "Rows and columns are swapped.",
                          "transposed-shape")
    if len(dims) == 1 and len(truth) == 2 and all(isinstance(d, int) for d in truth) and \
            dims[0] == truth[0] * truth[1]:
        return _incorrect(part, text, value, read_as, "The number of entries is right, but "
                          "give the shape as rows x columns.", "flattened-shape")
    return _incorrect(part, text, value, read_as, "Not correct.")


# --------------------------------------------------------------------------- choices


def _check_choice(instance: Instance, part: Part, text: str) -> Result:
    index = parse_choice(text, len(part.options))
    option = part.options[index]
    if option.correct:
        return _correct(part, text, option.letter, option.letter, option.feedback)
    feedback = option.feedback or "Not the right option."
    return _incorrect(part, text, option.letter, option.letter, feedback, option.id)


def _check_choices(instance: Instance, part: Part, text: str) -> Result:
    picked = parse_choices(text, len(part.options))
    letters = sorted(part.options[i].letter for i in picked)
    read_as = ", ".join(letters)
    right = {i for i, o in enumerate(part.options) if o.correct}
    if picked == right:
        return _correct(part, text, letters, read_as)
    n_right, n_wrong = len(right), len(part.options) - len(right)
    hits = len(picked & right)
    false_alarms = len(picked - right)
    score = 0.0
    if part.partial:
        score = max(0.0, hits / n_right - (false_alarms / n_wrong if n_wrong else 0.0))
    notes = [part.options[i].feedback for i in sorted(picked - right) if part.options[i].feedback]
    missing = n_right - hits
    summary = []
    if false_alarms:
        summary.append(f"{false_alarms} of your choices {'is' if false_alarms == 1 else 'are'}"
                       " not right")
    if missing:
        summary.append(f"{missing} right option{'s are' if missing != 1 else ' is'} missing")
    feedback = "Partly right: " if hits else "Not correct: "
    feedback += " and ".join(summary) + "."
    if notes:
        feedback += " " + " ".join(notes)
    mistake = part.options[min(picked - right)].id if picked - right else "missed-options"
    return _incorrect(part, text, letters, read_as, feedback, mistake, round(score, 6))


# --------------------------------------------------------------------------- expressions


def _check_expression(instance: Instance, part: Part, text: str) -> Result:
    from questionbank.expr import ExprError, parse, unparse
    from questionbank.exprcheck import compare_values, values_at

    assert part.symbols is not None
    names = set(part.symbols)
    expr = parse(text.strip(), names, allow_logic=False)
    read_as = unparse(expr.root)
    symbols = tuple(sorted((k, tuple(v)) for k, v in part.symbols.items()))
    seed = instance.seed % (2**32) + 7919
    points, want = _reference_values(part.answer_text, symbols, seed)
    try:
        got = values_at(expr, points)
    except ExprError as exc:
        if exc.kind != "shape":
            return _invalid(part, text, "Could not evaluate the expression: " + exc.render())
        return _incorrect(part, text, read_as, read_as,
                          "This expression cannot be evaluated with the symbols' shapes:\n"
                          + exc.render(), "invalid-dimensions")
    verdict = compare_values(got, want)
    if verdict == "equal":
        return _correct(part, text, read_as, read_as)
    for m in part.mistakes:
        mv = _reference_values(str(m.value), symbols, seed)[1]
        if mv is not None and compare_values(got, mv) == "equal":
            return _incorrect(part, text, read_as, read_as, m.feedback, m.id)
    if verdict == "shape":
        got_shape = got[0].shape or (1, 1)
        want_shape = want[0].shape or (1, 1)
        if got[0].ndim == 2 and want[0].ndim == 2 and got_shape == want_shape[::-1] and \
                compare_values([g.T for g in got], want) == "equal":
            return _incorrect(part, text, read_as, read_as, "This is the transpose of the "
                              "right answer.", "transposed")
        return _incorrect(part, text, read_as, read_as,
                          f"Wrong shape: your expression is {_dims(got_shape)} but the answer "
                          f"is {_dims(want_shape)}.", "wrong-shape")
    if compare_values([-g for g in got], want) == "equal":
        return _incorrect(part, text, read_as, read_as, "Right up to the sign.", "sign-error")
    ratio = _constant_ratio(got, want)
    if ratio is not None:
        return _incorrect(part, text, read_as, read_as, f"Right up to a constant factor: yours"
                          f" is {ratio:g} times the answer.", "constant-factor")
    return _incorrect(part, text, read_as, read_as, "Not equivalent to the right answer.")


@lru_cache(maxsize=1024)
def _reference_values(text: str, symbols: tuple[tuple[str, tuple[int, ...]], ...],
                      seed: int) -> tuple[list[dict[str, Any]], list[np.ndarray] | None]:
    """Random points for these symbols and the values of `text` there (None if it fails).

    Cached: the reference and the mistakes are evaluated once per instance, not per answer.
    """
    from questionbank.expr import ExprError, parse
    from questionbank.exprcheck import random_points, values_at

    points = random_points(dict(symbols), seed=seed)
    try:
        return points, values_at(parse(text, {k for k, _ in symbols}, allow_logic=False), points)
    except ExprError:
        return points, None


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape) if shape else "a scalar"


def _constant_ratio(got: Sequence[np.ndarray], want: Sequence[np.ndarray]) -> float | None:
    ratios = []
    for g, w in zip(got, want, strict=True):
        mask = np.abs(w) > 1e-9
        if not np.any(mask):
            return None
        r = g[mask] / w[mask]
        ratios.extend(r.ravel().tolist())
    if not ratios:
        return None
    first = ratios[0]
    if first != 0 and math.isfinite(first) and all(abs(r - first) <= 1e-6 * abs(first)
                                                   for r in ratios):
        return first
    return None


_CHECKERS = {
    "number": _check_number,
    "integer": _check_integer,
    "vector": _check_array,
    "matrix": _check_array,
    "shape": _check_shape,
    "choice": _check_choice,
    "choices": _check_choices,
    "expression": _check_expression,
}
