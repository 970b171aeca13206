"""Tests for the practice session: the engine driven through `ScriptConsole`, whole sessions
through click's CliRunner and through a real ``mlquiz practice`` process with piped stdin.

The right answers come from the instances themselves: `plan_session` with the same seed and
no history gives the questions a session asks, and each part's ``answer_text`` is its answer.
Only templates that already exist are used (metrics/confusion-matrix, dropout/apply-mask,
dropout/inverted, gradients/*), so the tests do not change as templates are added.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.practice.session import (
    PracticeOptions,
    ScriptConsole,
    SessionReport,
    TopicChoice,
    bank_loader,
    choose_topics,
    mistake_name,
    next_steps,
    open_progress,
    plan_session,
    render_summary,
    run_session,
    select_templates,
)
from grader.practice.store import PlannedQuestion, ProgressStore, question_seed
from questionbank.bank import load_bank
from questionbank.errors import QuizError

BANK = load_bank(use_env=False)
LOAD = bank_loader(BANK)
CM = "metrics/confusion-matrix"
EXISTING = ("metrics/confusion-matrix", "dropout/apply-mask", "dropout/inverted",
            "gradients/shape", "gradients/layer-shapes", "gradients/jacobian-shape",
            "gradients/matrix-calculus")


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the progress database of whoever runs the tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MLQUIZ_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def planned(templates: Sequence[str], count: int, seed: int) -> tuple[PlannedQuestion, ...]:
    return plan_session(list(templates), {}, count, seed)


def instances(templates: Sequence[str], count: int, seed: int) -> list[Any]:
    """The instances a session with this seed and no history asks, in order."""
    return [LOAD(p) for p in planned(templates, count, seed)]


def answers(instance: Any) -> list[str]:
    return [p.answer_text for p in instance.parts]


def mistake(instance: Any, part_id: str, mistake_id: str) -> str:
    return next(m.answer_text for m in instance.part(part_id).mistakes if m.id == mistake_id)


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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProgressStore]:
    with ProgressStore.open(tmp_path / "progress.sqlite3") as s:
        yield s


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
    assert inst.render_prompt("text") in out
    assert report.ended_by == "end of plan"


def test_the_question_is_shown_for_a_terminal_with_the_answer_format() -> None:
    inst = instances([CM], 1, 7)[0]
    _, out = session(answers(inst))
    assert f"Question 1 of 1 · metrics · {CM} (seed {question_seed(7, 1)})" in out
    assert "+====" in out  # the confusion matrix as a drawn table
    assert "Part 2 of 4: Precision\n  Answer as a number: decimal (0.615), fraction (8/13) " \
           "or percentage (61.5%).\nanswer> " in out


def test_vectors_are_shown_aligned() -> None:
    inst = instances(["dropout/apply-mask"], 1, 7)[0]
    _, out = session(answers(inst), ["dropout/apply-mask"])
    assert "    a = [" in out and "    m = [" in out
    assert "Answer as a vector, e.g. [2, 0, 4.5]." in out


def test_a_declared_mistake_gets_its_feedback_and_is_stored(store: ProgressStore,
                                                          tmp_path: Path) -> None:
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
    assert q.points == 4 and q.outcome == "wrong"
    summary = render_summary(report)
    assert "Mistakes\n  recall-for-precision: That is recall, TP / (TP + FN).\n" \
           f"      {CM} · precision\n" in summary
    assert f"mlquiz practice --template {CM}   (score 100%; mistakes: recall-for-precision)" \
        in summary
    db = tmp_path / "progress.sqlite3"
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
    assert f"No tries left. The answer is {acc}.\n" in out
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
    assert q.outcome == "hinted" and q.points == 4


def test_hints_are_rendered_with_the_instance_values() -> None:
    inst = instances([CM], 1, 7)[0]
    _, out = session([answers(inst)[0], "hint", *answers(inst)[1:]])
    pos = inst.params["label"]["pos"]
    assert f"Precision answers: of everything the model flagged as {pos}, how much really " \
           "was?" in out


def test_solution_shows_the_worked_solution_once_and_scores_0() -> None:
    inst = instances([CM], 1, 7)[0]
    acc, prec, rec, f1 = answers(inst)
    report, out = session(["solution", "solution", rec, f1])
    assert out.count("Worked solution:\n") == 1
    assert "Worked solution:\n  Read the four cells" in out
    assert f"The answer: {acc}   (this part scores 0)\n" in out
    assert f"The answer: {prec}   (this part scores 0)\n" in out
    (q,) = report.questions
    assert [p.label for p in q.parts] == ["solution shown", "solution shown", "right", "right"]
    assert q.points == 2 and q.outcome == "wrong"


def test_skip_moves_on_with_zero() -> None:
    inst = instances([CM], 1, 7)[0]
    acc, prec, rec, _ = answers(inst)
    report, out = session([acc, "skip", rec, "SKIP"])
    assert f"Skipped. The answer was {prec}.\n" in out
    assert [p.label for p in report.questions[0].parts] == ["right", "skipped", "right",
                                                             "skipped"]


def test_help_lists_the_commands() -> None:
    inst = instances([CM], 1, 7)[0]
    _, out = session(["?", "help", "", *answers(inst)])
    assert out.count("Type your answer, or one of these commands:\n") == 2
    for command in ("hint", "solution", "skip", "quit", "? or help"):
        assert f"\n  {command} " in out
    assert "Type an answer, or ? for the commands." in out


def test_quit_mid_question_keeps_what_was_answered(store: ProgressStore,
                                                   tmp_path: Path) -> None:
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
    db = tmp_path / "progress.sqlite3"
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
        plan = plan_session(pair, store.cards(), 2, 1)
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
            assert plan_session(pair, cards, 2, seed)[0].template == "dropout/apply-mask"
        second = plan_session(pair, cards, 1, 2)
        run_session(second, LOAD, ScriptConsole(answers(LOAD(second[0]))), store=store,
                    session_seed=2)
        cards = store.cards()
        assert (cards["dropout/apply-mask"].box, cards["gradients/shape"].box) == (2, 2)
        assert cards["gradients/shape"].due and not cards["dropout/apply-mask"].due
        assert [p.template for p in plan_session(pair, cards, 2, 3)] == [
            "gradients/shape", "dropout/apply-mask"]


# --------------------------------------------------------------------------- summary pieces


@pytest.mark.parametrize(("feedback", "name"), [
    ("That is recall, TP / (TP + FN). Precision divides by the *predicted* positives.",
     "That is recall, TP / (TP + FN)."),
    ("Right value, but rounded too coarsely (1 significant figure). Keep more digits.",
     "Right value, but rounded too coarsely (1 significant figure)."),
    ("The mean is 0.615 here", "The mean is 0.615 here"),
    ("x" * 300, "x" * 119 + "…"),
])
def test_mistake_name(feedback: str, name: str) -> None:
    assert mistake_name(feedback) == name


def test_next_steps_without_mistakes() -> None:
    inst = instances([CM], 1, 7)[0]
    report, _ = session(answers(inst))
    assert next_steps(report, {"metrics": 1.0, "gradients": 0.5, "dropout": 0.7}) == [
        "mlquiz practice --topic gradients   (your weakest topic so far: 50%)"]
    assert next_steps(report, {})[0].startswith("Nothing to repeat from this session.")
    empty, _ = session([])
    assert next_steps(empty) == ["mlquiz practice   (nothing was answered this time)"]
    assert "No questions answered (end of input). Time: 0 s." in render_summary(empty)


# --------------------------------------------------------------------------- mlquiz practice


def cli_input(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def test_cli_session_with_saved_progress(tmp_path: Path) -> None:
    db = tmp_path / "mine.sqlite3"
    first, second = instances([CM], 2, 11)
    acc, prec, rec, _ = answers(second)
    lines = [*answers(first), acc, mistake(second, "precision", "recall-for-precision"), prec,
             "hint", rec, "solution"]
    result = CliRunner().invoke(cli, ["practice", "--template", CM, "--count", "2", "--seed",
                                      "11", "--db", str(db)], input=cli_input(lines))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Practice: 2 questions · 3 tries per part · type ? for help, quit to "
                          f"stop\nProgress is saved to {db}.\n")
    assert "[mistake: recall-for-precision]" in out
    assert "2 of 2 questions answered · score 7 of 8 points (88%) · time " in out
    assert "  metrics: 7 of 8 points (88%)" in out
    assert ("3 of 4 points (75%): accuracy right; precision right on try 2; recall right, "
            "1 hint; f1 solution shown") in out
    assert f"Progress saved to {db}; 'mlquiz progress' shows your history." in out
    assert "Session seed 11: --seed 11 asks the same questions again" in out
    assert rows(db, "SELECT number, template, seed, outcome FROM questions ORDER BY number") == [
        (1, CM, question_seed(11, 1), "right"), (2, CM, question_seed(11, 2), "wrong")]
    assert rows(db, "SELECT seed, selection FROM sessions") == [
        (11, '{"count": 2, "templates": ["metrics/confusion-matrix"], "topics": []}')]
    assert rows(db, "SELECT count(*) FROM attempts") == [(8,)]
    progress = CliRunner().invoke(cli, ["progress", "--db", str(db)])
    assert "  metrics      8    88%        75%      88%  too few answers for a trend" in \
        progress.output


def test_cli_uses_mlquiz_db_and_xdg(tmp_path: Path) -> None:
    inst = instances([CM], 1, 4)[0]
    args = ["practice", "--template", CM, "--count", "1", "--seed", "4"]
    env_db = tmp_path / "env.sqlite3"
    result = CliRunner().invoke(cli, args, input=cli_input(answers(inst)),
                                env={"MLQUIZ_DB": str(env_db)})
    assert result.exit_code == 0 and env_db.is_file()
    result = CliRunner().invoke(cli, args, input=cli_input(answers(inst)))
    xdg_db = tmp_path / "xdg" / "mlquiz" / "progress.sqlite3"
    assert f"Progress is saved to {xdg_db}." in result.stdout and xdg_db.is_file()


def test_cli_no_save_writes_nothing(tmp_path: Path) -> None:
    inst = instances([CM], 1, 4)[0]
    result = CliRunner().invoke(cli, ["practice", "--template", CM, "--count", "1", "--seed",
                                      "4", "--no-save"], input=cli_input(answers(inst)))
    assert result.exit_code == 0, result.output
    assert "Progress is not saved." in result.stdout and "Progress not saved." in result.stdout
    assert not (tmp_path / "xdg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_corrupt_database_warns_and_practice_runs(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    junk = bytes(range(256)) * 20
    db.write_bytes(junk)
    inst = instances([CM], 1, 4)[0]
    result = CliRunner().invoke(cli, ["practice", "--template", CM, "--count", "1", "--seed",
                                      "4", "--db", str(db)], input=cli_input(answers(inst)))
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: progress database {db} is damaged or not a "
                                    "database (")
    assert result.stderr.endswith("); move it away, or choose another file with --db; "
                                  "practice continues without saving.\n")
    assert "1 of 1 question answered · score 4 of 4 points (100%)" in result.stdout
    assert "Progress not saved." in result.stdout
    assert db.read_bytes() == junk


def test_cli_unknown_topic_exits_1() -> None:
    result = CliRunner().invoke(cli, ["practice", "--topic", "nope", "--no-save"], input="")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "error: no templates with topic 'nope' in the bank (topics:")


def test_cli_a_broken_template_elsewhere_does_not_stop_a_topic(bank_dir: Path) -> None:
    (bank_dir / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    plan = planned(select_templates(BANK, ["dropout"]), 1, 4)
    inst = LOAD(plan[0])
    result = CliRunner().invoke(cli, ["practice", "--topic", "dropout", "--count", "1",
                                      "--seed", "4", "--no-save", "--bank", str(bank_dir)],
                                input=cli_input(answers(inst)))
    assert result.exit_code == 0, result.output
    assert "warning: template broken is left out: " in result.stderr
    assert "1 of 1 question answered · score " in result.stdout


def test_cli_piped_input_uses_the_whole_bank_without_a_menu() -> None:
    plan = planned(BANK.ids(), 2, 5)
    first = LOAD(plan[0])
    result = CliRunner().invoke(cli, ["practice", "--count", "2", "--seed", "5", "--no-save"],
                                input=cli_input(answers(first)))
    assert result.exit_code == 0, result.output
    assert "Topics:" not in result.stdout
    assert f"Question 1 of 2 · {first.topic} · {first.template_id}" in result.stdout
    assert "1 of 2 questions answered (stopped: end of input)" in result.stdout


# --------------------------------------------------------------------------- real process


def mlquiz(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def test_subprocess_session_with_piped_stdin(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    templates = ["dropout/apply-mask", "gradients/matrix-calculus"]
    first, second = instances(templates, 2, 21)
    wrong = mistake(first, "output", "inverted-mask") if first.template_id == \
        "dropout/apply-mask" else "x^T"
    lines = [wrong, "\x1b[2J\x07", *answers(first), "skip", "hint", "skip"]
    env = dict(os.environ, NO_COLOR="1", PYTHONWARNINGS="error")
    proc = subprocess.run(mlquiz("practice", "--template", templates[0], "--template",
                                 templates[1], "--count", "2", "--seed", "21", "--db", str(db)),
                          input=cli_input(lines), capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "answer> \\u001b[2J\\u0007\n" in proc.stdout  # the echoed answer, made harmless
    assert "Incorrect · " in proc.stdout and "Could not read · " in proc.stdout
    assert "Session summary" in proc.stdout
    stored = rows(db, "SELECT template, outcome FROM questions ORDER BY number")
    assert stored == [(first.template_id, "wrong"), (second.template_id, "wrong")]
    assert rows(db, "SELECT answer FROM attempts WHERE status = 'invalid'") == [("\x1b[2J\x07",)]


def test_subprocess_ctrl_c_ends_with_the_summary(tmp_path: Path) -> None:
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.Popen(mlquiz("practice", "--template", CM, "--count", "3", "--seed", "2",
                                   "--db", str(tmp_path / "p.sqlite3")),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    while b"answer> " not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, seen
        seen += chunk
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    text = (seen + out).decode()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    assert "No questions answered (interrupted)." in text


def test_subprocess_end_of_input_mid_question(tmp_path: Path) -> None:
    inst = instances([CM], 1, 9)[0]
    proc = subprocess.run(mlquiz("practice", "--template", CM, "--count", "1", "--seed", "9",
                                 "--no-save"),
                          input=answers(inst)[0] + "\n", capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "1 of 1 question answered (stopped: end of input) · score 1 of 1 points (100%)" in \
        proc.stdout


class Terminal:
    """`mlquiz practice` on a pseudo-terminal: keys typed, output read until a marker."""

    def __init__(self, args: Sequence[str], home: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        env = dict(os.environ, NO_COLOR="1", TERM="dumb", XDG_DATA_HOME=str(home))
        self.proc = subprocess.Popen(mlquiz("practice", *args), stdin=slave, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = b""

    def read_until(self, marker: bytes) -> None:
        import select

        while marker not in self.seen:
            ready, _, _ = select.select([self.master], [], [], 60)
            assert ready, self.seen.decode(errors="replace")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            self.seen += chunk

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> str:
        os.close(self.master)
        self.proc.wait(timeout=60)
        return self.seen.decode(errors="replace").replace("\r\n", "\n")


def test_terminal_session_offers_the_topic_menu_and_ends_on_ctrl_d(tmp_path: Path) -> None:
    """On a real terminal (a pseudo-terminal here): the topic menu, a question of the chosen
    topic, and Ctrl-D ending the session with its summary."""
    term = Terminal(["--count", "1", "--no-save"], tmp_path)
    try:
        term.read_until(b"topics> ")
        number = next(line.split(b")")[0].strip() for line in term.seen.splitlines()
                      if b") dropout " in line)
        term.type(number + b"\n")
        term.read_until(b"answer> ")
        term.type(b"\x04")  # Ctrl-D
        term.read_until(b"Progress not saved.")
    finally:
        text = term.close()
    assert term.proc.returncode == 0, text
    assert "Topics:\n" in text and "Choose topics by number" in text
    assert "Question 1 of 1 · dropout · dropout/" in text
    assert "No questions answered (end of input)." in text
    assert "Traceback" not in text


def test_terminal_ctrl_d_at_the_menu_asks_nothing(tmp_path: Path) -> None:
    term = Terminal(["--no-save"], tmp_path)
    try:
        term.read_until(b"topics> ")
        term.type(b"\x04")
        term.read_until(b"No questions asked.")
    finally:
        text = term.close()
    assert term.proc.returncode == 0, text
    assert text.endswith("topics> \nNo questions asked.\n")


def test_a_repeated_mistake_is_listed_once_with_its_count() -> None:
    template = "dropout/apply-mask"
    inst = instances([template], 1, 7)[0]
    unchanged = mistake(inst, "output", "no-dropout")
    report, out = session([unchanged] * 3, [template])
    assert out.count("[mistake: no-dropout]") == 3
    assert f"No tries left. The answer is {inst.part('output').answer_text}." in out
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
    plan = plan_session(["add"], {}, 1, 2)
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
