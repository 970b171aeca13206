"""Judging one submitted answer against an answer key: `check(instance, part_id, text)`.

The submitted text is untrusted. It is read by the parser of the part's answer type (never by
`eval`, `sympify` or a YAML loader); anything unreadable is ``invalid`` with a message that
points at the problem. A readable answer is ``correct`` when it is within the part's tolerance
(shape first, then values); otherwise it is ``incorrect``, and the feedback says why in the
most specific way available: a declared mistake of the template ("That is recall ..."), tried
in the order the template declares them, then the generic detectors a teacher would apply (a
percentage without its % sign, the right value rounded too coarsely, a sign error, the right
entries in the wrong order, a transposed shape).

The judge reads only the `grader.judge.key.AnswerKey` protocol and the key's rules
(`grader.judge.key.KeyRules`), so a freshly generated part and a part stored in an exam's
manifest are judged by the same code (`check_key`). Every value is compared by
`grader.judge.tolerance`, the one implementation of the tolerance modes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from grader.judge.key import OWN_RULES, AnswerKey, KeyRules
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
from grader.judge.parse_arrays import plain_vector_values
from grader.judge.tolerance import is_close_sigfigs, shape_and_values, within, within_each
from questionbank.errors import AnswerError
from questionbank.instance import Instance
from questionbank.tolerance import Tolerance

if TYPE_CHECKING:  # only expression answers use numpy (110 ms of CPU to import): imported there
    import numpy as np

__all__ = ["STATUSES", "ItemResult", "Result", "check", "check_all", "check_key"]

STATUSES = ("correct", "incorrect", "invalid")
MAX_ANSWER_CHARS = 100_000


class Result(NamedTuple):
    """The verdict on one part.

    `status` is correct / incorrect / invalid, `score` in [0, 1], `feedback` the explanation
    (Markdown-lite; the student's own text never appears in it unescaped as markup, the page
    renderers escape it), `mistake` the id of the matched mistake (declared, or a generic one
    such as ``percent-without-sign``), `value` the parsed answer as JSON-native data, `read_as`
    how the answer was understood, `answer` the text as submitted.

    A NamedTuple, not a frozen dataclass: a batch makes one per answer, and this one is made
    in 0.6 us instead of 2.3 (0.15 s of grading 10,000 students x 10 parts).
    """

    part: str
    status: str
    score: float
    feedback: str
    mistake: str | None = None
    value: Any = None
    read_as: str | None = None
    answer: str = ""

    def __repr__(self) -> str:  # without the submitted text, which may be long
        return (f"Result(part={self.part!r}, status={self.status!r}, score={self.score!r}, "
                f"feedback={self.feedback!r}, mistake={self.mistake!r}, value={self.value!r}, "
                f"read_as={self.read_as!r})")

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


# The verdicts are made from a tuple of every field, in `Result`'s field order (`_make`, the
# tuple's own constructor): a NamedTuple made with keywords takes 0.6 us, positionally 0.28 us,
# this way 0.17 us (one per answer).
_result = Result._make


def _invalid(key: AnswerKey, text: str, message: str) -> Result:
    return _result((key.id, "invalid", 0.0, message, None, None, None, text))


def _correct(key: AnswerKey, text: str, value: Any, read_as: str, note: str = "") -> Result:
    return _result((key.id, "correct", 1.0, f"Correct. {note}" if note else "Correct.", None,
                    value, read_as, text))


def _incorrect(key: AnswerKey, text: str, value: Any, read_as: str, feedback: str,
               mistake: str | None = None, score: float = 0.0) -> Result:
    return _result((key.id, "incorrect", score, feedback, mistake, value, read_as, text))


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
    return check_key(part, answer, instance.seed)


def check_key(key: AnswerKey, answer: str, seed: int, rules: KeyRules | None = None
              ) -> Result:
    """`check` for the answer key of one part, of an answer already known to be text that is
    not blank and at most `MAX_ANSWER_CHARS` long (what a batch has made sure of).

    `seed` is the instance's seed: an expression part is compared at random points drawn from
    it (the other answer types do not use it). `rules` are the key's tolerance, partial credit
    and mistakes: None for its own (a generated part), the item's for a stored part.
    """
    try:
        return _CHECKERS[key.type](key, OWN_RULES if rules is None else rules, answer, seed)
    except AnswerError as exc:
        message = exc.render()
        if key.type == "expression":
            message = "Could not read the expression: " + message
        return _invalid(key, answer, message)


def check_all(instance: Instance, answers: Mapping[str, str]) -> ItemResult:
    """Grade every part; a part with no entry in `answers` is invalid (no answer)."""
    results = tuple(check(instance, p.id, answers.get(p.id, "")) for p in instance.parts)
    points = sum(r.score * p.points for r, p in zip(results, instance.parts, strict=True))
    return ItemResult(results=results, points=points,
                      max_points=sum(p.points for p in instance.parts))


# --------------------------------------------------------------------------- declared mistakes


def _first_mistake(mistakes: Sequence[tuple[str, Any]], answer: Any,
                   matches: Callable[[Any, Any], bool] = operator.eq) -> int | None:
    """The index of the first of the declared `mistakes` (the key's `mistake_values`, in the
    template's order) whose value `matches` the answer (the first declared wins when an answer
    matches several).

    `matches(answer, mistaken)` is equality by default (integers, shapes).
    """
    for index, (_, mistaken) in enumerate(mistakes):
        if matches(answer, mistaken):
            return index
    return None


def _exact_verdict(key: AnswerKey, rules: KeyRules, text: str, got: Any, value: Any,
                   read_as: str, truth: Any) -> Result | None:
    """For the types compared exactly (integers, shapes): correct when `got` equals the key,
    the first declared mistake it equals, or None when neither (the caller explains it)."""
    if got == truth:
        return _correct(key, text, value, read_as)
    mistakes = rules.mistake_values(key)
    index = _first_mistake(mistakes, got)
    return None if index is None else _mistaken(key, rules, text, value, read_as, mistakes,
                                                index)


def _mistaken(key: AnswerKey, rules: KeyRules, text: str, value: Any, read_as: str,
              mistakes: Sequence[tuple[str, Any]], index: int, note: str = "") -> Result:
    """The verdict for an answer that matches the `index`-th of the declared `mistakes`
    (`note` is added to its feedback)."""
    feedback = rules.mistake_feedback(key, index)  # first: a stored key checks its mistakes
    return _incorrect(key, text, value, read_as, feedback + note, mistakes[index][0])


# --------------------------------------------------------------------------- numbers


def _check_number(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    parsed = parse_number(text)
    a_sub, a_tru = parsed.value, key.numeric_value[1][0]
    read_as = _read_number(parsed)
    tol = rules.tolerance(key)
    if within(tol, a_sub, a_tru):
        return _correct(key, text, a_sub, read_as)
    return _explain_number(key, rules, text, parsed, a_tru, read_as, tol)


def _read_number(parsed: ParsedNumber) -> str:
    if parsed.percent:
        return f"{parsed.text} = {parsed.value:.6g}"
    return f"{parsed.value:.12g}"


def _explain_number(key: AnswerKey, rules: KeyRules, text: str, parsed: ParsedNumber,
                    a_tru: float, read_as: str, tol: Tolerance) -> Result:
    a_sub = parsed.value
    mistakes = rules.mistake_values(key)
    index = _first_mistake(mistakes, a_sub, partial(within, tol))
    if index is not None:
        return _mistaken(key, rules, text, a_sub, read_as, mistakes, index)
    if not parsed.percent and 0 <= a_tru <= 1 and abs(a_sub) > 1:
        if within(tol, a_sub / 100, a_tru):
            return _incorrect(
                key, text, a_sub, read_as,
                f"It looks like a percentage without its % sign: {parsed.text} means "
                f"{parsed.text}, not {a_sub / 100:g}. Write it as a fraction or decimal "
                f"({a_sub / 100:g}) or add the sign ({parsed.text}%).", "percent-without-sign")
        index = _first_mistake(mistakes, a_sub / 100, partial(within, tol))
        if index is not None:
            return _mistaken(key, rules, text, a_sub, read_as, mistakes, index,
                             " (Also: a percentage needs its % sign.)")
    digits = parsed.sigfigs
    if digits is not None and a_tru != 0 and is_close_sigfigs(a_sub, a_tru, digits):
        return _incorrect(key, text, a_sub, read_as,
                          f"Right value, but rounded too coarsely ({digits} significant "
                          f"figure{'s' if digits != 1 else ''}). The answer must be "
                          f"{tol.describe()}: keep more digits, or give the exact fraction.",
                          "rounded-too-coarsely")
    if a_tru != 0 and within(tol, -a_sub, a_tru):
        return _incorrect(key, text, a_sub, read_as,
                          "The size is right but the sign is wrong.", "sign-error")
    return _incorrect(key, text, a_sub, read_as, _not_within(tol))


def _not_within(tol: Tolerance) -> str:
    return f"Not correct: the answer must be {tol.describe()}."


def _check_integer(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    value = parse_integer(text)
    truth = int(key.answer)
    read_as = str(value)
    known = _exact_verdict(key, rules, text, value, value, read_as, truth)
    if known is not None:
        return known
    if truth != 0 and value == -truth:
        return _incorrect(key, text, value, read_as, "The size is right but the sign is "
                          "wrong.", "sign-error")
    return _incorrect(key, text, value, read_as, "Not correct.")


# --------------------------------------------------------------------------- vectors, matrices


@dataclass(slots=True, frozen=True)
class _ArrayAnswer:
    """A vector or matrix answer as read: its entries as typed, their values row by row, its
    shape, the JSON-native value and how it was read."""

    numbers: Sequence[ParsedNumber]
    flat: list[float]
    shape: tuple[int, ...]
    value: Any
    read_as: str


def _read_array(key: AnswerKey, text: str
                ) -> tuple[Sequence[ParsedNumber], list[float], tuple[int, ...], Any, str]:
    """The entries of a vector or matrix answer as typed, their values row by row, its shape,
    the JSON-native value and a note on how it was read ('' unless a column became a vector)."""
    if key.type == "matrix":
        rows = parse_matrix(text)
        numbers: Sequence[ParsedNumber] = [n for row in rows for n in row]
        flat = [n.value for n in numbers]
        value = [[n.value for n in row] for row in rows]
        return numbers, flat, (len(rows), len(rows[0])), value, ""
    note = ""
    try:
        numbers = parse_vector(text)
    except AnswerError as exc:
        # Only an answer the vector parser found shaped like a matrix can be a column; other
        # refusals (a 100 kB junk answer) are not parsed a second time.
        column = _column(text) if "looks like a matrix" in exc.message else None
        if column is None:
            raise
        numbers, note = column, ", a column read as a vector"
    flat = [n.value for n in numbers]
    return numbers, flat, (len(numbers),), flat, note


def _column(text: str) -> tuple[ParsedNumber, ...] | None:
    """The entries of a single column ('[1.31; 2.2]'), which a vector part reads as its vector;
    None if `text` is not a matrix of one column and several rows."""
    try:
        rows = parse_matrix(text)
    except AnswerError:
        return None
    if len(rows) < 2 or any(len(row) != 1 for row in rows):
        return None
    return tuple(row[0] for row in rows)


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


def _all_within(tol: Tolerance, shape: tuple[int, ...], flat: Sequence[float],
                want_shape: tuple[int, ...], want: Sequence[float]) -> bool:
    """Whether two arrays (shape, entries row by row) have the same shape and every entry is
    within the tolerance."""
    return shape == want_shape and all(within_each(tol, flat, want))


def _transposed(flat: Sequence[float], shape: tuple[int, ...]) -> list[float]:
    """The entries, row by row, of the transpose of a matrix of `shape` (rows, columns)."""
    rows, cols = shape
    return [flat[r * cols + c] for c in range(cols) for r in range(rows)]


def _check_array(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    tol = rules.tolerance(key)
    want_shape, want = key.numeric_value
    if key.type == "vector":  # most right vectors are written plainly: read their values only
        plain = plain_vector_values(text)
        if plain is not None and _all_within(tol, (len(plain),), plain, want_shape, want):
            return _correct(key, text, plain, _flat_text(plain, (len(plain),)))
    numbers, flat, shape, value, note = _read_array(key, text)
    read_as = _flat_text(flat, shape) + note
    if _all_within(tol, shape, flat, want_shape, want):
        return _correct(key, text, value, read_as)
    mistakes = rules.mistake_values(key)
    index = _first_mistake(mistakes, flat, lambda entries, mistaken: _all_within(
        tol, shape, entries, *shape_and_values(mistaken)))
    if index is not None:
        return _mistaken(key, rules, text, value, read_as, mistakes, index)
    if shape != want_shape:
        if key.type == "matrix" and _all_within(tol, shape[::-1], _transposed(flat, shape),
                                                want_shape, want):
            return _incorrect(key, text, value, read_as, "These are the right numbers, but "
                              "transposed: rows and columns are swapped.", "transposed")
        return _incorrect(key, text, value, read_as,
                          f"Wrong shape: the answer has {_shape_text(want_shape)}, yours has "
                          f"{_shape_text(shape)}.", "wrong-shape")
    return _explain_array(key, text, _ArrayAnswer(numbers, flat, shape, value, read_as), want,
                          tol, rules.partial(key))


def _explain_array(key: AnswerKey, text: str, got: _ArrayAnswer, want: Sequence[float],
                   tol: Tolerance, partial_credit: bool) -> Result:
    """The feedback for an array of the right shape that is not within the tolerance."""
    flat = got.flat
    ok = within_each(tol, flat, want)
    score = sum(ok) / len(ok) if partial_credit else 0.0

    def wrong(feedback: str, mistake: str | None) -> Result:
        return _incorrect(key, text, got.value, got.read_as, feedback, mistake, score)

    if all(0 <= w <= 1 for w in want) and any(abs(g) > 1 for g in flat) and \
            all(within_each(tol, [g / 100 for g in flat], want)):
        return wrong("These look like percentages without the % sign; give the values as "
                     "decimals.", "percent-without-sign")
    if all(within_each(tol, [-g for g in flat], want)) and any(w != 0 for w in want):
        return wrong("The sizes are right but the signs are wrong.", "sign-error")
    if len(got.shape) == 1 and all(within_each(tol, sorted(flat), sorted(want))):
        return wrong("The right values, but in the wrong order: keep each entry in its "
                     "position.", "wrong-order")
    if all(n.sigfigs is not None and is_close_sigfigs(g, w, n.sigfigs)
           for n, g, w in zip(got.numbers, flat, want, strict=True)):
        return wrong(f"Right values, but rounded too coarsely: each entry must be "
                     f"{tol.describe()}.", "rounded-too-coarsely")
    wrong_entries = [i + 1 for i, good in enumerate(ok) if not good]
    where = _positions(wrong_entries, got.shape)
    return wrong(f"Not correct: {where} {'is' if len(wrong_entries) == 1 else 'are'} wrong "
                 f"(each entry must be {tol.describe()}).", None)


def _positions(wrong: list[int], shape: tuple[int, ...]) -> str:
    if len(shape) == 2:
        cols = shape[1]
        cells = [f"({(i - 1) // cols + 1}, {(i - 1) % cols + 1})" for i in wrong]
        label = "entry" if len(cells) == 1 else "entries"
        return f"{label} {', '.join(cells[:6])}{' ...' if len(cells) > 6 else ''}"
    label = "entry" if len(wrong) == 1 else "entries"
    return f"{label} {', '.join(map(str, wrong[:8]))}{' ...' if len(wrong) > 8 else ''}"


# --------------------------------------------------------------------------- shapes


def _check_shape(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    dims = parse_shape(text)
    truth = tuple(key.answer)
    read_as = "x".join(str(d) for d in dims)
    value = list(dims)
    known = _exact_verdict(key, rules, text, dims, value, read_as, truth)
    if known is not None:
        return known
    if any(isinstance(d, str) for d in dims) and not any(isinstance(d, str) for d in truth):
        return _incorrect(key, text, value, read_as, "Give the sizes as numbers: the question"
                          " states them.", "symbolic-shape")
    if len(dims) == len(truth) == 2 and dims == truth[::-1]:
        return _incorrect(key, text, value, read_as, "Rows and columns are swapped.",
                          "transposed-shape")
    if len(dims) == 1 and len(truth) == 2 and all(isinstance(d, int) for d in truth) and \
            dims[0] == truth[0] * truth[1]:
        return _incorrect(key, text, value, read_as, "The number of entries is right, but "
                          "give the shape as rows x columns.", "flattened-shape")
    return _incorrect(key, text, value, read_as, "Not correct.")


# --------------------------------------------------------------------------- choices


def _check_choice(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    option = key.options[parse_choice(text, len(key.options))]
    if option.correct:
        return _correct(key, text, option.letter, option.letter, option.feedback)
    feedback = option.feedback or "Not the right option."
    return _incorrect(key, text, option.letter, option.letter, feedback, option.id)


def _check_choices(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    options = key.options
    picked = parse_choices(text, len(options))
    letters = sorted(options[i].letter for i in picked)
    read_as = ", ".join(letters)
    right = {i for i, o in enumerate(options) if o.correct}
    if picked == right:
        return _correct(key, text, letters, read_as)
    n_right, n_wrong = len(right), len(options) - len(right)
    hits = len(picked & right)
    false_alarms = len(picked - right)
    score = 0.0
    if rules.partial(key):
        score = max(0.0, hits / n_right - (false_alarms / n_wrong if n_wrong else 0.0))
    notes = [options[i].feedback for i in sorted(picked - right) if options[i].feedback]
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
    mistake = options[min(picked - right)].id if picked - right else "missed-options"
    return _incorrect(key, text, letters, read_as, feedback, mistake, round(score, 6))


# --------------------------------------------------------------------------- expressions


def _check_expression(key: AnswerKey, rules: KeyRules, text: str, seed: int) -> Result:
    from questionbank.expr import ExprError, parse, unparse
    from questionbank.exprcheck import compare_values, values_at

    assert key.symbols is not None
    expr = parse(text.strip(), set(key.symbols), allow_logic=False)
    read_as = unparse(expr.root)
    symbols = tuple(sorted((k, tuple(v)) for k, v in key.symbols.items()))
    seed = seed % (2**32) + 7919
    points, want = _reference_values(key.answer_text, symbols, seed)
    try:
        got = values_at(expr, points)
    except ExprError as exc:
        if exc.kind != "shape":
            return _invalid(key, text, "Could not evaluate the expression: " + exc.render())
        return _incorrect(key, text, read_as, read_as,
                          "This expression cannot be evaluated with the symbols' shapes:\n"
                          + exc.render(), "invalid-dimensions")
    if want is None:  # a template bug, which validation reports
        raise TypeError(f"the reference answer of part {key.id!r} cannot be evaluated")
    verdict = compare_values(got, want)
    if verdict == "equal":
        return _correct(key, text, read_as, read_as)

    def is_mistake(answer: Sequence[np.ndarray], mistaken: Any) -> bool:
        values = _reference_values(str(mistaken), symbols, seed)[1]
        return values is not None and compare_values(answer, values) == "equal"

    mistakes = rules.mistake_values(key)
    index = _first_mistake(mistakes, got, is_mistake)
    if index is not None:
        return _mistaken(key, rules, text, read_as, read_as, mistakes, index)
    return _explain_expression(key, text, read_as, verdict, got, want)


def _explain_expression(key: AnswerKey, text: str, read_as: str, verdict: str,
                        got: Sequence[np.ndarray], want: Sequence[np.ndarray]) -> Result:
    """The feedback for an expression that is not equivalent to the reference and matches no
    declared mistake: a transpose, a wrong shape, a sign, a constant factor."""
    from questionbank.exprcheck import compare_values

    if verdict == "shape":
        got_shape = got[0].shape or (1, 1)
        want_shape = want[0].shape or (1, 1)
        if got[0].ndim == 2 and want[0].ndim == 2 and got_shape == want_shape[::-1] and \
                compare_values([g.T for g in got], want) == "equal":
            return _incorrect(key, text, read_as, read_as, "This is the transpose of the "
                              "right answer.", "transposed")
        return _incorrect(key, text, read_as, read_as,
                          f"Wrong shape: your expression is {_dims(got_shape)} but the answer "
                          f"is {_dims(want_shape)}.", "wrong-shape")
    if compare_values([-g for g in got], want) == "equal":
        return _incorrect(key, text, read_as, read_as, "Right up to the sign.", "sign-error")
    ratio = _constant_ratio(got, want)
    if ratio is not None:
        return _incorrect(key, text, read_as, read_as, f"Right up to a constant factor: yours"
                          f" is {ratio:g} times the answer.", "constant-factor")
    return _incorrect(key, text, read_as, read_as, "Not equivalent to the right answer.")


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
    import numpy as np

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


_CHECKERS: dict[str, Callable[[AnswerKey, KeyRules, str, int], Result]] = {
    "number": _check_number,
    "integer": _check_integer,
    "vector": _check_array,
    "matrix": _check_array,
    "shape": _check_shape,
    "choice": _check_choice,
    "choices": _check_choices,
    "expression": _check_expression,
}
