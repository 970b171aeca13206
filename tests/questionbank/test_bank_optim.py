"""The optimization and optimizer templates and their solvers (`questionbank.solvers.optim`).

The references here never call the solvers' code: every optimizer is written again as a plain
numpy loop from PyTorch's documented algorithm (float64), the linear-regression gradients are
checked by central finite differences of the loss, and small cases are worked out by hand with
the numbers written out below. Then, over many seeds, the instances must grade like a teacher
would: the reference answer is correct, each declared mistake is recognised as itself, "no
change" is never accepted for the new weights, and a choice's right letter is spread evenly.
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.cli import cli
from grader.judge.check import check
from questionbank import Instance, TemplateError, generate, load_bank
from questionbank.selftest import run_template_tests
from questionbank.solvers import get_solver
from questionbank.solvers.optim import adam_run, mse, rmsprop_run

from .template_checks import assert_grades_like_a_teacher, assert_renders_everywhere

BANK = load_bank(builtin=True, use_env=False)
OPTIMIZERS = ("optimizers/momentum", "optimizers/rmsprop", "optimizers/adam")
NUMERIC = ("optimization/updates-per-epoch", "optimization/gd-step", *OPTIMIZERS)
ALL = (*NUMERIC, "optimizers/compare")
SEEDS = 300


@functools.cache
def instances(template_id: str, count: int = SEEDS) -> tuple[Instance, ...]:
    template = BANK.get(template_id)
    return tuple(generate(template, seed) for seed in range(count))


def _floats(value: Any) -> np.ndarray:
    return np.asarray(np.asarray(value, dtype=object), dtype=float)


def _solve(name: str, **values: Any) -> dict[str, Any]:
    """Call a registered solver the way `generate` does: params in the exact domain."""
    from questionbank.expr import to_exact

    return dict(get_solver(name).fn({k: to_exact(v) for k, v in values.items()}))


# --------------------------------------------------------------------------- independent numpy


def numpy_momentum(w: np.ndarray, grads: np.ndarray, lr: float, beta: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """torch.optim.SGD, momentum > 0, dampening 0, nesterov False (PyTorch docs pseudocode):
    b_t = g_t if t == 1 else mu*b_{t-1} + (1 - dampening)*g_t;  theta_t = theta_{t-1} - lr*b_t."""
    theta = w.astype(float).copy()
    buf = None
    for g in grads:
        buf = g.copy() if buf is None else beta * buf + g
        theta = theta - lr * buf
    assert buf is not None
    return buf, theta


def numpy_rmsprop(w: np.ndarray, grads: np.ndarray, lr: float, alpha: float, eps: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """torch.optim.RMSprop, centered False, momentum 0 (PyTorch docs pseudocode):
    v_t = alpha*v_{t-1} + (1 - alpha)*g_t^2;  theta_t = theta_{t-1} - lr*g_t/(sqrt(v_t) + eps)."""
    theta = w.astype(float).copy()
    square_avg = np.zeros_like(theta)
    for g in grads:
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        theta = theta - lr * g / (np.sqrt(square_avg) + eps)
    return square_avg, theta


def numpy_adam(w: np.ndarray, grads: np.ndarray, lr: float, beta1: float, beta2: float,
               eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch.optim.Adam, amsgrad False, weight_decay 0 (PyTorch docs pseudocode):
    m_t = b1*m + (1 - b1)*g; v_t = b2*v + (1 - b2)*g^2; m^ = m_t/(1 - b1^t);
    v^ = v_t/(1 - b2^t); theta_t = theta_{t-1} - lr*m^/(sqrt(v^) + eps)."""
    theta = w.astype(float).copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return m, v, theta


def _close(got: Any, want: Any, rtol: float = 1e-12, atol: float = 1e-12) -> bool:
    return bool(np.allclose(_floats(got), _floats(want), rtol=rtol, atol=atol))


