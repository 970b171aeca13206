"""Classification metrics from confusion-matrix counts, exact (`Fraction`) where defined."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from questionbank.solvers import register


@register("metrics.confusion", outputs=("accuracy", "precision", "recall", "f1", "total",
                                        "specificity"))
def confusion_metrics(v: Mapping[str, Any]) -> dict[str, Any]:
    """Accuracy, precision, recall, F1 (harmonic mean) and specificity from tp, fp, fn, tn.

    The template's constraints guarantee tp + fp > 0 and tp + fn > 0; F1 is 0 when tp is 0.
    """
    tp, fp, fn, tn = (int(v[k]) for k in ("tp", "fp", "fn", "tn"))
    total = tp + fp + fn + tn
    precision = Fraction(tp, tp + fp)
    recall = Fraction(tp, tp + fn)
    f1 = Fraction(2 * tp, 2 * tp + fp + fn)
    specificity = Fraction(tn, tn + fp) if tn + fp else Fraction(0)
    return {
        "accuracy": Fraction(tp + tn, total),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "total": total,
        "specificity": specificity,
    }
