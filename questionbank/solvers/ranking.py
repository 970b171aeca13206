"""Metrics of a scored binary classifier: counts at a threshold, the ROC curve and its AUC.

Every value is counted, so every answer is an exact `Fraction`. The conventions are
scikit-learn's:

- an example is predicted positive when its score is **at or above** the threshold;
- the ROC curve has one point per distinct score, used as the threshold from the highest down
  (`roc_curve(..., drop_intermediate=False)` without its leading (0, 0));
- the AUC is the trapezoid area under that curve from (0, 0), which equals the share of
  (positive, negative) pairs the scores rank the right way round, a tied pair counting 1/2
  (`roc_auc_score`).

Each solver also returns the values students get after the common slips (``m_<slip>``) with
``keep_<slip>`` (see `questionbank.solvers.slips`), and rows for the worked solution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register
from questionbank.solvers.slips import keep_flags

__all__ = ["ROC_SLIPS", "THRESHOLD_SLIPS", "Counts", "counts_at", "roc", "roc_points",
           "threshold"]

#: the slips of `threshold`, per part in the template's order of its mistakes
THRESHOLD_SLIPS = {
    "tp": ("tp_strict", "tp_fn"),
    "fp": ("fp_strict", "fp_fn"),
    "fn": ("fn_strict", "fn_fp"),
    "tn": ("tn_strict", "tn_negatives"),
    "precision": ("precision_recall", "precision_fdr"),
    "recall": ("recall_precision", "recall_specificity"),
    "specificity": ("specificity_fpr", "specificity_npv", "specificity_recall"),
    "fpr": ("fpr_specificity", "fpr_fdr", "fpr_total"),
}

#: the slips of `roc`, per part in the template's order of its mistakes
ROC_SLIPS = {
    "tpr": ("tpr_fpr", "tpr_precision", "tpr_strict"),
    "fpr": ("fpr_tpr", "fpr_specificity", "fpr_strict"),
    "auc": ("auc_reversed", "auc_ties_lose", "auc_ties_win", "auc_average_precision"),
}


@dataclass(slots=True, frozen=True)
class Counts:
    """The four cells of the confusion matrix at one threshold."""

    tp: int
    fp: int
    fn: int
    tn: int

    def rate(self, num: int, den: int) -> Fraction:
        """num/den, or 0 when den is 0 (an undefined rate; the templates rule it out)."""
        return Fraction(num, den) if den else Fraction(0)

    @property
    def precision(self) -> Fraction:
        return self.rate(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> Fraction:
        return self.rate(self.tp, self.tp + self.fn)

    @property
    def specificity(self) -> Fraction:
        return self.rate(self.tn, self.tn + self.fp)

    @property
    def fpr(self) -> Fraction:
        return self.rate(self.fp, self.fp + self.tn)


def counts_at(scores: Sequence[Fraction], labels: Sequence[int], t: Fraction, *,
              strict: bool = False) -> Counts:
    """The confusion counts when a score at or above `t` (above it, with `strict`) is
    predicted positive."""
    tp = fp = fn = tn = 0
    for s, y in zip(scores, labels, strict=True):
        flagged = s > t if strict else s >= t
        if flagged:
            tp, fp = tp + y, fp + (1 - y)
        else:
            fn, tn = fn + y, tn + (1 - y)
    return Counts(tp, fp, fn, tn)


def _inputs(v: Mapping[str, Any]) -> tuple[list[Fraction], list[int]]:
    scores = [Fraction(x) for x in np.asarray(v["scores"], dtype=object).ravel()]
    labels = [int(x) for x in np.asarray(v["y"], dtype=object).ravel()]
    if len(scores) != len(labels):
        raise ValueError(f"scores has {len(scores)} entries but y has {len(labels)}")
    if any(y not in (0, 1) for y in labels):
        raise ValueError("every label in y must be 0 or 1")
    if not 0 < sum(labels) < len(labels):
        raise ValueError("y needs both a positive (1) and a negative (0) example")
    return scores, labels


def _array(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _move(before: Fraction, after: Fraction) -> int:
    return (after > before) - (after < before)


# --------------------------------------------------------------------------- threshold


@register("metrics.threshold", outputs=(
    "tp", "fp", "fn", "tn", "precision", "recall", "specificity", "fpr", "flagged",
    "t2", "tp2", "fp2", "fn2", "tn2", "precision2", "recall2", "precision_move",
    "recall_move", "on_threshold",
    *(f"m_{s}" for names in THRESHOLD_SLIPS.values() for s in names),
    *(f"keep_{s}" for names in THRESHOLD_SLIPS.values() for s in names)))
def threshold(v: Mapping[str, Any]) -> dict[str, Any]:
    """The counts and rates at the threshold ``t`` for ``scores`` and labels ``y``, and how
    precision and recall move when the threshold rises by ``rise`` (1 up, 0 same, −1 down).

    The slips: counting only scores strictly above t; FN for TP, FN for FP, FP for FN, all the
    negatives for TN; recall and FP/(TP + FP) (the false discovery rate) for precision;
    precision and specificity for recall; FPR, TN/(TN + FN) and recall for specificity;
    specificity, the false discovery rate and FP/n for the FPR.
    """
    scores, labels = _inputs(v)
    t = Fraction(v["t"])
    t2 = t + Fraction(v["rise"])
    c = counts_at(scores, labels, t)
    strict = counts_at(scores, labels, t, strict=True)
    c2 = counts_at(scores, labels, t2)
    if c.tp + c.fp == 0 or c2.tp + c2.fp == 0:
        raise ValueError(f"no score is at or above the threshold {float(max(t, t2)):g}")
    fdr = c.rate(c.fp, c.tp + c.fp)
    answers = {"tp": c.tp, "fp": c.fp, "fn": c.fn, "tn": c.tn, "precision": c.precision,
               "recall": c.recall, "specificity": c.specificity, "fpr": c.fpr}
    slips: dict[str, tuple[Any, bool]] = {
        "tp_strict": (strict.tp, True), "tp_fn": (c.fn, True),
        "fp_strict": (strict.fp, True), "fp_fn": (c.fn, True),
        "fn_strict": (strict.fn, True), "fn_fp": (c.fp, True),
        "tn_strict": (strict.tn, True), "tn_negatives": (c.tn + c.fp, True),
        "precision_recall": (c.recall, True), "precision_fdr": (fdr, True),
        "recall_precision": (c.precision, True), "recall_specificity": (c.specificity, True),
        "specificity_fpr": (c.fpr, True),
        "specificity_npv": (c.rate(c.tn, c.tn + c.fn), c.tn + c.fn > 0),
        "specificity_recall": (c.recall, True),
        "fpr_specificity": (c.specificity, True), "fpr_fdr": (fdr, True),
        "fpr_total": (Fraction(c.fp, len(scores)), True),
    }
    result: dict[str, Any] = dict(answers)
    result.update({
        "flagged": _array([int(s >= t) for s in scores]), "t2": t2,
        "tp2": c2.tp, "fp2": c2.fp, "fn2": c2.fn, "tn2": c2.tn,
        "precision2": c2.precision, "recall2": c2.recall,
        "precision_move": _move(c.precision, c2.precision),
        "recall_move": _move(c.recall, c2.recall),
        "on_threshold": sum(s == t for s in scores),
    })
    result.update({f"m_{name}": value for name, (value, _) in slips.items()})
    result.update(keep_flags(answers, slips, THRESHOLD_SLIPS))
    return result


# --------------------------------------------------------------------------- ROC


def roc_points(scores: Sequence[Fraction], labels: Sequence[int]
               ) -> tuple[list[Fraction], list[Counts]]:
    """The distinct scores from the highest down, and the counts with each as the
    threshold (one pass over the examples sorted by score)."""
    groups: dict[Fraction, list[int]] = {}
    for s, y in zip(scores, labels, strict=True):
        groups.setdefault(s, [0, 0])[1 - y] += 1  # [positives, negatives] with this score
    n_pos, n_neg = sum(labels), len(labels) - sum(labels)
    thresholds = sorted(groups, reverse=True)
    counts, tp, fp = [], 0, 0
    for t in thresholds:
        tp, fp = tp + groups[t][0], fp + groups[t][1]
        counts.append(Counts(tp, fp, n_pos - tp, n_neg - fp))
    return thresholds, counts


def _pairs(counts: Sequence[Counts]) -> tuple[int, int]:
    """(wins, ties) over the (positive, negative) pairs, from the counts at the thresholds
    from the highest down: the positives at each score rank higher than the negatives below
    it and the same as the negatives with it."""
    wins = ties = 0
    before = Counts(0, 0, 0, 0)
    for c in counts:
        pos, neg = c.tp - before.tp, c.fp - before.fp
        wins += pos * c.tn
        ties += pos * neg
        before = c
    return wins, ties


def _trapezoid(xs: Sequence[Fraction], ys: Sequence[Fraction]) -> Fraction:
    """The area under the polyline through (0, 0) and the points (xs, ys)."""
    area, x0, y0 = Fraction(0), Fraction(0), Fraction(0)
    for x, y in zip(xs, ys, strict=True):
        area += (x - x0) * (y + y0) / 2
        x0, y0 = x, y
    return area


@register("metrics.roc", outputs=(
    "thresholds", "tpr", "fpr", "precision", "auc", "n_pos", "n_neg", "wins", "ties",
    "pairs", "rows", "average_precision",
    *(f"m_{s}" for names in ROC_SLIPS.values() for s in names),
    *(f"keep_{s}" for names in ROC_SLIPS.values() for s in names)))
def roc(v: Mapping[str, Any]) -> dict[str, Any]:
    """The ROC points (TPR and FPR at each distinct score) and the AUC for ``scores`` and
    labels ``y``; `rows` has (threshold, TP, FP, TPR, FPR) per point for the solution.

    The AUC is computed as the trapezoid area (the curve); `wins` and `ties` count the pairs
    for the solution, which explains the AUC as (wins + ties/2)/pairs. The slips: FPR for TPR
    and TPR for FPR (axes swapped), precision for TPR (a precision-recall curve), 1 − FPR,
    and both rates with scores strictly above each threshold; for the AUC, 1 − AUC (the
    ranking reversed), ties counted as losses or as wins, and the average precision (the
    area under the precision-recall curve, as scikit-learn's `average_precision_score`).
    """
    scores, labels = _inputs(v)
    thresholds, counts = roc_points(scores, labels)
    n_pos, n_neg = sum(labels), len(labels) - sum(labels)
    tpr = [c.recall for c in counts]
    fpr = [c.fpr for c in counts]
    precision = [c.precision for c in counts]
    # strictly above a threshold is at or above the next higher one
    strict = [Counts(0, 0, n_pos, n_neg), *counts[:-1]]
    auc = _trapezoid(fpr, tpr)
    wins, ties = _pairs(counts)
    pairs = n_pos * n_neg
    ap = sum(((r - r0) * p for r, r0, p in zip(tpr, [Fraction(0), *tpr[:-1]], precision,
                                                strict=True)), Fraction(0))
    answers = {"tpr": tpr, "fpr": fpr, "auc": auc}
    slips: dict[str, tuple[Any, bool]] = {
        "tpr_fpr": (fpr, True), "tpr_precision": (precision, True),
        "tpr_strict": ([c.recall for c in strict], True),
        "fpr_tpr": (tpr, True), "fpr_specificity": ([1 - x for x in fpr], True),
        "fpr_strict": ([c.fpr for c in strict], True),
        "auc_reversed": (1 - auc, True),
        "auc_ties_lose": (Fraction(wins, pairs), ties > 0),
        "auc_ties_win": (Fraction(wins + ties, pairs), ties > 0),
        "auc_average_precision": (ap, True),
    }
    result: dict[str, Any] = {
        "thresholds": _array(thresholds), "tpr": _array(tpr), "fpr": _array(fpr),
        "precision": _array(precision), "auc": auc, "n_pos": n_pos, "n_neg": n_neg,
        "wins": wins, "ties": ties, "pairs": pairs, "average_precision": ap,
        "rows": [[t, c.tp, c.fp, r, f] for t, c, r, f in zip(thresholds, counts, tpr, fpr,
                                                              strict=True)],
    }
    for name, (value, _) in slips.items():
        result[f"m_{name}"] = _array(value) if isinstance(value, list) else value
    result.update(keep_flags(answers, slips, ROC_SLIPS))
    return result
