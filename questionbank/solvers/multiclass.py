"""Per-class precision and recall, and the macro, micro and weighted F1 of a confusion matrix.

The matrix has one row per **actual** class and one column per **predicted** class, as
scikit-learn's `confusion_matrix` (entry [i][j] counts the examples of class i predicted as
class j). For class k, precision = C[k][k] / (column k's sum), recall = C[k][k] / (row k's
sum) and F1 = 2·C[k][k] / (row sum + column sum). Then, as `f1_score(average=...)`:

- macro F1 = the plain mean of the per-class F1;
- micro F1 = F1 of the pooled counts = trace / total = accuracy (with one label per example,
  pooled FP and pooled FN are both the off-diagonal sum);
- weighted F1 = the per-class F1 weighted by each class's support (row sum).

Everything is an exact `Fraction`. The solver also returns the slips (``m_<slip>``) with
``keep_<slip>`` (see `questionbank.solvers.slips`) and rows for the worked solution.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register
from questionbank.solvers.slips import keep_flags

__all__ = ["MULTICLASS_SLIPS", "SEPARATION", "multiclass_f1"]

#: how far apart a kept slip is (see `keep_flags`): a little more than twice the 0.5%
#: tolerance of the template (the weighted F1 is often close to the accuracy)
SEPARATION = 0.011

#: the slips of `multiclass_f1`, per part in the template's order of its mistakes
MULTICLASS_SLIPS = {
    "precision": ("precision_recall", "precision_row_share"),
    "recall": ("recall_precision",),
    "macro_f1": ("macro_micro", "macro_weighted", "macro_f1_of_means"),
    "micro_f1": ("micro_macro", "micro_weighted"),
}


def _array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _matrix(v: Mapping[str, Any]) -> list[list[int]]:
    """The confusion matrix: the param ``C``, or a 3×3 one built from its diagonal ``d`` and
    its six off-diagonal cells ``off``, row by row (the template draws these separately)."""
    if "C" in v:
        return [[int(e) for e in row] for row in np.asarray(v["C"], dtype=object)]
    d, off = [int(e) for e in v["d"]], [int(e) for e in v["off"]]
    if len(d) != 3 or len(off) != 6:
        raise ValueError(f"d needs 3 entries and off 6, got {len(d)} and {len(off)}")
    return [[d[0], off[0], off[1]], [off[2], d[1], off[3]], [off[4], off[5], d[2]]]


def _harmonic(a: Fraction, b: Fraction) -> Fraction:
    return 2 * a * b / (a + b) if a + b else Fraction(0)


@register("metrics.multiclass", outputs=(
    "precision", "recall", "f1", "macro_f1", "micro_f1", "weighted_f1", "C",
    "diagonal", "total", "macro_precision", "macro_recall", "rows",
    *(f"m_{s}" for names in MULTICLASS_SLIPS.values() for s in names),
    *(f"keep_{s}" for names in MULTICLASS_SLIPS.values() for s in names)))
def multiclass_f1(v: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics of the square confusion matrix ``C`` (rows actual, columns predicted; or
    its diagonal ``d`` and off-diagonal cells ``off``, see `_matrix`).

    The slips: recall for precision and precision for recall (rows and columns swapped), the
    diagonal over the *total* for precision; micro F1, weighted F1 and the F1 of the macro
    precision and macro recall for macro F1; macro and weighted F1 for micro F1.
    """
    matrix = _matrix(v)
    k = len(matrix)
    if k < 2 or any(len(row) != k for row in matrix):
        raise ValueError("C must be a square matrix of at least 2 classes")
    diagonal = [matrix[i][i] for i in range(k)]
    support = [sum(row) for row in matrix]
    predicted = [sum(matrix[i][j] for i in range(k)) for j in range(k)]
    if 0 in support or 0 in predicted:
        raise ValueError("every class needs an actual and a predicted example")
    total = sum(support)
    precision = [Fraction(d, p) for d, p in zip(diagonal, predicted, strict=True)]
    recall = [Fraction(d, s) for d, s in zip(diagonal, support, strict=True)]
    f1 = [Fraction(2 * d, s + p) for d, s, p in zip(diagonal, support, predicted, strict=True)]
    macro = sum(f1, Fraction(0)) / k
    micro = Fraction(sum(diagonal), total)
    weighted = sum((f * s for f, s in zip(f1, support, strict=True)), Fraction(0)) / total
    macro_p, macro_r = sum(precision, Fraction(0)) / k, sum(recall, Fraction(0)) / k
    answers = {"precision": precision, "recall": recall, "macro_f1": macro, "micro_f1": micro}
    slips: dict[str, tuple[Any, bool]] = {
        "precision_recall": (recall, True),
        "precision_row_share": ([Fraction(d, total) for d in diagonal], True),
        "recall_precision": (precision, True),
        "macro_micro": (micro, True), "macro_weighted": (weighted, True),
        "macro_f1_of_means": (_harmonic(macro_p, macro_r), True),
        "micro_macro": (macro, True), "micro_weighted": (weighted, True),
    }
    result: dict[str, Any] = {
        "precision": _array(precision), "recall": _array(recall), "f1": _array(f1),
        "macro_f1": macro, "micro_f1": micro, "weighted_f1": weighted,
        "diagonal": _array(diagonal), "total": total, "C": matrix,
        "macro_precision": macro_p, "macro_recall": macro_r,
        "rows": [[i, diagonal[i], predicted[i], support[i], precision[i], recall[i], f1[i]]
                 for i in range(k)],
    }
    for name, (value, _) in slips.items():
        result[f"m_{name}"] = _array(value) if isinstance(value, list) else value
    result.update(keep_flags(answers, slips, MULTICLASS_SLIPS, SEPARATION))
    return result
