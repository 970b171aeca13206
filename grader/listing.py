"""The bank listing behind ``mlquiz list``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from questionbank.bank import Bank

__all__ = ["list_templates"]


def list_templates(bank: Bank, topics: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One JSON-ready row per template (id, title, topic, tags, difficulty, version, parts)."""
    return [
        {
            "id": t.id, "title": t.title, "topic": t.topic, "tags": list(t.tags),
            "difficulty": t.difficulty, "version": t.version,
            "parts": [{"id": p.id, "type": p.type, "points": p.points} for p in t.parts],
        }
        for t in bank.templates(topics)
    ]
