"""Parsers for the answers students type: numbers, integers, vectors, matrices, shapes, options.

Every parser reads untrusted text and either returns a value or raises
`questionbank.errors.AnswerError` with a short message for the student, the original text and the
index of the problem in it (so the message can show a caret). Nothing else escapes on any `str`:
the grammars are scanned with precompiled regular expressions and simple loops (never `eval`),
every input is bounded in length before it is scanned, and an answer that could mean two things
is refused rather than guessed.

The accepted notations are the contract of DESIGN.md section 3. The shared pattern of each
parser is a fast path (one regular expression for the common, valid forms) and a slow path that
scans the text character by character to find the *first* problem and explain it.

This module is the parsers' public face; they live by answer family in `parse_numbers`
(numbers, integers), `parse_arrays` (vectors, matrices, shapes) and `parse_options` (choice,
choices), on the shared pieces of `parse_common`.
"""

from __future__ import annotations

from grader.judge.parse_arrays import parse_matrix, parse_shape, parse_vector
from grader.judge.parse_numbers import ParsedNumber, parse_integer, parse_number
from grader.judge.parse_options import parse_choice, parse_choices

__all__ = [
    "ParsedNumber",
    "parse_choice",
    "parse_choices",
    "parse_integer",
    "parse_matrix",
    "parse_number",
    "parse_shape",
    "parse_vector",
]
