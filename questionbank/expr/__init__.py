"""The restricted expression language shared by templates and student answers.

One tokenizer, one parser and one evaluator, all our own: no text ever reaches `eval`,
`sympify`, `parse_expr` or `lambdify`. The language has numbers, names, ``+ - * / ^`` (``**`` is
accepted for ``^``), unary minus, parentheses, list literals ``[1, 2]``, transpose (``X^T``,
``X'``, ``transpose(X)``), matrix product (``@``, or ``*`` between two matrices), comparisons,
``and``/``or``/``not`` and a small function table. Implicit multiplication (``2x``, ``a b^T``,
``2(x + 1)``) is read as ``*``.

Two evaluation modes:

- ``exact=True`` (templates): integers and decimals become `fractions.Fraction`, so ``8/13``
  stays exact; irrational functions (``sqrt`` of a non-square, ``exp``, ``log``) fall back to
  float. Vectors are 1-D numpy object arrays.
- ``exact=False`` (checking an expression answer): everything is float64 numpy.

`*` multiplies a scalar with anything, two 1-D vectors of the same length entry by entry, and two
2-D matrices as a matrix product. There is no other broadcasting: mismatched shapes are an error
that names both shapes, because a shape mismatch is exactly what a grader must report.

Every parse and evaluation is bounded: input length, token and node counts, nesting depth, the
size of literals and of integer powers are limited, so a hostile input fails fast.

Modules: `syntax` (tokenizer, parser, `Expr`, `unparse`), `functions` (the function table and
the exact/float value domains), `evaluator` (compiling a tree and evaluating it).
"""

from questionbank.expr.evaluator import evaluate
from questionbank.expr.functions import CONSTANTS, FUNCTIONS, to_exact, to_float, truth
from questionbank.expr.syntax import Expr, ExprError, Node, parse, unparse

__all__ = ["CONSTANTS", "FUNCTIONS", "Expr", "ExprError", "Node", "evaluate", "parse",
           "to_exact", "to_float", "truth", "unparse"]
