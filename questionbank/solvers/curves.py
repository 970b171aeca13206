"""Learning curves: a training run's loss per epoch, early stopping with patience, and the fit.

The curves are built from the params in whole thousandths (so every plotted value is exact
and written with three decimals), by a recipe that fixes what the question asks about:

- the validation loss falls strictly until epoch ``best``, and after it never falls back to
  that level before ``best + patience``: early stopping always stops at ``best + patience``
  and restores epoch ``best``;
- with ``dip``, the validation loss later reaches a lower value (after the stop, before the
  last epoch): the lowest validation loss of the whole run is then a trap for a reader who
  ignores the patience;
- the training loss is lowest at the last epoch, and below the validation loss at every epoch;
- ``regime`` (1 overfitting, 2 underfitting, 3 a good fit) places the last epoch's losses far
  from the thresholds of the rules the question states.

The answers are then computed from the curves alone (`early_stopping`, `diagnose`), never from
the recipe's intent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from questionbank.solvers import register

__all__ = ["build_curves", "diagnose", "early_stopping"]


def early_stopping(val: Sequence[Any], patience: int) -> tuple[int, int]:
    """(the epoch whose weights are kept, the last epoch trained), epochs counted from 1.

    After each epoch the validation loss is compared with the best so far: a strictly lower
    value is an improvement (Keras and PyTorch Lightning with ``min_delta=0``); after
    `patience` epochs in a row without one, training stops. A run that never stops trains
    every epoch.
    """
    best, best_epoch, waited = None, 0, 0
    for epoch, loss in enumerate(val, start=1):
        if best is None or loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val)


def diagnose(train: Sequence[Any], val: Sequence[Any], baseline: Any,
             threshold: Any) -> tuple[bool, bool]:
    """(high bias, high variance) from the last epoch: the training loss more than
    `threshold` above `baseline`, the validation loss more than `threshold` above the
    training loss."""
    return train[-1] - baseline > threshold, val[-1] - train[-1] > threshold


def build_curves(v: Mapping[str, Any]) -> tuple[list[int], list[int]]:
    """The training and validation losses, in thousandths, of the run the params describe."""
    n, patience, best = int(v["epochs"]), int(v["patience"]), int(v["best"])
    regime, noise = int(v["regime"]), [int(x) for x in v["noise"]]
    thr = int(Fraction(v["threshold"]) * 1000)
    base, start = int(Fraction(v["baseline"]) * 1000), int(Fraction(v["start"]) * 1000)
    frac = Fraction(v["frac"])
    if not (best >= 2 and best + patience <= n - 2 and len(noise) == n):
        raise ValueError("the best epoch leaves no room for the patience and a later epoch")
    final_train = base + int(frac * thr) + (2 * thr if regime == 2 else 0)
    if regime == 1:  # the validation loss climbs far above the training loss
        level, rise = final_train + int(frac * thr), 2 * thr + int(frac * thr)
    else:  # it levels off just above the training loss
        level, rise = final_train + int(frac * thr / 2), int(frac * thr / 4)
    gap = (level - final_train) // 2  # training below validation up to the best epoch
    val = [level + (start - level) * (best - e) ** 2 // (best - 1) ** 2
           for e in range(1, best + 1)]
    val += [level + 1 + rise * (e - best) // (n - best) + noise[e - 1]
            for e in range(best + 1, n + 1)]
    top = val[best - 1] - gap
    train = [x - gap for x in val[:best]]
    train += [final_train - (-(top - final_train) * (n - e) // (n - best))
              for e in range(best + 1, n + 1)]
    if v["dip"]:
        dip = min(best + patience + int(v["dip_offset"]), n - 1) - 1
        depth = max(1, min(5 + noise[dip], (level - train[dip]) // 2))
        val[dip] = level - depth
    return train, val


def _losses(values: Sequence[int]) -> np.ndarray:
    """Thousandths as floats (each the float nearest its three-decimal value, so it prints
    as written). Only the figure and the texts read the curves, in floating point; making
    them exact fractions would cost more than the rest of the instance."""
    return np.array(values, dtype=float) / 1000


@register("curves.early_stopping", outputs=(
    "train_loss", "val_loss", "best_epoch", "stop_epoch", "train_min_epoch", "val_min_epoch",
    "high_bias", "high_variance", "final_train", "final_val", "best_val", "trace"))
def learning_curves(v: Mapping[str, Any]) -> dict[str, Any]:
    """The curves, the epochs early stopping keeps and stops at, the epochs of the lowest
    training and validation losses, the diagnosis, and the trace of the early-stopping rule
    (epoch, validation loss, best so far, epochs without improvement) up to the stop."""
    train, val = build_curves(v)
    patience = int(v["patience"])
    best_epoch, stop_epoch = early_stopping(val, patience)
    high_bias, high_variance = diagnose(train, val, int(Fraction(v["baseline"]) * 1000),
                                        int(Fraction(v["threshold"]) * 1000))
    trace, best, waited = [], None, 0
    for epoch, loss in enumerate(val[:stop_epoch], start=1):
        if best is None or loss < best:
            best, waited = loss, 0
        else:
            waited += 1
        trace.append([str(epoch), f"{loss / 1000:.3f}", f"{best / 1000:.3f}", str(waited)])
    return {
        "train_loss": _losses(train), "val_loss": _losses(val),
        "best_epoch": best_epoch, "stop_epoch": stop_epoch,
        "train_min_epoch": train.index(min(train)) + 1, "val_min_epoch": val.index(min(val)) + 1,
        "high_bias": high_bias, "high_variance": high_variance,
        "final_train": Fraction(train[-1], 1000), "final_val": Fraction(val[-1], 1000),
        "best_val": Fraction(val[best_epoch - 1], 1000), "trace": trace,
    }
