"""The templates of issue 5 on metrics, fitting, gradients, regularization and dropout.

For each template: its declared tests pass; its reference answers agree with an independent
computation written here from the definitions (plain Python counting for the confusion counts,
central finite differences for the sigmoid chain, numpy for the penalties and the clipping,
tables of the intended answers for the conceptual questions) over hundreds of seeds; every
declared mistake, and every wrong option of a choice part, is recognised by the grader under its
own id while the reference answer scores correct; the right option's position is spread over
the positions; and the command line shows and lists every template.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.cli import cli
from grader.judge.check import check
from questionbank.api import default_bank
from questionbank.errors import TemplateError
from questionbank.instance import Instance, Part, generate
from questionbank.selftest import run_template_tests
from questionbank.solvers.clipping import clip_norm
from questionbank.solvers.vanishing import sigmoid_chain

TEMPLATES = (
    "metrics/count-confusion",
    "metrics/choose-metric",
    "fitting/diagnose",
    "gradients/vanishing",
    "gradients/clip-norm",
    "gradients/remedies",
    "regularization/penalty",
    "regularization/l1-vs-l2",
    "dropout/where",
)
NUMERIC = ("metrics/count-confusion", "metrics/choose-metric", "gradients/vanishing",
           "gradients/clip-norm", "regularization/penalty")
SEEDS = 400  # instances per template, generated once and shared by the tests below


@cache
def instances(template_id: str) -> tuple[Instance, ...]:
    """The instances of a template for seeds 0 .. SEEDS - 1."""
    template = default_bank().get(template_id)
    return tuple(generate(template, seed) for seed in range(SEEDS))


def answers(inst: Instance) -> dict[str, Any]:
    """Part id -> the reference answer as JSON data (option ids for choice parts)."""
    out: dict[str, Any] = {}
    for part in inst.parts:
        if part.type == "choice":
            out[part.id] = next(o.id for o in part.options if o.correct)
        elif part.type == "choices":
            out[part.id] = {o.id for o in part.options if o.correct}
        else:
            out[part.id] = part.answer
    return out


def close(got: Any, want: Any, rtol: float = 1e-9) -> bool:
    return bool(np.allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                            rtol=rtol, atol=1e-12))


# --------------------------------------------------------------------------- declared tests


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_declared_tests_pass(template_id: str) -> None:
    """Every template declares hand-worked cases, and they all hold."""
    template = default_bank().get(template_id)
    assert template.tests
    assert run_template_tests(template, seeds=(0, 1, 2)) == []


# --------------------------------------------------------------------------- independent answers


def test_count_confusion_matches_plain_counting() -> None:
    """TP, FP, FN, TN are the counts of (actual, predicted) = (1,1), (0,1), (1,0), (0,0)."""
    for inst in instances("metrics/count-confusion"):
        y_true, y_pred = inst.params["y_true"], inst.params["y_pred"]
        assert 10 <= len(y_true) == len(y_pred) <= 20
        assert 0 < sum(y_true) < len(y_true) and 0 < sum(y_pred) < len(y_pred)
        counts = Counter(zip(y_true, y_pred, strict=True))
        want = {"tp": counts[(1, 1)], "fp": counts[(0, 1)], "fn": counts[(1, 0)],
                "tn": counts[(0, 0)]}
        assert answers(inst) == want
        assert want["fp"] != want["fn"]


SCENARIO_METRIC = {11: "recall", 12: "recall", 13: "recall", 14: "recall", 15: "recall",
                   21: "precision", 22: "precision", 23: "precision", 24: "precision",
                   25: "precision", 31: "accuracy", 32: "accuracy", 41: "f1", 42: "f1"}
METRIC_ERROR = {"recall": "false-negatives", "precision": "false-positives",
                "accuracy": "both-equally", "f1": "positives-only"}


def test_choose_metric_answers() -> None:
    """Each scenario has its intended metric and costly error; the always-negative model's
    accuracy is the majority share (n - k)/n of an imbalanced set (at most 5% positives)."""
    seen = set()
    for inst in instances("metrics/choose-metric"):
        p = inst.params
        got = answers(inst)
        metric = SCENARIO_METRIC[p["scenario"]]
        seen.add(metric)
        assert got["metric"] == metric
        assert got["why"] == METRIC_ERROR[metric]
        assert 2 <= p["k"] <= p["n"] / 20
        assert got["accuracy"] == pytest.approx((p["n"] - p["k"]) / p["n"], rel=1e-12)
        assert got["misleading"] == "never-positive"
    assert seen == set(METRIC_ERROR)


def test_diagnose_follows_the_stated_rules_with_margins() -> None:
    """High bias: train − baseline > T; high variance: val − train > T. Every instance is at
    least a factor 2 away from T on both counts, never both high, and the remedies fit."""
    remedies = {
        "overfitting": {"more-data", "more-regularization", "smaller-model"},
        "underfitting": {"bigger-model", "less-regularization", "train-longer"},
        "good-fit": {"keep-and-test"},
    }
    diagnoses = Counter()
    for inst in instances("fitting/diagnose"):
        p = inst.params
        t = p["threshold"]
        bias = p["train_error"] - p["baseline_error"]
        gap = p["val_error"] - p["train_error"]
        eps = 1e-9
        assert bias >= -eps and gap >= -eps
        for d in (bias, gap):
            assert d <= t / 2 + eps or d >= 2 * t - eps
        high_bias, high_variance = bias > t, gap > t
        assert not (high_bias and high_variance)
        want = "overfitting" if high_variance else "underfitting" if high_bias else "good-fit"
        got = answers(inst)
        assert got["diagnosis"] == want
        assert got["remedy"] == remedies[want]
        diagnoses[want] += 1
    assert min(diagnoses.values()) >= SEEDS // 5


def _chain_output(x0: float, w: Sequence[float]) -> float:
    """a_L of the sigmoid chain, written with math.exp (nothing shared with the solver)."""
    a = x0
    for wi in w:
        a = 1.0 / (1.0 + math.exp(-wi * a))
    return a


def _finite_difference(x0: float, w: Sequence[float], h: float = 1e-6) -> float:
    return (_chain_output(x0 + h, w) - _chain_output(x0 - h, w)) / (2 * h)


def test_vanishing_gradient_matches_finite_differences() -> None:
    """∂a_L/∂x₀ agrees with central differences; the bound is 0.25^L; the regime follows the
    average factor per layer r = |grad|^(1/L) (vanishing r ≤ 1/2, slowly shrinking up to 1,
    exploding above 1), always with a margin; the YAML's unrolled helper agrees."""
    regimes = Counter()
    for inst in instances("gradients/vanishing"):
        x0, w = inst.params["x0"], inst.params["w"]
        assert 3 <= len(w) <= 6
        got = answers(inst)
        fd = _finite_difference(x0, w)
        assert abs(got["grad"] - fd) <= 1e-4 * abs(fd), (inst.seed, got["grad"], fd)
        assert got["bound"] == pytest.approx(0.25 ** len(w), rel=1e-12)
        size = abs(fd)
        r = size ** (1 / len(w))
        assert r <= 0.45 or 0.55 <= r <= 0.93 or r >= 1.07
        assert size >= 1e-5
        assert got["regime"] == ("exploding" if r > 1 else
                                 "slowly-shrinking" if r > 0.5 else "vanishing")
        assert inst.context["grad_size"] == pytest.approx(abs(got["grad"]), rel=1e-9)
        regimes[got["regime"]] += 1
    assert min(regimes[k] for k in ("exploding", "slowly-shrinking", "vanishing")) >= SEEDS // 10


