"""Choosing templates from a bank by id and by topic: the one rule that exams and practice share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from questionbank.errors import InputError, QuizError

__all__ = ["split_ids", "topic_ids"]


def split_ids(entries: Iterable[str]) -> list[str]:
    """The ids of repeatable, comma-separated options (``--questions a,b --questions c``)."""
    return [i.strip() for entry in entries for i in entry.split(",") if i.strip()]


def topic_ids(bank: Any, topics: Iterable[str], warn: Callable[[str], None] | None = None
              ) -> list[str]:
    """The ids of every template of `topics`, in the bank's id order.

    Topics are read without validating every file (`Bank.topic_of`), so only the chosen
    templates are loaded. A file whose topic cannot be read is loaded to say why: with `warn`
    it is reported and left out (practice goes on with the rest), without it the error stops
    the caller (an exam must not silently lose a question). A topic no template has is an
    `InputError` that lists the bank's topics.
    """
    wanted = list(dict.fromkeys(topics))
    by_topic: dict[str, list[str]] = {}
    for template_id in bank.ids():
        topic = bank.topic_of(template_id)
        if topic is None:
            try:  # unreadable: load it to say why
                topic = bank.get(template_id).topic
            except QuizError as exc:
                if warn is None:
                    raise
                warn(f"warning: template {template_id} is left out: {exc}")
                continue
        by_topic.setdefault(topic, []).append(template_id)
    unknown = [t for t in wanted if t not in by_topic]
    if unknown:
        raise InputError(f"no templates with topic {', '.join(map(repr, unknown))} in the "
                         f"bank (topics: {', '.join(sorted(by_topic))})")
    chosen = {i for topic in wanted for i in by_topic[topic]}
    return [i for i in bank.ids() if i in chosen]
