"""Tests for grader.practice.records: what a practised part says about itself (its label in the
summary, its tries, the mistakes it matched), derived from its attempts."""

from __future__ import annotations

import pytest

from grader.practice.records import AttemptRecord, PractisedPart

WRONG = AttemptRecord("0.9", "incorrect", 0.0)
MISTAKE = AttemptRecord("10/11", "incorrect", 0.0, "recall-for-precision", "That is recall.")
UNREADABLE = AttemptRecord("13x", "invalid", 0.0, "ignored", "Not a try.")
RIGHT = AttemptRecord("8/13", "correct", 1.0)


@pytest.mark.parametrize(("outcome", "first_try", "hints", "attempts", "label", "tries"), [
    ("correct", True, 0, (RIGHT,), "right", 1),
    ("correct", True, 0, (UNREADABLE, RIGHT), "right", 1),
    ("correct", False, 0, (WRONG, UNREADABLE, MISTAKE, RIGHT), "right on try 3", 3),
    ("correct", True, 1, (RIGHT,), "right, 1 hint", 1),
    ("correct", False, 2, (WRONG, RIGHT), "right on try 2, 2 hints", 2),
    ("incorrect", False, 0, (WRONG, WRONG, WRONG), "wrong", 3),
    ("solution", False, 0, (), "solution shown", 0),
    ("skipped", False, 3, (), "skipped, 3 hints", 0),
    ("unfinished", False, 0, (UNREADABLE,), "unfinished", 0),
])
def test_label_and_tries(outcome: str, first_try: bool, hints: int,
                         attempts: tuple[AttemptRecord, ...], label: str, tries: int) -> None:
    part = PractisedPart("p", outcome, 0.0, 1.0, first_try, hints, attempts)
    assert (part.label, part.tries) == (label, tries)


def test_mistakes_are_the_graded_attempts_with_a_named_mistake_in_order() -> None:
    unnamed = AttemptRecord("2", "incorrect", 0.0, "sign-error", "")
    other = AttemptRecord("3", "incorrect", 0.0, "sign-error", "The sign is wrong.")
    part = PractisedPart("p", "incorrect", 0.0, 1.0, False, 0,
                         (MISTAKE, UNREADABLE, WRONG, unnamed, other, MISTAKE))
    assert part.mistakes == (("recall-for-precision", "That is recall."),
                             ("sign-error", "The sign is wrong."),
                             ("recall-for-precision", "That is recall."))