@pytest.mark.parametrize("template_id", OPTIMIZERS)
def test_optimizer_answers_match_an_independent_numpy_loop(template_id: str) -> None:
    """Over 300 seeds, every reference answer equals the numpy re-implementation."""
    for inst in instances(template_id):
        p = inst.params
        w, grads = np.array(p["w"], dtype=float), np.array(p["g"], dtype=float)
        answers = {part.id: part.value for part in inst.parts}
        if template_id == "optimizers/momentum":
            v, theta = numpy_momentum(w, grads, p["lr"], p["beta"])
            want = {"v": v, "w_new": theta}
        elif template_id == "optimizers/rmsprop":
            s, theta = numpy_rmsprop(w, grads, p["lr"], p["alpha"], p["eps"])
            want = {"s": s, "w_new": theta}
        else:
            m, v, theta = numpy_adam(w, grads, p["lr"], p["beta1"], p["beta2"], p["eps"])
            want = {"m": m, "v": v, "w_new": theta}
        for part_id, value in want.items():
            assert _close(answers[part_id], value), (template_id, inst.seed, part_id)


# --------------------------------------------------------------------------- by hand


def test_momentum_by_hand() -> None:
    """w₀ = [1, 0], g₁ = [0.5, -1], g₂ = [0.3, -0.2], lr = 0.1, β = 0.9:
    v₁ = [0.5, -1], w₁ = [0.95, 0.1]; v₂ = [0.45 + 0.3, -0.9 - 0.2] = [0.75, -1.1],
    w₂ = [0.95 - 0.075, 0.1 + 0.11] = [0.875, 0.21]. Exact."""
    out = _solve("optim.momentum", w=[1.0, 0.0], g=[[0.5, -1.0], [0.3, -0.2]], lr=0.1,
                 beta=0.9)
    first, second = out["steps"]
    assert list(second["v"]) == list(out["v"])
    assert list(first["v"]) == [Fraction("0.5"), Fraction(-1)]
    assert list(first["w"]) == [Fraction("0.95"), Fraction("0.1")]
    assert list(out["v"]) == [Fraction("0.75"), Fraction("-1.1")]
    assert list(out["w_new"]) == [Fraction("0.875"), Fraction("0.21")]
    assert list(out["v_ema"]) == [Fraction("0.075"), Fraction("-0.11")]       # 0.1·v₂
    assert list(out["v_swapped"]) == [Fraction("0.35"), Fraction("-0.3")]     # 0.1·v₁ + g₂
    assert list(out["v_no_momentum"]) == [Fraction("0.3"), Fraction("-0.2")]  # g₂
    assert list(out["v_cs231n"]) == [Fraction("-0.075"), Fraction("0.11")]    # -lr·v₂
    assert list(out["w_no_momentum"]) == [Fraction("0.92"), Fraction("0.12")]
    assert list(out["w_last_step_only"]) == [Fraction("0.925"), Fraction("0.11")]


def test_rmsprop_by_hand() -> None:
    """w₀ = [2, 0], g₁ = [1, 2], g₂ = [0.5, 1], lr = 0.01, α = 0.9, ε = 1e-8:
    s₁ = 0.1·[1, 4] = [0.1, 0.4]; step₁ = 0.01·[1, 2]/[√0.1, √0.4] = 0.0316227766 each;
    s₂ = 0.9·s₁ + 0.1·[0.25, 1] = [0.115, 0.46]; step₂ = 0.01·[0.5, 1]/[0.3391165, 0.6782330]
    = 0.0147441952 each; w₂ = [1.9536330292, -0.0463669715]."""
    out = _solve("optim.rmsprop", w=[2.0, 0.0], g=[[1.0, 2.0], [0.5, 1.0]], lr=0.01, alpha=0.9,
                 eps=1e-8)
    assert list(out["steps"][0]["s"]) == [Fraction("0.1"), Fraction("0.4")]
    assert list(out["s"]) == [Fraction("0.115"), Fraction("0.46")]
    assert _close(out["steps"][0]["w"], [1.968377, -0.031623], atol=1e-6)
    assert _close(out["w_new"], [1.9536330292, -0.0463669715], rtol=0, atol=1e-9)
    # the slips: s with α and 1 − α swapped, and with g instead of g²
    # swapped: s₁ = 0.9·[1, 4] = [0.9, 3.6], s₂ = 0.1·s₁ + 0.9·[0.25, 1] = [0.315, 1.26]
    assert list(out["s_swapped"]) == [Fraction("0.315"), Fraction("1.26")]
    assert list(out["s_g_not_squared"]) == [Fraction("0.14"), Fraction("0.28")]
    assert list(out["s_no_one_minus_alpha"]) == [Fraction("1.15"), Fraction("4.6")]


