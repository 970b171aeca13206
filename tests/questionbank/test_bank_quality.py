"""Quality of the built-in bank as a grader is judged: what it accepts.

Optimizers: every misconception a student is known to make is computed here again, with numpy,
from PyTorch's documented update rules (never from the solvers' code), and must be graded
incorrect with its own declared mistake on every one of 300 seeds, while the independent right
answer is graded correct. Choice questions: the right option must not give itself away by its
length or position, and instances must vary.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.judge.check import check
from questionbank import Instance, generate, load_bank
from questionbank.instance import generate as generate_bare

BANK = load_bank(builtin=True, use_env=False)
SEEDS = 300


@functools.cache
def instances(template_id: str, count: int = SEEDS) -> tuple[Instance, ...]:
    template = BANK.get(template_id)
    return tuple(generate(template, seed) for seed in range(count))


def _text(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{float(x):.10g}" for x in values) + "]"


# --------------------------------------------------------------------------- PyTorch's rules
# Each function returns the weights after the steps (the rows of `grads`), starting from w.


def sgd(w: np.ndarray, grads: np.ndarray, lr: float) -> np.ndarray:
    """torch.optim.SGD without momentum: w ← w − lr·g."""
    for g in grads:
        w = w - lr * g
    return w


def sgd_momentum(w: np.ndarray, grads: np.ndarray, lr: float, beta: float, *,
                 ema: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """torch.optim.SGD(momentum=β, dampening=0): b = g at t = 1, then b = β·b + g; w ← w − lr·b.
    With `ema`, the misconception b = β·b + (1 − β)·g (from b = 0). Returns (b, w)."""
    buf = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        buf = beta * buf + ((1 - beta) * g if ema else g)
        if t == 1 and not ema:
            assert np.array_equal(buf, g)  # PyTorch's first step sets the buffer to g itself
        w = w - lr * buf
    return buf, w


def rmsprop(w: np.ndarray, grads: np.ndarray, lr: float, alpha: float, eps: float, *,
            eps_inside: bool = False) -> np.ndarray:
    """torch.optim.RMSprop: v = α·v + (1 − α)·g²; w ← w − lr·g/(√v + ε) (ε inside the root with
    `eps_inside`)."""
    square_avg = np.zeros_like(w)
    for g in grads:
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        denom = np.sqrt(square_avg + eps) if eps_inside else np.sqrt(square_avg) + eps
        w = w - lr * g / denom
    return w


def adam(w: np.ndarray, grads: np.ndarray, lr: float, beta1: float, beta2: float, eps: float,
         *, correct_m: bool = True, correct_v: bool = True, t_shift: int = 0,
         eps_inside: bool = False) -> np.ndarray:
    """torch.optim.Adam: m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², m̂ = m/(1 − β1ᵗ),
    v̂ = v/(1 − β2ᵗ), w ← w − lr·m̂/(√v̂ + ε). The switches give the misconceptions: a moment
    left uncorrected, the corrections with t + `t_shift`, ε inside the root."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** (t + t_shift)) if correct_m else m
        v_hat = v / (1 - beta2 ** (t + t_shift)) if correct_v else v
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        w = w - lr * m_hat / denom
    return w


Answers = dict[str, np.ndarray]


def momentum_weights(p: dict[str, object], w: np.ndarray, grads: np.ndarray) -> Answers:
    lr, beta = float(p["lr"]), float(p["beta"])  # type: ignore[arg-type]
    return {"key": sgd_momentum(w, grads, lr, beta)[1], "no-change": w,
            "no-momentum": sgd(w, grads, lr), "ema-form": sgd_momentum(w, grads, lr, beta,
                                                                        ema=True)[1]}


def rmsprop_weights(p: dict[str, object], w: np.ndarray, grads: np.ndarray) -> Answers:
    args = (float(p["lr"]), float(p["alpha"]), float(p["eps"]))  # type: ignore[arg-type]
    return {"key": rmsprop(w, grads, *args), "no-change": w,
            "plain-sgd": sgd(w, grads, args[0]),
            "eps-inside-sqrt": rmsprop(w, grads, *args, eps_inside=True)}


