"""regularization/weight-decay-step and optimization/lr-divergence against independent
computations.

Weight decay: SGD on L + λ‖w‖² with the penalty's gradient taken numerically (central
differences), the proximal L1 step checked as the minimizer of ½(u − z)² + ηλ₁|u| by a grid
search, and Adam and AdamW written again as numpy loops from PyTorch's documented algorithms
(full moments and bias corrections, not the sign shortcut of the solution). Learning rate:
plain gradient descent on ½·a·x² with the derivative by finite differences, run long enough to
see the behaviour. When PyTorch is installed, `torch.optim.SGD`, `Adam` and `AdamW` are asked
too (that test skips cleanly without it).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest

from grader.judge.check import check
from questionbank import Instance, load_bank
from questionbank.instance import generate

BANK = load_bank(builtin=True, use_env=False)
DECAY = "regularization/weight-decay-step"
LR = "optimization/lr-divergence"
SEEDS = 300


@functools.cache
def instances(template_id: str, count: int = SEEDS) -> tuple[Instance, ...]:
    return tuple(generate(BANK.get(template_id), seed) for seed in range(count))


def values(inst: Instance) -> dict[str, np.ndarray]:
    return {part.id: np.asarray(part.value, dtype=float) for part in inst.parts
            if part.type != "choice"}


def _text(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.10g}" for x in v) + "]"


# --------------------------------------------------------------------------- numpy references


def penalty_gradient(w: np.ndarray, lam: float, h: float = 1e-6) -> np.ndarray:
    """∇(λ·Σwᵢ²) by central differences."""
    def penalty(u: np.ndarray) -> float:
        return lam * float(np.sum(u * u))
    return np.array([(penalty(w + h * e) - penalty(w - h * e)) / (2 * h)
                     for e in np.eye(len(w))])


def adam_step(w: np.ndarray, g: np.ndarray, lr: float, wd: float, *, decoupled: bool,
              beta1: float = 0.9, beta2: float = 0.999, eps: float = 0.0) -> np.ndarray:
    """One step (t = 1, zero state) of torch.optim.Adam (weight decay added to the gradient)
    or torch.optim.AdamW (`decoupled`: θ ← θ·(1 − lr·wd) first), per PyTorch's docs."""
    theta = w.copy()
    if decoupled:
        theta = theta * (1 - lr * wd)
    else:
        g = g + wd * w
    m = (1 - beta1) * g
    v = (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def prox_by_grid(z: float, t: float) -> float:
    """argmin over u of ½(u − z)² + t·|u|, on a grid of step 1e-4."""
    grid = np.round(np.arange(-4, 4.00005, 1e-4), 4)
    return float(grid[np.argmin(0.5 * (grid - z) ** 2 + t * np.abs(grid))])


# --------------------------------------------------------------------------- weight decay


def test_weight_decay_answers_match_numpy() -> None:
    for inst in instances(DECAY):
        p = inst.params
        w, g = np.array(p["w"], dtype=float), np.array(p["g"], dtype=float)
        lr, lam, lam1 = float(p["lr"]), float(p["lam"]), float(p["lam1"])
        got = values(inst)
        sgd = w - lr * (g + penalty_gradient(w, lam))
        assert np.allclose(got["w_sgd"], sgd, atol=1e-8), inst.seed
        assert math.isclose(float(got["b_sgd"]), p["b"] - lr * p["gb"], abs_tol=1e-12)
        z = w - lr * g
        assert np.allclose(got["w_l1"], np.sign(z) * np.maximum(np.abs(z) - lr * lam1, 0),
                           atol=1e-12), inst.seed
        assert 0 < np.count_nonzero(got["w_l1"]) < len(w), inst.seed
        wd = 2 * lam
        assert np.allclose(got["w_adam_l2"], adam_step(w, g, lr, wd, decoupled=False),
                           atol=1e-9), inst.seed
        assert np.allclose(got["w_adamw"], adam_step(w, g, lr, wd, decoupled=True),
                           atol=1e-9), inst.seed


def test_the_proximal_step_minimizes_the_penalized_square() -> None:
    """Each entry of the L1 answer is the minimizer of ½(u − zᵢ)² + ηλ₁|u| (a grid search)."""
    for inst in instances(DECAY)[:40]:
        p = inst.params
        z = np.array(p["w"], dtype=float) - p["lr"] * np.array(p["g"], dtype=float)
        t = p["lr"] * p["lam1"]
        want = [prox_by_grid(zi, t) for zi in z]
        assert np.allclose(values(inst)["w_l1"], want, atol=2e-4), inst.seed


def test_pytorch_epsilon_does_not_change_the_adam_answers() -> None:
    """With PyTorch's default ε = 1e-8 instead of 0, the answers move by far less than the
    tolerance of 0.0005 (the prompt says so)."""
    for inst in instances(DECAY)[:100]:
        p = inst.params
        w, g = np.array(p["w"], dtype=float), np.array(p["g"], dtype=float)
        for decoupled, part in ((False, "w_adam_l2"), (True, "w_adamw")):
            step = adam_step(w, g, p["lr"], 2 * p["lam"], decoupled=decoupled, eps=1e-8)
            assert check(inst, part, _text(step)).correct, inst.seed


def test_every_decay_slip_is_graded_wrong_with_its_own_mistake() -> None:
    """The slips written again with numpy: graded incorrect, and recognised as themselves
    wherever the template declares them (always, for the ones the issue names)."""
    for inst in instances(DECAY):
        p = inst.params
        w, g = np.array(p["w"], dtype=float), np.array(p["g"], dtype=float)
        lr, lam, t = p["lr"], p["lam"], p["lr"] * p["lam1"]
        z = w - lr * g
        slips: dict[str, dict[str, Any]] = {
            "w_sgd": {"factor-two-left-out": w - lr * (g + lam * w), "no-decay": z},
            "b_sgd": {"bias-decayed": p["b"] - lr * (p["gb"] + 2 * lam * p["b"])},
            "w_l1": {"subgradient-step": z - t * np.sign(w), "no-threshold": z},
            "w_adam_l2": {"decoupled-decay": adam_step(w, g, lr, 2 * lam, decoupled=True)},
            "w_adamw": {"l2-through-moments": adam_step(w, g, lr, 2 * lam, decoupled=False)},
        }
        for part_id, wrong in slips.items():
            declared = {m.id for m in inst.part(part_id).mistakes}
            for mistake_id, value in wrong.items():
                text = _text(np.atleast_1d(value)) if part_id != "b_sgd" else f"{value:.10g}"
                result = check(inst, part_id, text)
                assert result.status == "incorrect", (inst.seed, part_id, mistake_id)
                assert mistake_id in declared, (inst.seed, part_id, mistake_id)
                assert result.mistake == mistake_id, (inst.seed, mistake_id, result.mistake)


def test_weight_decay_by_hand() -> None:
    """w = [1, −0.4], g = [0.4, 0.3], η = 0.1, λ = 0.5 (factor 0.9), λ₁ = 5 (threshold 0.5):
    SGD [0.86, −0.39]; z = [0.96, −0.43] → [0.46, 0]; g + w = [1.4, −0.1] flips the second
    sign, so Adam + L2 = [0.9, −0.3] while AdamW = [0.8, −0.46]."""
    inst = generate(BANK.get(DECAY), 0, {"w": [1.0, -0.4], "b": 0.5, "g": [0.4, 0.3],
                                         "gb": 0.2, "lr": 0.1, "lam": 0.5, "lam1": 5})
    assert [part.answer_text for part in inst.parts if part.type != "choice"] == [
        "[0.86, -0.39]", "0.48", "[0.46, 0]", "[0.9, -0.3]", "[0.8, -0.46]"]
    assert check(inst, "w_sgd", "[0.91, -0.41]").mistake == "factor-two-left-out"
    assert check(inst, "b_sgd", "0.43").mistake == "bias-decayed"
    assert check(inst, "w_l1", "[0.46, 0.07]").mistake == "subgradient-step"
    assert check(inst, "w_adamw", "[0.9, -0.3]").mistake == "l2-through-moments"
    assert check(inst, "w_adamw", "[0.9, -0.5]").mistake == "no-decay"
    assert check(inst, "w_adam_l2", "[0.8, -0.46]").mistake == "decoupled-decay"


def test_the_decay_prompt_states_the_conventions() -> None:
    prompt = instances(DECAY)[0].prompt
    for phrase in ("no factor 1/2", "not** penalized", "weight_decay=", "ε = 0", "AdamW"):
        assert phrase in prompt, phrase


def test_decay_matches_pytorch_optimizers() -> None:
    torch = pytest.importorskip("torch")
    for inst in instances(DECAY)[:40]:
        p = inst.params
        wd = 2 * float(p["lam"])
        got = values(inst)
        for name, cls, extra in (("w_sgd", torch.optim.SGD, {}),
                                 ("w_adam_l2", torch.optim.Adam, {"eps": 0.0}),
                                 ("w_adamw", torch.optim.AdamW, {"eps": 0.0})):
            param = torch.tensor(p["w"], dtype=torch.float64, requires_grad=True)
            optimizer = cls([param], lr=float(p["lr"]), weight_decay=wd, **extra)
            param.grad = torch.tensor(p["g"], dtype=torch.float64)
            optimizer.step()
            assert np.allclose(param.detach().numpy(), got[name], atol=1e-9), (inst.seed, name)


# --------------------------------------------------------------------------- learning rate


def run_gd(a: float, x0: float, lr: float, steps: int) -> list[float]:
    """Gradient descent on f(x) = ½·a·x², f′ by central differences."""
    def f(x: float) -> float:
        return 0.5 * a * x * x
    xs = [x0]
    for _ in range(steps):
        x = xs[-1]
        grad = (f(x + 1e-4) - f(x - 1e-4)) / 2e-4
        xs.append(x - lr * grad)
    return xs


def behaviour(xs: list[float]) -> str:
    """What a long run of iterates does, read off the run itself."""
    if abs(xs[1]) < 1e-9:
        return "one-step"
    if abs(xs[-1]) > 100 * abs(xs[0]):
        return "diverging"
    if abs(abs(xs[-1]) - abs(xs[0])) < 1e-6:
        return "bouncing"
    same_sign = all(x * xs[0] > 0 for x in xs[1:6])
    return "monotone" if same_sign else "oscillating"


def test_iterates_and_behaviour_match_a_run_of_gradient_descent() -> None:
    for inst in instances(LR):
        p = inst.params
        a, x0 = float(p["a"]), float(p["x0"])
        got = values(inst)
        # the learning rate the prompt states (the template draws the factor r first)
        lr = (1 - float(p["r"])) / a
        stated = inst.prompt.split("learning rate lr = ")[1].split(".\n")[0].rstrip(".")
        assert math.isclose(float(stated), lr, rel_tol=1e-12), (inst.seed, stated)
        xs = run_gd(a, x0, lr, 80)
        assert np.allclose(got["iterates"], xs[1:4], rtol=1e-6, atol=1e-9), inst.seed
        assert math.isclose(float(got["factor"]), xs[1] / x0, rel_tol=1e-6, abs_tol=1e-9)
        right = next(o.id for o in inst.part("behaviour").options if o.correct)
        assert right == behaviour(xs), (inst.seed, right, behaviour(xs))


def test_the_stability_limit_is_where_runs_start_to_diverge() -> None:
    """Just below lr_max a long run shrinks; just above it grows."""
    for inst in instances(LR)[:60]:
        a = float(inst.params["a"])
        limit = float(values(inst)["lr_max"])
        below, above = run_gd(a, 1.0, 0.99 * limit, 2000), run_gd(a, 1.0, 1.01 * limit, 2000)
        assert abs(below[-1]) < 1e-3 and abs(above[-1]) > 1e3, inst.seed


def test_lr_divergence_by_hand() -> None:
    """a = 4, lr = 0.375: factor 1 − 1.5 = −0.5; x₀ = 2 gives −1, 0.5, −0.25; 2/a = 0.5."""
    inst = generate(BANK.get(LR), 0, {"a": 4, "r": -0.5, "x0": 2.0})
    assert "lr = 0.375" in inst.prompt
    got = {part.id: part.answer_text for part in inst.parts if part.type != "choice"}
    assert got == {"factor": "-0.5", "lr_max": "0.5", "iterates": "[-1, 0.5, -0.25]"}
    assert check(inst, "lr_max", "0.25").mistake == "one-over-a"
    assert check(inst, "lr_max", "8").mistake == "two-times-a"
    assert check(inst, "factor", "0.625").mistake == "forgot-a"      # 1 − 0.375
    assert check(inst, "factor", "0.25").mistake == "half-kept"      # 1 − 0.375·2
    assert check(inst, "iterates", "[5, 12.5, 31.25]").mistake == "gradient-ascent"