def test_adam_by_hand() -> None:
    """w₀ = [1, -0.5], g₁ = [0.3, -2], g₂ = [0.1, 1], lr = 0.1, β = (0.9, 0.999), ε = 1e-8.
    Step 1: m₁ = [0.03, -0.2], v₁ = [0.00009, 0.004], m̂₁ = g₁, v̂₁ = g₁², so w₁ ≈ [0.9, -0.4].
    Step 2: m₂ = 0.9·m₁ + 0.1·g₂ = [0.037, -0.08], v₂ = 0.999·v₁ + 0.001·g₂² =
    [0.00009991, 0.004996]; m̂₂ = m₂/0.19 = [0.1947368, -0.4210526], v̂₂ = v₂/0.001999 =
    [0.0499800, 2.4992496]; step₂ = 0.1·m̂₂/√v̂₂ = [0.0871064, -0.0266337]."""
    out = _solve("optim.adam", w=[1.0, -0.5], g=[[0.3, -2.0], [0.1, 1.0]], lr=0.1, beta1=0.9,
                 beta2=0.999, eps=1e-8)
    first = out["steps"][0]
    assert list(first["m"]) == [Fraction("0.03"), Fraction("-0.2")]
    assert list(first["v"]) == [Fraction("0.00009"), Fraction("0.004")]
    assert _close(first["w"], [0.9, -0.4], atol=1e-6)
    assert list(out["m"]) == [Fraction("0.037"), Fraction("-0.08")]
    assert list(out["v"]) == [Fraction("0.00009991"), Fraction("0.004996")]
    assert _close(out["m_hat"], [0.1947368421, -0.4210526316], atol=1e-9)
    assert _close(out["v_hat"], [0.0499799900, 2.4992496248], atol=1e-9)
    assert _close(out["w_new"], [0.8128936122, -0.3733662967], rtol=0, atol=1e-9)
    # m with β1 and 1 − β1 swapped: 0.1·(0.9·0.3) + 0.9·0.1, 0.1·(0.9·-2) + 0.9·1
    assert list(out["m_swapped"]) == [Fraction("0.117"), Fraction("0.72")]


def test_adam_without_bias_correction_by_hand() -> None:
    """One step with m₁ = 0.1·g and v₁ = 0.001·g² used uncorrected: the step is
    lr·0.1/√0.001 = 3.1623·lr per weight, not lr."""
    _, _, weights, _ = adam_run([0, 0], [[Fraction(1, 2), Fraction(-2)]], Fraction(1, 100),
                                Fraction(9, 10), Fraction(999, 1000), Fraction(0),
                                bias_correction=False)
    assert _close(weights, [-0.0316227766, 0.0316227766], atol=1e-9)


