"""Saving web practice to the same SQLite progress store as ``mlquiz practice``.

The server answers requests on several threads, and an sqlite3 connection belongs to the
thread that opened it; so every database call runs on one worker thread (`DatabaseThread`).
Each practice run records through its own `RunRecorder` (a `ProgressStore` keeps the ids of
the session it is recording): the store is opened when the run starts and closed when it ends.
Records are queued to the thread without waiting: a committed SQLite write waits for the disk
(30 to 120 ms measured here, more than the whole verdict budget), and the verdict need not wait
for it. The queue keeps their order; ending the run waits for it to drain. As in the
terminal, a database that fails is reported once (on the next page) and the run goes on unsaved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from grader.practice.records import PractisedPart, QuestionRecord
from grader.practice.schedule import Card
from grader.practice.store import GuardedRecorder

__all__ = ["DatabaseThread", "RunRecorder"]

T = TypeVar("T")


class DatabaseThread:
    """Runs database calls one at a time on a single thread of its own."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlquiz-db")

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` on the thread and wait for its result."""
        return self._pool.submit(fn, *args).result()

    def queue(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn` on the thread after what is queued before it, without waiting."""
        self._pool.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def read_cards(db: DatabaseThread, path: Path) -> dict[str, Card]:
    """The Leitner cards of the history at `path` (none when it cannot be read)."""
    from grader.practice.session import open_progress

    return db.call(lambda: open_progress(path, save=False, warn=lambda _message: None)[1])


class RunRecorder:
    """Records one practice run into the store at `path`, on the database thread.

    `warning` holds the message of the first failure (then nothing more is saved).
    """

    def __init__(self, db: DatabaseThread, path: Path, save: bool) -> None:
        self._db = db
        self.path = path
        self.warning: str | None = None
        self.cards: dict[str, Card] = {}
        self._db.call(self._open, save)

    def _warn(self, message: str) -> None:
        if self.warning is None:
            self.warning = message

    def _open(self, save: bool) -> None:
        from grader.practice.session import open_progress

        store, self.cards = open_progress(self.path, save=save, warn=self._warn)
        self._guard = GuardedRecorder(store, self._warn)

    def _call(self, method: str, *args: Any) -> None:
        self._guard.call(method, *args)

    def begin_session(self, seed: int, selection: Mapping[str, Any]) -> None:
        self._db.queue(self._call, "begin_session", seed, dict(selection))

    def record_part(self, question: QuestionRecord, part: PractisedPart) -> None:
        self._db.queue(self._call, "record_part", question, part)

    def finish_question(self, question: QuestionRecord, outcome: str | None) -> None:
        self._db.queue(self._call, "finish_question", question, outcome)

    def finish_session(self) -> bool:
        """Wait for the queued records, stamp the session's end and close the store (records
        after this are dropped). True when the whole run was saved."""

        def finish() -> bool:
            self._guard.call("finish_session")
            saved = self._guard.active
            self._guard.close()
            return saved

        return self._db.call(finish)
