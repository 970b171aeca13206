"""What the tests of grader.judge.check share: the built-in templates they pin, the course
notes' worked examples as params, a small template with the answer types the built-in bank does
not use yet (its fixtures are in conftest.py), and helpers to read options and assert results.
"""

from __future__ import annotations

from grader.judge.check import Result
from questionbank.instance import Part

#: The built-in templates this module pins (others are being added to the bank).
TEMPLATES = (
    "metrics/confusion-matrix",
    "dropout/apply-mask",
    "dropout/inverted",
    "gradients/shape",
    "gradients/layer-shapes",
    "gradients/jacobian-shape",
    "gradients/matrix-calculus",
)

#: Params of the course notes' worked examples (so the expected values can be read off).
NOTES_METRICS = {"tp": 80, "fp": 80, "fn": 20, "tn": 820, "orientation": "predicted-rows"}
NOTES_MASK = {"a": [2.0, 5.0, 7.12, 4.5, 6.0], "m": [1, 0, 0, 1, 1]}
NOTES_INVERTED = {**NOTES_MASK, "p": 0.2}
LAYER = {"batch": 32, "n_in": 784, "n_out": 10}

# A template with the answer types the built-in bank does not use yet. `n` is fixed by the tests
# that need concrete values (n = 4: count 16, grid [[4, 1, 0], [2, 5, 5]], dims 4x3, ...).
MIXED_TEMPLATE = """\
title: Every answer type
topic: testing
difficulty: 1
version: 1
params:
  n: {type: int, min: 2, max: 9}
prompt: |
  n = {{ n }}.
solution: |
  See the parts.
parts:
  - id: count
    type: integer
    prompt: n squared
    answer: n * n
    points: 2
  - id: grid
    type: matrix
    prompt: A 2x3 matrix
    answer: "[[n, 1, 0], [2, n + 1, 5]]"
  - id: dims
    type: shape
    prompt: A shape with no declared mistakes
    answer: "[n + 10, 3]"
  - id: pick
    type: choice
    prompt: Which number is even?
    options:
      - {text: "2", correct: true, id: two}
      - {text: "3", feedback: "3 is odd.", id: three}
      - {text: "5", id: five}
  - id: picks
    type: choices
    prompt: Which numbers are prime?
    points: 3
    options:
      - {text: "2", correct: true, id: two}
      - {text: "3", correct: true, id: three}
      - {text: "4", feedback: "4 = 2 x 2.", id: four}
      - {text: "6", id: six}
  - id: picks_strict
    type: choices
    prompt: Which numbers are odd?
    partial: false
    options:
      - {text: "1", correct: true, id: one}
      - {text: "3", correct: true, id: three}
      - {text: "4", id: four}
  - id: vec
    type: vector
    prompt: A vector with per-entry partial credit
    partial: true
    answer: "[n, 2 * n, 3]"
  - id: expr
    type: expression
    prompt: The gradient of the squared Frobenius norm of X
    symbols: {X: [n, 3], a: [n, 1]}
    answer: "2*X"
"""

MIXED_POINTS = {"count": 2.0, "grid": 1.0, "dims": 1.0, "pick": 1.0, "picks": 3.0,
                "picks_strict": 1.0, "vec": 1.0, "expr": 1.0}

#: The dimensions of gradients/matrix-calculus's forms in these tests.
FORM_DIMS = {"n": 3, "m": 4, "k": 2}


def letters(part: Part, correct: bool) -> list[str]:
    """The letters of the right (or wrong) options, in the order shown to this student."""
    return [o.letter for o in part.options if o.correct is correct]


def letter_of(part: Part, option_id: str) -> str:
    return next(o.letter for o in part.options if o.id == option_id)


def assert_result(result: Result, status: str, mistake: str | None = None) -> None:
    """`result` has `status` (and names `mistake`), with a score and feedback that fit it."""
    assert result.status == status, (result.status, result.feedback)
    assert result.mistake == mistake, (result.mistake, result.feedback)
    assert result.feedback
    if status == "correct":
        assert result.score == 1.0 and result.correct
    else:
        assert not result.correct and 0.0 <= result.score < 1.0
