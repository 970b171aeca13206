"""Tests for grader.practice.store: where the database lives, the versioned schema, what is stored,
the clear messages for unusable files, and what is read back (the Leitner cards, the rows of the
progress report).

Histories are prepared by recording sessions through `ProgressStore` itself (the same code
practice uses, see conftest.py), with a fixed clock, and the stored rows are checked by opening
the SQLite file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.practice.records import AttemptRecord, PractisedPart, QuestionRecord
from grader.practice.schedule import schedule
from grader.practice.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    MistakeAttempt,
    ProgressError,
    ProgressStore,
    SessionStats,
    _explain,
    default_db_path,
)


def right(part: str = "p", hints: int = 0) -> PractisedPart:
    return PractisedPart(part, "correct", 1.0, 1.0, True, hints,
                         (AttemptRecord("1", "correct", 1.0),))


def wrong(part: str = "p", mistake: str | None = None, note: str | None = None) -> PractisedPart:
    return PractisedPart(part, "incorrect", 0.0, 1.0, False, 0,
                         (AttemptRecord("9", "incorrect", 0.0, mistake, note),))


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


def test_readonly_open_never_creates_or_writes(db: Path, clock: Callable[[], str],
                                               record_session: Callable[..., None]) -> None:
    assert ProgressStore.open_readonly(db) is None
    assert not db.exists() and not db.parent.exists()
    with ProgressStore.open(db, clock=clock) as store:
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
    part = PractisedPart("precision", "correct", 1.0, 2.0, False, 1, (
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
    store.record_part(QuestionRecord(1, "a/x", "a", 1), PractisedPart(
        "p", "incorrect", 0.0, 1.0, False, 0, (AttemptRecord("9" * 50_000, "incorrect", 0.0),)))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT length(answer) FROM attempts").fetchone()[0] == 2000
    conn.close()


# --------------------------------------------------------------------------- reading


def test_cards_come_from_the_recorded_history(store: ProgressStore,
                                              record_session: Callable[..., None]) -> None:
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


def test_the_rows_of_the_progress_report_are_read_back(store: ProgressStore,
                                                      record_session: Callable[..., None]) -> None:
    """Parts in the order answered, attempts that matched a mistake with their session and
    time (the clock ticks once per row written), and sessions newest first with their
    points."""
    record_session(store, 1, [("metrics/m", "metrics",
                               [wrong("a", "recall-for-precision", "That is recall."), right("b")]),
                              ("dropout/d", "dropout", [right("c", hints=1)])])
    record_session(store, 2, [("metrics/m", "metrics", [wrong("a", "recall-for-precision")])])
    assert store.session_count() == 2
    assert store.part_marks() == [("metrics", False, False), ("metrics", True, True),
                                  ("dropout", True, True), ("metrics", False, False)]
    assert store.mistake_attempts() == [
        MistakeAttempt("recall-for-precision", "That is recall.", "metrics/m", "a", 1,
                       "2026-01-05T09:02:00Z"),
        MistakeAttempt("recall-for-precision", None, "metrics/m", "a", 2,
                       "2026-01-05T09:09:00Z")]
    assert store.recent_sessions(5) == [
        SessionStats(2, "2026-01-05T09:07:00Z", 1, 0.0, 1.0),
        SessionStats(1, "2026-01-05T09:00:00Z", 2, 2.0, 3.0)]
    assert store.recent_sessions(1) == store.recent_sessions(5)[:1]


def test_a_new_empty_file_reads_as_no_history(db: Path) -> None:
    """A read-only view never creates the tables, so an empty file has none to read."""
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    ro = ProgressStore.open_readonly(db)
    assert ro is not None
    with ro:
        assert (ro.cards(), ro.session_count(), ro.part_marks(), ro.mistake_attempts(),
                ro.recent_sessions(5)) == ({}, 0, [], [], [])
    assert db.read_bytes() == b""
