"""Helpers shared by several test modules: golden files, and the questions a practice session
with a given seed asks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.practice.schedule import PlannedQuestion, schedule
from grader.practice.session import bank_loader
from questionbank.bank import load_bank

BANK = load_bank(use_env=False)
LOAD = bank_loader(BANK)


def check_golden(path: Path, text: str) -> None:
    """Compare `text` with the golden file at `path`; rewrite it when MLQUIZ_UPDATE_GOLDEN=1."""
    if os.environ.get("MLQUIZ_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with MLQUIZ_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), \
        f"{path.name} differs from its golden file (MLQUIZ_UPDATE_GOLDEN=1 rewrites it)"


def planned(templates: Sequence[str], count: int, seed: int) -> tuple[PlannedQuestion, ...]:
    return schedule(list(templates), {}, count, seed)


def instances(templates: Sequence[str], count: int, seed: int) -> list[Any]:
    """The instances a session with this seed and no history asks, in order."""
    return [LOAD(p) for p in planned(templates, count, seed)]


def answers(instance: Any) -> list[str]:
    return [p.answer_text for p in instance.parts]


def mistake(instance: Any, part_id: str, mistake_id: str) -> str:
    return next(m.answer_text for m in instance.part(part_id).mistakes if m.id == mistake_id)
