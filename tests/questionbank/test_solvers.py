"""Every reference answer recomputed independently, over 200 seeds per template.

The references here never call the solvers' formulas: metrics are recomputed with sympy
Rationals (F1 as the harmonic mean 2PR/(P + R), not the solver's 2TP/(2TP + FP + FN)), dropout
with numpy floats, shapes by building arrays of the stated shapes and doing the computation.
Then every declared mistake must be told apart from the reference under the part's tolerance.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy

from questionbank import Instance, generate, load_bank
from questionbank.expr import evaluate, parse
from questionbank.instance import Part

SEEDS = range(200)
BANK = load_bank(builtin=True, use_env=False)
# Templates whose answers this module recomputes get the full 200-seed sweep; templates added to
# the bank later still get their mistakes checked, over fewer seeds to keep the suite fast
# (`mlquiz validate --seeds N` is the deep check).
REFERENCE_CHECKED = frozenset({
    "metrics/confusion-matrix", "dropout/apply-mask", "dropout/inverted",
    "gradients/layer-shapes", "gradients/jacobian-shape", "gradients/shape",
    "gradients/matrix-calculus",
})
OTHER_SEEDS = range(50)


@functools.cache
def instances(template_id: str) -> tuple[Instance, ...]:
    template = BANK.get(template_id)
    seeds = SEEDS if template_id in REFERENCE_CHECKED else OTHER_SEEDS
    return tuple(generate(template, seed) for seed in seeds)


def _rational(value: Any) -> sympy.Rational:
    """An exact value (int, Fraction, or a float that shows a decimal) as a sympy Rational."""
    q = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    return sympy.Rational(q.numerator, q.denominator)


# ----------------------------------------------------------------------------- metrics

def test_confusion_metrics_match_sympy() -> None:
    for inst in instances("metrics/confusion-matrix"):
        tp, fp, fn, tn = (sympy.Integer(inst.params[k]) for k in ("tp", "fp", "fn", "tn"))
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        expected = {
            "accuracy": (tp + tn) / (tp + fp + fn + tn),
            "precision": precision,
            "recall": recall,
            "f1": 2 * precision * recall / (precision + recall),
        }
        for part_id, want in expected.items():
            part = inst.part(part_id)
            assert _rational(part.value) == want, (inst.seed, part_id)
            assert part.answer == pytest.approx(float(want), rel=1e-15)
            shown = parse(part.answer_text)
            assert _rational(evaluate(shown, {})) == want
        assert inst.context["total"] == tp + fp + fn + tn
        assert _rational(inst.context["specificity"]) == tn / (tn + fp)
        # The template's constraints hold on every sample.
        assert abs(precision - recall) >= sympy.Rational(1, 10)


# ----------------------------------------------------------------------------- dropout

def test_apply_mask_matches_numpy() -> None:
    for inst in instances("dropout/apply-mask"):
        a = np.array(inst.params["a"], dtype=float)
        m = np.array(inst.params["m"], dtype=float)
        assert a.shape == m.shape
        assert 4 <= a.size <= 8
        assert 1 <= m.sum() <= m.size - 1
        output = inst.part("output")
        # a * 1 and a * 0 are exact in floats, so equality is the right check.
        assert np.array_equal(np.array(output.answer, dtype=float), a * m), inst.seed
        assert len(output.answer) == a.size


def test_inverted_dropout_matches_numpy() -> None:
    for inst in instances("dropout/inverted"):
        a = np.array(inst.params["a"], dtype=float)
        m = np.array(inst.params["m"], dtype=float)
        p = float(inst.params["p"])
        assert 0 < p < 0.5
        np.testing.assert_allclose(inst.part("output").answer, a * m / (1.0 - p), rtol=1e-12,
                                   atol=0, err_msg=f"seed {inst.seed}")
        assert np.array_equal(np.array(inst.part("inference").answer, dtype=float), a)


def test_inverted_dropout_scale_matches_numpy() -> None:
    for inst in instances("dropout/inverted"):
        p = np.float64(inst.params["p"])
        scale = inst.context["scale"]
        assert float(scale) == pytest.approx(1.0 / (1.0 - p), rel=1e-12)
        # The scale keeps the expected activation: E[m] / (1 - p) * a = a for keep prob 1 - p.
        assert float(scale) * (1.0 - p) == pytest.approx(1.0, rel=1e-12)
        assert str(scale) in inst.solution or f"{float(scale):g}" in inst.solution


# ----------------------------------------------------------------------------- shapes

def test_layer_gradient_shapes_match_a_symbolic_backward_pass() -> None:
    """Y = X Wᵀ + 1 bᵀ; with G = ∂L/∂Y: ∂L/∂W = Gᵀ X, ∂L/∂b = Gᵀ 1, ∂L/∂X = G W.

    sympy's matrix symbols check every product's inner dimensions without computing it.
    """
    for inst in instances("gradients/layer-shapes"):
        batch, n_in, n_out = (inst.params[k] for k in ("batch", "n_in", "n_out"))
        assert len({batch, n_in, n_out}) == 3
        x = sympy.MatrixSymbol("X", batch, n_in)
        w = sympy.MatrixSymbol("W", n_out, n_in)
        b = sympy.MatrixSymbol("b", n_out, 1)
        ones = sympy.MatrixSymbol("one", batch, 1)
        y = x * w.T + ones * b.T
        g = sympy.MatrixSymbol("G", *y.shape)
        d_w, d_b, d_x = g.T * x, g.T * ones, g * w
        assert inst.part("dW").answer == [int(d) for d in d_w.shape] == [int(d) for d in w.shape]
        assert inst.part("db").answer == [int(d_b.shape[0])]
        assert inst.part("dX").answer == [int(d) for d in d_x.shape] == [int(d) for d in x.shape]
        assert inst.part("dW").answer_text == f"{n_out}x{n_in}"


def test_jacobian_shape_matches_a_finite_difference_jacobian() -> None:
    rng = np.random.default_rng(0)
    for inst in instances("gradients/jacobian-shape"):
        n, k = inst.params["n"], inst.params["k"]
        A = rng.normal(size=(k, n))

        def f(x: np.ndarray, A: np.ndarray = A) -> np.ndarray:
            return A @ x

        x0 = rng.normal(size=n)
        h = 1e-6
        # numerator layout: column j holds d f / d x_j
        jac = np.column_stack([(f(x0 + h * e) - f(x0 - h * e)) / (2 * h) for e in np.eye(n)])
        assert jac.shape == (k, n)
        np.testing.assert_allclose(jac, A, rtol=1e-6, atol=1e-6)
        assert inst.part("shape").answer == list(jac.shape)


def test_gradient_shape_is_the_matrix_shape() -> None:
    for inst in instances("gradients/shape"):
        n, m = inst.params["n"], inst.params["m"]
        X = np.arange(n * m, dtype=float).reshape(n, m)
        grad = 2 * X                     # d/dX of sum(X**2), entry by entry
        assert inst.part("shape").answer == list(grad.shape) == [n, m]


# The variable of each matrix-calculus form and its shape in terms of n, m (written out here,
# not taken from the solver's catalogue).
VARIABLE_SHAPES = {
    "aTx": ("x", ("n", 1)), "xTx": ("x", ("n", 1)), "xTAx": ("x", ("n", 1)),
    "aTXb": ("X", ("n", "m")), "trATX": ("X", ("n", "m")), "trXA": ("X", ("n", "m")),
    "trAXB": ("X", ("n", "m")), "frobenius": ("X", ("n", "m")), "trXTAX": ("X", ("n", "m")),
    "trXBXT": ("X", ("n", "m")), "least-squares": ("W", ("n", "m")),
    "least-squares-x": ("x", ("m", 1)),
}


def _points(symbols: dict[str, tuple[int, ...]], seed: int, count: int = 3) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{name: rng.uniform(-2, 2, size=(shape[0], shape[1] if len(shape) > 1 else 1))
             for name, shape in symbols.items()} for _ in range(count)]


def test_matrix_calculus_gradient_has_the_variable_shape() -> None:
    for inst in instances("gradients/matrix-calculus"):
        form = inst.params["form"]
        variable, dims = VARIABLE_SHAPES[form]
        sizes = {"n": inst.params["n"], "m": inst.params["m"], 1: 1}
        want = [sizes[d] for d in dims]
        assert inst.part("shape").answer == want, (inst.seed, form)
        grad = inst.part("grad")
        assert list(grad.symbols[variable]) == want
        for env in _points(dict(grad.symbols), inst.seed):
            value = evaluate(parse(grad.answer_text, set(grad.symbols)), env, exact=False)
            assert list(np.shape(value)) == want


# ----------------------------------------------------------------------------- mistakes

def _far(sub: float, true: float, part: Part) -> bool:
    tol = part.effective_tolerance
    if tol.mode == "rel":
        allowed = max(tol.value * abs(true), tol.floor)
    elif tol.mode == "abs":
        allowed = tol.value
    elif tol.mode == "sigfigs" and true != 0:
        # written out independently of the judge: the key rounded to n figures, and half a
        # unit in its last figure around it
        figures = int(tol.value)
        rounded = float(f"{true:.{figures - 1}e}")
        allowed = 0.5 * 10 ** (math.floor(math.log10(abs(rounded))) - figures + 1)
        return abs(sub - rounded) > allowed
    else:
        pytest.fail(f"no reference check for tolerance mode {tol.mode!r}")
    return abs(sub - true) > allowed


def _distinguishable(part: Part, mistake: Any, seed: int) -> bool:
    if part.type == "integer":  # compared exactly
        return Fraction(mistake.value) != Fraction(part.value)
    if part.type == "number":
        return _far(float(Fraction(mistake.value)), float(Fraction(part.value)), part)
    if part.type in ("vector", "matrix"):
        got = np.array(mistake.answer, dtype=float)
        want = np.array(part.answer, dtype=float)
        if got.shape != want.shape:
            return True
        return any(_far(g, w, part) for g, w in zip(got.ravel(), want.ravel(), strict=True))
    if part.type == "shape":
        return list(mistake.answer) != list(part.answer)
    if part.type == "expression":
        symbols = dict(part.symbols or {})
        for env in _points(symbols, seed):
            got = np.asarray(evaluate(parse(mistake.answer_text, set(symbols)), env,
                                      exact=False), dtype=float)
            want = np.asarray(evaluate(parse(part.answer_text, set(symbols)), env,
                                       exact=False), dtype=float)
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-6, atol=1e-9):
                return True
        return False
    pytest.fail(f"no mistake check for part type {part.type!r}")


@pytest.mark.parametrize("template_id", BANK.ids())
def test_declared_mistakes_differ_from_the_answer(template_id: str) -> None:
    """On every instance where a mistake is declared, its value is outside the part's
    tolerance of the reference (any entry for vectors, another list for shapes)."""
    checked = 0
    for inst in instances(template_id):
        for part in inst.parts:
            for mistake in part.mistakes:
                checked += 1
                assert _distinguishable(part, mistake, inst.seed), (
                    f"seed {inst.seed}, part {part.id}: mistake {mistake.id} "
                    f"({mistake.answer_text}) matches the answer {part.answer_text}")
    if template_id in REFERENCE_CHECKED:
        assert checked >= len(instances(template_id)), "expected mistakes on every instance"
    elif checked == 0:
        pytest.skip(f"{template_id} declares no mistakes (choice feedback lives on options)")