def test_clip_norm_matches_numpy() -> None:
    """clipped = g·min(1, c/‖g‖₂): never longer than c, parallel to g, g itself when short."""
    clipped_count = 0
    for inst in instances("gradients/clip-norm"):
        g = np.array(inst.params["g"], dtype=float)
        c = float(inst.params["c"])
        norm = float(np.linalg.norm(g))
        want = g * min(1.0, c / norm)
        got = np.array(answers(inst)["clipped"], dtype=float)
        assert close(got, want)
        assert np.linalg.norm(got) <= c * (1 + 1e-12) or np.array_equal(got, g)
        assert norm >= 1.25 * c or norm <= 0.8 * c
        if norm > c:
            clipped_count += 1
            assert np.max(np.abs(g)) > c  # so clipping entry by entry changes g
    assert SEEDS // 4 <= clipped_count <= SEEDS - SEEDS // 4


def test_penalties_match_numpy() -> None:
    """l1 = λΣ|w|, l2 = λΣw², grad_l1 = λ·sign(w), grad_l2 = 2λw, with w ≠ 0 entrywise."""
    for inst in instances("regularization/penalty"):
        w = np.array(inst.params["w"], dtype=float)
        lam = float(inst.params["lam"])
        assert np.all(w != 0) and w.min() < 0 < w.max()
        got = answers(inst)
        assert close(got["l1"], lam * np.abs(w).sum())
        assert close(got["l2"], lam * (w**2).sum())
        assert close(got["grad_l1"], lam * np.sign(w))
        assert close(got["grad_l2"], 2 * lam * w)