def test_gd_step_by_hand() -> None:
    """x = [1, 2, 3], y = [2, 3, 3], w = 0.5, b = 0, lr = 0.05: ŷ = [0.5, 1, 1.5],
    ŷ − y = [-1.5, -2, -1.5]; ∂L/∂w = (2/3)·(-10) = -20/3, ∂L/∂b = (2/3)·(-5) = -10/3;
    w ← 0.5 + 1/3 = 5/6, b ← 1/6. L = (2.25 + 4 + 2.25)/3 = 17/6."""
    out = _solve("optim.gd_step", x=[1.0, 2.0, 3.0], y=[2.0, 3.0, 3.0], w=0.5, b=0.0, lr=0.05)
    assert (out["grad_w"], out["grad_b"]) == (Fraction(-20, 3), Fraction(-10, 3))
    assert (out["w_new"], out["b_new"]) == (Fraction(5, 6), Fraction(1, 6))
    assert out["loss"] == Fraction(17, 6)
    assert out["loss_new"] < out["loss"]
    # b from the gradient at the new w: ŷ − y = [-7/6, -4/3, -1/2], sum -3, ∂L/∂b = -2
    assert out["b_new_sequential"] == Fraction(1, 10)


# --------------------------------------------------------------------------- gd-step


def test_gd_step_gradients_match_finite_differences() -> None:
    """∂L/∂w and ∂L/∂b agree with central differences of L = mean((w·x + b − y)²)."""
    h = 1e-6
    for inst in instances("optimization/gd-step"):
        p = inst.params
        x, y = np.array(p["x"]), np.array(p["y"])

        def loss(w: float, b: float, x: np.ndarray = x, y: np.ndarray = y) -> float:
            return float(np.mean((w * x + b - y) ** 2))

        w, b = p["w"], p["b"]
        dw = (loss(w + h, b) - loss(w - h, b)) / (2 * h)
        db = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
        answers = {part.id: float(part.value) for part in inst.parts}
        assert math.isclose(answers["grad_w"], dw, rel_tol=1e-6, abs_tol=1e-6), inst.seed
        assert math.isclose(answers["grad_b"], db, rel_tol=1e-6, abs_tol=1e-6), inst.seed
        assert math.isclose(answers["w_new"], w - p["lr"] * dw, abs_tol=1e-6), inst.seed
        assert math.isclose(answers["b_new"], b - p["lr"] * db, abs_tol=1e-6), inst.seed


def test_mse_is_the_mean_without_a_half() -> None:
    """L = (1/N)·Σ(ŷ − y)²: residuals [1, -1, 2] give (1 + 1 + 4)/3 = 2."""
    ones = [Fraction(1)] * 3
    assert mse(Fraction(1), Fraction(0), ones, [Fraction(0), Fraction(2), Fraction(-1)]) == 2


