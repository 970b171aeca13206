"""Saved practice progress: a small SQLite database.

Where: ``--db PATH``, else ``$MLQUIZ_DB``, else ``$XDG_DATA_HOME/mlquiz/progress.sqlite3``
(``~/.local/share/mlquiz/progress.sqlite3`` when XDG_DATA_HOME is unset).

What is stored: one row per session (seed, what was chosen), per question asked (template,
topic, instance seed, Leitner outcome), per part answered (final outcome, score, hints used) and
per graded attempt (the answer as typed, its status and matched mistake). Nothing else: no name,
no machine. The schema is versioned with ``PRAGMA user_version``; `MIGRATIONS` lists the steps
from each version to the next, applied in one transaction when the file is opened. A file that is
not an mlquiz database, is corrupt, is locked or comes from a newer mlquiz raises
`ProgressError` with a message that says so; practice then goes on without saving.

The store only writes and reads rows: the Leitner rules are `grader.practice.schedule`, the
accuracy, trends and texts of ``mlquiz progress`` are `grader.practice.report`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from grader.practice.records import (
    PART_OUTCOMES,
    QUESTION_OUTCOMES,
    PractisedPart,
    QuestionRecord,
)
from grader.practice.schedule import Card, leitner_cards
from questionbank.errors import QuizError

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "GuardedRecorder", "MistakeAttempt",
           "ProgressError", "ProgressStore", "Recorder", "SessionStats", "default_db_path"]

T = TypeVar("T")

#: ``PRAGMA application_id`` of our files ("mlqz"), so a foreign SQLite file is recognised.
APPLICATION_ID = 0x6D6C717A
MAX_STORED_ANSWER = 2000

#: ``MIGRATIONS[v]`` takes a database from schema version v to v + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            seed INTEGER NOT NULL,
            selection TEXT NOT NULL)""",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            number INTEGER NOT NULL,
            template TEXT NOT NULL,
            topic TEXT NOT NULL,
            seed INTEGER NOT NULL,
            asked_at TEXT NOT NULL,
            outcome TEXT CHECK (outcome IN ('right', 'hinted', 'wrong')),
            UNIQUE (session_id, number))""",
        """CREATE TABLE parts (
            question_id INTEGER NOT NULL REFERENCES questions(id),
            part TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN
                ('correct', 'incorrect', 'solution', 'skipped', 'unfinished')),
            score REAL NOT NULL,
            points REAL NOT NULL,
            first_try INTEGER NOT NULL,
            hints INTEGER NOT NULL,
            PRIMARY KEY (question_id, part))""",
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            question_id INTEGER NOT NULL REFERENCES questions(id),
            part TEXT NOT NULL,
            at TEXT NOT NULL,
            answer TEXT NOT NULL,
            status TEXT NOT NULL,
            score REAL NOT NULL,
            mistake TEXT,
            note TEXT)""",
        "CREATE INDEX questions_by_template ON questions(template)",
        "CREATE INDEX attempts_by_mistake ON attempts(mistake)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class ProgressError(QuizError):
    """The progress database cannot be used (corrupt, locked, foreign, newer, unwritable)."""


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """``$MLQUIZ_DB``, else the XDG data directory's ``mlquiz/progress.sqlite3``."""
    env = os.environ if env is None else env
    if env.get("MLQUIZ_DB"):
        return Path(env["MLQUIZ_DB"]).expanduser()
    base = env.get("XDG_DATA_HOME") or ""
    root = Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "mlquiz" / "progress.sqlite3"


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MistakeAttempt(NamedTuple):
    """A stored attempt that matched a named mistake: which, on what, in which session, when."""

    mistake: str
    note: str | None
    template: str
    part: str
    session: int
    at: str


@dataclass(frozen=True, slots=True)
class SessionStats:
    """One past session: when, how many questions, points scored of points possible."""

    id: int
    started_at: str
    questions: int
    points: float
    max_points: float


def _explain(path: Path, exc: sqlite3.Error) -> str:
    """A message for the student, from an sqlite3 error on `path`."""
    name = getattr(exc, "sqlite_errorname", "")
    where = f"progress database {path}"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
        return f"{where} is locked by another program (another mlquiz session?)"
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return (f"{where} is damaged or not a database ({exc}); move it away, or choose "
                "another file with --db")
    if name.startswith("SQLITE_CANTOPEN"):
        return f"cannot open the {where}: check that its folder exists and is writable"
    if name.startswith("SQLITE_READONLY"):
        return f"{where} is read-only"
    if name.startswith("SQLITE_FULL"):
        return f"{where}: the disk is full"
    return f"{where}: {exc}"


