"""Saving web practice to the same SQLite progress store as ``mlquiz practice``.

The server answers requests on several threads, and an sqlite3 connection belongs to the
thread that opened it; so every database call runs on one worker thread (`DatabaseThread`).
Each practice run records through its own `RunRecorder` (a `ProgressStore` keeps the ids of
the session it is recording): the store is opened when the run starts and closed when it ends.
As in the terminal, a database that fails is reported once and the run goes on unsaved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from grader.practice.records import PractisedPart, QuestionRecord
from grader.practice.schedule import Card

__all__ = ["DatabaseThread", "RunRecorder"]

T = TypeVar("T")


class DatabaseThread:
    """Runs database calls one at a time on a single thread of its own."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlquiz-db")

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._pool.submit(fn, *args).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def read_cards(db: DatabaseThread, path: Path) -> dict[str, Card]:
    """The Leitner cards of the history at `path` (none when it cannot be read)."""
    from grader.practice.session import open_progress

    return db.call(lambda: open_progress(path, save=False, warn=lambda _message: None)[1])


class RunRecorder:
    """Records one practice run into the store at `path`, on the database thread.

    `warning` holds the message of the first failure (then nothing more is saved); `saving`
    says whether records still go to the database.
    """

    def __init__(self, db: DatabaseThread, path: Path, save: bool) -> None:
        self._db = db
        self.path = path
        self.warning: str | None = None
        self._store: Any = None
        self.cards: dict[str, Card] = {}
        self._db.call(self._open, save)

    @property
    def saving(self) -> bool:
        return self._store is not None

    def _warn(self, message: str) -> None:
        if self.warning is None:
            self.warning = message

    def _open(self, save: bool) -> None:
        from grader.practice.session import open_progress

        self._store, self.cards = open_progress(self.path, save=save, warn=self._warn)

    def _call(self, method: str, *args: Any) -> None:
        from grader.practice.store import ProgressError

        if self._store is None:
            return
        try:
            getattr(self._store, method)(*args)
        except ProgressError as exc:
            self._store.close()
            self._store = None
            self._warn(f"warning: {exc}; the rest of this session is not saved.")

    def begin_session(self, seed: int, selection: Mapping[str, Any]) -> None:
        self._db.call(self._call, "begin_session", seed, dict(selection))

    def record_part(self, question: QuestionRecord, part: PractisedPart) -> None:
        self._db.call(self._call, "record_part", question, part)

    def finish_question(self, question: QuestionRecord, outcome: str | None) -> None:
        self._db.call(self._call, "finish_question", question, outcome)

    def finish_session(self) -> None:
        """Stamp the session's end and close the store (records after this are dropped)."""

        def finish() -> None:
            self._call("finish_session")
            if self._store is not None:
                self._store.close()
                self._store = None

        self._db.call(finish)