def adam_weights(p: dict[str, object], w: np.ndarray, grads: np.ndarray) -> Answers:
    args = tuple(float(p[k]) for k in ("lr", "beta1", "beta2", "eps"))  # type: ignore[arg-type]
    return {"key": adam(w, grads, *args), "no-change": w, "plain-sgd": sgd(w, grads, args[0]),
            "no-bias-correction": adam(w, grads, *args, correct_m=False, correct_v=False),
            "bias-correction-m-only": adam(w, grads, *args, correct_v=False),
            "bias-correction-v-only": adam(w, grads, *args, correct_m=False),
            "t-off-by-one": adam(w, grads, *args, t_shift=1),
            "eps-inside-sqrt": adam(w, grads, *args, eps_inside=True)}


RULES: dict[str, Callable[[dict[str, object], np.ndarray, np.ndarray], Answers]] = {
    "optimizers/momentum": momentum_weights,
    "optimizers/rmsprop": rmsprop_weights,
    "optimizers/adam": adam_weights,
}


@pytest.mark.parametrize("template_id", sorted(RULES))
def test_every_optimizer_misconception_is_graded_wrong_with_its_own_mistake(
        template_id: str) -> None:
    """Over 300 seeds: the independent right weights are correct; no change, plain SGD and the
    template's own misconceptions are each incorrect and recognised as themselves."""
    for inst in instances(template_id):
        p = dict(inst.params)
        w, grads = np.array(p["w"], dtype=float), np.array(p["g"], dtype=float)
        answers = RULES[template_id](p, w, grads)
        result = check(inst, "w_new", _text(answers.pop("key")))
        assert result.correct, (inst.seed, result.feedback)
        for mistake_id, wrong in answers.items():
            result = check(inst, "w_new", _text(wrong))
            assert (result.status, result.mistake) == ("incorrect", mistake_id), (
                inst.seed, mistake_id, result.mistake, result.feedback)


def test_momentum_velocity_misconceptions_are_graded_wrong() -> None:
    """The EMA-form velocity and the last gradient alone (plain SGD) are wrong velocities."""
    for inst in instances("optimizers/momentum"):
        p = inst.params
        w, grads = np.array(p["w"], dtype=float), np.array(p["g"], dtype=float)
        velocity, _ = sgd_momentum(w, grads, p["lr"], p["beta"])
        ema, _ = sgd_momentum(w, grads, p["lr"], p["beta"], ema=True)
        assert check(inst, "v", _text(velocity)).correct, inst.seed
        for mistake_id, wrong in (("ema-form", ema), ("no-momentum", grads[-1])):
            result = check(inst, "v", _text(wrong))
            assert (result.status, result.mistake) == ("incorrect", mistake_id), inst.seed


@pytest.mark.parametrize(("template_id", "most"), [
    ("optimizers/momentum", 0.0), ("optimizers/rmsprop", 1 / 3), ("optimizers/adam", 1 / 3)])
def test_most_optimizer_instances_take_several_steps(template_id: str, most: float) -> None:
    """At most a third of the instances take one step (none for momentum, where one step from
    v₀ = 0 is plain SGD), and some take three."""
    counts = Counter(len(inst.params["g"]) for inst in instances(template_id))
    assert counts[1] <= most * SEEDS, counts
    assert counts[3] > 0, counts


@pytest.mark.parametrize("template_id", sorted(RULES))
def test_the_tolerance_is_small_next_to_every_move(template_id: str) -> None:
    """Every weight moves by at least 0.01, a hundred times the tolerance of 0.0001."""
    for inst in instances(template_id):
        moved = np.abs(np.array(inst.part("w_new").answer) - np.array(inst.params["w"]))
        assert moved.min() >= 0.01 - 1e-12, inst.seed
        tolerance = inst.part("w_new").tolerance
        assert tolerance is not None and tolerance.value == pytest.approx(1e-4)


