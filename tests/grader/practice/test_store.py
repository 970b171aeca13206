"""Tests for grader.practice.store: where the database lives, the versioned schema, what is stored,
the clear messages for unusable files, the Leitner schedule, and ``mlquiz progress``.

Histories are prepared by recording sessions through `ProgressStore` itself (the same code
practice uses), with a fixed clock, and the stored rows are checked by opening the SQLite file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.cli import cli
from grader.practice.store import (
    APPLICATION_ID,
    LEITNER_INTERVALS,
    SCHEMA_VERSION,
    AttemptRecord,
    Card,
    PartRecord,
    ProgressError,
    ProgressStore,
    QuestionRecord,
    _explain,
    default_db_path,
    leitner_cards,
    question_outcome,
    question_seed,
    render_report,
    schedule,
)


def fixed_clock() -> Callable[[], str]:
    """Timestamps one minute apart, from 2026-01-05 09:00 UTC."""
    ticks = iter(range(10_000))

    def now() -> str:
        minute = next(ticks)
        return f"2026-01-05T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"

    return now


def right(part: str = "p", hints: int = 0) -> PartRecord:
    return PartRecord(part, "correct", 1.0, 1.0, True, hints,
                      (AttemptRecord("1", "correct", 1.0),))


def wrong(part: str = "p", mistake: str | None = None, note: str | None = None) -> PartRecord:
    return PartRecord(part, "incorrect", 0.0, 1.0, False, 0,
                      (AttemptRecord("9", "incorrect", 0.0, mistake, note),))


def record_session(store: ProgressStore, seed: int,
                   questions: Sequence[tuple[str, str, Sequence[PartRecord]]]) -> None:
    """Record one finished session of (template, topic, parts) questions."""
    store.begin_session(seed, {"topics": []})
    for number, (template, topic, parts) in enumerate(questions, 1):
        q = QuestionRecord(number, template, topic, question_seed(seed, number))
        for part in parts:
            store.record_part(q, part)
        store.finish_question(q, question_outcome(parts, complete=True))
    store.finish_session()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "progress.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[ProgressStore]:
    with ProgressStore.open(db, clock=fixed_clock()) as s:
        yield s


# --------------------------------------------------------------------------- location


@pytest.mark.parametrize(("env", "expected"), [
    ({"MLQUIZ_DB": "/x/mine.db", "XDG_DATA_HOME": "/data"}, "/x/mine.db"),
    ({"XDG_DATA_HOME": "/data"}, "/data/mlquiz/progress.sqlite3"),
    ({"XDG_DATA_HOME": "relative/ignored", "HOME": "/home/s"},
     "/home/s/.local/share/mlquiz/progress.sqlite3"),
    ({"HOME": "/home/s"}, "/home/s/.local/share/mlquiz/progress.sqlite3"),
])
def test_default_db_path_follows_mlquiz_db_then_xdg(env: dict[str, str], expected: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", env.get("HOME", "/home/s"))
    assert default_db_path(env) == Path(expected)


# --------------------------------------------------------------------------- schema


def test_open_creates_the_folder_and_a_versioned_schema(db: Path) -> None:
    ProgressStore.open(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"sessions", "questions", "parts", "attempts"}
    conn.close()
    with ProgressStore.open(db) as again:  # reopening migrates nothing and keeps the file
        assert again.schema_version == SCHEMA_VERSION


def test_an_empty_file_is_migrated(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    with ProgressStore.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_a_newer_schema_is_refused_with_a_clear_message(db: Path) -> None:
    ProgressStore.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(ProgressError) as info:
        ProgressStore.open(db)
    assert str(info.value) == (
        f"progress database {db} was written by a newer mlquiz (schema version "
        f"{SCHEMA_VERSION + 5}; this one knows up to {SCHEMA_VERSION}); upgrade mlquiz or use "
        "another --db")
    with pytest.raises(ProgressError, match="newer mlquiz"):
        ProgressStore.open_readonly(db)


def test_a_foreign_sqlite_file_is_not_taken_over(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(ProgressError) as info:
        ProgressStore.open(db)
    assert str(info.value) == (f"{db} is an SQLite file but not an mlquiz progress database; "
                               "choose another file with --db")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("recipes",)]
    conn.close()


def test_junk_bytes_give_a_clear_message(db: Path) -> None:
    db.parent.mkdir(parents=True)
    junk = b"\x00\xffnot a database at all\x13" * 300
    db.write_bytes(junk)
    with pytest.raises(ProgressError) as info:
        ProgressStore.open(db)
    assert str(info.value).startswith(f"progress database {db} is damaged or not a database (")
    assert str(info.value).endswith("); move it away, or choose another file with --db")
    with pytest.raises(ProgressError, match="is damaged or not a database"):
        ProgressStore.open_readonly(db)
    assert db.read_bytes() == junk


def test_a_locked_database_gives_a_clear_message(db: Path) -> None:
    q = QuestionRecord(1, "metrics/confusion-matrix", "metrics", 5)
    store = ProgressStore.open(db, timeout=0.05)
    store.begin_session(1, {})
    store.record_part(q, right())
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ProgressError) as info:
            ProgressStore.open(db, timeout=0.05)
        assert str(info.value) == (f"progress database {db} is locked by another program "
                                   "(another mlquiz session?)")
        with pytest.raises(ProgressError, match="is locked by another program"):
            store.record_part(q, right("second"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.record_part(q, right("third"))  # usable again once the lock is gone
    store.close()
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT part FROM parts ORDER BY rowid")] == [
        "p", "third"]
    conn.close()


def test_a_folder_in_the_way_is_reported(tmp_path: Path) -> None:
    (tmp_path / "progress.sqlite3").mkdir()
    with pytest.raises(ProgressError) as info:
        ProgressStore.open(tmp_path / "progress.sqlite3")
    assert str(info.value) == (f"progress database {tmp_path / 'progress.sqlite3'} is a "
                               "folder, not a file")


def test_an_uncreatable_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProgressError) as info:
        ProgressStore.open(tmp_path / "file" / "progress.sqlite3")
    assert str(info.value).startswith("cannot create the folder of the progress database ")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("SQLITE_READONLY", "attempt to write a readonly database",
     "progress database /d/p.db is read-only"),
    ("SQLITE_FULL", "database or disk is full", "progress database /d/p.db: the disk is full"),
    ("SQLITE_CANTOPEN", "unable to open database file",
     "cannot open the progress database /d/p.db: check that its folder exists and is writable"),
    ("SQLITE_IOERR", "disk I/O error", "progress database /d/p.db: disk I/O error"),
])
def test_other_database_errors_are_explained(name: str, text: str, message: str) -> None:
    """Errors that are hard to cause on purpose (as root, permissions do not stop writes)."""
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorname = name
    assert _explain(Path("/d/p.db"), exc) == message


def test_readonly_open_never_creates_or_writes(db: Path) -> None:
    assert ProgressStore.open_readonly(db) is None
    assert not db.exists() and not db.parent.exists()
    with ProgressStore.open(db, clock=fixed_clock()) as store:
        record_session(store, 1, [("a/x", "a", [right()])])
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    ro = ProgressStore.open_readonly(db)
    assert ro is not None
    with ro:
        assert set(ro.cards()) == {"a/x"}
        with pytest.raises(ProgressError, match="opened read-only"):
            ro.record_part(QuestionRecord(1, "a/x", "a", 1), right())
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


# --------------------------------------------------------------------------- recording


def test_parts_attempts_and_outcomes_are_stored(db: Path, store: ProgressStore) -> None:
    store.begin_session(42, {"topics": ["metrics"]})
    q = QuestionRecord(1, "metrics/confusion-matrix", "metrics", 777)
    part = PartRecord("precision", "correct", 1.0, 2.0, False, 1, (
        AttemptRecord("10/11", "incorrect", 0.0, "recall-for-precision", "That is recall."),
        AttemptRecord("13x", "invalid", 0.0),
        AttemptRecord("130/249", "correct", 1.0)))
    store.record_part(q, part)
    store.finish_question(q, "wrong")
    store.finish_session()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT seed, selection, ended_at IS NOT NULL FROM sessions"
                        ).fetchall() == [(42, '{"topics": ["metrics"]}', 1)]
    assert conn.execute("SELECT number, template, topic, seed, outcome FROM questions"
                        ).fetchall() == [(1, "metrics/confusion-matrix", "metrics", 777, "wrong")]
    assert conn.execute("SELECT part, outcome, score, points, first_try, hints FROM parts"
                        ).fetchall() == [("precision", "correct", 1.0, 2.0, 0, 1)]
    assert conn.execute("SELECT part, answer, status, mistake, note FROM attempts ORDER BY id"
                        ).fetchall() == [
        ("precision", "10/11", "incorrect", "recall-for-precision", "That is recall."),
        ("precision", "13x", "invalid", None, None),
        ("precision", "130/249", "correct", None, None)]
    conn.close()


def test_a_session_with_nothing_answered_leaves_no_row(db: Path, store: ProgressStore) -> None:
    store.begin_session(1, {})
    store.finish_question(QuestionRecord(1, "a/x", "a", 1), None)
    store.finish_session()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    conn.close()


def test_long_answers_are_cut_when_stored(db: Path, store: ProgressStore) -> None:
    store.begin_session(1, {})
    store.record_part(QuestionRecord(1, "a/x", "a", 1), PartRecord(
        "p", "incorrect", 0.0, 1.0, False, 0, (AttemptRecord("9" * 50_000, "incorrect", 0.0),)))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT length(answer) FROM attempts").fetchone()[0] == 2000
    conn.close()


# --------------------------------------------------------------------------- Leitner


@pytest.mark.parametrize(("parts", "complete", "expected"), [
    ([right("a"), right("b")], True, "right"),
    ([right("a"), right("b", hints=1)], True, "hinted"),
    ([right("a"), wrong("b")], True, "wrong"),
    ([PartRecord("a", "correct", 1.0, 1.0, False, 0)], True, "wrong"),  # right on try 2
    ([PartRecord("a", "solution", 0.0, 1.0, False, 0)], True, "wrong"),
    ([PartRecord("a", "skipped", 0.0, 1.0, False, 0)], True, "wrong"),
    ([PartRecord("a", "unfinished", 0.0, 1.0, False, 0)], False, "wrong"),
    ([right("a")], False, None),  # left before anything went wrong: moves no card
    ([], True, None),
])
def test_question_outcome(parts: list[PartRecord], complete: bool, expected: str | None) -> None:
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


def test_cards_come_from_the_recorded_history(store: ProgressStore) -> None:
    """Three sessions: metrics right, right, right (box 4); dropout wrong in the last one
    (box 1, due); gradients right once in the first session (box 2, due: two sessions
    passed)."""
    record_session(store, 1, [("metrics/m", "metrics", [right()]),
                              ("gradients/g", "gradients", [right()])])
    record_session(store, 2, [("metrics/m", "metrics", [right()]),
                              ("dropout/d", "dropout", [right()])])
    record_session(store, 3, [("metrics/m", "metrics", [right()]),
                              ("dropout/d", "dropout", [wrong()])])
    cards = store.cards()
    assert {t: (c.box, c.wait, c.due) for t, c in cards.items()} == {
        "metrics/m": (4, 7, False),
        "gradients/g": (2, -1, True),
        "dropout/d": (1, 0, True),
    }
    plan = schedule(["metrics/m", "gradients/g", "dropout/d", "new/n"], cards, 4, 9)
    assert [p.template for p in plan] == ["dropout/d", "new/n", "gradients/g", "metrics/m"]


# --------------------------------------------------------------------------- report


def prepared_history(store: ProgressStore) -> None:
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


def test_report_has_accuracy_trend_boxes_and_recurring_mistakes(store: ProgressStore) -> None:
    prepared_history(store)
    report = store.report()
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


def test_trend_down_and_steady(store: ProgressStore) -> None:
    record_session(store, 1, [("a/x", "a", [right(f"p{i}") for i in range(20)]),
                              ("b/x", "b", [right(f"p{i}") for i in range(10)]),
                              ("b/x", "b", [wrong(f"p{i}") for i in range(10)])])
    topics = {t.topic: t.trend for t in store.report().topics}
    assert topics == {"a": "steady", "b": "down"}


def test_render_report_text(store: ProgressStore) -> None:
    prepared_history(store)
    text = render_report(store.report())
    assert "Practice progress · 2 sessions · 24 parts answered" in text
    assert "  metrics     21    48%        48%      90%  improving (from 10%)\n" in text
    assert "  dropout/d  box 1  due now" in text
    assert "  recall-for-precision: That is recall.\n" in text
    assert "metrics/m · p0 · 2 times in 2 sessions, last 2026-01-05 09:" in text


# --------------------------------------------------------------------------- mlquiz progress


def test_progress_command_text_and_json(db: Path) -> None:
    with ProgressStore.open(db, clock=fixed_clock()) as store:
        prepared_history(store)
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
