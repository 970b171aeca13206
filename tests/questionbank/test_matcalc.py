"""Independent checks of the matrix-calculus solver (`questionbank.solvers.matcalc`).

The solver computes its gradients with sympy; these tests never use sympy for a reference.
Every form's f is written again here in plain numpy, its gradient is taken by central finite
differences at random points, and the solver's printed gradient (read back through our own
parser and evaluator) must agree with it. The declared mistakes must be wrong, the printed text
must parse, and a cached call must be cheap.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from questionbank.expr import evaluate, parse
from questionbank.solvers import SOLVERS, matcalc
from questionbank.solvers.matcalc import (
    FORMS,
    UnsupportedExpression,
    form_ids,
    matrix_calculus,
    to_expr_text,
    to_unicode,
)

SEEDS = 200
H = 1e-6
RTOL = 1e-5
REPO = Path(__file__).resolve().parents[2]

Env = dict[str, np.ndarray]


def _v(M: np.ndarray) -> np.ndarray:
    """A column vector (n, 1) as a flat numpy vector."""
    return M[:, 0]


# f for every form, written directly in numpy (no sympy, nothing from the solver).
NUMPY_F: dict[str, Callable[[Env], float]] = {
    "aTx": lambda e: float(_v(e["a"]) @ _v(e["x"])),
    "xTx": lambda e: float(np.sum(e["x"] ** 2)),
    "xTAx": lambda e: float(_v(e["x"]) @ e["A"] @ _v(e["x"])),
    "aTXb": lambda e: float(_v(e["a"]) @ e["X"] @ _v(e["b"])),
    "trATX": lambda e: float(np.sum(e["A"] * e["X"])),
    "trXA": lambda e: float(np.trace(e["X"] @ e["A"])),
    "trAXB": lambda e: float(np.trace(e["A"] @ e["X"] @ e["B"])),
    "frobenius": lambda e: float(np.sum(e["X"] ** 2)),
    "trXTAX": lambda e: float(np.trace(e["X"].T @ e["A"] @ e["X"])),
    "trXBXT": lambda e: float(np.trace(e["X"] @ e["B"] @ e["X"].T)),
    "least-squares": lambda e: float(np.sum((e["W"] @ _v(e["x"]) - _v(e["y"])) ** 2)),
    "least-squares-x": lambda e: float(np.sum((e["A"] @ _v(e["x"]) - _v(e["b"])) ** 2)),
}

# Gradients known by hand from textbooks, in our expression language.
HAND_GRADIENTS: dict[str, str] = {
    "aTx": "a",
    "xTx": "2*x",
    "xTAx": "(A + A^T)*x",
    "aTXb": "a*b^T",
    "trATX": "A",
    "trXA": "A^T",
    "trAXB": "(B*A)^T",
    "frobenius": "2*X",
    "trXTAX": "(A + A^T)*X",
    "trXBXT": "X*(B + B^T)",
    "least-squares": "2*(W*x - y)*x^T",
    "least-squares-x": "2*A^T*(A*x - b)",
}

# Forms whose gradient carries a factor 2 (so "forgot the 2" must be a declared mistake).
FACTOR_TWO = {"xTx", "frobenius", "least-squares", "least-squares-x"}


def _dims(rng: np.random.Generator) -> dict[str, int]:
    n, m = (int(d) for d in rng.choice(np.arange(2, 6), size=2, replace=False))
    return {"n": n, "m": m, "k": int(rng.integers(2, 6))}


def _instance(form_id: str, rng: np.random.Generator) -> tuple[dict[str, Any], Env]:
    """The solver's output for random dimensions, and random matrices of those shapes."""
    out = matrix_calculus({"form": form_id, **_dims(rng)})
    env = {name: rng.standard_normal(shape) for name, shape in out["symbols"].items()}
    return out, env


def _rng(form_id: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([form_ids().index(form_id), seed])


def _eval(text: str, env: Env) -> np.ndarray:
    return np.asarray(evaluate(parse(text, names=set(env)), env, exact=False), dtype=float)


def _finite_difference(f: Callable[[Env], float], env: Env, wrt: str) -> np.ndarray:
    x0 = env[wrt]
    grad = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[idx] += H
        down[idx] -= H
        grad[idx] = (f({**env, wrt: up}) - f({**env, wrt: down})) / (2 * H)
    return grad


def _close(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b))))
    return bool(np.allclose(a, b, rtol=rtol, atol=rtol * scale))


# --------------------------------------------------------------------------- the catalogue


def test_catalogue_is_covered_by_these_tests() -> None:
    ids = form_ids()
    assert len(ids) >= 8
    assert len(set(ids)) == len(ids)
    assert ids == tuple(FORMS)
    assert set(ids) == set(NUMPY_F) == set(HAND_GRADIENTS)
    for required in ("aTXb", "trATX", "least-squares", "frobenius", "xTAx", "trXA", "trXTAX",
                     "aTx"):
        assert required in ids


