"""Saved practice progress: a small SQLite database, and the Leitner schedule built on it.

Where: ``--db PATH``, else ``$MLQUIZ_DB``, else ``$XDG_DATA_HOME/mlquiz/progress.sqlite3``
(``~/.local/share/mlquiz/progress.sqlite3`` when XDG_DATA_HOME is unset).

What is stored: one row per session (seed, what was chosen), per question asked (template,
topic, instance seed, Leitner outcome), per part answered (final outcome, score, hints used) and
per graded attempt (the answer as typed, its status and matched mistake). Nothing else: no name,
no machine. The schema is versioned with ``PRAGMA user_version``; `MIGRATIONS` lists the steps
from each version to the next, applied in one transaction when the file is opened. A file that is
not an mlquiz database, is corrupt, is locked or comes from a newer mlquiz raises
`ProgressError` with a message that says so; practice then goes on without saving.

The adaptive schedule (a Leitner box system, one card per template):

- A question's outcome is *right* when every part was answered correctly at its first graded
  attempt without hints, *wrong* when any part was answered wrong, revealed with ``solution``,
  skipped or left unfinished, and *hinted* when it was all right but needed hints.
- *right* moves the template up one box (at most box 5); *wrong* sends it back to box 1;
  *hinted* keeps it in its box. A template seen for the first time starts in box 1.
- A template in box k comes back once ``LEITNER_INTERVALS[k - 1]`` sessions (1, 2, 4, 8, 16)
  have passed since it was last asked: box 1 every session, box 5 every sixteenth.
- `schedule` orders the candidates: due templates from box 1 (recently wrong) first, then
  templates never seen, then the other due ones from the lowest box up, then the ones not due
  yet, soonest first. Ties are broken by a SHA-256 ranking of the session seed and the id, and
  the list is cycled when more questions are asked than there are templates.
- Each question's instance seed is derived with SHA-256 from the session seed and the question
  number (`question_seed`), so the numbers change every session and ``--seed`` replays one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from questionbank.errors import QuizError

__all__ = [
    "LEITNER_INTERVALS", "MIGRATIONS", "SCHEMA_VERSION", "AttemptRecord", "Card", "MistakeStats",
    "PartRecord", "PlannedQuestion", "ProgressError", "ProgressReport", "ProgressStore",
    "QuestionRecord", "SessionStats", "TopicStats", "default_db_path", "leitner_cards",
    "question_outcome", "question_seed", "render_report", "schedule",
]

#: Sessions to wait before a template in box 1, 2, ... 5 is due again.
LEITNER_INTERVALS = (1, 2, 4, 8, 16)
#: ``PRAGMA application_id`` of our files ("mlqz"), so a foreign SQLite file is recognised.
APPLICATION_ID = 0x6D6C717A
PART_OUTCOMES = ("correct", "incorrect", "solution", "skipped", "unfinished")
QUESTION_OUTCOMES = ("right", "hinted", "wrong")
MAX_STORED_ANSWER = 2000
RECENT_WINDOW = 10

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


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class AttemptRecord:
    """One graded (or unreadable) answer to a part, as typed."""

    answer: str
    status: str
    score: float
    mistake: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PartRecord:
    """How one part ended: `outcome` is one of `PART_OUTCOMES`; `first_try` is true when the
    first graded attempt was correct."""

    part: str
    outcome: str
    score: float
    points: float
    first_try: bool
    hints: int
    attempts: tuple[AttemptRecord, ...] = ()


@dataclass(frozen=True)
class QuestionRecord:
    """One question of a session: which template and instance."""

    number: int
    template: str
    topic: str
    seed: int


def question_outcome(parts: Sequence[PartRecord], complete: bool) -> str | None:
    """The Leitner outcome of a question (see the module docstring); None when the question
    was left before any part went wrong, so it moves no card."""
    if any(p.outcome != "correct" or not p.first_try for p in parts):
        return "wrong"
    if not complete or not parts:
        return None
    return "hinted" if any(p.hints for p in parts) else "right"


# --------------------------------------------------------------------------- Leitner


@dataclass(frozen=True)
class Card:
    """The Leitner state of one template before the coming session.

    `box` is 1..5, `last_session` the ordinal of the session it was last asked in, `wait` the
    sessions still to go before it is due (0 or less: due; negative: overdue).
    """

    template: str
    topic: str
    box: int
    last_session: int
    wait: int

    @property
    def due(self) -> bool:
        return self.wait <= 0


def leitner_cards(history: Iterable[tuple[str, str, int, str]],
                  current_session: int) -> dict[str, Card]:
    """Replay `history` rows ``(template, topic, session ordinal, outcome)`` in order and
    return each template's card as seen from session number `current_session`."""
    boxes: dict[str, tuple[str, int, int]] = {}
    for template, topic, session, outcome in history:
        _, box, _ = boxes.get(template, (topic, 0, session))
        if outcome == "right":
            box = min(max(box, 1) + 1, len(LEITNER_INTERVALS))
        elif outcome == "wrong":
            box = 1
        else:
            box = max(box, 1)
        boxes[template] = (topic, box, session)
    return {
        t: Card(template=t, topic=topic, box=box, last_session=last,
                wait=LEITNER_INTERVALS[box - 1] - (current_session - last))
        for t, (topic, box, last) in boxes.items()
    }


