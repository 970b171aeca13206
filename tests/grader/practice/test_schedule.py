"""Tests for grader.practice.schedule: the Leitner outcome of a question, the boxes, the
documented seed derivation, the order of a session's questions, and the candidate templates."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.practice.records import AttemptRecord, PractisedPart
from grader.practice.schedule import (
    LEITNER_INTERVALS,
    Card,
    TopicChoice,
    leitner_cards,
    loadable_templates,
    new_session_seed,
    question_outcome,
    question_seed,
    schedule,
    select_templates,
    topic_choices,
)
from questionbank.bank import load_bank
from questionbank.errors import QuizError

BANK = load_bank(use_env=False)
CM = "metrics/confusion-matrix"


def right(part: str = "p", hints: int = 0) -> PractisedPart:
    return PractisedPart(part, "correct", 1.0, 1.0, True, hints,
                         (AttemptRecord("1", "correct", 1.0),))


def wrong(part: str = "p") -> PractisedPart:
    return PractisedPart(part, "incorrect", 0.0, 1.0, False, 0,
                         (AttemptRecord("9", "incorrect", 0.0),))


# --------------------------------------------------------------------------- Leitner


@pytest.mark.parametrize(("parts", "complete", "expected"), [
    ([right("a"), right("b")], True, "right"),
    ([right("a"), right("b", hints=1)], True, "hinted"),
    ([right("a"), wrong("b")], True, "wrong"),
    ([PractisedPart("a", "correct", 1.0, 1.0, False, 0)], True, "wrong"),  # right on try 2
    ([PractisedPart("a", "solution", 0.0, 1.0, False, 0)], True, "wrong"),
    ([PractisedPart("a", "skipped", 0.0, 1.0, False, 0)], True, "wrong"),
    ([PractisedPart("a", "unfinished", 0.0, 1.0, False, 0)], False, "wrong"),
    ([right("a")], False, None),  # left before anything went wrong: moves no card
    ([], True, None),
])
def test_question_outcome(parts: list[PractisedPart], complete: bool,
                          expected: str | None) -> None:
    assert question_outcome(parts, complete) == expected


@pytest.mark.parametrize(("outcomes", "box"), [
    (["right"], 2),
    (["right", "right", "right"], 4),
    (["right"] * 9, 5),
    (["right", "right", "wrong"], 1),
    (["hinted"], 1),
    (["right", "hinted"], 2),
    (["wrong", "right"], 2),
])
def test_leitner_boxes(outcomes: list[str], box: int) -> None:
    history = [("t/x", "t", i + 1, o) for i, o in enumerate(outcomes)]
    card = leitner_cards(history, current_session=len(outcomes) + 1)["t/x"]
    assert card.box == box
    assert card.wait == LEITNER_INTERVALS[box - 1] - 1
    assert card.due == (box == 1)


@given(st.lists(st.sampled_from(["right", "hinted", "wrong"]), min_size=1, max_size=30),
       st.integers(0, 40))
def test_leitner_rules_hold_for_any_history(outcomes: list[str], gap: int) -> None:
    """Whatever happened before: a last *wrong* leaves the template in box 1, due at once; the
    box stays within 1..5; and a template is due exactly when its box's interval has passed."""
    history = [("t/x", "t", i + 1, o) for i, o in enumerate(outcomes)]
    current = len(outcomes) + 1 + gap
    card = leitner_cards(history, current)["t/x"]
    assert 1 <= card.box <= len(LEITNER_INTERVALS)
    if outcomes[-1] == "wrong":
        assert card.box == 1 and card.due
    assert card.due == (current - len(outcomes) >= LEITNER_INTERVALS[card.box - 1])


def test_question_seed_is_the_documented_sha256_derivation() -> None:
    digest = hashlib.sha256(b"mlquiz-practice:7:1").digest()
    assert question_seed(7, 1) == int.from_bytes(digest[:8], "big") >> 1
    assert question_seed(7, 1) == 4947419913520893890
    assert len({question_seed(7, n) for n in range(1, 200)}) == 199


def test_a_new_session_seed_fits_the_seed_option() -> None:
    seeds = {new_session_seed() for _ in range(20)}
    assert len(seeds) == 20 and all(0 <= s < 2**63 for s in seeds)


