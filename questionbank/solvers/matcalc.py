"""Matrix calculus: the reference solver for the template ``gradients/matrix-calculus``.

The question gives a scalar function f of a matrix (or column-vector) variable and asks for the
gradient ∂f/∂X in denominator ("gradient") layout, i.e. with the same shape as X. Each entry of
the catalogue `FORMS` describes one such function: how to print it, the shapes of its symbols
(with dimension *names*, made concrete per instance from the template's ``n``, ``m``, ``k``), a
sympy construction of f, and the mistakes students typically make.

The reference gradient is not typed in by hand: it is computed once per form with sympy's matrix
calculus on `MatrixSymbol` expressions and printed into our own expression language
(`questionbank.expr`) by the small printer below, so that a typo in a hand-written answer cannot
become the "correct" answer. Two details of sympy matter here:

- A function written as a product like ``aᵀXb`` is a 1×1 *matrix* to sympy, and differentiating
  it by a matrix gives a 4-D array expression (shape ``(n, m, 1, 1)``), not a matrix. Wrapping
  the 1×1 product in ``Trace`` (which is the same scalar) makes sympy return the ordinary
  ``n×m`` gradient, so every 1×1 form is differentiated as ``Trace(f)``.
- sympy is slow (tens to hundreds of milliseconds per derivative, plus about a second to
  import), so the symbolic work is cached per form with `functools.lru_cache` and sympy is
  imported only inside the functions that need it: importing this module (and so running
  ``mlquiz --help``) never imports sympy. After the first call for a form, a call only fills
  in the concrete dimensions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np

from questionbank.expr import parse
from questionbank.solvers import register

__all__ = [
    "FORMS",
    "MatrixForm",
    "Mistake",
    "UnsupportedExpression",
    "form_ids",
    "matrix_calculus",
    "reference_gradient",
    "to_expr_text",
    "to_unicode",
]

Dim = str | int
Shape = tuple[Dim, Dim]

# Dimension names a form may use, and the template variables that give them.
DIMENSIONS: tuple[str, ...] = ("n", "m", "k")


@dataclass(frozen=True, slots=True)
class Mistake:
    """A likely wrong answer: its id, its text in our expression language and the feedback."""

    id: str
    answer: str
    feedback: str


@dataclass(frozen=True, slots=True)
class MatrixForm:
    """One function f in the catalogue.

    `symbols` maps every symbol to its shape written with dimension names (``("n", 1)`` is a
    column vector). `build` receives the sympy `MatrixSymbol`s (by name) and the sympy module and
    returns f; it is a callable so that sympy is only imported when a gradient is computed.
    """

    id: str
    text: str
    latex: str
    wrt: str
    symbols: Mapping[str, Shape]
    build: Callable[[Mapping[str, Any], Any], Any]
    mistakes: tuple[Mistake, ...]

    def dims(self) -> tuple[str, ...]:
        """The dimension names this form uses, in the order n, m, k."""
        used = {d for shape in self.symbols.values() for d in shape if isinstance(d, str)}
        return tuple(d for d in DIMENSIONS if d in used)


def _form(id: str, text: str, latex: str, wrt: str, symbols: dict[str, Shape],
          build: Callable[[Mapping[str, Any], Any], Any],
          mistakes: list[tuple[str, str, str]]) -> MatrixForm:
    return MatrixForm(id=id, text=text, latex=latex, wrt=wrt,
                      symbols=MappingProxyType(dict(symbols)), build=build,
                      mistakes=tuple(Mistake(*m) for m in mistakes))


_TRANSPOSED = "This is the transpose: in gradient layout ∂f/∂{v} has the same shape as {v}."
_NO_FACTOR_2_SQUARE = "You lost the factor 2 from differentiating the square ‖r‖² = rᵀr."
_WRONG_VARIABLE = ("That is the gradient with respect to {u}; here the variable is {v}, which "
                   "gives {g}.")
_SIGN_FLIPPED = ("The sign is flipped: that is the negative gradient (the descent direction); "
                 "the gradient is {g}.")

_FORM_LIST: tuple[MatrixForm, ...] = (
    _form(
        "aTx", "f(x) = aᵀx", r"f(x) = a^\top x", "x",
        {"a": ("n", 1), "x": ("n", 1)},
        lambda s, sp: s["a"].T * s["x"],
        [
            ("transposed", "a^T", _TRANSPOSED.format(v="x") + " The gradient is the column a."),
        ],
    ),
    _form(
        "xTx", "f(x) = ‖x‖² = xᵀx", r"f(x) = \|x\|^2 = x^\top x", "x",
        {"x": ("n", 1)},
        lambda s, sp: s["x"].T * s["x"],
        [
            ("no-factor-2", "x", "You lost the factor 2: x appears twice in xᵀx."),
            ("transposed", "2*x^T", _TRANSPOSED.format(v="x")),
        ],
    ),
    _form(
        "xTAx", "f(x) = xᵀAx", r"f(x) = x^\top A x", "x",
        {"x": ("n", 1), "A": ("n", "n")},
        lambda s, sp: s["x"].T * s["A"] * s["x"],
        [
            ("assumed-symmetric", "2*A*x",
             "2Ax holds only for a symmetric A; in general the gradient is (A + Aᵀ)x."),
            ("one-term", "A*x",
             "x appears twice in xᵀAx, so there are two terms: Ax + Aᵀx."),
            ("one-term-transposed", "A^T*x",
             "x appears twice in xᵀAx, so there are two terms: Ax + Aᵀx."),
            ("transposed", "x^T*(A + A^T)", _TRANSPOSED.format(v="x")),
        ],
    ),
    _form(
        "aTXb", "f(X) = aᵀXb", r"f(X) = a^\top X b", "X",
        {"a": ("n", 1), "X": ("n", "m"), "b": ("m", 1)},
        lambda s, sp: s["a"].T * s["X"] * s["b"],
        [
            ("transposed", "b*a^T", _TRANSPOSED.format(v="X")
             + " aᵀXb = Σᵢⱼ aᵢXᵢⱼbⱼ, so ∂f/∂Xᵢⱼ = aᵢbⱼ: the gradient is a bᵀ."),
        ],
    ),
    _form(
        "trATX", "f(X) = tr(AᵀX)", r"f(X) = \operatorname{tr}(A^\top X)", "X",
        {"A": ("n", "m"), "X": ("n", "m")},
        lambda s, sp: sp.Trace(s["A"].T * s["X"]),
        [
            ("transposed", "A^T",
             _TRANSPOSED.format(v="X") + " tr(AᵀX) = Σᵢⱼ AᵢⱼXᵢⱼ, so the gradient is A."),
        ],
    ),
    _form(
        "trXA", "f(X) = tr(XA)", r"f(X) = \operatorname{tr}(XA)", "X",
        {"X": ("n", "m"), "A": ("m", "n")},
        lambda s, sp: sp.Trace(s["X"] * s["A"]),
        [
            ("transposed", "A",
             _TRANSPOSED.format(v="X") + " tr(XA) = Σᵢⱼ XᵢⱼAⱼᵢ, so the gradient is Aᵀ."),
        ],
    ),
    _form(
        "trAXB", "f(X) = tr(AXB)", r"f(X) = \operatorname{tr}(AXB)", "X",
        {"A": ("k", "n"), "X": ("n", "m"), "B": ("m", "k")},
        lambda s, sp: sp.Trace(s["A"] * s["X"] * s["B"]),
        [
            ("transposed", "B*A",
             _TRANSPOSED.format(v="X") + " tr(AXB) = tr(XBA), so the gradient is (BA)ᵀ = AᵀBᵀ."),
        ],
    ),
    _form(
        "frobenius", "f(X) = ‖X‖²_F = tr(XᵀX)", r"f(X) = \|X\|_F^2 = \operatorname{tr}(X^\top X)",
        "X",
        {"X": ("n", "m")},
        lambda s, sp: sp.Trace(s["X"].T * s["X"]),
        [
            ("no-factor-2", "X", "You lost the factor 2: ‖X‖²_F = Σᵢⱼ Xᵢⱼ², and d(t²)/dt = 2t."),
            ("transposed", "2*X^T", _TRANSPOSED.format(v="X")),
        ],
    ),
    _form(
        "trXTAX", "f(X) = tr(XᵀAX)", r"f(X) = \operatorname{tr}(X^\top A X)", "X",
        {"X": ("n", "m"), "A": ("n", "n")},
        lambda s, sp: sp.Trace(s["X"].T * s["A"] * s["X"]),
        [
            ("assumed-symmetric", "2*A*X",
             "2AX holds only for a symmetric A; in general the gradient is (A + Aᵀ)X."),
            ("one-term", "A*X", "X appears twice in tr(XᵀAX), so there are two terms: AX + AᵀX."),
            ("transposed", "X^T*(A + A^T)", _TRANSPOSED.format(v="X")),
        ],
    ),
    _form(
        "trXBXT", "f(X) = tr(XBXᵀ)", r"f(X) = \operatorname{tr}(X B X^\top)", "X",
        {"X": ("n", "m"), "B": ("m", "m")},
        lambda s, sp: sp.Trace(s["X"] * s["B"] * s["X"].T),
        [
            ("assumed-symmetric", "2*X*B",
             "2XB holds only for a symmetric B; in general the gradient is X(B + Bᵀ)."),
            ("one-term", "X*B", "X appears twice in tr(XBXᵀ), so there are two terms: XB + XBᵀ."),
            ("transposed", "(B + B^T)*X^T", _TRANSPOSED.format(v="X")),
        ],
    ),
    _form(
        "least-squares", "f(W) = ‖Wx − y‖²", r"f(W) = \|Wx - y\|^2", "W",
        {"W": ("n", "m"), "x": ("m", 1), "y": ("n", 1)},
        lambda s, sp: (s["W"] * s["x"] - s["y"]).T * (s["W"] * s["x"] - s["y"]),
        [
            ("no-factor-2", "(W*x - y)*x^T", _NO_FACTOR_2_SQUARE),
            ("transposed", "2*x*(W*x - y)^T", _TRANSPOSED.format(v="W")),
            ("wrt-x", "2*W^T*(W*x - y)", _WRONG_VARIABLE.format(u="x", v="W", g="2(Wx − y)xᵀ")),
            ("sign", "2*(y - W*x)*x^T", _SIGN_FLIPPED.format(g="2(Wx − y)xᵀ")),
        ],
    ),
    _form(
        "least-squares-x", "f(x) = ‖Ax − b‖²", r"f(x) = \|Ax - b\|^2", "x",
        {"A": ("n", "m"), "x": ("m", 1), "b": ("n", 1)},
        lambda s, sp: (s["A"] * s["x"] - s["b"]).T * (s["A"] * s["x"] - s["b"]),
        [
            ("no-factor-2", "A^T*(A*x - b)", _NO_FACTOR_2_SQUARE),
            ("transposed", "2*(A*x - b)^T*A", _TRANSPOSED.format(v="x")),
            ("wrt-A", "2*(A*x - b)*x^T", _WRONG_VARIABLE.format(u="A", v="x", g="2Aᵀ(Ax − b)")),
            ("sign", "2*A^T*(b - A*x)", _SIGN_FLIPPED.format(g="2Aᵀ(Ax − b)")),
        ],
    ),
)

FORMS: Mapping[str, MatrixForm] = MappingProxyType({f.id: f for f in _FORM_LIST})


def form_ids() -> tuple[str, ...]:
    """The ids of every form, in catalogue order (for a template's ``choice`` parameter)."""
    return tuple(FORMS)


# --------------------------------------------------------------------------- printing


class UnsupportedExpression(ValueError):
    """A sympy expression that the printers cannot write in our expression language."""


_ATOM, _POSTFIX, _MUL, _ADD = 10, 9, 6, 5


def _scalar_text(c: Any, unicode: bool) -> str:
    """A rational sympy number as text (integers bare, fractions as p/q)."""
    import sympy  # type: ignore[import-untyped]  # sympy has no type information

    if not isinstance(c, sympy.Rational):
        raise UnsupportedExpression(f"unsupported scalar coefficient {c!r}")
    q = Fraction(int(c.p), int(c.q))
    if q.denominator == 1:
        return str(q.numerator)
    return f"({q.numerator}/{q.denominator})" if unicode else f"{q.numerator}/{q.denominator}"


def _split_coeff(expr: Any) -> tuple[Any, list[Any]]:
    """A matrix product as (rational coefficient, matrix factors), identities dropped."""
    import sympy  # type: ignore[import-untyped]  # sympy has no type information
    from sympy.matrices.expressions import Identity  # type: ignore[import-untyped]  # sympy has no type information

    coeff, factors = expr.as_coeff_matrices()
    factors = [f for f in factors if not isinstance(f, Identity)]
    if not isinstance(coeff, sympy.Rational):
        raise UnsupportedExpression(f"unsupported scalar factor {coeff} in {expr}")
    if not factors:
        raise UnsupportedExpression(f"a product without a matrix factor: {expr}")
    return coeff, factors


def _print(expr: Any, unicode: bool) -> tuple[str, int]:
    """Print `expr`; return the text and its binding strength (higher binds tighter).

    ``unicode=False`` writes our expression language (``*``, ``^T``, ``-``); ``unicode=True``
    writes readable maths (juxtaposition, ``ᵀ``, ``−``) for worked solutions.
    """
    from sympy.matrices.expressions import MatAdd, MatMul, MatrixSymbol, Trace, Transpose  # type: ignore[import-untyped]  # sympy has no type information

    if isinstance(expr, MatrixSymbol):
        return str(expr.name), _ATOM
    if isinstance(expr, Transpose):
        inner, p = _print(expr.arg, unicode)
        if p < _ATOM:
            inner = f"({inner})"
        return inner + ("ᵀ" if unicode else "^T"), _POSTFIX
    if isinstance(expr, Trace):
        inner, _ = _print(expr.arg, unicode)
        return f"tr({inner})", _ATOM
    if isinstance(expr, MatMul):
        return _print_product(expr, unicode)
    if isinstance(expr, MatAdd):
        return _print_sum(expr, unicode)
    raise UnsupportedExpression(
        f"cannot print {type(expr).__name__} ({expr}) in the expression language")


def _print_product(expr: Any, unicode: bool) -> tuple[str, int]:
    coeff, factors = _split_coeff(expr)
    return _print_scaled(coeff, factors, unicode)


def _print_scaled(coeff: Any, factors: list[Any], unicode: bool) -> tuple[str, int]:
    """``coeff`` times the product of `factors`, with the coefficient written in front."""
    if coeff == 1 and len(factors) == 1:
        return _print(factors[0], unicode)
    parts: list[str] = []
    for factor in factors:
        text, p = _print(factor, unicode)
        parts.append(text if p > _MUL else f"({text})")
    if unicode:
        body = parts[0]
        for part in parts[1:]:
            # "a bᵀ" reads better than "abᵀ" (which looks like one name); "Wx" is fine.
            gap = " " if "a" <= body[-1] <= "z" and part[0].isalpha() else ""
            body += gap + part
        minus, times = "−", ""
    else:
        body = "*".join(parts)
        minus, times = "-", "*"
    if coeff == 1:
        return body, _MUL
    sign = minus if coeff < 0 else ""
    scale = "" if abs(coeff) == 1 else _scalar_text(abs(coeff), unicode) + times
    # A leading minus is a separate term to a reader: bracket it in any product or transpose.
    return sign + scale + body, _ADD if coeff < 0 else _MUL


def _print_sum(expr: Any, unicode: bool) -> tuple[str, int]:
    from sympy.matrices.expressions import MatMul  # type: ignore[import-untyped]  # sympy has no type information

    minus = " − " if unicode else " - "
    terms: list[tuple[bool, str]] = []
    for term in expr.args:
        if isinstance(term, MatMul):
            coeff, factors = _split_coeff(term)
            text, p = _print_scaled(abs(coeff), factors, unicode)
            negative = bool(coeff < 0)
        else:
            (text, p), negative = _print(term, unicode), False
        terms.append((negative, text if p > _ADD else f"({text})"))
    # sympy keeps MatAdd arguments in its canonical order, which may start with a negative term
    # (-y + W*x); write the positive terms first, as a person would: W*x - y.
    terms.sort(key=lambda t: t[0])
    first_negative, first = terms[0]
    out = (minus.strip() if first_negative else "") + first
    for negative, text in terms[1:]:
        out += (minus if negative else " + ") + text
    return out, _ADD


def to_expr_text(expr: Any) -> str:
    """A sympy matrix expression in our expression language (raises `UnsupportedExpression`)."""
    from sympy.matrices.expressions import Identity  # type: ignore[import-untyped]  # sympy has no type information

    if isinstance(expr, Identity):
        raise UnsupportedExpression("the identity matrix has no name in the expression language")
    return _print(expr, unicode=False)[0]


def to_unicode(expr: Any) -> str:
    """A sympy matrix expression as readable Unicode maths (``2(Wx − y)xᵀ``)."""
    return _print(expr, unicode=True)[0]


# --------------------------------------------------------------------------- differentiation


def _sympy_symbols(form: MatrixForm) -> dict[str, Any]:
    import sympy  # type: ignore[import-untyped]  # sympy has no type information

    dims = {d: sympy.Symbol(d, integer=True, positive=True) for d in DIMENSIONS}

    def size(d: Dim) -> Any:
        return dims[d] if isinstance(d, str) else sympy.Integer(d)

    return {name: sympy.MatrixSymbol(name, size(r), size(c))
            for name, (r, c) in form.symbols.items()}


def reference_gradient(form_id: str) -> Any:
    """∂f/∂X for one form as a sympy matrix expression, computed with sympy's matrix calculus.

    Not cached (the solver caches the printed text); useful for inspection and tests.
    """
    import sympy  # type: ignore[import-untyped]  # sympy has no type information
    from sympy.matrices.expressions import MatrixExpr  # type: ignore[import-untyped]  # sympy has no type information

    form = FORMS[form_id]
    syms = _sympy_symbols(form)
    f = form.build(syms, sympy)
    if isinstance(f, MatrixExpr):
        if f.shape != (1, 1):
            raise ValueError(f"form {form_id!r}: f has shape {f.shape}, not a scalar")
        # d(1x1 matrix)/dX is a 4-D array expression in sympy; the trace of the 1x1 product is
        # the same scalar and differentiates to an ordinary matrix.
        f = sympy.Trace(f)
    variable = syms[form.wrt]
    grad = f.diff(variable).doit()
    if not isinstance(grad, MatrixExpr) or grad.shape != variable.shape:
        raise ValueError(f"form {form_id!r}: sympy's derivative {grad} is not a "
                         f"{variable.shape} matrix")
    return grad


@dataclass(frozen=True, slots=True)
class _Derived:
    grad: str
    grad_unicode: str


@functools.lru_cache(maxsize=64)
def _derived(form_id: str) -> _Derived:
    """The printed reference gradient of one form (the slow, sympy part), checked to parse."""
    form = FORMS[form_id]
    grad = reference_gradient(form_id)
    text = to_expr_text(grad)
    names = set(form.symbols)
    parse(text, names=names, allow_logic=False)
    for mistake in form.mistakes:
        parse(mistake.answer, names=names, allow_logic=False)
    return _Derived(grad=text, grad_unicode=to_unicode(grad))


# --------------------------------------------------------------------------- the solver


def _dimension(v: Mapping[str, Any], name: str, form_id: str) -> int:
    if name not in v:
        raise ValueError(f"form {form_id!r} needs the dimension {name!r}")
    value = v[name]
    if isinstance(value, bool):
        raise ValueError(f"dimension {name!r} must be an integer, got {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    try:
        as_fraction = Fraction(value)
    except (TypeError, ValueError):
        raise ValueError(f"dimension {name!r} must be an integer, got {value!r}") from None
    if as_fraction.denominator != 1 or as_fraction < 1:
        raise ValueError(f"dimension {name!r} must be a positive integer, got {value!r}")
    return int(as_fraction)


@register("gradients.matrix_calculus", outputs=("grad", "symbols", "shape", "f_text", "f_latex",
                                                "wrt", "grad_unicode", "form_mistakes"))
def matrix_calculus(v: Mapping[str, Any]) -> dict[str, Any]:
    """The gradient (denominator layout) of the catalogue function ``v["form"]``.

    ``v`` gives the form id and the integer dimensions the form uses (``n``, ``m``, ``k``);
    the symbols' shapes in the result are those concrete integers, so the grader can bind random
    matrices of the right sizes. Only the first call per form runs sympy.
    """
    form_id = str(v["form"])
    form = FORMS.get(form_id)
    if form is None:
        raise ValueError(f"unknown matrix-calculus form {form_id!r}; "
                         f"known: {', '.join(FORMS)}")
    sizes: dict[Dim, int] = {d: _dimension(v, d, form_id) for d in form.dims()}
    symbols = {name: (sizes.get(r, r), sizes.get(c, c))
               for name, (r, c) in form.symbols.items()}
    derived = _derived(form_id)
    return {
        "grad": derived.grad,
        "symbols": symbols,
        "shape": symbols[form.wrt],
        "f_text": form.text,
        "f_latex": form.latex,
        "wrt": form.wrt,
        "grad_unicode": derived.grad_unicode,
        "form_mistakes": tuple({"id": m.id, "answer": m.answer, "feedback": m.feedback}
                               for m in form.mistakes),
    }