TECHNIQUE = {1: "gradient-clipping", 2: "relu", 3: "residual-connections",
             4: "batch-normalization", 5: "xavier-he-init", 6: "sigmoid-everywhere",
             7: "more-layers", 8: "larger-learning-rate"}
PAIRED = {"init": "v_init", "activation": "v_activation", "skip": "v_skip", "norm": "v_norm"}


def test_remedies_answers() -> None:
    """The notes' remedies help against vanishing gradients (each shown in its remedy version,
    1, or its harmful one, 2); clipping (for exploding ones) and a larger learning rate do not."""
    selections = set()
    for inst in instances("gradients/remedies"):
        p = inst.params
        got = answers(inst)
        assert got["technique"] == TECHNIQUE[p["describe"]]
        helping = {oid for oid, flag in PAIRED.items() if p[flag] == 1}
        all_ids = {o.id for o in inst.part("remedies").options}
        assert got["remedies"] == (helping if p["helps"] else all_ids - helping)
        selections.add(frozenset(got["remedies"]))
    assert len(selections) >= 20


def test_l1_vs_l2_answers() -> None:
    """Sparsity, feature selection and a constant-size gradient are L1's; smooth shrinkage,
    squares and weight decay are L2's; reducing overfitting is both; dropout is neither."""
    owner = {1: "l1", 2: "l2", 3: "both", 4: "neither"}
    paired = {"zero": "v_zero", "features": "v_features", "penalty": "v_penalty",
              "gradient": "v_gradient", "name": "v_name", "pull": "v_pull"}
    for inst in instances("regularization/l1-vs-l2"):
        p = inst.params
        got = answers(inst)
        assert got["property"] == owner[p["statement"] // 10]
        want = {oid for oid, flag in paired.items() if p[flag] == p["which"]}
        want |= {"reduces-overfitting"} if p["s_overfit"] else set()
        want |= {"penalty-term"} if p["s_penalty"] else set()
        assert got["true_of"] == want


def test_dropout_answers() -> None:
    """Each placement stem has its placement (dropout itself goes on the hidden layers), each
    scaling stem its rule (inverted dropout is off at inference), and a statement is true
    exactly when its true version is shown."""
    placements = {1: "hidden-layers", 2: "output-layer", 3: "inference-only", 4: "on-labels",
                  5: "remove-units"}
    scalings = {1: "identity", 2: "scale-by-inverse", 3: "scale-by-keep"}
    flags = {"co-adaptation": "s_coadapt", "ensemble": "s_ensemble", "new-mask": "s_mask",
             "keep-probability": "s_keep", "purpose": "s_purpose", "dropped-unit": "s_zero"}
    for inst in instances("dropout/where"):
        got = answers(inst)
        assert got["placement"] == placements[inst.params["place_q"]]
        assert got["inference"] == scalings[inst.params["scale_q"]]
        assert got["statements"] == {k for k, flag in flags.items() if inst.params[flag]}
        assert 0 < len(got["statements"]) < len(flags)


# --------------------------------------------------------------------------- grading


def _check_numeric_part(inst: Instance, part: Part) -> None:
    result = check(inst, part.id, part.answer_text)
    assert result.status == "correct", (inst.seed, part.id, part.answer_text, result.feedback)
    for mistake in part.mistakes:
        result = check(inst, part.id, mistake.answer_text)
        assert result.status == "incorrect", (inst.seed, part.id, mistake.id)
        assert result.mistake == mistake.id, (inst.seed, part.id, mistake.id, result.mistake)
        assert result.feedback == mistake.feedback


def _check_choice_part(inst: Instance, part: Part) -> None:
    result = check(inst, part.id, part.answer_text)
    assert result.status == "correct" and result.score == 1.0
    right = [o for o in part.options if o.correct]
    for option in part.options:
        if option.correct:
            continue
        text = option.letter if part.type == "choice" else \
            ", ".join(sorted([*(o.letter for o in right), option.letter]))
        result = check(inst, part.id, text)
        assert result.status == "incorrect", (inst.seed, part.id, option.id)
        assert result.mistake == option.id, (inst.seed, part.id, option.id, result.mistake)
        assert option.feedback and option.feedback in result.feedback


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_mistakes_and_wrong_options_are_recognised(template_id: str) -> None:
    """Over 300 seeds the reference answer scores correct, and every declared mistake (every
    wrong option, for choice parts) is graded incorrect and named by its own id."""
    for inst in instances(template_id)[:300]:
        for part in inst.parts:
            if part.type in ("choice", "choices"):
                _check_choice_part(inst, part)
            else:
                _check_numeric_part(inst, part)


@pytest.mark.parametrize("template_id", NUMERIC)
def test_every_declared_mistake_is_often_active(template_id: str) -> None:
    """A mistake's `when:` keeps it distinguishable; it must still apply to many instances
    (at least 10% of them), or students would rarely get its feedback."""
    template = default_bank().get(template_id)
    active = Counter((p.id, m.id) for inst in instances(template_id)[:300]
                     for p in inst.parts for m in p.mistakes)
    for spec in template.parts:
        if spec.type in ("choice", "choices"):
            continue
        assert spec.mistakes, spec.id
        for m in spec.mistakes:
            assert active[(spec.id, m.id)] >= 30, (spec.id, m.id, active[(spec.id, m.id)])


@pytest.mark.parametrize("template_id", NUMERIC)
def test_nothing_and_zero_are_never_accepted(template_id: str) -> None:
    """'No change' (0, or a vector of zeros) is never within the tolerance of a numeric
    answer that is not itself 0 (only a confusion count can be 0)."""
    for inst in instances(template_id)[:300]:
        for part in inst.parts:
            if part.type == "integer" and part.answer == 0:
                continue
            if part.type in ("number", "integer"):
                assert part.answer != 0
                assert check(inst, part.id, "0").status == "incorrect"
            elif part.type == "vector":
                zeros = "[" + ", ".join("0" for _ in part.answer) + "]"
                assert check(inst, part.id, zeros).status == "incorrect"


def _choice_parts() -> list[tuple[str, str]]:
    return [(t, p.id) for t in TEMPLATES for p in default_bank().get(t).parts
            if p.type == "choice"]


@pytest.mark.parametrize(("template_id", "part_id"), _choice_parts())
def test_right_option_position_is_spread(template_id: str, part_id: str) -> None:
    """Over 400 seeds every position holds the right option at least half as often as a
    uniform spread would (a loose bound: the shuffle is seeded, so this never flakes)."""
    counts: Counter[int] = Counter()
    n_options = 0
    for inst in instances(template_id):
        part = inst.part(part_id)
        n_options = len(part.options)
        counts["ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(part.answer)] += 1
    expected = SEEDS / n_options
    assert all(counts[i] >= expected / 2 for i in range(n_options)), counts


#: The choice parts whose options' feedback describes the option's technique, the same text
#: whether the option is right or wrong (the others give feedback on wrong options only).
DESCRIBING_FEEDBACK = {("gradients/remedies", "technique")}
#: How a feedback that judges the choice starts (or what it says): never on a right option.
VERDICTS = ("no", "not", "wrong", "incorrect", "correct", "right", "yes", "that is",
            "it does", "they do")


@pytest.mark.parametrize(("template_id", "part_id"), _choice_parts())
def test_right_option_feedback_never_contradicts(template_id: str, part_id: str) -> None:
    """The grader shows a chosen option's feedback even when it is right, so a right option's
    feedback is empty, except where it only describes the technique (gradients/remedies):
    there it is never empty, never a verdict, and an option's feedback is the same text
    whether the option is right or wrong."""
    texts: dict[str, set[str]] = {}
    for inst in instances(template_id)[:200]:
        options = inst.part(part_id).options
        right = next(o for o in options if o.correct)
        if (template_id, part_id) not in DESCRIBING_FEEDBACK:
            assert right.feedback == "", (inst.seed, right.id, right.feedback)
            continue
        feedback = right.feedback.lower()
        assert feedback, (inst.seed, right.id)
        assert not feedback.startswith(VERDICTS), (inst.seed, right.id, right.feedback)
        assert "wrong" not in feedback and "incorrect" not in feedback, (inst.seed, right.id)
        for option in options:
            texts.setdefault(option.id, set()).add(option.feedback)
    if (template_id, part_id) in DESCRIBING_FEEDBACK:
        assert texts and all(len(t) == 1 for t in texts.values()), texts


@pytest.mark.parametrize("template_id", ["metrics/choose-metric", "fitting/diagnose",
                                         "gradients/remedies", "regularization/l1-vs-l2",
                                         "dropout/where"])
def test_conceptual_questions_vary(template_id: str) -> None:
    """Two students rarely get the same question: over 400 seeds there are many different
    questions (prompts and option texts, whatever their order), none shown to more than 5%."""
    shown = Counter(
        inst.prompt + "".join(f"|{p.prompt}|" + ",".join(sorted(o.text for o in p.options))
                              for p in inst.parts)
        for inst in instances(template_id))
    assert len(shown) >= 60
    assert max(shown.values()) <= SEEDS / 20


# --------------------------------------------------------------------------- conventions


CONVENTIONS = {
    "metrics/count-confusion": ("positive class is 1",),
    "fitting/diagnose": ("high bias", "high variance", "percentage points"),
    "gradients/vanishing": ("no biases", "σ(zᵢ) = 1/(1 + e^(−zᵢ))", "r ≤ 1/2", "r > 1"),
    "gradients/clip-norm": ("Euclidean (L2) norm", "clip_grad_norm_"),
    "regularization/penalty": ("no factor 1/2", "λ·Σ|wᵢ|", "λ·Σwᵢ²", "sign(w)"),
    "regularization/l1-vs-l2": ("without a factor 1/2",),
    "dropout/where": ("inverted dropout", "1/(1 − p)"),
}


@pytest.mark.parametrize(("template_id", "phrases"), sorted(CONVENTIONS.items()))
def test_prompts_state_their_conventions(template_id: str, phrases: tuple[str, ...]) -> None:
    """Every instance's prompt states the conventions its answers depend on."""
    for inst in instances(template_id)[:50]:
        for phrase in phrases:
            assert phrase in inst.prompt, (inst.seed, phrase)


def test_broken_override_names_the_constraint() -> None:
    """Params that break a constraint are refused with the constraint's message."""
    template = default_bank().get("metrics/count-confusion")
    with pytest.raises(TemplateError, match="FP and FN differ, so swapping them is detectable"):
        generate(template, 0, {"y_true": [1, 0, 1, 0], "y_pred": [0, 1, 1, 0]})


# --------------------------------------------------------------------------- solvers directly


@settings(max_examples=100, deadline=None)
@given(x0=st.floats(-3, 3), w=st.lists(st.floats(-8, 8).filter(lambda v: abs(v) > 0.05),
                                       min_size=1, max_size=6))
def test_sigmoid_chain_is_the_derivative(x0: float, w: list[float]) -> None:
    """For any input and weights, the solver's ∂a_L/∂x₀ is the slope of a_L(x₀) (central
    differences) and the product of the σ' factors never exceeds 0.25^L."""
    out = sigmoid_chain({"x0": x0, "w": w})
    fd = _finite_difference(x0, w, h=1e-5)
    assert abs(out["grad"] - fd) <= 1e-4 * abs(fd) + 1e-9
    assert out["dsig_product"] <= 0.25 ** len(w) * (1 + 1e-12)
    assert out["explodes"] == (abs(out["grad"]) > 1)


@settings(max_examples=100, deadline=None)
@given(g=st.lists(st.integers(-50, 50).filter(bool), min_size=1, max_size=6),
       c=st.integers(1, 100))
def test_clip_norm_never_lengthens_and_keeps_direction(g: list[int], c: int) -> None:
    """Clipping by norm gives a vector of norm min(‖g‖, c) pointing the same way as g."""
    out = clip_norm({"g": [x / 10 for x in g], "c": c / 10})
    got = np.asarray(out["clipped"], dtype=float)
    g_arr = np.array(g, dtype=float) / 10
    norm = float(np.linalg.norm(g_arr))
    assert np.linalg.norm(got) == pytest.approx(min(norm, c / 10), rel=1e-12)
    assert np.allclose(got * norm, g_arr * np.linalg.norm(got), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: clip_norm({"g": [1, 2], "c": 0}), "the max norm c must be positive, got 0"),
    (lambda: clip_norm({"g": [0, 0], "c": 1}), "g must not be the zero vector"),
    (lambda: sigmoid_chain({"x0": 1, "w": []}), "the chain needs at least one layer"),
])
def test_solver_input_errors(call: Callable[[], object], message: str) -> None:
    """Solvers refuse inputs they cannot handle with a message that says what is wrong."""
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_cli_shows_every_template(template_id: str) -> None:
    """`mlquiz show ID --seed 3` (and with `--solution`) prints the question and exits 0."""
    title = default_bank().get(template_id).title
    for extra in ([], ["--solution"]):
        result = CliRunner().invoke(cli, ["show", template_id, "--seed", "3", *extra])
        assert result.exit_code == 0, result.output
        assert title in result.output