def test_updates_per_epoch_over_seeds() -> None:
    """Over E epochs: gd = E, sgd = E·n, minibatch = E·⌈n/b⌉ with n never a multiple of b;
    one epoch in about a third of the instances (the notes' question)."""
    epochs_seen = []
    for inst in instances("optimization/updates-per-epoch"):
        n, b, e = inst.params["n"], inst.params["b"], inst.params["epochs"]
        answers = {part.id: part.answer for part in inst.parts}
        assert n % b != 0
        assert answers == {"gd": e, "sgd": e * n, "minibatch": e * -(-n // b)}
        epochs_seen.append(e)
    assert 0.15 < epochs_seen.count(1) / len(epochs_seen) < 0.55
    assert len(set(epochs_seen)) > 3


# --------------------------------------------------------------------------- properties


small = st.integers(min_value=-20, max_value=20).filter(bool).map(lambda k: Fraction(k, 10))


@settings(max_examples=60, deadline=None)
@given(g=st.lists(small, min_size=1, max_size=4), lr=st.sampled_from(["0.1", "0.01"]))
def test_adam_first_step_moves_each_weight_by_lr_times_sign(g: list[Fraction], lr: str) -> None:
    """With a tiny ε, Adam's first bias-corrected step is lr·g/|g|: every weight moves by lr
    against the sign of its gradient, whatever the gradient's size."""
    _, _, weights, _ = adam_run([0] * len(g), [g], Fraction(lr), Fraction(9, 10),
                                Fraction(999, 1000), Fraction(1, 10**8))
    want = [-float(lr) * (1 if x > 0 else -1) for x in g]
    assert _close(weights, want, rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(g=st.lists(small, min_size=1, max_size=4), alpha=st.sampled_from(["0.9", "0.99"]))
def test_rmsprop_first_step_is_lr_over_root_one_minus_alpha(g: list[Fraction], alpha: str
                                                            ) -> None:
    """RMSprop's first step is lr·g/√((1 − α)g²) = lr·sign(g)/√(1 − α) when ε is tiny."""
    _, weights, _ = rmsprop_run([0] * len(g), [g], Fraction(1, 100), Fraction(alpha),
                                Fraction(1, 10**8))
    size = 0.01 / math.sqrt(1 - float(alpha))
    assert _close(weights, [-size * (1 if x > 0 else -1) for x in g], rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(g=st.lists(st.lists(small, min_size=2, max_size=2), min_size=1, max_size=3),
       scale=st.sampled_from([2, 10]))
def test_adam_and_rmsprop_ignore_the_scale_of_the_gradients(g: list[list[Fraction]],
                                                            scale: int) -> None:
    """Multiplying every gradient by a constant leaves Adam's and RMSprop's steps unchanged
    (up to ε), the per-parameter normalisation the compare template asks about."""
    big = [[scale * x for x in row] for row in g]
    args = (Fraction(1, 10), Fraction(9, 10), Fraction(999, 1000), Fraction(1, 10**12))
    assert _close(adam_run([0, 0], g, *args)[2], adam_run([0, 0], big, *args)[2], rtol=1e-8)
    r_args = (Fraction(1, 100), Fraction(9, 10), Fraction(1, 10**12))
    assert _close(rmsprop_run([0, 0], g, *r_args)[1], rmsprop_run([0, 0], big, *r_args)[1],
                  rtol=1e-8)


# --------------------------------------------------------------------------- grading


@pytest.mark.parametrize("template_id", NUMERIC)
def test_reference_correct_and_every_mistake_recognised(template_id: str) -> None:
    """Over 300 seeds: the reference `answer_text` grades correct, and each active declared
    mistake's `answer_text` is recognised as that very mistake (so it is outside the part's
    tolerance and not taken for an earlier mistake). Every declared mistake is active on some
    seed, so none of these checks is vacuous."""
    assert_grades_like_a_teacher(template_id, SEEDS)


@pytest.mark.parametrize("template_id", (*OPTIMIZERS, "optimization/gd-step"))
def test_no_change_is_never_accepted(template_id: str) -> None:
    """Answering the old weights (or the old w and b) for the new ones is always wrong."""
    for inst in instances(template_id):
        p = inst.params
        if template_id == "optimization/gd-step":
            assert not check(inst, "w_new", repr(p["w"])).correct, inst.seed
            assert not check(inst, "b_new", repr(p["b"])).correct, inst.seed
        else:
            old = "[" + ", ".join(repr(x) for x in p["w"]) + "]"
            assert not check(inst, "w_new", old).correct, inst.seed


def test_a_student_who_rounds_to_four_decimals_is_accepted() -> None:
    """The prompts ask for 4 decimal places; answers rounded so are within tolerance."""
    for template_id in OPTIMIZERS:
        for inst in instances(template_id)[:100]:
            part = inst.part("w_new")
            text = "[" + ", ".join(f"{x:.4f}" for x in _floats(part.value)) + "]"
            assert check(inst, "w_new", text).correct, (template_id, inst.seed, text)


def test_the_right_option_position_is_roughly_uniform() -> None:
    """Over 400 seeds, the right letter of the choice part falls on every position at least
    half as often as a uniform spread would."""
    positions: Counter[str] = Counter()
    n_options = 0
    for inst in instances("optimizers/compare", 400):
        part = inst.part("optimizer")
        n_options = len(part.options)
        positions[part.answer] += 1
    expected = 400 / n_options
    assert len(positions) == n_options
    assert all(count >= expected / 2 for count in positions.values()), positions


def test_compare_options_follow_the_question() -> None:
    """Each description variant has its one right optimizer; a wrong pick names its option."""
    want = {1: "momentum", 2: "momentum", 3: "rmsprop", 4: "rmsprop", 5: "adam", 6: "adam",
            7: "adam", 8: "adagrad", 9: "sgd"}
    for question, option_id in want.items():
        inst = generate(BANK.get("optimizers/compare"), 1, {"question": question, "about": 2})
        part = inst.part("optimizer")
        (right,) = [o for o in part.options if o.correct]
        assert right.id == option_id
        wrong = next(o for o in part.options if not o.correct)
        result = check(inst, "optimizer", wrong.letter)
        assert (result.status, result.mistake) == ("incorrect", wrong.id)
        assert check(inst, "optimizer", right.letter).correct


# --------------------------------------------------------------------------- templates, CLI


@pytest.mark.parametrize("template_id", ALL)
def test_declared_template_tests_pass(template_id: str) -> None:
    template = BANK.get(template_id)
    assert template.tests
    assert run_template_tests(template, seeds=(0, 1)) == []


@pytest.mark.parametrize("template_id", ALL)
def test_every_text_renders_in_every_format(template_id: str) -> None:
    """Prompt, part prompts and solution render in text, md, html and tex on many seeds."""
    assert_renders_everywhere(template_id, 40)


@pytest.mark.parametrize("template_id", OPTIMIZERS)
def test_prompts_state_the_conventions(template_id: str) -> None:
    """The prompt names PyTorch, the zero initial state, t from 1 and the last step asked."""
    inst = instances(template_id)[0]
    for phrase in ("PyTorch", "= 0", "after the last step", "t = 1"):
        assert phrase in inst.prompt, phrase


def test_the_solution_shows_every_step() -> None:
    """A two-step instance's worked solution shows both steps with their numbers."""
    inst = generate(BANK.get("optimizers/adam"), 0, {
        "w": [1.0, -0.5], "g": [[0.3, -2.0], [0.1, 1.0]], "lr": 0.1, "beta1": 0.9,
        "beta2": 0.999, "eps": 1e-8})
    for text in ("**Step 1.**", "**Step 2.**", "[0.037, -0.08]", "[0.00009991, 0.004996]",
                 "0.19", "0.001999", "[0.812894, -0.373366]"):
        assert text in inst.solution, text


def test_wrong_gradient_width_is_a_template_error() -> None:
    """A gradient row that does not match the weights is reported, naming both sizes."""
    with pytest.raises(TemplateError, match=r"each gradient needs 2 entries \(one per weight\), "
                       r"got 3"):
        generate(BANK.get("optimizers/adam"), 0, {"w": [1.0, 2.0], "g": [[0.1, 0.2, 0.3]]})


def test_mismatched_data_is_refused_by_the_solver() -> None:
    with pytest.raises(ValueError, match="x has 3 values but y has 2"):
        _solve("optim.gd_step", x=[1.0, 2.0, 3.0], y=[1.0, 2.0], w=1.0, b=0.5, lr=0.1)


@pytest.mark.parametrize("template_id", ALL)
def test_mlquiz_show_exits_zero(template_id: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "grader", "show", template_id, "--seed", "3"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert template_id in proc.stdout


def test_mlquiz_list_by_topic() -> None:
    """`--topic optimizers` lists the four optimizer templates, `--topic optimization` the
    two gradient-descent ones of this file and the learning-rate stability one."""
    runner = CliRunner()
    for topic, ids in (("optimizers", ALL[2:]),
                       ("optimization", (*ALL[:2], "optimization/lr-divergence"))):
        result = runner.invoke(cli, ["list", "--topic", topic, "--json"])
        assert result.exit_code == 0, result.output
        listed = {row["id"] for row in json.loads(result.output)}
        assert listed == set(ids)
