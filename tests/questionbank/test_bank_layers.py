"""layers/param-count, layers/conv-output-shape and initialization/xavier-he against
independent computations.

The references never call the solver or the templates' expressions: parameter counts are the
sizes of numpy arrays shaped like PyTorch's weights and biases; output sizes are counted by
sliding a window over a padded numpy array; fans come from the weight tensor's shape by
PyTorch's rule and the variances from the papers' formulas (Glorot & Bengio 2010, He et al.
2015). When PyTorch is installed, `nn.Conv2d`, `nn.Linear` and `nn.init` are asked as well
(those tests skip cleanly without it: PyTorch is never a dependency).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from grader.judge.check import check
from questionbank import Instance, load_bank
from questionbank.instance import generate
from questionbank.solvers.layers import ConvLayer, conv_size

BANK = load_bank(builtin=True, use_env=False)
SEEDS = 300


@functools.cache
def instances(template_id: str, count: int = SEEDS) -> tuple[Instance, ...]:
    return tuple(generate(BANK.get(template_id), seed) for seed in range(count))


def answers(inst: Instance) -> dict[str, Any]:
    return {part.id: part.answer for part in inst.parts}


# --------------------------------------------------------------------------- param-count


def n_params(*shapes: tuple[int, ...]) -> int:
    """How many numbers arrays of these shapes hold."""
    return sum(np.zeros(shape).size for shape in shapes)


def test_param_counts_are_the_sizes_of_the_weight_arrays() -> None:
    """conv1: weight (C1, C_in, k, k) and bias (C1,); conv2: weight only (bias=False);
    fc: weight (classes, C2) and bias (classes,)."""
    for inst in instances("layers/param-count"):
        p = inst.params
        conv1 = n_params((p["c1"], p["c_in"], p["k1"], p["k1"]), (p["c1"],))
        conv2 = n_params((p["c2"], p["c1"], p["k2"], p["k2"]))
        fc = n_params((p["n_classes"], p["c2"]), (p["n_classes"],))
        assert answers(inst) == {"conv1": conv1, "conv2": conv2, "fc": fc,
                                 "total": conv1 + conv2 + fc}, inst.seed


def test_param_counts_by_hand() -> None:
    """A grey 28×28 network: Conv2d(1, 8, 3) has 8·(9 + 1) = 80; Conv2d(8, 16, 3, bias=False)
    has 16·8·9 = 1152; Linear(16, 10) has 170."""
    inst = generate(BANK.get("layers/param-count"), 0, {"c_in": 1, "c1": 8, "k1": 3, "c2": 16,
                                                         "k2": 3, "n_classes": 10})
    assert answers(inst) == {"conv1": 80, "conv2": 1152, "fc": 170, "total": 1402}
    assert check(inst, "conv1", "72").mistake == "forgot-bias"
    assert check(inst, "conv1", "73").mistake == "one-bias-per-layer"
    assert check(inst, "conv2", "1168").mistake == "bias-counted"
    assert check(inst, "fc", "176").mistake == "bias-per-input"


def test_param_counts_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for inst in instances("layers/param-count")[:40]:
        p = inst.params
        layers = {
            "conv1": torch.nn.Conv2d(p["c_in"], p["c1"], p["k1"]),
            "conv2": torch.nn.Conv2d(p["c1"], p["c2"], p["k2"], bias=False),
            "fc": torch.nn.Linear(p["c2"], p["n_classes"]),
        }
        counts = {name: sum(t.numel() for t in layer.parameters())
                  for name, layer in layers.items()}
        counts["total"] = sum(counts.values())
        assert answers(inst) == counts, inst.seed


# --------------------------------------------------------------------------- conv shapes


def positions(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """How many places a kernel (taps `dilation` apart) takes inside the zero-padded signal:
    every window of the padded array, then every `stride`-th one."""
    padded = np.pad(np.arange(size, dtype=float), padding)
    span = dilation * (kernel - 1) + 1
    if padded.size < span:
        return 0
    return int(sliding_window_view(padded, span)[::stride].shape[0])


def stack(inst: Instance, depth: int) -> list[int]:
    p = inst.params
    h, w = p["h0"], p["w0"]
    for i in range(depth):
        args = (p["k"][i], p["s"][i], p["p"][i], p["d"][i])
        h, w = positions(h, *args), positions(w, *args)
    return [p["c"][depth - 1], h, w]


def test_conv_shapes_are_the_number_of_window_positions() -> None:
    for inst in instances("layers/conv-output-shape"):
        n = inst.params["n_layers"]
        assert answers(inst) == {"shape1": stack(inst, 1), "shape_out": stack(inst, n)}, \
            inst.seed


def test_the_slips_are_what_they_say() -> None:
    """Each slip of one layer, written again: rounding up is the ceiling of the same
    division, one-sided padding pads P zeros in all, the dilation ignored takes a span of K,
    and no +1 counts the steps between the first and the last position."""
    for size in range(5, 40):
        for k, s, p, d in [(3, 1, 1, 1), (3, 2, 1, 1), (5, 3, 2, 1), (3, 2, 2, 2), (7, 2, 0, 2)]:
            layer = ConvLayer(8, k, s, p, d)
            span = d * (k - 1) + 1
            if size + 2 * p < span + k:
                continue
            assert conv_size(size, layer) == positions(size, k, s, p, d)
            assert conv_size(size, layer, "up") == math.ceil((size + 2 * p - span) / s) + 1
            assert conv_size(size, layer, "one_side") == \
                sliding_window_view(np.zeros(size + p), span)[::s].shape[0]
            assert conv_size(size, layer, "no_dilation") == positions(size, k, s, p, 1)
            assert conv_size(size, layer, "no_plus_one") == positions(size, k, s, p, d) - 1


def test_conv_shapes_by_hand() -> None:
    """A CIFAR image 3×32×32: a 3×3 convolution with padding 1 keeps 32 (a "same"
    convolution); stride 2 then gives ⌊(32 + 2 − 3)/2⌋ + 1 = 16 (31/2 rounded down)."""
    inst = generate(BANK.get("layers/conv-output-shape"), 0, {
        "n_layers": 2, "c0": 3, "h0": 32, "w0": 33, "c": [16, 32], "k": [3, 3], "s": [1, 2],
        "p": [1, 1], "d": [1, 1]})
    assert answers(inst) == {"shape1": [16, 32, 33], "shape_out": [32, 16, 17]}
    assert check(inst, "shape_out", "32x17x17").mistake == "rounded-up"
    assert check(inst, "shape_out", "3x16x17").mistake == "input-channels"
    assert check(inst, "shape1", "32x16x33").status == "incorrect"


def test_the_conv_slips_are_recognised_in_most_instances() -> None:
    """A slip is declared only where it changes the shape (`when:`), so count where it is:
    on the final shape, rounding up and the channel slip in every instance (a constraint
    ensures the first), one-sided padding in at least 80% of the instances, at least two of
    the three size slips in every instance, and the dilation ignored in most instances with
    a dilated layer."""
    counts: Counter[str] = Counter()
    dilated = 0
    for inst in instances("layers/conv-output-shape"):
        ids = {m.id for m in inst.part("shape_out").mistakes}
        counts.update(ids)
        assert {"input-channels", "rounded-up"} <= ids, inst.seed
        assert len(ids & {"rounded-up", "padding-one-side", "no-plus-one"}) >= 2, inst.seed
        dilated += max(inst.params["d"]) > 1
    assert counts["padding-one-side"] >= 0.8 * SEEDS
    assert counts["dilation-ignored"] >= 0.6 * dilated


def test_conv_shapes_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for inst in instances("layers/conv-output-shape")[:60]:
        p = inst.params
        channels = [p["c0"], *p["c"]]
        layers = [torch.nn.Conv2d(channels[i], channels[i + 1], p["k"][i], stride=p["s"][i],
                                  padding=p["p"][i], dilation=p["d"][i])
                  for i in range(p["n_layers"])]
        x = torch.zeros(1, p["c0"], p["h0"], p["w0"])
        with torch.no_grad():
            first = layers[0](x)
            last = torch.nn.Sequential(*layers)(x)
        assert answers(inst) == {"shape1": list(first.shape[1:]),
                                 "shape_out": list(last.shape[1:])}, inst.seed


# --------------------------------------------------------------------------- initialization


def weight_shape(p: dict[str, Any]) -> tuple[int, ...]:
    """PyTorch's weight layout: (out, in) for nn.Linear, (out, in, k, k) for nn.Conv2d."""
    if p["kind"] == 1:
        return (p["n_out"], p["n_in"])
    return (p["n_out"], p["n_in"], p["k"], p["k"])