@pytest.mark.parametrize(("template_id", "seed", "answer"), [
    ("optimizers/adam", "6", "[0.19015, 0.10845]"),
    ("optimizers/rmsprop", "22", "[-0.494448, 0.703635, -1.199930]"),
])
def test_the_issue_commands_are_now_incorrect(template_id: str, seed: str, answer: str) -> None:
    """The answers the review found accepted (ε inside the root) are not accepted any more."""
    result = CliRunner().invoke(cli, ["check", template_id, "--seed", seed, "--part", "w_new",
                                      "--", answer])
    assert "Incorrect" in result.output, result.output


@pytest.mark.parametrize(("template_id", "seed"), [("optimizers/adam", 6),
                                                   ("optimizers/rmsprop", 22)])
def test_eps_inside_the_root_at_the_issue_seeds(template_id: str, seed: int) -> None:
    """The same misconception, for the instances these seeds give now, through the CLI."""
    inst = instances(template_id)[seed]
    p = dict(inst.params)
    wrong = RULES[template_id](p, np.array(p["w"], dtype=float),
                               np.array(p["g"], dtype=float))["eps-inside-sqrt"]
    result = CliRunner().invoke(cli, ["check", template_id, "--seed", str(seed), "--part",
                                      "w_new", "--json", "--", _text(wrong)])
    assert '"mistake": "eps-inside-sqrt"' in result.output, result.output
    assert '"status": "incorrect"' in result.output


# --------------------------------------------------------------------------- choice questions

CHOICE_TEMPLATES = ("dropout/where", "metrics/choose-metric", "gradients/vanishing",
                    "gradients/remedies", "optimizers/compare", "regularization/l1-vs-l2",
                    "fitting/diagnose")
MANY = 1000


def _choice_parts() -> list[tuple[str, str]]:
    return [(t, p.id) for t in CHOICE_TEMPLATES for p in BANK.get(t).parts
            if p.type == "choice"]


@pytest.mark.parametrize(("template_id", "part_id"), _choice_parts())
def test_the_right_option_is_not_given_away(template_id: str, part_id: str) -> None:
    """Over 1000 seeds the right option is the strictly longest in at most 60% of the
    instances, every position holds it at least half as often as a uniform spread would, and
    the right option (or its text) is not always the same."""
    longest = 0
    positions: Counter[str] = Counter()
    rights: set[str] = set()
    n_options = 0
    for inst in instances(template_id, MANY):
        part = inst.part(part_id)
        n_options = len(part.options)
        (right,) = [o for o in part.options if o.correct]
        longest += len(right.text) > max(len(o.text) for o in part.options if not o.correct)
        positions[part.answer] += 1
        rights.add(right.id + "|" + right.text)
    assert longest <= 0.6 * MANY, longest
    assert len(positions) == n_options
    assert min(positions.values()) >= MANY / n_options / 2, positions
    assert len(rights) >= 2, rights


def test_dropout_placement_is_not_always_the_hidden_layers() -> None:
    counts = Counter(next(o.id for o in inst.part("placement").options if o.correct)
                     for inst in instances("dropout/where", MANY))
    assert counts["hidden-layers"] < MANY / 2
    assert len(counts) == 5, counts


def _duplicate_share(template_id: str) -> float:
    """The share of seeds whose instance has the same params as an earlier seed's (as
    `mlquiz validate` counts duplicates). The instances are made without text and not kept:
    a thousand cached instances of every template of the bank made the garbage collector's
    pauses long enough to trip the 2 s generation budget on a loaded machine."""
    seen: set[str] = set()
    duplicates = 0
    template = BANK.get(template_id)
    for seed in range(MANY):
        inst = generate_bare(template, seed, render_text=False)
        key = json.dumps(inst.to_dict()["params"], sort_keys=True)
        duplicates += key in seen
        seen.add(key)
    return duplicates / MANY


@pytest.mark.parametrize("template_id", BANK.ids())
def test_few_instances_repeat(template_id: str) -> None:
    """Over 1000 seeds, under 30% of the instances repeat an earlier one."""
    assert _duplicate_share(template_id) < 0.3


@pytest.mark.parametrize("template_id", ["gradients/remedies", "optimizers/compare",
                                         "regularization/l1-vs-l2"])