def test_a_new_process_shows_a_template() -> None:
    """`python -m grader show` (what the `mlquiz` script runs) shows one of these templates
    in a fresh interpreter, with no `mlquiz` needed on the PATH."""
    run = subprocess.run([sys.executable, "-m", "grader", "show", "gradients/vanishing",
                          "--seed", "3"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert "Vanishing (and exploding) gradients" in run.stdout


CONTRACT = {
    "metrics/count-confusion": ({"y_true", "y_pred"}, ["tp", "fp", "fn", "tn"]),
    "fitting/diagnose": ({"train_error", "val_error", "baseline_error"},
                         ["diagnosis", "remedy"]),
    "gradients/vanishing": ({"x0", "w"}, ["grad", "bound", "regime"]),
    "gradients/clip-norm": ({"g", "c"}, ["clipped"]),
    "regularization/penalty": ({"w", "lam"}, ["l1", "l2", "grad_l1", "grad_l2"]),
}


@pytest.mark.parametrize(("template_id", "contract"), sorted(CONTRACT.items()))
def test_cli_json_keeps_the_contract(template_id: str,
                                     contract: tuple[set[str], list[str]]) -> None:
    """`show --format json` has the params and the part ids that issue 5 fixes."""
    params, parts = contract
    result = CliRunner().invoke(cli, ["show", template_id, "--seed", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert params <= set(doc["params"])
    assert [p["id"] for p in doc["parts"]] == parts


@pytest.mark.parametrize("topic", ["metrics", "fitting", "gradients", "regularization",
                                   "dropout"])
def test_cli_lists_templates_by_topic(topic: str) -> None:
    """`mlquiz list --topic T` lists this file's templates of that topic, and only that topic."""
    result = CliRunner().invoke(cli, ["list", "--topic", topic, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["topic"] for r in rows} == {topic}
    assert {t for t in TEMPLATES if t.startswith(topic + "/")} <= {r["id"] for r in rows}


def test_cli_list_fitting_table() -> None:
    """The plain `mlquiz list --topic fitting` names fitting/diagnose and its parts."""
    result = CliRunner().invoke(cli, ["list", "--topic", "fitting"])
    assert result.exit_code == 0
    assert "fitting/diagnose" in result.output
    assert "[diagnosis, remedy]" in result.output