@pytest.mark.parametrize("form_id", form_ids())
def test_form_metadata(form_id: str) -> None:
    form = FORMS[form_id]
    assert form.id == form_id
    assert form.wrt in form.symbols
    assert form.text.startswith(f"f({form.wrt}) = ")
    assert form.latex.startswith(f"f({form.wrt}) = ")
    for rows, cols in form.symbols.values():
        for d in (rows, cols):
            assert d == 1 or d in ("n", "m", "k")
    assert form.mistakes, "every form declares at least one likely mistake"
    ids = [m.id for m in form.mistakes]
    assert len(set(ids)) == len(ids)
    for mistake in form.mistakes:
        assert mistake.feedback.strip().endswith(".")


# --------------------------------------------------------------------------- correctness


@pytest.mark.parametrize("form_id", form_ids())
def test_gradient_matches_finite_differences(form_id: str) -> None:
    f = NUMPY_F[form_id]
    for seed in range(SEEDS):
        rng = _rng(form_id, seed)
        out, env = _instance(form_id, rng)
        wrt = out["wrt"]
        assert out["shape"] == env[wrt].shape == out["symbols"][wrt]
        reference = _eval(out["grad"], env)
        numeric = _finite_difference(f, env, wrt)
        assert reference.shape == env[wrt].shape, (form_id, out["grad"])
        assert _close(reference, numeric), (form_id, seed, out["grad"], reference, numeric)


@pytest.mark.parametrize("form_id", form_ids())
def test_hand_known_closed_forms_agree(form_id: str) -> None:
    for seed in range(20):
        out, env = _instance(form_id, _rng(form_id, 1000 + seed))
        assert _close(_eval(out["grad"], env), _eval(HAND_GRADIENTS[form_id], env), rtol=1e-10)


@pytest.mark.parametrize(("form_id", "hand"), [("aTXb", "a*b^T"), ("trATX", "A"),
                                               ("least-squares", "2*(W*x - y)*x^T"),
                                               ("frobenius", "2*X")])
def test_textbook_gradients(form_id: str, hand: str) -> None:
    """The four closed forms everyone knows, checked on their own."""
    rng = np.random.default_rng(7)
    out, env = _instance(form_id, rng)
    assert _close(_eval(out["grad"], env), _eval(hand, env), rtol=1e-12)


@pytest.mark.parametrize("form_id", form_ids())
def test_printed_text_parses_with_the_declared_symbols(form_id: str) -> None:
    out = matrix_calculus({"form": form_id, "n": 3, "m": 4, "k": 2})
    names = set(out["symbols"])
    expr = parse(out["grad"], names=names)
    assert expr.names <= names
    assert out["wrt"] in names
    for mistake in out["form_mistakes"]:
        parse(mistake["answer"], names=names)
    assert "*" not in out["grad_unicode"] and "^" not in out["grad_unicode"]
    assert out["grad_unicode"].strip()


# --------------------------------------------------------------------------- mistakes


@pytest.mark.parametrize("form_id", form_ids())
def test_mistakes_differ_from_the_reference(form_id: str) -> None:
    for seed in range(25):
        out, env = _instance(form_id, _rng(form_id, 2000 + seed))
        reference = _eval(out["grad"], env)
        for mistake in out["form_mistakes"]:
            wrong = _eval(mistake["answer"], env)  # every mistake must at least evaluate
            assert not _close(wrong, reference, rtol=1e-3), (form_id, mistake["id"])


@pytest.mark.parametrize("form_id", form_ids())
def test_transposed_gradient_is_a_declared_mistake(form_id: str) -> None:
    """Wherever ∂f/∂X differs from its transpose (non-square or asymmetric), that is a mistake."""
    out, env = _instance(form_id, _rng(form_id, 3000))
    reference = _eval(out["grad"], env)
    if _close(reference.T, reference):
        return
    matches = [m["id"] for m in out["form_mistakes"]
               if _close(_eval(m["answer"], env), reference.T)]
    assert matches, f"{form_id}: no mistake gives the transposed gradient"


@pytest.mark.parametrize("form_id", sorted(FACTOR_TWO))
def test_forgotten_factor_two_is_a_declared_mistake(form_id: str) -> None:
    out, env = _instance(form_id, _rng(form_id, 4000))
    half = _eval(out["grad"], env) / 2
    assert any(_close(_eval(m["answer"], env), half) for m in out["form_mistakes"])


# --------------------------------------------------------------------------- the solver API


def test_output_format_and_concrete_shapes() -> None:
    out = matrix_calculus({"form": "aTXb", "n": 3, "m": 5, "k": 2})
    assert set(out) == set(SOLVERS["gradients.matrix_calculus"].outputs)
    assert out["symbols"] == {"a": (3, 1), "X": (3, 5), "b": (5, 1)}
    assert out["shape"] == (3, 5)
    assert out["wrt"] == "X"
    assert out["f_text"] == "f(X) = aᵀXb"
    assert out["f_latex"] == r"f(X) = a^\top X b"
    assert out["grad_unicode"] == "a bᵀ"
    assert all(set(m) == {"id", "answer", "feedback"} for m in out["form_mistakes"])
    assert isinstance(out["form_mistakes"], tuple)


