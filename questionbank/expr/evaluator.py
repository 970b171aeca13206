"""Evaluating an `Expr`: the tree is compiled once per mode into closures, then run.

Exact mode (templates) keeps integers and decimals as `Fraction`; float mode (student
expressions) uses float64. Powers and literals are bounded so a hostile input fails fast.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import cache
from typing import Any

from questionbank.arrays import float_errors_raise, numpy_loaded
from questionbank.expr.functions import (
    CONSTANTS,
    FUNCTIONS,
    exact_div,
    is_array,
    shape_text,
    transpose,
    truth,
)
from questionbank.expr.syntax import Expr, ExprError, Node

__all__ = ["evaluate"]

MAX_EXPONENT_LITERAL = 300
MAX_INT_POWER = 256
MAX_EXACT_BITS = 2048
#: n*m*k of one (n x m)(m x k) product: exact products of fractions run about 10^6 per second
MAX_PRODUCT_WORK = 1_000_000



@cache
def _div_array() -> Any:
    """`exact_div` entry by entry over arrays (made on first use: it needs numpy)."""
    import numpy as np

    return np.frompyfunc(exact_div, 2, 1)


_SCALARS = frozenset({int, float, Fraction})
_SCALAR_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                "==": operator.eq, "!=": operator.ne}


#: Numbers that ``1 * x`` gives back unchanged (a bool would become an int).
_KEPT_BY_ONE = frozenset({int, Fraction, float})
#: ``0 * q`` for every Fraction q (Fractions are immutable: one object serves them all)
_ZERO = Fraction(0)


def _exact_shortcut(op: str, a: Any, b: Any, a_arr: bool) -> tuple[Any, Any, bool]:
    """(a, b, done) for exact-mode ``a op b`` of an object array and a number, where numpy's
    object loop would waste work on every entry (an error or a shape problem never reaches
    here: `binary` has checked them):

    - the integer 1 times an array of plain numbers gives the array back (a copy), the
      integer 0 times it zeros (one shared ``Fraction(0)`` for the Fractions): a Fraction
      product per entry is saved: the ``on2 * m2`` switches of the optimizer templates take
      1.9 us, were 5.0 us for three entries (a float entry is finite: numpy's loop raises
      for 0 * inf under ``float_errors_raise``);
    - a Fraction that meets an array of floats is converted to a float once, as `Fraction`'s
      operators would convert it for each entry (``q.numerator / q.denominator`` is
      ``float(q)``, so the results have the same bits): ``q + x`` takes 2.5 us, was 4.9 us.

    `done` says that `a` is the result."""
    arr, number = (a, b) if a_arr else (b, a)
    kind = type(number)
    if kind is int and op == "*" and (number == 1 or number == 0) and arr.dtype == object:
        items = arr.ravel().tolist()
        if all(type(v) in _KEPT_BY_ONE for v in items) and (number == 1 or all(
                math.isfinite(v) for v in items if type(v) is float)):
            out = arr.copy()
            if number == 0:  # 0 * a float keeps its sign: 0 * -1.5 is -0.0
                out.ravel()[:] = [_ZERO if type(v) is Fraction else 0 * v for v in items]
            return out, None, True
    if kind is Fraction and arr.dtype == object and all(
            type(v) is float for v in arr.ravel().tolist()):
        as_float = number.numerator / number.denominator
        return (a, as_float, False) if a_arr else (as_float, b, False)
    return a, b, False


def _two_scalars_here(node: Node, op: str, apply: Callable[[Any, Any], Any],
                      otherwise: Callable[[Node, str, Any, Any], Any],
                      left: Callable[[Mapping[str, Any]], Any],
                      right: Callable[[Mapping[str, Any]], Any]
                      ) -> Callable[[Mapping[str, Any]], Any]:
    """``left op right``: `apply` when both sides are plain numbers, else ``otherwise(node,
    op, a, b)`` (arrays, errors); see `_Evaluator.quotient` for what this saves."""
    scalars = _SCALARS

    def two_scalars_or_otherwise(env: Mapping[str, Any]) -> Any:
        a, b = left(env), right(env)
        if type(a) in scalars and type(b) in scalars:
            return apply(a, b)
        return otherwise(node, op, a, b)
    return two_scalars_or_otherwise


class _Evaluator:
    """Compiles a syntax tree into nested closures, each taking the environment: the tree is
    walked once per expression and mode, not on every evaluation (templates evaluate the same
    constraints and answers for every instance)."""

    def __init__(self, expr: Expr, exact: bool) -> None:
        self.expr = expr
        self.exact = exact
        #: the closures that return a constant (numbers, and operations on them only)
        self.constants: set[Callable[[Mapping[str, Any]], Any]] = set()

    def error(self, message: str, node: Node, kind: str = "error") -> ExprError:
        return ExprError(message, self.expr.text, node[1], kind=kind)

    def compile(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        kind = node[0]
        if kind == "num":
            try:
                value = self.number(node)
            except ExprError:
                return lambda env: self.number(node)
            return self.constant(value)
        if kind == "name":
            return self.compile_name(node)
        if kind == "list":
            return self.compile_list(node)
        if kind == "call":
            return self.compile_call(node)
        if kind in ("bin", "cmp"):
            left, right, op = self.compile(node[3]), self.compile(node[4]), node[2]
            if kind == "cmp":
                return self.fold(self.comparison(node, op, left, right), left, right)
            if op in _SCALAR_OPS or op == "/":
                return self.fold(self.scalar_op(node, op, left, right), left, right)
            binary = self.binary
            return self.fold(lambda env: binary(node, op, left(env), right(env)), left, right)
        if kind in ("and", "or"):
            return self.compile_logic(node)
        if kind == "index":
            base, index = self.compile(node[2]), self.compile(node[3])
            return lambda env: self.index(node, base(env), index(env))
        inner = self.compile(node[2])
        if kind == "neg":
            def negate(env: Mapping[str, Any]) -> Any:
                value = inner(env)
                self.check_numeric(value, node)
                return -value
            return self.fold(negate, inner)
        if kind == "T":
            return lambda env: transpose(inner(env))
        if kind == "not":
            def negation(env: Mapping[str, Any]) -> bool:
                value = inner(env)
                return not (value if type(value) is bool else truth(value))
            return negation
        raise AssertionError(f"unknown node {kind}")

    def constant(self, value: Any) -> Callable[[Mapping[str, Any]], Any]:
        def const(env: Mapping[str, Any]) -> Any:
            return value
        self.constants.add(const)
        return const

    def fold(self, fn: Callable[[Mapping[str, Any]], Any],
             *parts: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
        """`fn` evaluated once when all its operands are constants (``1/10``) and the result
        is a plain number; an error (``1/0``) is left to be raised on evaluation."""
        if not all(p in self.constants for p in parts):
            return fn
        try:
            value = fn({})
        except (ExprError, ArithmeticError, ValueError, TypeError, FloatingPointError):
            return fn
        return self.constant(value) if type(value) in _SCALARS or type(value) is bool else fn

    def scalar_op(self, node: Node, op: str, left: Callable[[Mapping[str, Any]], Any],
                  right: Callable[[Mapping[str, Any]], Any]
                  ) -> Callable[[Mapping[str, Any]], Any]:
        """+, -, * or / with the two-plain-numbers case done directly (`binary` does the
        rest: arrays, errors)."""
        if op == "/":
            return self.quotient(node, left, right)
        return _two_scalars_here(node, op, _SCALAR_OPS[op], self.binary, left, right)

    def quotient(self, node: Node, left: Callable[[Mapping[str, Any]], Any],
                 right: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
        """``a / b``: two plain numbers divided here (exact mode keeps ints and Fractions
        exact: int / int is a Fraction), anything else by `binary`. With `comparison`,
        `compile_logic` and the one-argument call, a confusion-matrix constraint (three
        divisions, abs, a comparison) takes 1.9 us, was 5.6 us; a mistake's `when` of two
        such comparisons joined by ``and``, 2.8 us, was 10.9 us (best of 5 x 50,000)."""
        binary, scalars, exact = self.binary, _SCALARS, self.exact

        def divide(env: Mapping[str, Any]) -> Any:
            a, b = left(env), right(env)
            ta, tb = type(a), type(b)
            if ta not in scalars or tb not in scalars:
                return binary(node, "/", a, b)
            if b == 0:
                raise self.error("division by zero", node)
            if exact and ta is int and tb is int:
                return Fraction(a, b)
            return a / b  # a float stays a float; Fraction / Fraction (or int) is exact
        return divide

    def comparison(self, node: Node, op: str, left: Callable[[Mapping[str, Any]], Any],
                   right: Callable[[Mapping[str, Any]], Any]
                   ) -> Callable[[Mapping[str, Any]], Any]:
        """A comparison, two plain numbers compared here (`compare` does the rest)."""
        return _two_scalars_here(node, op, _COMPARISONS[op], self.compare, left, right)

    def compile_logic(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        """``and``/``or``: the right side evaluated only when needed; a condition's
        booleans read directly, other values by `truth` (an array: all its entries)."""
        left, right = self.compile(node[2]), self.compile(node[3])
        stop = node[0] == "or"  # the value of the left side that decides alone

        def logic(env: Mapping[str, Any]) -> bool:
            a = left(env)
            if (a if type(a) is bool else truth(a)) is stop:
                return stop
            b = right(env)
            return b if type(b) is bool else truth(b)
        return logic

    def compile_name(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        name = node[2]

        def lookup(env: Mapping[str, Any]) -> Any:
            try:
                return env[name]
            except KeyError:
                if name in CONSTANTS:
                    return CONSTANTS[name]
                raise self.error(f"unknown name {name!r}", node) from None
        return lookup

    def compile_list(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        parts = [self.compile(item) for item in node[2]]
        dtype = object if self.exact else float

        def make_list(env: Mapping[str, Any]) -> Any:
            items = [part(env) for part in parts]
            if any(is_array(i) for i in items) and not all(
                    is_array(i) and i.shape == items[0].shape for i in items):
                raise self.error("rows of a list must all have the same length", node,
                                 kind="shape")
            import numpy as np  # here, where a list makes an array: `questionbank.arrays`

            return np.array(items, dtype=dtype)
        return make_list

    def compile_call(self, node: Node) -> Callable[[Mapping[str, Any]], Any]:
        name = node[2]
        parts = [self.compile(a) for a in node[3]]
        impl = FUNCTIONS[name][2]
        failed = (ValueError, OverflowError, ZeroDivisionError, TypeError)

        def call(env: Mapping[str, Any]) -> Any:
            args = [part(env) for part in parts]
            for arg in args:
                self.check_numeric(arg, node)
            try:
                return impl(*args)
            except failed as exc:
                raise self.call_error(node, exc) from None

        if len(parts) != 1:
            return call
        part = parts[0]

        def call_one(env: Mapping[str, Any]) -> Any:  # most calls: abs(x), sqrt(x), len(m)
            arg = part(env)
            self.check_numeric(arg, node)
            try:
                return impl(arg)
            except failed as exc:
                raise self.call_error(node, exc) from None
        return call_one

    def call_error(self, node: Node, exc: Exception) -> ExprError:
        kind = "shape" if "shape" in str(exc) or "square" in str(exc) else "error"
        return self.error(f"{node[2]}(): {exc}", node, kind=kind)

    def index(self, node: Node, base: Any, i: Any) -> Any:
        if isinstance(base, list | tuple):
            import numpy as np

            base = np.array(base, dtype=object)
        if not is_array(base) or base.ndim == 0:
            raise self.error("only vectors and matrices can be indexed", node)
        if isinstance(i, bool) or not isinstance(i, int | Fraction | float) or \
                Fraction(i).denominator != 1:
            raise self.error("an index must be a whole number", node)
        i = int(i)
        if not -base.shape[0] <= i < base.shape[0]:
            raise self.error(f"index {i} is out of range for length {base.shape[0]}", node)
        return base[i]

    def number(self, node: Node) -> Any:
        text = node[2]
        mantissa, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > MAX_EXPONENT_LITERAL:
            raise self.error("the exponent of this number is too large", node)
        if self.exact:
            value = Fraction(text)
            integral = value.denominator == 1 and "." not in mantissa and not exponent
            return value.numerator if integral else value
        if "." not in mantissa and not exponent:
            return int(text)
        return float(text)

    def check_numeric(self, value: Any, node: Node) -> None:
        if isinstance(value, str):
            raise self.error("text cannot be used in arithmetic", node)

    def binary(self, node: Node, op: str, a: Any, b: Any) -> Any:
        self.check_numeric(a, node)
        self.check_numeric(b, node)
        a_arr, b_arr = is_array(a), is_array(b)
        try:
            if op == "^":
                return self.power(node, a, b)
            if op == "@":
                if not (a_arr and b_arr):
                    raise self.error("'@' needs two matrices", node, kind="shape")
                return self.matmul(node, a, b)
            if a_arr and b_arr:
                if op == "*" and a.ndim == 2 and b.ndim == 2:
                    return self.matmul(node, a, b)
                if a.shape != b.shape:
                    raise self.error(f"cannot combine shapes {shape_text(a)} and {shape_text(b)} "
                                     f"with {op!r}", node, kind="shape")
                if op in "*/" and a.ndim != 1:
                    raise self.error(f"{op!r} between two matrices is not defined here", node)
            elif ((a_arr and a.ndim > 1) or (b_arr and b.ndim > 1)) and op in "+-":
                raise self.error(f"cannot {'add' if op == '+' else 'subtract'} a scalar and "
                                 f"a {shape_text(a if a_arr else b)} matrix", node, kind="shape")
            if op == "/" and b_arr:
                if not all(v if type(v) in _SCALARS else v != 0 for v in b.ravel().tolist()):
                    raise self.error("division by zero", node)
            elif op == "/" and b == 0:
                raise self.error("division by zero", node)
            if self.exact and a_arr is not b_arr:
                a, b, done = _exact_shortcut(op, a, b, a_arr)
                if done:
                    return a
            if op in _SCALAR_OPS:
                return _SCALAR_OPS[op](a, b)
            if self.exact:
                return _div_array()(a, b) if a_arr or b_arr else exact_div(a, b)
            return a / b
        except (TypeError, OverflowError, FloatingPointError) as exc:
            raise self.error(f"cannot compute {op!r} here ({exc})", node) from None

    def matmul(self, node: Node, a: Any, b: Any) -> Any:
        if a.ndim != 2 or b.ndim != 2:
            raise self.error("matrix product needs two matrices", node, kind="shape")
        if a.shape[1] != b.shape[0]:
            raise self.error(f"cannot multiply a {shape_text(a)} matrix by a "
                             f"{shape_text(b)} matrix", node, kind="shape")
        if a.shape[0] * a.shape[1] * b.shape[1] > MAX_PRODUCT_WORK:
            raise self.error(f"the product of a {shape_text(a)} and a {shape_text(b)} matrix is "
                             f"too large (at most {MAX_PRODUCT_WORK:,} multiplications)", node)
        result = a @ b
        return result

    def power(self, node: Node, a: Any, b: Any) -> Any:
        if is_array(b):
            raise self.error("the exponent must be a number", node)
        if isinstance(b, int | Fraction) and b.denominator == 1:
            n = int(b)
            if abs(n) > MAX_INT_POWER:
                raise self.error(f"the exponent {n} is too large (at most {MAX_INT_POWER})", node)
            if is_array(a):
                if a.ndim != 1:
                    raise self.error("powers of a matrix are not supported", node, kind="shape")
                import numpy as np

                return np.array([self.scalar_power(node, v, n) for v in a], dtype=a.dtype)
            return self.scalar_power(node, a, n)
        if is_array(a):
            raise self.error("vector powers need a whole-number exponent", node)
        base = float(a)
        if base < 0:
            raise self.error("a negative number to a fractional power", node)
        return self.float_power(node, base, float(b))

    def scalar_power(self, node: Node, a: Any, n: int) -> Any:
        if self.exact and isinstance(a, int | Fraction) and not isinstance(a, bool):
            # a Fraction is not copied: ``g^2`` of three entries takes 7.4 us, was 9.7 us
            q = a if type(a) is Fraction else Fraction(a)
            if q.numerator == 0 and n < 0:
                raise self.error("division by zero", node)
            bits = max(q.numerator.bit_length(), q.denominator.bit_length()) * abs(n)
            if bits > MAX_EXACT_BITS:
                raise self.error("the result is too large", node)
            return q ** n
        return self.float_power(node, float(a), n)

    def float_power(self, node: Node, base: float, exponent: float) -> float:
        """``base ** exponent`` in floating point; a result too large to hold is an error."""
        if base == 0 and exponent < 0:
            raise self.error("division by zero", node)
        try:
            result = base ** exponent
        except OverflowError:
            raise self.error("the result is too large", node) from None
        if not math.isfinite(result):
            raise self.error("the result is too large", node)
        return result

    def compare(self, node: Node, op: str, a: Any, b: Any) -> Any:
        if is_array(a) or is_array(b):
            if op in ("==", "!="):
                same = is_array(a) and is_array(b) and a.shape == b.shape and \
                    all(x == y for x, y in zip(a.ravel(), b.ravel(), strict=True))
                return same if op == "==" else not same
            raise self.error("ordering comparisons need scalars (compare min(x) or max(x))", node)
        try:
            return _COMPARISONS[op](a, b)
        except TypeError:
            raise self.error(f"cannot compare {type(a).__name__} and {type(b).__name__}",
                             node) from None


def evaluate(expr: Expr, env: Mapping[str, Any], *, exact: bool = True,
             guarded: bool = True) -> Any:
    """Evaluate `expr` with the values in `env` (already in the domain of the chosen mode).

    Numeric mode runs under ``np.errstate(...="raise")`` so overflow is an error, not inf;
    `guarded=False` means the caller already holds that state (entering it costs ~20 µs).
    """
    if exact or not guarded:
        return _run(expr, env, exact)
    if not numpy_loaded() and expr.makes_arrays():
        import numpy  # noqa: F401  # loaded before the error state below, which needs it

    with float_errors_raise():
        return _run(expr, env, exact)


def _run(expr: Expr, env: Mapping[str, Any], exact: bool) -> Any:
    try:
        fn = expr.compiled.get(exact)
        if fn is None:
            fn = expr.compiled[exact] = _Evaluator(expr, exact).compile(expr.root)
        return fn(env)
    except FloatingPointError as exc:
        raise ExprError(f"the value cannot be computed ({exc})", expr.text, 0) from None
    except RecursionError:
        raise ExprError("expression is nested too deeply", expr.text, 0) from None
