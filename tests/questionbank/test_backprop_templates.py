"""The backpropagation templates and their solvers (`questionbank.solvers.backprop`).

The references never call the solvers' code: softmax, cross-entropy and the two-layer network
are written again in numpy from the textbook formulas (float64), every gradient is checked by
central finite differences of the loss, and small cases are worked out by hand below. Over
many seeds the instances must grade like a teacher would (`template_checks`), and the
misconceptions the issue names are declared, and wrong, on every seed. PyTorch, when it is
installed, computes the same numbers with autograd (it is never a runtime dependency).
"""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from grader.judge.check import check
from questionbank import generate
from questionbank.expr import to_exact
from questionbank.selftest import run_template_tests
from questionbank.solvers import get_solver
from questionbank.solvers.backprop import softmax

from .template_checks import (
    BANK,
    assert_always_declared,
    assert_cli_check_accepts_the_key,
    assert_grades_like_a_teacher,
    assert_renders_everywhere,
    instances,
)

SOFTMAX = "backprop/softmax-cross-entropy"
TWO_LAYER = "backprop/two-layer"
SEEDS = 400


def _floats(value: Any) -> np.ndarray:
    return np.asarray(np.asarray(value, dtype=object), dtype=float)


def _answers(inst: Any) -> dict[str, np.ndarray]:
    return {part.id: _floats(part.value) for part in inst.parts}


def _solve(name: str, **values: Any) -> dict[str, Any]:
    """Call a registered solver the way `generate` does: params in the exact domain."""
    return dict(get_solver(name).fn({k: to_exact(v) for k, v in values.items()}))


# --------------------------------------------------------------------------- numpy references


def np_cross_entropy(z: np.ndarray, label: int) -> float:
    """L = −log softmax(z)[c], computed as log Σ exp(z) − z_c (the log-sum-exp form)."""
    return float(np.log(np.sum(np.exp(z))) - z[label - 1])