# --------------------------------------------------------------------------- the plan


def card(template: str, box: int, wait: int) -> Card:
    return Card(template=template, topic=template.split("/")[0], box=box, last_session=1,
                wait=wait)


def test_schedule_puts_wrong_ones_first_then_new_then_due_then_the_rest() -> None:
    cards = {
        "a/mastered-later": card("a/mastered-later", 4, 3),
        "a/mastered-sooner": card("a/mastered-sooner", 5, 1),
        "a/due-box3": card("a/due-box3", 3, 0),
        "a/due-box2": card("a/due-box2", 2, -1),
        "a/failed": card("a/failed", 1, 0),
    }
    candidates = [*cards, "a/new"]
    plan = schedule(candidates, cards, 6, session_seed=3)
    assert [p.template for p in plan] == [
        "a/failed", "a/new", "a/due-box2", "a/due-box3", "a/mastered-sooner",
        "a/mastered-later"]
    assert [p.number for p in plan] == [1, 2, 3, 4, 5, 6]
    assert [p.seed for p in plan] == [question_seed(3, n) for n in range(1, 7)]
    short = schedule(candidates, cards, 2, session_seed=3)
    assert [p.template for p in short] == ["a/failed", "a/new"]


@given(st.lists(st.sampled_from(["a/1", "a/2", "b/1", "b/2", "c/1"]), min_size=1, unique=True),
       st.integers(1, 12), st.integers(0, 2**63 - 1))
def test_schedule_plans_count_questions_from_the_candidates(candidates: list[str], count: int,
                                                            seed: int) -> None:
    """Any candidates, count and seed: exactly `count` questions, all from the candidates,
    every candidate asked before any is repeated, and the same inputs give the same plan."""
    plan = schedule(candidates, {}, count, seed)
    assert len(plan) == count
    names = [p.template for p in plan]
    assert set(names) <= set(candidates)
    assert len(set(names[:len(candidates)])) == min(count, len(candidates))
    assert plan == schedule(list(reversed(candidates)), {}, count, seed)


def test_schedule_of_nothing_is_empty() -> None:
    assert schedule([], {}, 5, 1) == ()


# --------------------------------------------------------------------------- candidates


def test_select_templates() -> None:
    assert select_templates(BANK) == BANK.ids()
    chosen = select_templates(BANK, ["dropout"], [CM])
    assert chosen[0] == CM and {"dropout/apply-mask", "dropout/inverted"} <= set(chosen)
    assert all(BANK.get(t).topic == "dropout" for t in chosen[1:])
    with pytest.raises(QuizError) as info:
        select_templates(BANK, ["nope"])
    assert str(info.value).startswith("no templates with topic 'nope' in the bank (topics: ")
    with pytest.raises(QuizError, match=r"no template 'metrics/confusion' in the bank; did you "
                                        r"mean .*metrics/confusion-matrix"):
        select_templates(BANK, [], ["metrics/confusion"])


def test_a_broken_template_is_left_out_with_a_warning(bank_dir: Path) -> None:
    (bank_dir / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    bank = load_bank([bank_dir], use_env=False)
    warnings: list[str] = []
    loaded = loadable_templates(bank, warnings.append)
    assert [t.id for t in loaded] == [t for t in bank.ids() if t != "broken"]
    assert len(warnings) == 1 and warnings[0].startswith("warning: template broken is left out: ")
    assert select_templates(bank, ["dropout"], warn=warnings.append) == \
        select_templates(BANK, ["dropout"])


def test_topic_choices_count_templates_and_due_ones() -> None:
    """A template is due when it has no card yet or its card is due."""
    dropout = select_templates(BANK, ["dropout"])
    cards = {dropout[0]: card(dropout[0], 3, 2), dropout[1]: card(dropout[1], 1, 0)}
    choices = {c.topic: c for c in topic_choices(BANK, cards)}
    assert sorted(choices) == sorted({BANK.get(t).topic for t in BANK.ids()})
    assert choices["dropout"] == TopicChoice("dropout", len(dropout), len(dropout) - 1)
    metrics = select_templates(BANK, ["metrics"])
    assert choices["metrics"] == TopicChoice("metrics", len(metrics), len(metrics))
