"""Tests for grader.practice.report: the progress report (accuracy, trends, Leitner cards,
recurring mistakes, recent sessions) as data, JSON and text, ``mlquiz progress``, and the
pieces of the session summary.

Histories are recorded through `ProgressStore` with a fixed clock (see conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.practice.records import AttemptRecord, PractisedPart
from grader.practice.report import (
    ProgressReport,
    QuestionReport,
    SessionReport,
    mistake_name,
    next_steps,
    progress_report,
    read_progress,
    render_report,
    render_summary,
    saved_topic_accuracy,
)
from grader.practice.store import SCHEMA_VERSION, ProgressStore
from questionbank.errors import QuizError

RecordSession = Callable[..., None]


def right(part: str = "p", hints: int = 0) -> PractisedPart:
    return PractisedPart(part, "correct", 1.0, 1.0, True, hints,
                         (AttemptRecord("1", "correct", 1.0),))


def wrong(part: str = "p", mistake: str | None = None, note: str | None = None) -> PractisedPart:
    return PractisedPart(part, "incorrect", 0.0, 1.0, False, 0,
                         (AttemptRecord("9", "incorrect", 0.0, mistake, note),))


# --------------------------------------------------------------------------- progress


def prepared_history(store: ProgressStore, record_session: RecordSession) -> None:
    """metrics: 10 parts wrong, then 10 right (trend up); dropout: 3 right; a mistake made
    in two sessions and one made once."""
    record_session(store, 1, [("metrics/m", "metrics",
                               [wrong(f"p{i}", "recall-for-precision", "That is recall.")
                                for i in range(10)])])
    record_session(store, 2, [("metrics/m", "metrics", [right(f"p{i}") for i in range(10)]),
                              ("dropout/d", "dropout",
                               [right("a"), right("b"), wrong("c", "no-dropout", "Unchanged.")]),
                              ("metrics/m", "metrics",
                               [wrong("p0", "recall-for-precision", "That is recall.")])])


def test_report_has_accuracy_trend_boxes_and_recurring_mistakes(
        store: ProgressStore, record_session: RecordSession) -> None:
    prepared_history(store, record_session)
    report = progress_report(store)
    assert report.sessions == 2 and report.parts == 24
    topics = {t.topic: t for t in report.topics}
    assert (topics["metrics"].parts, topics["metrics"].correct) == (21, 10)
    assert topics["metrics"].recent == 0.9 and topics["metrics"].previous == 0.1
    assert topics["metrics"].trend == "up"
    assert topics["dropout"].trend == "new" and topics["dropout"].previous is None
    assert [(m.mistake, m.template, m.part, m.count, m.sessions) for m in report.mistakes] == [
        ("recall-for-precision", "metrics/m", "p0", 2, 2)]
    assert [(c.template, c.box, c.due) for c in report.cards] == [
        ("dropout/d", 1, True), ("metrics/m", 1, True)]
    assert [(s.questions, s.points, s.max_points) for s in report.recent_sessions] == [
        (3, 12.0, 14.0), (1, 0.0, 10.0)]
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["recurring_mistakes"][0]["note"] == "That is recall."


def test_trend_down_and_steady(store: ProgressStore, record_session: RecordSession) -> None:
    record_session(store, 1, [("a/x", "a", [right(f"p{i}") for i in range(20)]),
                              ("b/x", "b", [right(f"p{i}") for i in range(10)]),
                              ("b/x", "b", [wrong(f"p{i}") for i in range(10)])])
    topics = {t.topic: t.trend for t in progress_report(store).topics}
    assert topics == {"a": "steady", "b": "down"}


def test_render_report_text(store: ProgressStore, record_session: RecordSession) -> None:
    prepared_history(store, record_session)
    text = render_report(progress_report(store))
    assert "Practice progress · 2 sessions · 24 parts answered" in text
    assert "  metrics     21    48%        48%      90%  improving (from 10%)\n" in text
    assert "  dropout/d  box 1  due now" in text
    assert "  recall-for-precision: That is recall.\n" in text
    assert "metrics/m · p0 · 2 times in 2 sessions, last 2026-01-05 09:" in text


def test_reading_a_saved_history_without_writing(db: Path, clock: Callable[[], str],
                                                 record_session: RecordSession) -> None:
    """No file: an empty report and no accuracy, and nothing is created; a history: the same
    report as the store gives, accuracy per topic; a damaged file: `read_progress` says so,
    the accuracy for 'what to practise next' is simply empty."""
    assert read_progress(db) == ProgressReport(db=str(db))
    assert saved_topic_accuracy(db) == {}
    assert not db.parent.exists()
    with ProgressStore.open(db, clock=clock) as store:
        prepared_history(store, record_session)
        expected = progress_report(store)
    before = db.read_bytes()
    assert read_progress(db) == expected
    assert saved_topic_accuracy(db) == {"dropout": 2 / 3, "metrics": 10 / 21}
    assert db.read_bytes() == before
    db.write_bytes(b"junk" * 100)
    with pytest.raises(QuizError, match="is damaged or not a database"):
        read_progress(db)
    assert saved_topic_accuracy(db) == {}


# --------------------------------------------------------------------------- mlquiz progress


def test_progress_command_text_and_json(db: Path, clock: Callable[[], str],
                                        record_session: RecordSession) -> None:
    with ProgressStore.open(db, clock=clock) as store:
        prepared_history(store, record_session)
    runner = CliRunner()
    result = runner.invoke(cli, ["progress", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Mistakes that keep coming back\n  recall-for-precision: That is recall." in \
        result.output
    assert "Recent sessions\n  2026-01-05 09:" in result.output
    result = runner.invoke(cli, ["progress", "--json"], env={"MLQUIZ_DB": str(db)})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sessions"] == 2 and data["schema_version"] == SCHEMA_VERSION
    assert {t["topic"]: t["trend"] for t in data["topics"]} == {"dropout": "new",
                                                                 "metrics": "up"}
    assert data["recurring_mistakes"][0]["mistake"] == "recall-for-precision"


def test_progress_command_without_a_database(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite3"
    result = CliRunner().invoke(cli, ["progress", "--db", str(db)])
    assert result.exit_code == 0
    assert result.output == f"No practice recorded yet in {db}.\nStart with: mlquiz practice\n"
    result = CliRunner().invoke(cli, ["progress", "--db", str(db), "--json"])
    assert json.loads(result.output)["sessions"] == 0
    assert not db.exists()


def test_progress_command_on_a_corrupt_file_exits_1(tmp_path: Path) -> None:
    db = tmp_path / "bad.sqlite3"
    db.write_bytes(b"junk" * 1000)
    result = CliRunner().invoke(cli, ["progress", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: progress database {db} is damaged or not a "
                                    "database")


# --------------------------------------------------------------------------- session summary


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


def question(number: int, template: str, parts: tuple[PractisedPart, ...],
             complete: bool = True) -> QuestionReport:
    return QuestionReport(number=number, template=template, title=template.upper(),
                          topic=template.split("/")[0], seed=number, parts=parts,
                          complete=complete)


def session_report(*questions: QuestionReport, seconds: float = 5.0,
                   ended_by: str = "end of plan") -> SessionReport:
    return SessionReport(seed=3, questions=questions, planned=len(questions), seconds=seconds,
                         ended_by=ended_by, saved_to=None)


def test_mistakes_are_counted_per_template_and_part_named_as_first_seen() -> None:
    first = PractisedPart("p", "incorrect", 0.0, 1.0, False, 0, (
        AttemptRecord("1", "incorrect", 0.0, "m", "First name."),
        AttemptRecord("x", "invalid", 0.0, "m", "Not graded."),
        AttemptRecord("2", "incorrect", 0.0, "m", "Second name.")))
    other = PractisedPart("q", "incorrect", 0.0, 1.0, False, 0, (
        AttemptRecord("3", "incorrect", 0.0, "m", "On another part."),))
    report = session_report(question(1, "a/x", (first, other)), question(2, "a/x", (first,)))
    assert [(m.mistake, m.name, m.template, m.part, n) for m, n in report.mistakes()] == [
        ("m", "First name.", "a/x", "p", 4), ("m", "On another part.", "a/x", "q", 1)]
    assert next_steps(report) == ["mlquiz practice --template a/x   (score 0%; mistakes: m)"]


def test_points_per_topic_and_the_three_worst_templates() -> None:
    half = PractisedPart("p", "correct", 0.5, 2.0, True, 0)
    report = session_report(question(1, "a/x", (right(), half)), question(2, "b/y", (wrong(),)),
                            question(3, "a/z", (right(hints=1),)), question(4, "c/w", (half,)),
                            question(5, "b/v", (right(),)))
    assert report.by_topic() == {"a": (3.0, 4.0), "b": (1.0, 2.0), "c": (1.0, 2.0)}
    assert (report.points, report.max_points) == (5.0, 8.0)
    assert next_steps(report) == [
        "mlquiz practice --template b/y   (score 0%)",
        "mlquiz practice --template c/w   (score 50%)",
        "mlquiz practice --template a/x   (score 67%)"]


@pytest.mark.parametrize(("seconds", "text"), [
    (0.2, "time 0 s"), (59.4, "time 59 s"), (75, "time 1 min 15 s"),
    (3599, "time 59 min 59 s"), (3725, "time 1 h 02 min"),
])
def test_summary_duration(seconds: float, text: str) -> None:
    summary = render_summary(session_report(question(1, "a/x", (right(),)), seconds=seconds))
    assert f"1 of 1 question answered · score 1 of 1 point (100%) · {text}\n" in summary
