"""The threshold, ROC-AUC and multi-class F1 templates and their solvers
(`questionbank.solvers.ranking`, `questionbank.solvers.multiclass`).

The references never call the solvers' code: they count. Counts at a threshold come from
comparing each score with it; the ROC points from counting at each distinct score; the AUC
from the (positive, negative) pairs, a tie counting 1/2 (the Mann-Whitney form, while the
solver adds trapezoids); the multi-class metrics from the rows, the columns and the pooled
counts of the matrix. Decimals are read as the exact decimals the student sees. Over many
seeds the instances must grade like a teacher would (`template_checks`). scikit-learn, when
it is installed, computes the same numbers (it is never a runtime dependency).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionbank.expr import to_exact
from questionbank.selftest import run_template_tests
from questionbank.solvers import get_solver

from .template_checks import (
    BANK,
    assert_always_declared,
    assert_cli_check_accepts_the_key,
    assert_grades_like_a_teacher,
    assert_renders_everywhere,
    instances,
)

THRESHOLD = "metrics/threshold"
ROC = "metrics/roc-auc"
MULTICLASS = "metrics/multiclass-f1"
ALL = (THRESHOLD, ROC, MULTICLASS)
SEEDS = 400


def _exact(x: Any) -> Fraction:
    """A param as the decimal the student reads (0.35 is 35/100, not the nearest double)."""
    return Fraction(str(x))


def _answers(inst: Any) -> dict[str, Any]:
    return {part.id: part.value for part in inst.parts}


def _right_option(inst: Any, part_id: str) -> str:
    (right,) = [o.id for o in inst.part(part_id).options if o.correct]
    return right


def _mistake_value(inst: Any, part_id: str, mistake_id: str) -> Any:
    """The value of a mistake declared on this instance, or None when it is not declared."""
    return next((float(m.value) for m in inst.part(part_id).mistakes if m.id == mistake_id),
                None)


def _solve(name: str, **values: Any) -> dict[str, Any]:
    return dict(get_solver(name).fn({k: to_exact(v) for k, v in values.items()}))


# --------------------------------------------------------------------------- references


def count_cells(scores: list[Fraction], labels: list[int], t: Fraction) -> tuple[int, ...]:
    """(TP, FP, FN, TN) with 'positive' meaning score >= t, by counting."""
    flagged = [s >= t for s in scores]
    return (sum(f and y == 1 for f, y in zip(flagged, labels, strict=True)),
            sum(f and y == 0 for f, y in zip(flagged, labels, strict=True)),
            sum(not f and y == 1 for f, y in zip(flagged, labels, strict=True)),
            sum(not f and y == 0 for f, y in zip(flagged, labels, strict=True)))


def pair_auc(scores: list[Fraction], labels: list[int]) -> Fraction:
    """The share of (positive, negative) pairs ranked the right way round, a tie counting
    1/2: the Mann-Whitney U statistic over P·N."""
    pos = np.array([float(s) for s, y in zip(scores, labels, strict=True) if y == 1])
    neg = np.array([float(s) for s, y in zip(scores, labels, strict=True) if y == 0])
    diff = pos[:, None] - neg[None, :]
    wins, ties = int(np.sum(diff > 1e-12)), int(np.sum(np.abs(diff) <= 1e-12))
    return Fraction(2 * wins + ties, 2 * len(pos) * len(neg))


def _exact_params(inst: Any) -> tuple[list[Fraction], list[int]]:
    return [_exact(s) for s in inst.params["scores"]], [int(y) for y in inst.params["y"]]


# --------------------------------------------------------------------------- threshold


def test_threshold_answers_match_a_direct_count() -> None:
    """Over 400 seeds: the four counts and the four rates equal a direct count at t, and
    the right options say how precision and recall move at the raised threshold."""
    word = {1: "higher", 0: "same", -1: "lower"}
    for inst in instances(THRESHOLD, SEEDS):
        scores, labels = _exact_params(inst)
        t = _exact(inst.params["t"])
        tp, fp, fn, tn = count_cells(scores, labels, t)
        got = _answers(inst)
        assert (got["tp"], got["fp"], got["fn"], got["tn"]) == (tp, fp, fn, tn), inst.seed
        want = {"precision": Fraction(tp, tp + fp), "recall": Fraction(tp, tp + fn),
                "specificity": Fraction(tn, tn + fp), "fpr": Fraction(fp, fp + tn)}
        for part_id, value in want.items():
            assert float(got[part_id]) == pytest.approx(float(value), rel=1e-12), inst.seed
            assert inst.part(part_id).answer_text in (str(value), f"{float(value):g}")
        tp2, fp2, fn2, _ = count_cells(scores, labels, t + _exact(inst.params["rise"]))
        p_move = (Fraction(tp2, tp2 + fp2) > want["precision"]) - \
            (Fraction(tp2, tp2 + fp2) < want["precision"])
        r_move = (Fraction(tp2, tp2 + fn2) > want["recall"]) - \
            (Fraction(tp2, tp2 + fn2) < want["recall"])
        assert _right_option(inst, "precision_moves") == word[p_move], inst.seed
        assert _right_option(inst, "recall_moves") == word[r_move], inst.seed


def test_raising_the_threshold_never_raises_recall_but_precision_goes_both_ways() -> None:
    """Recall is lower or the same at t′; precision is higher on some seeds and lower on
    others, so the question cannot be answered by the rule of thumb alone."""
    recall = Counter(_right_option(i, "recall_moves") for i in instances(THRESHOLD, SEEDS))
    precision = Counter(_right_option(i, "precision_moves") for i in instances(THRESHOLD, SEEDS))
    assert recall["higher"] == 0 and recall["lower"] > 0 and recall["same"] > 0
    assert precision["higher"] > 0 and precision["lower"] > 0


def test_a_score_on_the_threshold_is_flagged() -> None:
    """A score equal to t counts as positive; counting only scores above t is a declared
    mistake whenever such a score exists (on a fifth of the seeds or more)."""
    on = 0
    for inst in instances(THRESHOLD, SEEDS):
        scores, labels = _exact_params(inst)
        t = _exact(inst.params["t"])
        tied = [y for s, y in zip(scores, labels, strict=True) if s == t]
        if not tied:
            continue
        on += 1
        part_id = "tp" if 1 in tied else "fp"
        assert "strictly-above" in {m.id for m in inst.part(part_id).mistakes}, inst.seed
    assert on >= SEEDS // 5


def test_threshold_by_hand() -> None:
    """Scores [0.9, 0.7, 0.5, 0.5, 0.2] with labels [1, 0, 1, 0, 1] at t = 0.5: flagged
    0.9, 0.7, 0.5, 0.5, so TP 2, FP 2, FN 1, TN 0 (specificity 0, FPR 1); strictly above 0.5
    only 0.9 and 0.7 (TP 1, FP 1). At t′ = 0.7: TP 1, FP 1, FN 2."""
    out = _solve("metrics.threshold", scores=[0.9, 0.7, 0.5, 0.5, 0.2], y=[1, 0, 1, 0, 1],
                 t=0.5, rise=0.2)
    assert (out["tp"], out["fp"], out["fn"], out["tn"]) == (2, 2, 1, 0)
    assert (out["specificity"], out["fpr"]) == (0, 1)
    assert (out["m_tp_strict"], out["m_fp_strict"], out["on_threshold"]) == (1, 1, 2)
    assert (out["tp2"], out["fp2"], out["fn2"]) == (1, 1, 2)
    assert (out["precision_move"], out["recall_move"]) == (0, -1)


def test_threshold_refuses_a_threshold_above_every_score() -> None:
    with pytest.raises(ValueError, match=r"no score is at or above the threshold 0\.9$"):
        _solve("metrics.threshold", scores=[0.2, 0.4], y=[1, 0], t=0.5, rise=0.4)


def test_sklearn_agrees_on_the_threshold_metrics() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    for inst in instances(THRESHOLD, 100):
        scores, labels = _exact_params(inst)
        pred = [int(s >= _exact(inst.params["t"])) for s in scores]
        tn, fp, fn, tp = metrics.confusion_matrix(labels, pred, labels=[0, 1]).ravel()
        got = _answers(inst)
        assert (got["tp"], got["fp"], got["fn"], got["tn"]) == (tp, fp, fn, tn)
        assert got["precision"] == pytest.approx(metrics.precision_score(labels, pred))
        assert got["recall"] == pytest.approx(metrics.recall_score(labels, pred))


# --------------------------------------------------------------------------- ROC


def test_roc_points_and_auc_match_direct_counts() -> None:
    """Over 400 seeds: the thresholds are the distinct scores, highest first; TPR = TP/P and
    FPR = FP/N counted at each; the AUC equals the pair count with ties 1/2."""
    for inst in instances(ROC, SEEDS):
        scores, labels = _exact_params(inst)
        n_pos, n_neg = sum(labels), len(labels) - sum(labels)
        thresholds = sorted(set(scores), reverse=True)
        cells = [count_cells(scores, labels, t) for t in thresholds]
        got = _answers(inst)
        want_tpr = [Fraction(c[0], n_pos) for c in cells]
        want_fpr = [Fraction(c[1], n_neg) for c in cells]
        assert got["tpr"] == pytest.approx([float(x) for x in want_tpr], rel=1e-12)
        assert got["fpr"] == pytest.approx([float(x) for x in want_fpr], rel=1e-12)
        assert want_tpr[-1] == want_fpr[-1] == 1
        assert got["auc"] == pytest.approx(float(pair_auc(scores, labels)), rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(data=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 1)), max_size=10),
       pos=st.integers(1, 6), neg=st.integers(1, 6))
def test_trapezoids_equal_the_pair_count(data: list[tuple[int, int]], pos: int,
                                         neg: int) -> None:
    """For any scores (with many ties) and labels with both classes, the solver's trapezoid
    area under the ROC points equals the share of correctly ranked pairs, ties counting 1/2,
    and swapping the labels gives 1 − AUC."""
    data = [*data, (pos, 1), (neg, 0)]
    scores = [Fraction(s, 10) for s, _ in data]
    labels = [y for _, y in data]
    out = _solve("metrics.roc", scores=[float(s) for s in scores], y=labels)
    assert out["auc"] == pair_auc(scores, labels)
    flipped = _solve("metrics.roc", scores=[float(s) for s in scores], y=[1 - y for y in labels])
    assert flipped["auc"] == 1 - out["auc"]


def test_roc_by_hand() -> None:
    """Scores [0.8, 0.6, 0.6, 0.3] with labels [1, 1, 0, 0]: thresholds 0.8, 0.6, 0.3,
    TPR [1/2, 1, 1], FPR [0, 1/2, 1]; pairs: 0.8 beats both negatives, the positive 0.6 ties
    0.6 and beats 0.3, so AUC = (3 + 1/2)/4 = 7/8; ties as losses 3/4, as wins 1; average
    precision = 1/2·1 + 1/2·2/3 = 5/6."""
    out = _solve("metrics.roc", scores=[0.8, 0.6, 0.6, 0.3], y=[1, 1, 0, 0])
    assert [float(t) for t in out["thresholds"]] == [0.8, 0.6, 0.3]
    assert list(out["tpr"]) == [Fraction(1, 2), 1, 1]
    assert list(out["fpr"]) == [0, Fraction(1, 2), 1]
    assert out["auc"] == Fraction(7, 8) and (out["wins"], out["ties"]) == (3, 1)
    assert (out["m_auc_ties_lose"], out["m_auc_ties_win"]) == (Fraction(3, 4), 1)
    assert out["average_precision"] == Fraction(5, 6)
    assert list(out["m_tpr_strict"]) == [0, Fraction(1, 2), 1]


def test_roc_misconceptions_are_wrong_on_every_seed() -> None:
    """Axes swapped, a precision-recall curve and 1 − FPR are declared on every seed; the
    reversed ranking wherever the AUC is not within 2% of 1/2; both ways of miscounting ties
    wherever a positive and a negative share a score (unless that number is also 1 − AUC),
    and never otherwise."""
    assert_always_declared(ROC, SEEDS, [("tpr", "fpr-for-tpr"), ("tpr", "precision-for-tpr"),
                                        ("fpr", "tpr-for-fpr"), ("fpr", "specificity-for-fpr")])
    for inst in instances(ROC, SEEDS):
        scores, labels = _exact_params(inst)
        declared = {m.id for m in inst.part("auc").mistakes}
        auc = pair_auc(scores, labels)
        if abs(auc - Fraction(1, 2)) > Fraction(1, 50):
            assert "reversed-ranking" in declared, inst.seed
        tied = {s for s, y in zip(scores, labels, strict=True) if y == 1} & \
            {s for s, y in zip(scores, labels, strict=True) if y == 0}
        if not tied:
            assert not {"ties-as-losses", "ties-as-wins"} & declared, inst.seed
            continue
        n_pos, n_neg = sum(labels), len(labels) - sum(labels)
        n_ties = sum(s == s2 for s, y in zip(scores, labels, strict=True) if y == 1
                     for s2, y2 in zip(scores, labels, strict=True) if y2 == 0)
        half = Fraction(n_ties, 2 * n_pos * n_neg)
        for mistake_id, value in (("ties-as-losses", auc - half), ("ties-as-wins", auc + half)):
            # left out only where it is (within 2%) the reversed ranking's 1 − AUC
            assert mistake_id in declared or abs(value - (1 - auc)) <= value / 50, inst.seed


def test_roc_instances_are_mostly_better_than_chance() -> None:
    """The positives score higher on average, so most instances have AUC > 1/2."""
    aucs = [float(_answers(i)["auc"]) for i in instances(ROC, SEEDS)]
    assert sum(a > 0.5 for a in aucs) >= 0.8 * len(aucs)


def test_sklearn_agrees_on_the_roc_curve_and_auc() -> None:
    """`roc_curve(drop_intermediate=False)` (after its leading (0, 0) point),
    `roc_auc_score` and `average_precision_score` give the same numbers."""
    metrics = pytest.importorskip("sklearn.metrics")
    for inst in instances(ROC, 100):
        scores, labels = inst.params["scores"], inst.params["y"]
        fpr, tpr, thresholds = metrics.roc_curve(labels, scores, drop_intermediate=False)
        got = _answers(inst)
        assert np.allclose(got["fpr"], fpr[1:]) and np.allclose(got["tpr"], tpr[1:])
        assert np.allclose(sorted(set(scores), reverse=True), thresholds[1:])
        assert got["auc"] == pytest.approx(metrics.roc_auc_score(labels, scores))
        ap = _mistake_value(inst, "auc", "area-under-precision-recall")
        if ap is not None:
            assert ap == pytest.approx(metrics.average_precision_score(labels, scores))


# --------------------------------------------------------------------------- multi-class


def test_multiclass_answers_match_numpy() -> None:
    """Over 400 seeds: precision = diagonal / column sums, recall = diagonal / row sums,
    macro-F1 = mean of 2PR/(P + R), micro-F1 = 2TP/(2TP + FP + FN) of the pooled counts
    (which is the accuracy)."""
    for inst in instances(MULTICLASS, SEEDS):
        d, off = inst.params["d"], inst.params["off"]
        c = np.array([[d[0], off[0], off[1]], [off[2], d[1], off[3]], [off[4], off[5], d[2]]],
                     dtype=float)
        diag = np.diag(c)
        precision, recall = diag / c.sum(axis=0), diag / c.sum(axis=1)
        f1 = 2 * precision * recall / (precision + recall)
        tp, fp, fn = diag.sum(), (c.sum(axis=0) - diag).sum(), (c.sum(axis=1) - diag).sum()
        got = _answers(inst)
        assert np.allclose(got["precision"], precision, rtol=1e-12), inst.seed
        assert np.allclose(got["recall"], recall, rtol=1e-12), inst.seed
        assert got["macro_f1"] == pytest.approx(f1.mean(), rel=1e-12)
        assert got["micro_f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn), rel=1e-12)
        assert got["micro_f1"] == pytest.approx(tp / c.sum(), rel=1e-12)


def test_multiclass_by_hand() -> None:
    """C = [[5, 0, 5], [0, 10, 0], [5, 0, 5]]: rows and columns 10, 10, 10; precision =
    recall = F1 = [1/2, 1, 1/2]; macro = 2/3 = micro = 20/30; the F1 of the macro averages
    is 2/3 too. A second matrix makes macro and weighted differ."""
    out = _solve("metrics.multiclass", C=[[5, 0, 5], [0, 10, 0], [5, 0, 5]])
    assert list(out["f1"]) == [Fraction(1, 2), 1, Fraction(1, 2)]
    assert out["macro_f1"] == out["micro_f1"] == Fraction(2, 3)
    out = _solve("metrics.multiclass", C=[[8, 2, 0], [0, 1, 1], [0, 0, 1]])
    # rows 10, 2, 1; columns 8, 3, 2; F1 = 16/18, 2/5, 2/3
    assert list(out["f1"]) == [Fraction(8, 9), Fraction(2, 5), Fraction(2, 3)]
    assert out["macro_f1"] == (Fraction(8, 9) + Fraction(2, 5) + Fraction(2, 3)) / 3
    assert out["weighted_f1"] == (Fraction(80, 9) + Fraction(4, 5) + Fraction(2, 3)) / 13
    assert out["micro_f1"] == Fraction(10, 13)


def test_multiclass_refuses_an_empty_class() -> None:
    with pytest.raises(ValueError, match="every class needs an actual and a predicted"):
        _solve("metrics.multiclass", C=[[5, 0, 0], [0, 3, 0], [0, 0, 0]])


def test_multiclass_misconceptions_are_wrong_on_every_seed() -> None:
    """Macro and micro swapped, and precision and recall swapped, are declared on every seed;
    weighting the classes for macro-F1 wherever the weighted F1 is not also (within 1.1%)
    micro-F1, the answer the grader then names."""
    assert_always_declared(MULTICLASS, SEEDS, [
        ("macro_f1", "micro-for-macro"), ("micro_f1", "macro-for-micro"),
        ("precision", "recall-for-precision"), ("recall", "precision-for-recall")])
    for inst in instances(MULTICLASS, SEEDS):
        got = _answers(inst)
        weighted = _mistake_value(inst, "micro_f1", "weighted-for-micro")
        declared = {m.id for m in inst.part("macro_f1").mistakes}
        if weighted is not None:
            assert "weighted-for-macro" in declared, inst.seed
        assert abs(got["macro_f1"] - got["micro_f1"]) >= got["micro_f1"] / 50


def test_sklearn_agrees_on_the_multiclass_f1() -> None:
    """`f1_score` with average macro, micro and weighted, from labels that reproduce C."""
    metrics = pytest.importorskip("sklearn.metrics")
    for inst in instances(MULTICLASS, 100):
        d, off = inst.params["d"], inst.params["off"]
        c = [[d[0], off[0], off[1]], [off[2], d[1], off[3]], [off[4], off[5], d[2]]]
        truth = [i for i in range(3) for j in range(3) for _ in range(c[i][j])]
        pred = [j for i in range(3) for j in range(3) for _ in range(c[i][j])]
        got = _answers(inst)
        assert got["macro_f1"] == pytest.approx(metrics.f1_score(truth, pred, average="macro"))
        assert got["micro_f1"] == pytest.approx(metrics.f1_score(truth, pred, average="micro"))
        assert np.allclose(got["precision"], metrics.precision_score(truth, pred, average=None))


# --------------------------------------------------------------------------- all three


@pytest.mark.parametrize("template_id", ALL)
def test_reference_correct_and_every_mistake_recognised(template_id: str) -> None:
    assert_grades_like_a_teacher(template_id, SEEDS)


@pytest.mark.parametrize("template_id", ALL)
def test_cli_check_accepts_the_reference(template_id: str) -> None:
    assert_cli_check_accepts_the_key(template_id, range(12))


@pytest.mark.parametrize("template_id", ALL)
def test_three_significant_figures_are_accepted(template_id: str) -> None:
    """The prompts ask for 3 significant figures (or the exact fraction); every rate rounded
    so grades correct."""
    from grader.judge.check import check

    for inst in instances(template_id, SEEDS)[:150]:
        for part in inst.parts:
            if part.type not in ("number", "vector"):
                continue
            values = np.atleast_1d(np.asarray(part.value, dtype=float))
            texts = [f"{v:.3g}" for v in values]
            text = texts[0] if part.type == "number" else "[" + ", ".join(texts) + "]"
            assert check(inst, part.id, text).correct, (inst.seed, part.id, text)


@pytest.mark.parametrize("template_id", ALL)
def test_declared_template_tests_pass(template_id: str) -> None:
    template = BANK.get(template_id)
    assert len(template.tests) >= 2
    assert run_template_tests(template, seeds=(0, 1)) == []


@pytest.mark.parametrize("template_id", ALL)
def test_every_text_renders_in_every_format(template_id: str) -> None:
    assert_renders_everywhere(template_id, 30)