def test_fans_variances_and_bounds_from_the_weight_shape() -> None:
    """fan_in = shape[1]·∏shape[2:], fan_out = shape[0]·∏shape[2:] (PyTorch's rule);
    Glorot: Var = 2/(fan_in + fan_out), U(−a, a) with a = √3·σ; He (ReLU, fan_in):
    Var = 2/fan_in, a = √3·σ."""
    for inst in instances("initialization/xavier-he"):
        shape = weight_shape(inst.params)
        receptive = int(np.prod(shape[2:]))
        fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        got = answers(inst)
        assert (got["fan_in"], got["fan_out"]) == (fan_in, fan_out), inst.seed
        xavier_var, he_var = 2 / (fan_in + fan_out), 2 / fan_in
        assert math.isclose(float(got["xavier_var"]), xavier_var, rel_tol=1e-12)
        assert math.isclose(float(got["he_var"]), he_var, rel_tol=1e-12)
        assert math.isclose(got["xavier_bound"], math.sqrt(3 * xavier_var), rel_tol=1e-12)
        assert math.isclose(got["he_bound"], math.sqrt(3 * he_var), rel_tol=1e-12)
        scheme = next(o.id for o in inst.part("scheme").options if o.correct)
        assert scheme == ("he" if inst.params["act"] == 1 else "xavier"), inst.seed


