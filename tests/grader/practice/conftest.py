"""Fixtures of the practice tests: a private data home, a progress database with a fixed
clock, and a way to record a whole session into it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from grader.practice.records import PractisedPart, QuestionRecord
from grader.practice.schedule import question_outcome, question_seed
from grader.practice.store import ProgressStore


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the progress database of whoever runs the tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MLQUIZ_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def clock() -> Callable[[], str]:
    """Timestamps one minute apart, from 2026-01-05 09:00 UTC."""
    ticks = iter(range(10_000))

    def now() -> str:
        minute = next(ticks)
        return f"2026-01-05T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"

    return now


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "progress.sqlite3"


@pytest.fixture
def store(db: Path, clock: Callable[[], str]) -> Iterator[ProgressStore]:
    with ProgressStore.open(db, clock=clock) as s:
        yield s


@pytest.fixture
def record_session() -> Callable[..., None]:
    """``record_session(store, seed, [(template, topic, parts), ...])`` records one finished
    session through `ProgressStore` itself (the calls practice makes)."""

    def record(store: ProgressStore, seed: int,
               questions: Sequence[tuple[str, str, Sequence[PractisedPart]]]) -> None:
        store.begin_session(seed, {"topics": []})
        for number, (template, topic, parts) in enumerate(questions, 1):
            q = QuestionRecord(number, template, topic, question_seed(seed, number))
            for part in parts:
                store.record_part(q, part)
            store.finish_question(q, question_outcome(parts, complete=True))
        store.finish_session()

    return record
