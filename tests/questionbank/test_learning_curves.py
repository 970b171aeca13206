"""`fitting/learning-curves`: the answers agree with early stopping and the fit rules computed
here, independently, from the values the figure shows (what the student reads).

The check below is written from the textbook rule (Keras's ``EarlyStopping`` with
``min_delta=0``, ``restore_best_weights=True``), not from the solver: for each epoch, is it a
new strict minimum; how long since the last one.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from grader.judge.check import check
from questionbank import generate
from questionbank.solvers.curves import early_stopping

LC = "fitting/learning-curves"
SEEDS = range(300)


def stop_by_hand(val: list[float], patience: int) -> tuple[int, int]:
    """(kept epoch, last epoch trained), epochs from 1: the loop a student runs."""
    since_best = 0
    for epoch in range(1, len(val) + 1):
        if epoch == 1 or val[epoch - 1] < min(val[:epoch - 1]):
            since_best = 0
        else:
            since_best += 1
        if since_best == patience:
            kept = min(range(1, epoch + 1), key=lambda e: (val[e - 1], e))
            return kept, epoch
    return min(range(1, len(val) + 1), key=lambda e: (val[e - 1], e)), len(val)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_answers_follow_from_the_plotted_values(seed: int) -> None:
    instance = generate(LC, seed)
    figure = instance.figure
    assert figure is not None
    train, val = (list(s.y) for s in figure.series)
    params = instance.params
    kept, stopped = stop_by_hand(val, params["patience"])
    assert instance.part("best_epoch").answer == kept
    assert instance.part("stop_epoch").answer == stopped
    assert stopped < params["epochs"], "early stopping always stops before the last epoch"
    # the rules of the prompt, from the last epoch, in exact decimals (as a student computes)
    last_train, last_val = Fraction(str(train[-1])), Fraction(str(val[-1]))
    threshold, baseline = Fraction(str(params["threshold"])), Fraction(str(params["baseline"]))
    high_bias = last_train - baseline > threshold
    high_variance = last_val - last_train > threshold
    fit = "overfitting" if high_variance else "underfitting" if high_bias else "good-fit"
    right = next(o for o in instance.part("fit").options if o.correct)
    assert right.id == fit
    assert not (high_bias and high_variance)
    # far from the thresholds (within T/2 or beyond 2T), so rounding cannot flip the verdict
    for margin in (last_train - baseline, last_val - last_train):
        assert margin <= threshold / 2 or margin > 2 * threshold
    # the curves: training below validation, lowest at the last epoch
    assert all(t < v for t, v in zip(train, val, strict=True))
    assert train.index(min(train)) == len(train) - 1


def test_every_regime_and_the_dip_occur() -> None:
    fits, dips = set(), 0
    for seed in SEEDS:
        instance = generate(LC, seed)
        fits.add(next(o.id for o in instance.part("fit").options if o.correct))
        val = list(instance.figure.series[1].y)  # type: ignore[union-attr]
        dips += val.index(min(val)) + 1 != instance.part("best_epoch").answer
    assert fits == {"overfitting", "underfitting", "good-fit"}
    assert 0.15 < dips / len(SEEDS) < 0.6


@pytest.mark.parametrize(("val", "patience", "expected"), [
    ([5, 4, 3, 3, 3], 2, (3, 5)),  # equal is not an improvement
    ([5, 4, 3, 4, 2, 5, 5], 2, (5, 7)),  # a bump shorter than the patience is sat out
    ([5, 4, 3, 4, 5, 2], 2, (3, 5)),  # ... a longer one stops the run before the dip
    ([3, 2, 1], 2, (3, 3)),  # never stops: every epoch trained
    ([1, 2], 1, (1, 2)),
])
def test_early_stopping_by_hand_cases(val: list[int], patience: int,
                                      expected: tuple[int, int]) -> None:
    assert early_stopping(val, patience) == expected
    assert stop_by_hand([float(v) for v in val], patience) == expected


@pytest.mark.parametrize(("part", "mistake"), [
    ("best_epoch", "train-min"), ("best_epoch", "no-restore"),
    ("stop_epoch", "patience-plus-one"), ("stop_epoch", "patience-minus-one"),
    ("stop_epoch", "best-epoch"), ("stop_epoch", "last-epoch"),
])
def test_the_declared_mistakes_are_named(part: str, mistake: str) -> None:
    instance = generate(LC, 4)
    answer = next(m.answer_text for m in instance.part(part).mistakes if m.id == mistake)
    result = check(instance, part, answer)
    assert not result.correct and result.mistake == mistake


def test_ignoring_the_patience_is_named_when_the_loss_dips_later() -> None:
    for seed in SEEDS:
        instance = generate(LC, seed)
        val = list(instance.figure.series[1].y)  # type: ignore[union-attr]
        lowest = val.index(min(val)) + 1
        if lowest != instance.part("best_epoch").answer:
            result = check(instance, "best_epoch", str(lowest))
            assert result.mistake == "ignore-patience"
            assert f"Epoch {lowest} has the lowest validation loss" in result.feedback
            return
    pytest.fail("no seed with a later dip")