@dataclass(frozen=True)
class PlannedQuestion:
    """Question `number` (from 1) of a session: template id and instance seed."""

    number: int
    template: str
    seed: int


def question_seed(session_seed: int, number: int) -> int:
    """The instance seed of question `number`: SHA-256 of the session seed and the number."""
    digest = hashlib.sha256(f"mlquiz-practice:{session_seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _tiebreak(session_seed: int, template: str) -> bytes:
    return hashlib.sha256(f"mlquiz-order:{session_seed}:{template}".encode()).digest()


def _priority(card: Card | None) -> tuple[int, int, int]:
    if card is None:
        return (1, 0, 0)
    if card.due:
        return (0 if card.box == 1 else 2, card.box, card.wait)
    return (3, card.wait, card.box)


def schedule(candidates: Iterable[str], cards: Mapping[str, Card], count: int,
             session_seed: int) -> tuple[PlannedQuestion, ...]:
    """The session's questions: `count` templates in Leitner priority order (cycled when
    `count` exceeds the candidates), each with its derived instance seed."""
    order = sorted(set(candidates),
                   key=lambda t: (_priority(cards.get(t)), _tiebreak(session_seed, t)))
    if not order or count < 1:
        return ()
    return tuple(PlannedQuestion(number=i + 1, template=order[i % len(order)],
                                 seed=question_seed(session_seed, i + 1))
                 for i in range(count))


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class TopicStats:
    """Accuracy of one topic: `recent` over the last `RECENT_WINDOW` parts, `previous` over
    the window before (None when there are not that many), `trend` up / down / steady / new."""

    topic: str
    parts: int
    correct: int
    first_try: int
    accuracy: float
    recent: float
    previous: float | None
    trend: str


@dataclass(frozen=True)
class MistakeStats:
    """A mistake made more than once on one part of one template."""

    mistake: str
    note: str
    template: str
    part: str
    count: int
    sessions: int
    last_at: str


@dataclass(frozen=True)
class SessionStats:
    """One past session: when, how many questions, points scored of points possible."""

    id: int
    started_at: str
    questions: int
    points: float
    max_points: float


@dataclass(frozen=True)
class ProgressReport:
    """Everything ``mlquiz progress`` shows (and prints with ``--json``)."""

    db: str
    sessions: int
    parts: int
    topics: tuple[TopicStats, ...]
    cards: tuple[Card, ...]
    mistakes: tuple[MistakeStats, ...]
    recent_sessions: tuple[SessionStats, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "schema_version": SCHEMA_VERSION,
            "sessions": self.sessions,
            "parts": self.parts,
            "topics": [asdict(t) for t in self.topics],
            "templates": [dict(asdict(c), due=c.due) for c in self.cards],
            "recurring_mistakes": [asdict(m) for m in self.mistakes],
            "recent_sessions": [asdict(s) for s in self.recent_sessions],
        }


def _trend(recent: float, previous: float | None) -> str:
    if previous is None:
        return "new"
    if recent - previous >= 0.1:
        return "up"
    if previous - recent >= 0.1:
        return "down"
    return "steady"


# --------------------------------------------------------------------------- store


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
    """An open progress database: reads the Leitner cards and the report, records sessions.

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
        conn = cls._connect(str(path), path, timeout, uri=False)
        store = cls(conn, path, readonly=False, clock=clock)
        try:
            store._guard(store._migrate)
        except ProgressError:
            conn.close()
            raise
        return store

    @classmethod
    def open_readonly(cls, path: str | os.PathLike[str], *, timeout: float = 2.0
                      ) -> ProgressStore | None:
        """Open an existing database without ever writing to it; None when there is none."""
        path = Path(path)
        if not path.is_file():
            return None
        uri = path.resolve().as_uri() + "?mode=ro"
        conn = cls._connect(uri, path, timeout, uri=True)
        store = cls(conn, path, readonly=True, clock=_utc_now)
        try:
            store._guard(store._check_version)
        except ProgressError:
            conn.close()
            raise
        return store

    @staticmethod
    def _connect(target: str, path: Path, timeout: float, *, uri: bool) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=uri)
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise ProgressError(_explain(path, exc)) from None
        return conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _guard(self, fn: Callable[[], Any]) -> Any:
        """Run `fn`, turning sqlite3 errors into `ProgressError` (closing on failure to open)."""
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

    def _empty(self) -> bool:
        """True for a read-only view of a brand-new file with no tables yet."""
        return self.readonly and self.schema_version == 0

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

    def record_part(self, question: QuestionRecord, part: PartRecord) -> None:
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

    def _session_ordinals(self) -> dict[int, int]:
        rows = self._conn.execute("SELECT id FROM sessions ORDER BY id").fetchall()
        return {sid: i + 1 for i, (sid,) in enumerate(rows)}

    def cards(self) -> dict[str, Card]:
        """Every template's Leitner card, as seen from the next session."""
        if self._empty():
            return {}

        def read() -> dict[str, Card]:
            ordinals = self._session_ordinals()
            current = len(ordinals) + 1
            rows = self._conn.execute(
                "SELECT template, topic, session_id, outcome FROM questions "
                "WHERE outcome IS NOT NULL ORDER BY id").fetchall()
            return leitner_cards(((t, topic, ordinals[s], o) for t, topic, s, o in rows),
                                 current)

        result: dict[str, Card] = self._guard(read)
        return result

    def report(self, recent_sessions: int = 5) -> ProgressReport:
        """Per-topic accuracy and trend, Leitner cards, recurring mistakes, recent sessions."""
        if self._empty():
            return ProgressReport(db=str(self.path), sessions=0, parts=0, topics=(), cards=(),
                                  mistakes=(), recent_sessions=())
        result: ProgressReport = self._guard(lambda: self._report(recent_sessions))
        return result

    def _report(self, recent_sessions: int) -> ProgressReport:
        conn = self._conn
        n_sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        rows = conn.execute(
            "SELECT q.topic, p.outcome, p.first_try FROM parts p "
            "JOIN questions q ON q.id = p.question_id ORDER BY q.id, p.rowid").fetchall()
        by_topic: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
        for topic, outcome, first_try in rows:
            by_topic[topic].append((outcome == "correct", bool(first_try)))
        topics = []
        for topic in sorted(by_topic):
            marks = by_topic[topic]
            right = [ok for ok, _ in marks]
            recent = right[-RECENT_WINDOW:]
            before = right[-2 * RECENT_WINDOW:-RECENT_WINDOW]
            previous = sum(before) / len(before) if len(before) == RECENT_WINDOW else None
            recent_rate = sum(recent) / len(recent)
            topics.append(TopicStats(
                topic=topic, parts=len(marks), correct=sum(right),
                first_try=sum(1 for _, f in marks if f), accuracy=sum(right) / len(marks),
                recent=recent_rate, previous=previous, trend=_trend(recent_rate, previous)))
        cards = sorted(self.cards().values(), key=lambda c: (c.wait, c.box, c.template))
        return ProgressReport(
            db=str(self.path), sessions=n_sessions, parts=len(rows), topics=tuple(topics),
            cards=tuple(cards), mistakes=tuple(self._mistakes()),
            recent_sessions=tuple(self._recent(recent_sessions)))

    def _mistakes(self) -> list[MistakeStats]:
        rows = self._conn.execute(
            "SELECT a.mistake, a.note, q.template, a.part, q.session_id, a.at FROM attempts a "
            "JOIN questions q ON q.id = a.question_id WHERE a.mistake IS NOT NULL "
            "ORDER BY a.id").fetchall()
        count: Counter[tuple[str, str, str]] = Counter()
        sessions: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        note: dict[tuple[str, str, str], str] = {}
        last: dict[tuple[str, str, str], str] = {}
        for mistake, text, template, part, sid, at in rows:
            key = (mistake, template, part)
            count[key] += 1
            sessions[key].add(sid)
            note[key] = text or ""
            last[key] = at
        repeated = [MistakeStats(mistake=k[0], note=note[k], template=k[1], part=k[2],
                                 count=n, sessions=len(sessions[k]), last_at=last[k])
                    for k, n in count.items() if n >= 2]
        repeated.sort(key=lambda m: (-m.sessions, -m.count, m.last_at, m.mistake))
        return repeated

    def _recent(self, limit: int) -> list[SessionStats]:
        rows = self._conn.execute(
            "SELECT s.id, s.started_at, count(DISTINCT q.id), "
            "coalesce(sum(p.score * p.points), 0), coalesce(sum(p.points), 0) "
            "FROM sessions s LEFT JOIN questions q ON q.session_id = s.id "
            "LEFT JOIN parts p ON p.question_id = q.id "
            "GROUP BY s.id ORDER BY s.id DESC LIMIT ?", (limit,)).fetchall()
        return [SessionStats(id=sid, started_at=at, questions=n, points=round(pts, 6),
                             max_points=round(mx, 6)) for sid, at, n, pts, mx in rows]

    def topic_accuracy(self) -> dict[str, float]:
        """Share of parts answered correctly, per topic (for 'what to practise next')."""
        return {t.topic: t.accuracy for t in self.report().topics}


# --------------------------------------------------------------------------- text report

_TREND_TEXT = {"up": "improving", "down": "slipping", "steady": "steady",
               "new": "too few answers for a trend"}


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ") + (" UTC" if iso.endswith("Z") else "")


def render_report(report: ProgressReport) -> str:
    """The ``mlquiz progress`` text for a terminal."""
    from grader.pages import render_page

    topics = [{
        "topic": t.topic, "parts": t.parts, "accuracy": f"{t.accuracy:.0%}",
        "first_try": f"{t.first_try / t.parts:.0%}" if t.parts else "-",
        "recent": f"{t.recent:.0%}",
        "trend": _TREND_TEXT[t.trend] + (f" (from {t.previous:.0%})"
                                         if t.previous is not None and t.trend != "new" else ""),
    } for t in report.topics]
    cards = [{
        "template": c.template, "box": c.box,
        "due": "due now" if c.due else f"due in {c.wait} session{'s' if c.wait != 1 else ''}",
    } for c in report.cards]
    mistakes = [{
        "id": m.mistake, "note": m.note, "template": m.template, "part": m.part,
        "count": m.count, "sessions": m.sessions, "last": _when(m.last_at),
    } for m in report.mistakes]
    sessions = [{
        "when": _when(s.started_at), "questions": s.questions,
        "points": f"{round(s.points, 2):g}", "max_points": f"{round(s.max_points, 2):g}",
        "percent": f"{s.points / s.max_points:.0%}" if s.max_points else "-",
    } for s in report.recent_sessions]
    return render_page("practice_progress.txt.j2", db=report.db, sessions=report.sessions,
                       parts=report.parts, topics=topics, cards=cards, mistakes=mistakes,
                       recent=sessions, intervals=LEITNER_INTERVALS)