def test_a_uniform_draw_with_the_bound_has_the_variance() -> None:
    """Sampling U(−a, a) with the answer's bound gives (about) the answer's variance."""
    rng = np.random.default_rng(0)
    for inst in instances("initialization/xavier-he")[:10]:
        got = answers(inst)
        for bound, var in ((got["xavier_bound"], got["xavier_var"]),
                           (got["he_bound"], got["he_var"])):
            sample = rng.uniform(-bound, bound, 200_000)
            assert math.isclose(sample.var(), float(var), rel_tol=0.02)


def test_initialization_by_hand() -> None:
    """nn.Conv2d(16, 64, 3): fan_in 144, fan_out 576; Xavier 2/720 = 1/360, bound
    √(6/720) = 0.091287; He 2/144 = 1/72, bound √(6/144) = 0.20412."""
    inst = generate(BANK.get("initialization/xavier-he"), 0, {
        "kind": 2, "n_in": 16, "n_out": 64, "k": 3, "act": 2})
    got = answers(inst)
    assert (got["fan_in"], got["fan_out"]) == (144, 576)
    assert check(inst, "xavier_var", "1/360").correct
    assert check(inst, "xavier_bound", "0.09129").correct
    assert check(inst, "he_var", "1/72").correct
    assert check(inst, "he_bound", "0.2041").correct
    assert check(inst, "fan_in", "16").mistake == "kernel-left-out"
    assert check(inst, "he_var", "1/288").mistake == "fan-out-used"
    assert check(inst, "he_var", "1/144").mistake == "factor-two-left-out"
    assert check(inst, "he_bound", str(math.sqrt(2 / 144))).mistake == "std-for-bound"


def test_initialization_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for inst in instances("initialization/xavier-he")[:20]:
        got = answers(inst)
        weight = torch.empty(*weight_shape(inst.params))
        if weight.numel() < 20_000:
            continue
        torch.nn.init.xavier_uniform_(weight)
        assert float(weight.abs().max()) <= got["xavier_bound"] + 1e-6
        assert math.isclose(float(weight.var()), float(got["xavier_var"]), rel_tol=0.05)
        torch.nn.init.kaiming_uniform_(weight, nonlinearity="relu")
        assert float(weight.abs().max()) <= got["he_bound"] + 1e-6
        torch.nn.init.kaiming_normal_(weight, nonlinearity="relu")
        assert math.isclose(float(weight.var()), float(got["he_var"]), rel_tol=0.05)