def test_the_selection_of_a_choices_part_varies(template_id: str) -> None:
    """The right selection of the select-all parts changes from instance to instance."""
    for part in BANK.get(template_id).parts:
        if part.type != "choices":
            continue
        selections = {frozenset(o.id for o in inst.part(part.id).options if o.correct)
                      for inst in instances(template_id, MANY)}
        assert len(selections) >= 8, (part.id, selections)


# --------------------------------------------------------------------------- new mistakes


def _grade(inst: Instance, part_id: str, text: str) -> tuple[str, str | None]:
    result = check(inst, part_id, text)
    return result.status, result.mistake


def test_f1_slips_are_named() -> None:
    """P·R/(P + R) (the factor 2 left out) and √(P·R) (the geometric mean) are never accepted
    as F1 and are each named; P and R are computed here from the counts."""
    for inst in instances("metrics/confusion-matrix"):
        p = inst.params
        precision = p["tp"] / (p["tp"] + p["fp"])
        recall = p["tp"] / (p["tp"] + p["fn"])
        halved = precision * recall / (precision + recall)
        geometric = float(np.sqrt(precision * recall))
        assert _grade(inst, "f1", f"{2 * halved:.10g}") == ("correct", None)
        assert _grade(inst, "f1", f"{halved:.10g}") == ("incorrect", "harmonic-without-two")
        assert _grade(inst, "f1", f"{geometric:.10g}") == ("incorrect", "geometric-mean")


def test_inverted_dropout_scaled_by_the_kept_share_is_named() -> None:
    """Dividing by the share of units this mask kept (Σm/n) instead of 1 − p is wrong and
    named, wherever the two scalings (and 1/p) differ; the mask keeps about 1 − p of units."""
    named = 0
    for inst in instances("dropout/inverted"):
        p = inst.params
        a, m, drop = np.array(p["a"]), np.array(p["m"]), p["p"]
        assert abs(m.sum() - (1 - drop) * len(m)) <= 1 + 1e-9
        assert _grade(inst, "output", _text(a * m / (1 - drop)))[0] == "correct"
        share = m.mean()
        if abs((1 - drop) / share - 1) > 0.02 and abs(drop / share - 1) > 0.02:
            got = _grade(inst, "output", _text(a * m / share))
            assert got == ("incorrect", "scaled-by-kept-share"), (inst.seed, got)
            named += 1
    assert named >= 0.8 * SEEDS


def test_a_mask_answer_with_only_the_kept_entries_is_named() -> None:
    for inst in instances("dropout/apply-mask"):
        a, m = np.array(inst.params["a"]), np.array(inst.params["m"])
        got = _grade(inst, "output", _text(a[m == 1]))
        assert got == ("incorrect", "kept-entries-only"), inst.seed


@pytest.mark.parametrize(("shape", "mistake"), [("1x{out}", "bias-as-row"),
                                                ("{out}x1", "bias-as-column")])
def test_a_bias_gradient_written_as_a_matrix_is_named(shape: str, mistake: str) -> None:
    """`check gradients/layer-shapes --seed 1 --part db -- 1x387` names the slip."""
    for inst in instances("gradients/layer-shapes")[:100]:
        text = shape.format(out=inst.params["n_out"])
        assert _grade(inst, "db", text) == ("incorrect", mistake), inst.seed
    result = CliRunner().invoke(cli, ["check", "gradients/layer-shapes", "--seed", "1",
                                      "--part", "db", "--json", "--", "1x387"])
    assert '"mistake": "bias-as-row"' in result.output, result.output


def test_the_layout_of_a_gradient_is_stated() -> None:
    """gradients/shape states its (denominator) layout and defines n and m; the Jacobian
    template does not give its answer away in the prompt."""
    for inst in instances("gradients/shape")[:50]:
        n, m = inst.params["n"], inst.params["m"]
        assert "denominator" in inst.prompt and f"n = {n} rows and m = {m} columns" in inst.prompt
        assert f"an {n} ×" not in inst.prompt
    for inst in instances("gradients/jacobian-shape")[:50]:
        assert "one row per output" not in inst.prompt
