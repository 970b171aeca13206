"""Tests for the practice session engine, driven through `ScriptConsole`: asking, grading,
hints, solutions, commands, the end of a session, recording into the store, the topic menu and
`open_progress`. ``mlquiz practice`` as a command is tested in tests/grader/cli.

The right answers come from the instances themselves: `schedule` with the same seed and no
history gives the questions a session asks, and each part's ``answer_text`` is its answer.
Only templates that already exist are used (metrics/confusion-matrix, dropout/apply-mask,
dropout/inverted, gradients/*), so the tests do not change as templates are added.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from grader.practice.console import ScriptConsole
from grader.practice.report import SessionReport, next_steps, render_summary
from grader.practice.schedule import PlannedQuestion, TopicChoice, question_seed, schedule
from grader.practice.session import (
    PracticeOptions,
    bank_loader,
    choose_topics,
    open_progress,
    run_session,
)
from grader.practice.store import ProgressStore
from grader.practice.wrap import terminal_width, wrap_text
from questionbank.bank import load_bank
from questionbank.errors import QuizError
from questionbank.values import readable_answer

from ...helpers import LOAD, answers, instances, mistake, planned

CM = "metrics/confusion-matrix"
EXISTING = ("metrics/confusion-matrix", "dropout/apply-mask", "dropout/inverted",
            "gradients/shape", "gradients/layer-shapes", "gradients/jacobian-shape",
            "gradients/matrix-calculus")


def session(lines: Sequence[str], templates: Sequence[str] = (CM,), count: int = 1,
            seed: int = 7, store: ProgressStore | None = None, attempts: int = 3,
            colour: bool | None = False) -> tuple[SessionReport, str]:
    console = ScriptConsole(lines)
    report = run_session(planned(templates, count, seed), LOAD, console, store=store,
                         options=PracticeOptions(attempts=attempts, colour=colour),
                         session_seed=seed, saved_to="db" if store else None)
    return report, console.output


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# --------------------------------------------------------------------------- engine


@pytest.mark.parametrize("template", EXISTING)
def test_right_answers_to_every_part_score_full_marks(template: str) -> None:
    inst = instances([template], 1, 3)[0]
    report, out = session(answers(inst), [template], seed=3)
    (q,) = report.questions
    assert (q.points, q.max_points, q.complete, q.outcome) == (
        sum(p.points for p in inst.parts), sum(p.points for p in inst.parts), True, "right")
    assert [p.label for p in q.parts] == ["right"] * len(inst.parts)
    assert out.count("Correct · ") == len(inst.parts)
    assert wrap_text(inst.render_prompt("text"), terminal_width()) in out
    assert report.ended_by == "end of plan"


def test_the_question_is_shown_for_a_terminal_with_the_answer_format() -> None:
    inst = instances([CM], 1, 7)[0]
    _, out = session(answers(inst))
    assert f"Question 1 of 1 · metrics · {CM} (seed {question_seed(7, 1)})" in out
    assert "+====" in out  # the confusion matrix as a drawn table
    assert "Part 2 of 4: Precision\n  Answer as a number: decimal (0.615) or fraction " \
           "(8/13).\nanswer> " in out


def test_vectors_are_shown_aligned() -> None:
    inst = instances(["dropout/apply-mask"], 1, 7)[0]
    _, out = session(answers(inst), ["dropout/apply-mask"])
    assert "    a = [" in out and "    m = [" in out
    assert "Answer as a vector, e.g. [2, 0, 4.5]." in out


def test_a_declared_mistake_gets_its_feedback_and_is_stored(store: ProgressStore,
                                                          db: Path) -> None:
    inst = instances([CM], 1, 7)[0]
    acc, prec, rec, f1 = answers(inst)
    as_recall = mistake(inst, "precision", "recall-for-precision")
    report, out = session([acc, as_recall, prec, rec, f1], store=store)
    assert "Incorrect · precision · score 0" in out
    assert "That is recall, TP / (TP + FN). Precision divides by the predicted positives" in out
    assert "[mistake: recall-for-precision]" in out
    assert "Try again (2 tries left), or type hint, solution, skip or ? for help." in out
    (q,) = report.questions
    assert [p.label for p in q.parts] == ["right", "right on try 2", "right", "right"]
    assert q.points == 3.75 and q.outcome == "wrong"  # one wrong try: 0.25 off precision
    assert "Credit 0.75 of 1 (1 wrong try: 0.25 off each)." in out
    summary = render_summary(report)
    assert "Mistakes\n  recall-for-precision: That is recall, TP / (TP + FN).\n" \
           f"      {CM} · precision\n" in summary
    assert f"mlquiz practice --template {CM}   (score 94%; mistakes: recall-for-precision)" \
        in summary
    assert rows(db, "SELECT part, status, mistake, note FROM attempts WHERE mistake IS NOT "
                    "NULL") == [("precision", "incorrect", "recall-for-precision",
                                 "That is recall, TP / (TP + FN).")]
    assert rows(db, "SELECT outcome FROM questions") == [("wrong",)]
    assert store.cards()[CM].box == 1


def test_an_unreadable_answer_does_not_use_up_a_try() -> None:
    inst = instances([CM], 1, 7)[0]
    report, out = session(["13x", *answers(inst)], attempts=1)
    assert "Could not read · accuracy\n  Could not read the answer as a number: unexpected 'x'." \
        in out
    assert "Try again: an answer that cannot be read does not use up a try." in out
    assert report.questions[0].parts[0].label == "right"


def test_out_of_tries_shows_the_answer() -> None:
    inst = instances([CM], 1, 7)[0]
    acc, prec, rec, f1 = answers(inst)
    report, out = session(["0.01", "0.02", prec, rec, f1], attempts=2)
    assert "Try again (1 try left)" in out
    assert f"No tries left. The answer is {shown(acc)}.\n" in out
    first = report.questions[0].parts[0]
    assert (first.outcome, first.score, first.tries) == ("incorrect", 0.0, 2)
    assert report.questions[0].points == 3


def test_hints_come_one_at_a_time() -> None:
    inst = instances([CM], 1, 7)[0]
    report, out = session(["hint", "hint", "hint", *answers(inst)])
    assert "Hint 1 of 2:\n  Accuracy counts every correct prediction, positive or negative.\n" \
        in out
    assert "Hint 2 of 2:\n  The correct predictions are on the diagonal of the table.\n" in out
    assert "No more hints for this part. Type solution to see the worked solution." in out
    (q,) = report.questions
    assert q.parts[0].label == "right, 2 hints"
    assert q.outcome == "hinted" and q.points == 3.5  # two hints: 0.5 off accuracy
    assert "Credit 0.5 of 1 (2 hints: 0.25 off each)." in out


def test_hints_are_rendered_with_the_instance_values() -> None:
    inst = instances([CM], 1, 7)[0]
    _, out = session([answers(inst)[0], "hint", *answers(inst)[1:]])
    pos = inst.params["label"]["pos"]
    assert f"Precision answers: of everything the model flagged as {pos}, how much really " \
           "was?" in " ".join(out.split())  # wrapped to the terminal


def test_solution_shows_the_worked_solution_once_and_scores_0() -> None:
    inst = instances([CM], 1, 7)[0]
    acc, prec, rec, f1 = answers(inst)
    report, out = session(["solution", "solution", rec, f1])
    assert out.count("Worked solution:\n") == 1
    assert "Worked solution:\n  Read the four cells" in out
    assert f"The answer: {shown(acc)}   (this part scores 0)\n" in out
    assert f"The answer: {shown(prec)}   (this part scores 0)\n" in out
    (q,) = report.questions
    assert [p.label for p in q.parts] == ["solution shown", "solution shown", "right", "right"]
    assert q.points == 2 and q.outcome == "wrong"


def test_skip_moves_on_with_zero() -> None:
    inst = instances([CM], 1, 7)[0]
    acc, prec, rec, _ = answers(inst)
    report, out = session([acc, "skip", rec, "SKIP"])
    assert f"Skipped. The answer was {shown(prec)}.\n" in out
    assert [p.label for p in report.questions[0].parts] == ["right", "skipped", "right",
                                                             "skipped"]


def test_help_lists_the_commands() -> None:
    inst = instances([CM], 1, 7)[0]
    _, out = session(["?", "help", "", *answers(inst)])
    assert out.count("Type your answer, or one of these commands:\n") == 2
    for command in ("hint", "solution", "skip", "quit", "? or help"):
        assert f"\n  {command} " in out
    assert "Type an answer, or ? for the commands." in out


def test_quit_mid_question_keeps_what_was_answered(store: ProgressStore, db: Path) -> None:
    inst = instances([CM], 2, 7)[0]
    acc = answers(inst)[0]
    report, out = session([acc, "0.01", "quit", "never read"], count=2, store=store)
    assert report.ended_by == "quit"
    (q,) = report.questions
    assert [p.label for p in q.parts] == ["right", "unfinished"]
    assert not q.complete and q.outcome == "wrong"
    assert "never read" not in out
    summary = render_summary(report)
    assert "1 of 2 questions answered (stopped: quit) · score 1 of 2 points (50%)" in summary
    assert "1 of 2 points (50%), stopped here: accuracy right; precision unfinished" in summary
    assert rows(db, "SELECT part, outcome FROM parts ORDER BY rowid") == [
        ("accuracy", "correct"), ("precision", "unfinished")]
    assert rows(db, "SELECT outcome FROM questions") == [("wrong",)]
    assert rows(db, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL") == [(1,)]


@pytest.mark.parametrize(("tail", "ended_by"), [
    ([], "end of input"),
    ([ScriptConsole.INTERRUPT], "interrupted"),
])
def test_end_of_input_and_ctrl_c_end_with_the_summary(tail: list[str], ended_by: str) -> None:
    inst = instances([CM], 1, 7)[0]
    report, _ = session([answers(inst)[0], *tail])
    assert report.ended_by == ended_by
    assert [p.label for p in report.questions[0].parts] == ["right"]
    assert report.questions[0].outcome is None  # left before anything went wrong
    assert f"(stopped: {ended_by})" in render_summary(report)


def test_a_question_that_cannot_be_made_is_left_out() -> None:
    def load(p: PlannedQuestion) -> Any:
        if p.number == 1:
            raise QuizError("bank/x.yaml:3: params.n: broken")
        return LOAD(p)

    inst = instances([CM], 2, 7)[1]
    console = ScriptConsole(answers(inst))
    report = run_session(planned([CM], 2, 7), load, console, session_seed=7)
    assert "warning: question 1 (metrics/confusion-matrix) cannot be made and is left out: " \
           "bank/x.yaml:3: params.n: broken\n" in console.output
    assert [q.number for q in report.questions] == [2]
    assert report.questions[0].outcome == "right"


def test_a_database_failure_mid_session_warns_once_and_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    store = ProgressStore.open(db, timeout=0.05)
    inst = instances([CM], 1, 7)[0]
    locker = sqlite3.connect(db, isolation_level=None)

    def lines() -> Iterator[str]:
        yield answers(inst)[0]
        locker.execute("BEGIN EXCLUSIVE")  # another program takes the database
        yield from answers(inst)[1:]

    console = ScriptConsole(lines())
    report = run_session(planned([CM], 1, 7), LOAD, console, store=store, session_seed=7,
                         saved_to=str(db))
    locker.execute("ROLLBACK")
    locker.close()
    store.close()
    assert console.output.count("warning: ") == 1
    assert f"warning: progress database {db} is locked by another program (another mlquiz " \
           "session?); the rest of this session is not saved.\n" in console.output
    assert report.questions[0].points == 4 and report.saved_to is None
    assert "Progress not saved." in render_summary(report)
    assert rows(db, "SELECT part FROM parts") == [("accuracy",)]


def test_colour_follows_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setenv("TERM", "xterm")
    inst = instances([CM], 1, 7)[0]
    _, coloured = session(answers(inst), colour=None)
    assert "\x1b[1;32mCorrect\x1b[0m · accuracy" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain = session(answers(inst), colour=None)
    assert "\x1b" not in plain


# --------------------------------------------------------------------------- choosing


def test_the_topic_menu() -> None:
    choices = [TopicChoice("dropout", 2, 1), TopicChoice("gradients", 4, 4),
               TopicChoice("metrics", 1, 0)]
    console = ScriptConsole(["9", "1, 3"])
    assert choose_topics(choices, console) == ("dropout", "metrics")
    assert "   1) dropout    2 templates, 1 due\n" in console.output
    assert "   3) metrics    1 template, 0 due\n" in console.output
    assert "There is no topic '9': type numbers from 1 to 3, or press Enter for all." in \
        console.output
    assert choose_topics(choices, ScriptConsole([""])) == ("dropout", "gradients", "metrics")
    assert choose_topics(choices, ScriptConsole(["gradients 2"])) == ("gradients",)
    with pytest.raises(EOFError):
        choose_topics(choices, ScriptConsole([]))


def test_adaptive_selection_brings_wrong_templates_back_first(tmp_path: Path) -> None:
    """Session 1 gets apply-mask wrong and gradients/shape right. Session 2 asks apply-mask
    (box 1) first; once it is right it moves to box 2 and, in session 3, gradients/shape (box
    2, last seen two sessions ago) is due before apply-mask (box 2, seen last session)."""
    db = tmp_path / "p.sqlite3"
    pair = ["dropout/apply-mask", "gradients/shape"]
    with ProgressStore.open(db) as store:
        plan = schedule(pair, store.cards(), 2, 1)
        lines = []
        for p in plan:
            inst = LOAD(p)
            if p.template == "dropout/apply-mask":
                lines += [mistake(inst, "output", "no-dropout")] * 3
            else:
                lines += answers(inst)
        run_session(plan, LOAD, ScriptConsole(lines), store=store, session_seed=1)
        cards = store.cards()
        assert (cards["dropout/apply-mask"].box, cards["gradients/shape"].box) == (1, 2)

        for seed in range(2, 8):  # whatever the tie-break, the wrong one comes first
            assert schedule(pair, cards, 2, seed)[0].template == "dropout/apply-mask"
        second = schedule(pair, cards, 1, 2)
        run_session(second, LOAD, ScriptConsole(answers(LOAD(second[0]))), store=store,
                    session_seed=2)
        cards = store.cards()
        assert (cards["dropout/apply-mask"].box, cards["gradients/shape"].box) == (2, 2)
        assert cards["gradients/shape"].due and not cards["dropout/apply-mask"].due
        assert [p.template for p in schedule(pair, cards, 2, 3)] == [
            "gradients/shape", "dropout/apply-mask"]


# --------------------------------------------------------------------------- summary pieces


def test_next_steps_without_mistakes() -> None:
    inst = instances([CM], 1, 7)[0]
    report, _ = session(answers(inst))
    assert next_steps(report, {"metrics": 1.0, "gradients": 0.5, "dropout": 0.7}) == [
        "mlquiz practice --topic gradients   (your weakest topic so far: 50%)"]
    assert next_steps(report, {})[0].startswith("Nothing to repeat from this session.")
    empty, _ = session([])
    assert next_steps(empty) == ["mlquiz practice   (nothing was answered this time)"]
    assert "No questions answered (end of input). Time: 0 s." in render_summary(empty)


def test_a_repeated_mistake_is_listed_once_with_its_count() -> None:
    template = "dropout/apply-mask"
    inst = instances([template], 1, 7)[0]
    unchanged = mistake(inst, "output", "no-dropout")
    report, out = session([unchanged] * 3, [template])
    assert out.count("[mistake: no-dropout]") == 3
    key = shown(inst.part("output").answer_text, "vector")
    assert f"No tries left. The answer is {key}." in out
    summary = render_summary(report)
    assert "Mistakes\n  no-dropout: That is the input unchanged.\n" \
           f"      {template} · output · 3 times\n" in summary
    assert f"mlquiz practice --template {template}   (score 0%; mistakes: no-dropout)\n" in \
        summary


def test_open_progress_without_saving_reads_the_history_only(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    inst = instances([CM], 1, 7)[0]
    with ProgressStore.open(db) as store:
        session(answers(inst), store=store)
    before = db.read_bytes()
    warnings: list[str] = []
    store, cards = open_progress(db, save=False, warn=warnings.append)
    assert store is None and cards[CM].box == 2 and warnings == []
    assert db.read_bytes() == before
    db.write_bytes(b"junk" * 100)
    store, cards = open_progress(db, save=False, warn=warnings.append)
    assert (store, cards) == (None, {})
    assert warnings[0].startswith(f"warning: progress database {db} is damaged or not a ")
    assert warnings[0].endswith("; practice continues.")


ADD_TEMPLATE = """\
title: Add two numbers
topic: arithmetic
params:
  a: {type: int, min: 1, max: 9}
  b: {type: int, min: 1, max: 9}