class ProgressStore:
    """An open progress database: records sessions, and reads back the rows that the Leitner
    cards and the progress report are made from.

    Write methods run in one short ``BEGIN IMMEDIATE`` transaction each, so an interrupted
    session keeps everything answered so far. Every sqlite3 error becomes `ProgressError`.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool,
                 clock: Callable[[], str]) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self._clock = clock
        self._session_seed: int | None = None
        self._selection: dict[str, Any] = {}
        self._session_id: int | None = None
        self._question_ids: dict[int, int] = {}

    # ---- opening

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, timeout: float = 2.0,
             clock: Callable[[], str] = _utc_now) -> ProgressStore:
        """Open (creating it and its folder if needed) and migrate the database at `path`."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProgressError(f"cannot create the folder of the progress database {path}: "
                                f"{exc.strerror}") from None
        if path.is_dir():
            raise ProgressError(f"progress database {path} is a folder, not a file")
        return cls._connect(str(path), path, timeout, readonly=False, clock=clock)

    @classmethod
    def open_readonly(cls, path: str | os.PathLike[str], *, timeout: float = 2.0
                      ) -> ProgressStore | None:
        """Open an existing database without ever writing to it; None when there is none."""
        path = Path(path)
        if not path.is_file():
            return None
        uri = path.resolve().as_uri() + "?mode=ro"
        return cls._connect(uri, path, timeout, readonly=True, clock=_utc_now)

    @classmethod
    def _connect(cls, target: str, path: Path, timeout: float, *, readonly: bool,
                 clock: Callable[[], str]) -> ProgressStore:
        """Connect to `target` (a read-only URI when `readonly`), then migrate the schema, or
        only check its version when read-only; the connection is closed when that fails."""
        try:
            conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=readonly)
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise ProgressError(_explain(path, exc)) from None
        store = cls(conn, path, readonly=readonly, clock=clock)
        try:
            store._guard(store._check_version if readonly else store._migrate)
        except ProgressError:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _guard(self, fn: Callable[[], T]) -> T:
        """Run `fn`, turning sqlite3 errors into `ProgressError`."""
        try:
            return fn()
        except sqlite3.Error as exc:
            raise ProgressError(_explain(self.path, exc)) from None

    def _version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        app = int(self._conn.execute("PRAGMA application_id").fetchone()[0])
        tables = self._conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if app not in (0, APPLICATION_ID) or (app == 0 and tables):
            raise ProgressError(f"{self.path} is an SQLite file but not an mlquiz progress "
                                "database; choose another file with --db")
        if version > SCHEMA_VERSION:
            raise ProgressError(f"progress database {self.path} was written by a newer mlquiz "
                                f"(schema version {version}; this one knows up to "
                                f"{SCHEMA_VERSION}); upgrade mlquiz or use another --db")
        return version

    def _check_version(self) -> None:
        version = self._version()
        if 0 < version < SCHEMA_VERSION:
            raise ProgressError(f"progress database {self.path} has an older schema (version "
                                f"{version}); run 'mlquiz practice' once to upgrade it")

    def _migrate(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()
            if version == 0:
                self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for step in MIGRATIONS[version:]:
                for statement in step:
                    self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        return int(self._guard(lambda: self._conn.execute("PRAGMA user_version").fetchone()[0]))

    # ---- writing

    def _write(self, fn: Callable[[sqlite3.Connection], None]) -> None:
        if self.readonly:
            raise ProgressError(f"progress database {self.path} was opened read-only")

        def run() -> None:
            saved = (self._session_id, dict(self._question_ids))
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                fn(self._conn)
                self._conn.execute("COMMIT")
            except BaseException:
                self._session_id, self._question_ids = saved
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

        self._guard(run)

    def begin_session(self, seed: int, selection: Mapping[str, Any]) -> None:
        """Remember the session; its row is written with the first answered part."""
        self._session_seed = seed
        self._selection = dict(selection)
        self._session_id = None
        self._question_ids = {}

    def _ensure_question(self, conn: sqlite3.Connection, q: QuestionRecord) -> int:
        if self._session_id is None:
            if self._session_seed is None:
                raise RuntimeError("begin_session() must come first")
            cur = conn.execute(
                "INSERT INTO sessions (started_at, seed, selection) VALUES (?, ?, ?)",
                (self._clock(), self._session_seed, json.dumps(self._selection, sort_keys=True)))
            self._session_id = int(cur.lastrowid or 0)
        if q.number not in self._question_ids:
            cur = conn.execute(
                "INSERT INTO questions (session_id, number, template, topic, seed, asked_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (self._session_id, q.number, q.template, q.topic, q.seed, self._clock()))
            self._question_ids[q.number] = int(cur.lastrowid or 0)
        return self._question_ids[q.number]

    def record_part(self, question: QuestionRecord, part: PractisedPart) -> None:
        """Store one finished part and its attempts."""
        if part.outcome not in PART_OUTCOMES:
            raise ValueError(f"unknown part outcome {part.outcome!r}")

        def write(conn: sqlite3.Connection) -> None:
            qid = self._ensure_question(conn, question)
            conn.execute(
                "INSERT OR REPLACE INTO parts (question_id, part, outcome, score, points, "
                "first_try, hints) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (qid, part.part, part.outcome, part.score, part.points, int(part.first_try),
                 part.hints))
            now = self._clock()
            conn.executemany(
                "INSERT INTO attempts (question_id, part, at, answer, status, score, mistake, "
                "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(qid, part.part, now, a.answer[:MAX_STORED_ANSWER], a.status, a.score,
                  a.mistake, a.note) for a in part.attempts])

        self._write(write)

    def finish_question(self, question: QuestionRecord, outcome: str | None) -> None:
        """Store the question's Leitner outcome (None: it moves no card)."""
        if outcome is None or question.number not in self._question_ids:
            return
        if outcome not in QUESTION_OUTCOMES:
            raise ValueError(f"unknown question outcome {outcome!r}")
        qid = self._question_ids[question.number]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE questions SET outcome = ? WHERE id = ?", (outcome, qid))

        self._write(write)

    def finish_session(self) -> None:
        """Stamp the session's end (only when something was recorded)."""
        if self._session_id is None:
            return
        sid = self._session_id

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (self._clock(), sid))

        self._write(write)

    # ---- reading

    def _read(self, fn: Callable[[], T], empty: T) -> T:
        """`fn`'s rows, or `empty` for a read-only view of a brand-new file with no tables."""
        if self.readonly and self.schema_version == 0:
            return empty
        return self._guard(fn)

    def cards(self) -> dict[str, Card]:
        """Every template's Leitner card, as seen from the next session."""

        def read() -> dict[str, Card]:
            rows = self._conn.execute("SELECT id FROM sessions ORDER BY id").fetchall()
            ordinals = {sid: i + 1 for i, (sid,) in enumerate(rows)}
            history = self._conn.execute(
                "SELECT template, topic, session_id, outcome FROM questions "
                "WHERE outcome IS NOT NULL ORDER BY id").fetchall()
            return leitner_cards(((t, topic, ordinals[s], o) for t, topic, s, o in history),
                                 len(ordinals) + 1)

        return self._read(read, {})

    def session_count(self) -> int:
        """How many sessions recorded something."""
        return self._read(
            lambda: int(self._conn.execute("SELECT count(*) FROM sessions").fetchone()[0]), 0)

    def part_marks(self) -> list[tuple[str, bool, bool]]:
        """``(topic, right in the end, right at the first try)`` of every part answered, in
        the order answered."""

        def read() -> list[tuple[str, bool, bool]]:
            rows = self._conn.execute(
                "SELECT q.topic, p.outcome, p.first_try FROM parts p "
                "JOIN questions q ON q.id = p.question_id ORDER BY q.id, p.rowid").fetchall()
            return [(topic, outcome == "correct", bool(first)) for topic, outcome, first in rows]

        return self._read(read, [])

    def mistake_attempts(self) -> list[MistakeAttempt]:
        """Every attempt that matched a named mistake, in the order made."""

        def read() -> list[MistakeAttempt]:
            rows = self._conn.execute(
                "SELECT a.mistake, a.note, q.template, a.part, q.session_id, a.at "
                "FROM attempts a JOIN questions q ON q.id = a.question_id "
                "WHERE a.mistake IS NOT NULL ORDER BY a.id").fetchall()
            return [MistakeAttempt(*row) for row in rows]

        return self._read(read, [])

    def recent_sessions(self, limit: int) -> list[SessionStats]:
        """The last `limit` sessions, newest first, with their questions and points."""

        def read() -> list[SessionStats]:
            rows = self._conn.execute(
                "SELECT s.id, s.started_at, count(DISTINCT q.id), "
                "coalesce(sum(p.score * p.points), 0), coalesce(sum(p.points), 0) "
                "FROM sessions s LEFT JOIN questions q ON q.session_id = s.id "
                "LEFT JOIN parts p ON p.question_id = q.id "
                "GROUP BY s.id ORDER BY s.id DESC LIMIT ?", (limit,)).fetchall()
            return [SessionStats(id=sid, started_at=at, questions=n, points=round(pts, 6),
                                 max_points=round(mx, 6)) for sid, at, n, pts, mx in rows]

        return self._read(read, [])


class Recorder(Protocol):
    """What a practice session records through: a `ProgressStore` (or a test's fake)."""

    def begin_session(self, seed: int, selection: Mapping[str, Any]) -> None: ...
    def record_part(self, question: QuestionRecord, part: PractisedPart) -> None: ...
    def finish_question(self, question: QuestionRecord, outcome: str | None) -> None: ...
    def finish_session(self) -> None: ...


class GuardedRecorder:
    """Passes records to a store; on the first `ProgressError` it closes the store, warns once
    and stops saving, so the session goes on unsaved (terminal and web alike)."""

    def __init__(self, store: Recorder | None, warn: Callable[[str], None]) -> None:
        self.store = store
        self._warn = warn

    @property
    def active(self) -> bool:
        return self.store is not None

    def call(self, method: str, *args: Any) -> None:
        if self.store is None:
            return
        try:
            getattr(self.store, method)(*args)
        except ProgressError as exc:
            self.close()
            self._warn(f"warning: {exc}; the rest of this session is not saved.")

    def close(self) -> None:
        """Close the store (if it can be) and save nothing more."""
        store, self.store = self.store, None
        close = getattr(store, "close", None)
        if close is not None:
            close()
