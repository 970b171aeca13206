"""Practice credit: a right answer earns its score less 0.25 for every wrong try and every hint
before it, never below 0; the summary and the saved progress use that credit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from grader.practice.console import ScriptConsole
from grader.practice.records import credited_score
from grader.practice.schedule import schedule
from grader.practice.session import PracticeOptions, bank_loader, run_session
from grader.practice.store import ProgressStore
from questionbank.bank import load_bank

LOAD = bank_loader(load_bank(use_env=False))
CM = "metrics/confusion-matrix"


@pytest.mark.parametrize(("score", "wrong", "hints", "credit"), [
    (1.0, 0, 0, 1.0), (1.0, 1, 0, 0.75), (1.0, 0, 1, 0.75), (1.0, 1, 1, 0.5),
    (1.0, 2, 2, 0.0), (1.0, 5, 3, 0.0), (0.5, 1, 0, 0.375), (0.0, 0, 0, 0.0),
])
def test_credited_score(score: float, wrong: int, hints: int, credit: float) -> None:
    assert credited_score(score, wrong, hints) == credit


def test_help_before_a_right_answer_is_deducted_in_the_summary_and_the_store(
        tmp_path: Path) -> None:
    plan = schedule([CM], {}, 1, 7)
    inst = LOAD(plan[0])
    acc, prec, rec, f1 = (p.answer_text for p in inst.parts)
    wrong = next(m.answer_text for m in inst.part("precision").mistakes)
    console = ScriptConsole([acc, wrong, "hint", prec, "hint", "hint", rec, f1])
    db = tmp_path / "p.sqlite3"
    with ProgressStore.open(db) as store:
        report = run_session(plan, LOAD, console, store=store,
                             options=PracticeOptions(attempts=3, colour=False), session_seed=7,
                             saved_to="db")
    out = console.output
    assert "Credit 0.5 of 1 (1 wrong try, 1 hint: 0.25 off each)." in out
    assert "Credit 0.75 of 1 (1 hint: 0.25 off each)." in out  # recall has one hint only
    assert [p.score for p in report.questions[0].parts] == [1.0, 0.5, 0.75, 1.0]
    conn = sqlite3.connect(db)
    try:
        stored = conn.execute("SELECT part, score FROM parts ORDER BY rowid").fetchall()
    finally:
        conn.close()
    assert stored == [("accuracy", 1.0), ("precision", 0.5), ("recall", 0.75), ("f1", 1.0)]