def central_difference(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂x entry by entry, (f(x + h·e) − f(x − h·e)) / 2h, for an array of any shape."""
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        up, down = x.astype(float).copy(), x.astype(float).copy()
        up[index] += h
        down[index] -= h
        grad[index] = (f(up) - f(down)) / (2 * h)
    return grad


def np_two_layer(p: dict[str, Any]) -> tuple[np.ndarray, float, Any]:
    """The forward pass of the template's network from its params, and its loss as a function
    of (W1, b1): z₁ = W₁x + b₁, a₁ = f(z₁), ŷ = w₂·a₁ + b₂, L = (ŷ − y)²."""
    x, w2 = np.array(p["x"], dtype=float), np.array(p["w2"], dtype=float)
    b2, y = float(p["b2"]), float(p["y"])

    def act(z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0) if p["act"] == 1 else 1 / (1 + np.exp(-z))

    def loss(w1: np.ndarray, b1: np.ndarray) -> float:
        return float((w2 @ act(w1 @ x + b1) + b2 - y) ** 2)

    w1, b1 = np.array(p["W1"], dtype=float), np.array(p["b1"], dtype=float)
    a1 = act(w1 @ x + b1)
    return a1, float(w2 @ a1 + b2), loss


# --------------------------------------------------------------------------- softmax


def test_softmax_answers_match_numpy_and_finite_differences() -> None:
    """Over 400 seeds: p is exp(z)/Σexp(z), L = −log p_c and ∂L/∂z agrees with central
    differences of the loss (and with p − y)."""
    for inst in instances(SOFTMAX, SEEDS):
        z, label = np.array(inst.params["z"], dtype=float), inst.params["label"]
        got = _answers(inst)
        p = np.exp(z) / np.sum(np.exp(z))
        assert np.allclose(got["p"], p, rtol=1e-12, atol=0), inst.seed
        assert math.isclose(float(got["loss"]), np_cross_entropy(z, label), rel_tol=1e-12)
        fd = central_difference(lambda v, c=label: np_cross_entropy(v, c), z)
        assert np.allclose(got["grad"], fd, rtol=1e-6, atol=1e-8), inst.seed
        assert np.allclose(got["grad"], p - np.eye(len(z))[label - 1], atol=1e-15)


def test_softmax_by_hand() -> None:
    """z = [0, ln 2, ln 3]: exp(z) = [1, 2, 3], so p = [1/6, 1/3, 1/2]; with the true class 3,
    L = −log(1/2) = ln 2 and ∂L/∂z = [1/6, 1/3, −1/2]. The most likely other class is 2."""
    out = _solve("backprop.softmax_cross_entropy", z=[0.0, math.log(2), math.log(3)], label=3)
    assert np.allclose(_floats(out["p"]), [1 / 6, 1 / 3, 1 / 2], rtol=1e-12)
    assert math.isclose(out["loss"], math.log(2), rel_tol=1e-12)
    assert np.allclose(_floats(out["grad"]), [1 / 6, 1 / 3, -1 / 2], rtol=1e-12)
    assert out["other"] == 2
    assert math.isclose(out["m_loss_wrong_class"], math.log(3), rel_tol=1e-12)  # −log(1/3)
    assert math.isclose(out["m_loss_log10"], math.log10(2), rel_tol=1e-12)
    assert np.allclose(_floats(out["m_grad_label_only"]), [0, 0, -1 / 2])


def test_softmax_never_overflows() -> None:
    """Shifting by the largest logit keeps exp finite for logits far beyond 700."""
    assert softmax([1000.0, 1000.0]) == [0.5, 0.5]
    assert softmax([-1000.0, 0.0])[1] == 1.0


def test_softmax_misconceptions_are_wrong_on_every_seed() -> None:
    """p alone, y − p, forgetting the softmax (for p, the loss and the gradient) and the
    sigmoid per entry are declared on every seed. The log of the most likely wrong class is
    declared on most; where it is not, it really is (within 2%) the same number as the right
    loss or as the logit −z_c (equal logits, or a logit that happens to match)."""
    assert_always_declared(SOFTMAX, SEEDS, [
        ("p", "exp-not-normalised"), ("p", "sigmoid-per-entry"),
        ("loss", "logit-without-softmax"),
        ("grad", "p-alone"), ("grad", "y-minus-p"), ("grad", "forgot-softmax"),
        ("grad", "true-class-only")])
    missing = 0
    for inst in instances(SOFTMAX, SEEDS):
        z, label = np.array(inst.params["z"], dtype=float), inst.params["label"]
        if "log-of-wrong-class" in {m.id for m in inst.part("loss").mistakes}:
            continue
        missing += 1
        losses = [np_cross_entropy(z, k) for k in range(1, len(z) + 1)]
        wrong = min(x for k, x in enumerate(losses, start=1) if k != label)
        assert any(math.isclose(wrong, other, rel_tol=0.02)
                   for other in (losses[label - 1], -z[label - 1])), inst.seed
    assert missing <= SEEDS // 5


def test_torch_agrees_on_softmax_cross_entropy() -> None:
    """`torch.nn.functional.cross_entropy` and autograd give the same loss and gradient."""
    torch = pytest.importorskip("torch")
    for inst in instances(SOFTMAX, 50):
        z = torch.tensor([inst.params["z"]], dtype=torch.float64, requires_grad=True)
        loss = torch.nn.functional.cross_entropy(z, torch.tensor([inst.params["label"] - 1]))
        loss.backward()
        got = _answers(inst)
        assert math.isclose(float(got["loss"]), loss.item(), rel_tol=1e-10)
        assert np.allclose(got["grad"], z.grad.numpy()[0], rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- two layers


def test_two_layer_answers_match_numpy_and_finite_differences() -> None:
    """Over 400 seeds: a₁ and ŷ equal the numpy forward pass, and ∂L/∂W₁, ∂L/∂b₁ agree with
    central differences of L = (ŷ − y)² in each entry of W₁ and b₁."""
    for inst in instances(TWO_LAYER, SEEDS):
        p = inst.params
        a1, yhat, loss = np_two_layer(p)
        got = _answers(inst)
        assert np.allclose(got["a"], a1, rtol=1e-12, atol=1e-15), inst.seed
        assert math.isclose(float(got["yhat"]), yhat, rel_tol=1e-12, abs_tol=1e-15)
        w1, b1 = np.array(p["W1"], dtype=float), np.array(p["b1"], dtype=float)
        fd_w = central_difference(lambda w, b=b1, f=loss: f(w, b), w1)
        fd_b = central_difference(lambda b, w=w1, f=loss: f(w, b), b1)
        assert got["dW1"].shape == w1.shape
        assert np.allclose(got["dW1"], fd_w, rtol=1e-6, atol=1e-6), inst.seed
        assert np.allclose(got["db1"], fd_b, rtol=1e-6, atol=1e-6), inst.seed


def test_two_layer_relu_by_hand() -> None:
    """x = [1, 2], W₁ = [[1, 0.5], [−1, 0], [0.5, 0.5]], b₁ = [0, 0.5, −1]: z₁ = [2, −0.5, 0.5],
    a₁ = [2, 0, 0.5]; w₂ = [1.5, −0.5, 2.5], b₂ = 0.5: ŷ = 3 + 1.25 + 0.5 = 4.75; y = 1:
    ∂L/∂ŷ = 7.5, ∂L/∂z₁ = 7.5·[1.5, −0.5, 2.5]⊙[1, 0, 1] = [11.25, 0, 18.75]. Exact."""
    out = _solve("backprop.two_layer", act=1, x=[1, 2], W1=[[1.0, 0.5], [-1.0, 0.0], [0.5, 0.5]],
                 b1=[0.0, 0.5, -1.0], w2=[1.5, -0.5, 2.5], b2=0.5, y=1.0)
    assert list(out["z1"]) == [2, Fraction(-1, 2), Fraction(1, 2)]
    assert list(out["a1"]) == [2, 0, Fraction(1, 2)]
    assert out["yhat"] == Fraction(19, 4) and out["delta"] == Fraction(15, 2)
    assert list(out["db1"]) == [Fraction(45, 4), 0, Fraction(75, 4)]
    assert out["dW1"].tolist() == [[Fraction(45, 4), Fraction(45, 2)], [0, 0],
                                   [Fraction(75, 4), Fraction(75, 2)]]
    # f′ left out: the inactive unit's row is no longer 0
    assert _floats(out["m_dW1_no_deriv"])[1].tolist() == [-3.75, -7.5]
    assert _floats(out["m_dW1_transposed"]).shape == (2, 3)
    assert _floats(out["m_dW1_wrong_input"]).shape == (3, 3)


def test_two_layer_misconceptions_are_wrong_on_every_seed() -> None:
    """Leaving out the activation's derivative, the next layer's input for x, leaving out w₂
    or b₂ and z₁ for a₁ are declared on every seed; with ReLU also the transposed gradient and
    the dropped 2. With the sigmoid, those two are left out on a few seeds only, where they
    coincide with another slip (e.g. a₁ = x/2 when z₁ = 0 and x = [1, 1])."""
    assert_always_declared(TWO_LAYER, SEEDS, [
        ("a", "pre-activation"), ("yhat", "no-output-bias"),
        ("dW1", "activation-derivative-left-out"), ("dW1", "wrong-layer-input"),
        ("db1", "activation-derivative-left-out"), ("db1", "output-weights-left-out"),
        ("db1", "dropped-factor-two")])
    missing = 0
    for inst in instances(TWO_LAYER, SEEDS):
        declared = {m.id for m in inst.part("dW1").mistakes}
        if inst.params["act"] == 1:
            assert {"transposed", "dropped-factor-two"} <= declared, inst.seed
        missing += len({"transposed", "dropped-factor-two"} - declared)
    assert missing <= SEEDS // 50


def test_relu_instances_have_an_active_and_an_inactive_unit() -> None:
    """With ReLU the gradient is never all zero and never ignores the activation: some unit
    has z > 0 and some z < 0 (none sits at 0, where ReLU has no derivative)."""
    relu = [inst for inst in instances(TWO_LAYER, SEEDS) if inst.params["act"] == 1]
    assert len(relu) > SEEDS // 4
    for inst in relu:
        w1, b1 = np.array(inst.params["W1"]), np.array(inst.params["b1"])
        z = w1 @ np.array(inst.params["x"], dtype=float) + b1
        assert z.max() > 0 > z.min() and np.all(z != 0), inst.seed


def test_torch_agrees_on_the_two_layer_gradients() -> None:
    """Autograd through `torch.relu` / `torch.sigmoid` gives the same ∂L/∂W₁ and ∂L/∂b₁."""
    torch = pytest.importorskip("torch")
    for inst in instances(TWO_LAYER, 50):
        p = inst.params
        w1 = torch.tensor(p["W1"], dtype=torch.float64, requires_grad=True)
        b1 = torch.tensor(p["b1"], dtype=torch.float64, requires_grad=True)
        x = torch.tensor(p["x"], dtype=torch.float64)
        a1 = (torch.relu if p["act"] == 1 else torch.sigmoid)(w1 @ x + b1)
        yhat = torch.tensor(p["w2"], dtype=torch.float64) @ a1 + p["b2"]
        ((yhat - p["y"]) ** 2).backward()
        got = _answers(inst)
        assert np.allclose(got["dW1"], w1.grad.numpy(), rtol=1e-10, atol=1e-12)
        assert np.allclose(got["db1"], b1.grad.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- both templates


@pytest.mark.parametrize("template_id", [SOFTMAX, TWO_LAYER])
def test_reference_correct_and_every_mistake_recognised(template_id: str) -> None:
    assert_grades_like_a_teacher(template_id, SEEDS)


@pytest.mark.parametrize("template_id", [SOFTMAX, TWO_LAYER])
def test_three_significant_figures_are_accepted(template_id: str) -> None:
    """The prompts ask for 3 significant figures; every entry rounded so grades correct."""
    for inst in instances(template_id, SEEDS)[:150]:
        for part in inst.parts:
            value = _floats(part.value)
            text = np.array2string(value, formatter={"float_kind": lambda v: f"{v:.3g}"},
                                   separator=", ") if value.ndim else f"{float(value):.3g}"
            assert check(inst, part.id, text).correct, (inst.seed, part.id, text)


@pytest.mark.parametrize("template_id", [SOFTMAX, TWO_LAYER])
def test_cli_check_accepts_the_reference(template_id: str) -> None:
    assert_cli_check_accepts_the_key(template_id, range(12))


@pytest.mark.parametrize("template_id", [SOFTMAX, TWO_LAYER])
def test_declared_template_tests_pass(template_id: str) -> None:
    template = BANK.get(template_id)
    assert len(template.tests) >= 2
    assert run_template_tests(template, seeds=(0, 1)) == []


@pytest.mark.parametrize("template_id", [SOFTMAX, TWO_LAYER])
def test_every_text_renders_in_every_format(template_id: str) -> None:
    assert_renders_everywhere(template_id, 30)


def test_same_seed_same_instance_in_a_new_process() -> None:
    """Determinism: `mlquiz show --format json` in a fresh process equals `generate`."""
    import json

    for template_id in (SOFTMAX, TWO_LAYER):
        proc = subprocess.run([sys.executable, "-m", "grader", "show", template_id, "--seed",
                               "7", "--format", "json"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        shown = json.loads(proc.stdout)
        inst = generate(BANK.get(template_id), 7)
        assert shown["params"] == inst.to_dict()["params"]
        assert [p["answer_text"] for p in shown["parts"]] == \
            [p.answer_text for p in inst.parts]


def test_bad_two_layer_inputs_are_refused_by_the_solver() -> None:
    """Sizes that do not fit and a ReLU unit at 0 are refused with a message saying why."""
    good = {"act": 1, "x": [1, 2], "W1": [[1.0, 0.5], [-1.0, 0.0]], "b1": [0.0, 0.5],
            "w2": [1.5, -0.5], "b2": 0.5, "y": 1.0}
    with pytest.raises(ValueError, match=r"W1 has 2 rows, b1 3 and w2 2 entries"):
        _solve("backprop.two_layer", **{**good, "b1": [0.0, 0.5, 1.0]})
    with pytest.raises(ValueError, match="a ReLU unit has the pre-activation 0"):
        _solve("backprop.two_layer", **{**good, "b1": [-2.0, 0.5]})
    with pytest.raises(ValueError, match=r"act must be 1 \(ReLU\) or 2 \(sigmoid\), got 3"):
        _solve("backprop.two_layer", **{**good, "act": 3})
    with pytest.raises(ValueError, match="label must be a class from 1 to 3, got 4"):
        _solve("backprop.softmax_cross_entropy", z=[0.0, 1.0, 2.0], label=4)