def test_third_dimension_is_only_needed_where_used() -> None:
    out = matrix_calculus({"form": "trAXB", "n": 2, "m": 3, "k": 4})
    assert out["symbols"] == {"A": (4, 2), "X": (2, 3), "B": (3, 4)}
    assert matrix_calculus({"form": "frobenius", "n": 2, "m": 3})["shape"] == (2, 3)
    with pytest.raises(ValueError, match="'k'"):
        matrix_calculus({"form": "trAXB", "n": 2, "m": 3})


def test_dimensions_accept_exact_integers_and_reject_others() -> None:
    from fractions import Fraction

    out = matrix_calculus({"form": "xTx", "n": Fraction(4), "m": np.int64(2)})
    assert out["symbols"] == {"x": (4, 1)}
    for bad in (Fraction(5, 2), 0, -3, True, "three"):
        with pytest.raises(ValueError):
            matrix_calculus({"form": "xTx", "n": bad, "m": 2})


def test_unknown_form_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown matrix-calculus form"):
        matrix_calculus({"form": "nope", "n": 2, "m": 3})


def test_deterministic_even_after_recomputing() -> None:
    first = {fid: matrix_calculus({"form": fid, "n": 2, "m": 3, "k": 4}) for fid in form_ids()}
    matcalc._derived.cache_clear()
    again = {fid: matrix_calculus({"form": fid, "n": 2, "m": 3, "k": 4}) for fid in form_ids()}
    assert first == again


def test_results_are_not_shared_between_calls() -> None:
    one = matrix_calculus({"form": "aTXb", "n": 2, "m": 3})
    one["symbols"]["a"] = (99, 99)
    one["form_mistakes"][0]["answer"] = "oops"
    two = matrix_calculus({"form": "aTXb", "n": 2, "m": 3})
    assert two["symbols"]["a"] == (2, 1)
    assert two["form_mistakes"][0]["answer"] != "oops"


def test_cached_calls_are_fast() -> None:
    for fid in form_ids():
        matrix_calculus({"form": fid, "n": 2, "m": 3, "k": 4})  # warm the cache
    calls = 0
    start = time.perf_counter()
    for _ in range(50):
        for fid in form_ids():
            matrix_calculus({"form": fid, "n": 2, "m": 3, "k": 4})
            calls += 1
    per_call = (time.perf_counter() - start) / calls
    assert per_call < 1e-3, f"{per_call * 1e6:.0f} µs per cached call"


def test_importing_the_module_does_not_import_sympy() -> None:
    code = ("import sys; import questionbank.solvers.matcalc as m; m.form_ids(); "
            "assert 'sympy' not in sys.modules, 'sympy imported eagerly'")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


# --------------------------------------------------------------------------- the printer


def _sympy_cases() -> list[tuple[Any, str, str]]:
    import sympy

    n, m = sympy.symbols("n m", integer=True, positive=True)
    X = sympy.MatrixSymbol("X", n, m)
    Y = sympy.MatrixSymbol("Y", n, m)
    W = sympy.MatrixSymbol("W", n, m)
    x = sympy.MatrixSymbol("x", m, 1)
    y = sympy.MatrixSymbol("y", n, 1)
    return [
        (sympy.Transpose(W * x - y), "(W*x - y)^T", "(Wx − y)ᵀ"),
        (3 * Y - 2 * X, "3*Y - 2*X", "3Y − 2X"),
        (-X, "-X", "−X"),
        (sympy.Rational(1, 2) * X, "1/2*X", "(1/2)X"),
        # sympy distributes a negative coefficient into the sum when it builds the product
        (-2 * (W * x - y) * x.T, "(2*y - 2*W*x)*x^T", "(2y − 2Wx)xᵀ"),
        (-W * x, "-W*x", "−Wx"),
        (sympy.Transpose(-2 * X), "(-2*X)^T", "(−2X)ᵀ"),
    ]


def test_printer_texts_and_values() -> None:
    import sympy

    rng = np.random.default_rng(11)
    nv, mv = 3, 2
    values = {"X": rng.standard_normal((nv, mv)), "Y": rng.standard_normal((nv, mv)),
              "W": rng.standard_normal((nv, mv)), "x": rng.standard_normal((mv, 1)),
              "y": rng.standard_normal((nv, 1))}
    for expr, text, uni in _sympy_cases():
        assert to_expr_text(expr) == text
        assert to_unicode(expr) == uni
        subs = {s: sympy.ImmutableMatrix(values[s.name]) for s in expr.free_symbols
                if isinstance(s, sympy.MatrixSymbol)}
        exact = np.array(expr.subs(subs).doit().evalf(), dtype=float)
        assert _close(_eval(text, values), exact, rtol=1e-12), text


def test_printer_rejects_what_the_language_cannot_say() -> None:
    import sympy

    n = sympy.Symbol("n", integer=True, positive=True)
    S = sympy.MatrixSymbol("S", n, n)
    for expr in (sympy.Identity(n), sympy.Inverse(S), sympy.HadamardProduct(S, S),
                 sympy.MatPow(S, 3), sympy.Symbol("t") * S):
        with pytest.raises(UnsupportedExpression):
            to_expr_text(expr)