prompt: What is {{ a }} + {{ b }}?
solution: "Add them: {{ a }} + {{ b }} = {{ a + b }}."
parts:
  - id: sum
    type: integer
    prompt: The sum
    answer: a + b
    solution: "Count on from {{ a }}."
"""


def test_a_part_without_hints_and_with_its_own_solution(bank_dir: Path) -> None:
    (bank_dir / "add.yaml").write_text(ADD_TEMPLATE, encoding="utf-8")
    bank = load_bank([bank_dir], builtin=False, use_env=False)
    plan = schedule(["add"], {}, 1, 2)
    inst = bank_loader(bank)(plan[0])
    a, b = inst.params["a"], inst.params["b"]
    console = ScriptConsole(["hint", "solution"])
    report = run_session(plan, bank_loader(bank), console, session_seed=2)
    assert "There is no hint for this part. Type solution to see the worked solution." in \
        console.output
    assert f"Worked solution:\n  Add them: {a} + {b} = {a + b}.\n  Count on from {a}.\n\n" \
           f"The answer: {a + b}   (this part scores 0)\n" in console.output
    assert "The sum\n  Answer as a whole number.\nanswer> " in console.output
    assert report.questions[0].parts[0].label == "solution shown"


def shown(answer_text: str, ptype: str = "number") -> str:
    """A key as the session shows it (six significant figures, 8/13 ≈ 0.615385)."""
    return readable_answer(ptype, answer_text)
