"""normalization/batchnorm against batch normalization written again with numpy from the
paper (Ioffe & Szegedy 2015) and PyTorch's documented training-mode behaviour: the batch's
biased variance in the normalization, ε inside the root, and running statistics updated with
momentum 0.1 and the *unbiased* batch variance. When PyTorch is installed, `nn.BatchNorm1d`
itself is asked too (that test skips cleanly without it).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from grader.judge.check import check
from questionbank import Instance, load_bank
from questionbank.instance import generate

BANK = load_bank(builtin=True, use_env=False)
TEMPLATE = "normalization/batchnorm"
SEEDS = 300


@functools.cache
def instances(count: int = SEEDS) -> tuple[Instance, ...]:
    return tuple(generate(BANK.get(TEMPLATE), seed) for seed in range(count))


def numpy_batchnorm(p: dict[str, Any], *, momentum: float = 0.1) -> dict[str, Any]:
    """Training mode, one feature: y = γ·(x − mean)/sqrt(var_biased + ε) + β; then
    running = (1 − momentum)·running + momentum·batch, with the unbiased variance."""
    x = np.array(p["x"], dtype=float)
    mean, var = x.mean(), x.var()          # numpy's var divides by n (ddof=0)
    y = p["gamma"] * (x - mean) / np.sqrt(var + p["eps"]) + p["beta"]
    return {"mean": mean, "variance": var, "y": y,
            "running_mean": (1 - momentum) * p["running_mean0"] + momentum * mean,
            "running_var": (1 - momentum) * p["running_var0"] + momentum * x.var(ddof=1)}


def test_answers_match_numpy_batchnorm() -> None:
    for inst in instances():
        want = numpy_batchnorm(dict(inst.params))
        got = {part.id: part.value for part in inst.parts}
        for key, value in want.items():
            assert np.allclose(np.asarray(got[key], dtype=float), value, rtol=1e-12,
                               atol=1e-12), (inst.seed, key)


def test_statistics_are_exact() -> None:
    """Mean, variance and running statistics are exact fractions of the decimal inputs."""
    for inst in instances()[:50]:
        for part_id in ("mean", "variance", "running_mean", "running_var"):
            part = inst.part(part_id)
            assert isinstance(part.value, int | Fraction), (inst.seed, part_id)
            assert Fraction(part.answer_text) == part.value, (inst.seed, part_id)


def test_the_outputs_have_mean_beta_and_spread_gamma() -> None:
    """Over the batch, y has mean β and variance γ²·σ²/(σ² + ε) (a property, not the formula)."""
    for inst in instances():
        p = inst.params
        y = np.asarray(inst.part("y").value, dtype=float)
        var = np.var(np.array(p["x"], dtype=float))
        assert math.isclose(y.mean(), p["beta"], abs_tol=1e-9)
        assert math.isclose(y.var(), p["gamma"] ** 2 * var / (var + p["eps"]), rel_tol=1e-9)


def test_batchnorm_by_hand() -> None:
    """x = [1, 2, 3, 6]: μ = 3, deviations [-2, -1, 0, 3], σ² = 14/4 = 3.5, s² = 14/3;
    with ε = 0.5, √4 = 2, so x̂ = [-1, -0.5, 0, 1.5] and y = 2·x̂ + 0.5 = [-1.5, -0.5, 0.5, 3.5];
    running_mean = 0.9·1 + 0.1·3 = 1.2; running_var = 0.9·0.5 + 0.1·14/3 = 0.45 + 7/15 = 11/12."""
    inst = generate(BANK.get(TEMPLATE), 0, {
        "x": [1.0, 2.0, 3.0, 6.0], "gamma": 2, "beta": 0.5, "eps": 0.5, "running_mean0": 1.0,
        "running_var0": 0.5})
    assert inst.part("mean").value == 3
    assert inst.part("variance").answer_text == "3.5"
    assert check(inst, "y", "[-1.5, -0.5, 0.5, 3.5]").correct
    assert inst.part("running_mean").answer_text == "1.2"
    assert inst.part("running_var").answer_text == "11/12"
    # the slips, worked out by hand
    assert check(inst, "variance", "14/3").mistake == "unbiased-variance"
    # biased variance in the running update: 0.45 + 0.35 = 0.8
    assert check(inst, "running_var", "0.8").mistake == "biased-variance"
    # ε after the root: (x − 3)/(√3.5 + 0.5) = (x − 3)/2.3708
    eps_out = 2 * np.array([-2.0, -1.0, 0.0, 3.0]) / (math.sqrt(3.5) + 0.5) + 0.5
    text = "[" + ", ".join(f"{v:.4f}" for v in eps_out) + "]"
    assert check(inst, "y", text).mistake == "eps-outside-root"
    # the running statistics in training: (x − 1)/√(0.5 + 0.5)
    assert check(inst, "y", "[0.5, 2.5, 4.5, 10.5]").mistake == "running-statistics-used"
    assert check(inst, "running_mean", "2.8").mistake == "momentum-swapped"


def test_every_normalization_slip_is_recognised_when_declared() -> None:
    """The y slips are computed here again with numpy and, where the template declares them,
    graded incorrect with their own mistake; each is declared in most instances."""
    declared: dict[str, int] = {}
    for inst in instances():
        p = dict(inst.params)
        x = np.array(p["x"], dtype=float)
        mean, var, unb = x.mean(), x.var(), x.var(ddof=1)
        g, b, eps = p["gamma"], p["beta"], p["eps"]
        slips = {
            "unbiased-variance": g * (x - mean) / np.sqrt(unb + eps) + b,
            "eps-outside-root": g * (x - mean) / (np.sqrt(var) + eps) + b,
            "running-statistics-used":
                g * (x - p["running_mean0"]) / np.sqrt(p["running_var0"] + eps) + b,
            "no-affine": (x - mean) / np.sqrt(var + eps),
            "gamma-beta-swapped": b * (x - mean) / np.sqrt(var + eps) + g,
            "eps-left-out": g * (x - mean) / np.sqrt(var) + b,
        }
        active = {m.id for m in inst.part("y").mistakes}
        for mistake_id, values in slips.items():
            text = "[" + ", ".join(f"{v:.6f}" for v in values) + "]"
            result = check(inst, "y", text)
            assert not result.correct, (inst.seed, mistake_id)
            if mistake_id in active:
                declared[mistake_id] = declared.get(mistake_id, 0) + 1
                assert result.mistake == mistake_id, (inst.seed, mistake_id, result.mistake)
    assert all(declared.get(m, 0) >= 0.8 * SEEDS for m in (
        "unbiased-variance", "eps-outside-root", "running-statistics-used")), declared


def test_the_prompt_states_the_conventions() -> None:
    prompt = instances()[0].prompt
    for phrase in ("training mode", "biased", "unbiased", "momentum 0.1", "0.9·running_mean",
                   "inside"):
        assert phrase in prompt, phrase


def test_matches_pytorch_batchnorm1d() -> None:
    torch = pytest.importorskip("torch")
    for inst in instances()[:60]:
        p = inst.params
        layer = torch.nn.BatchNorm1d(1, eps=float(p["eps"]), momentum=0.1, dtype=torch.float64)
        with torch.no_grad():
            layer.weight.fill_(float(p["gamma"]))
            layer.bias.fill_(float(p["beta"]))
            layer.running_mean.fill_(float(p["running_mean0"]))
            layer.running_var.fill_(float(p["running_var0"]))
            layer.train()
            y = layer(torch.tensor(p["x"], dtype=torch.float64).reshape(-1, 1)).flatten()
        assert np.allclose(y.numpy(), np.asarray(inst.part("y").value, dtype=float),
                           atol=1e-9), inst.seed
        assert math.isclose(float(layer.running_mean[0]),
                            float(inst.part("running_mean").value), abs_tol=1e-9)
        assert math.isclose(float(layer.running_var[0]),
                            float(inst.part("running_var").value), abs_tol=1e-9)
