"""Question pools: ``mlquiz generate --pool IDS --pick K`` (repeatable; ``--pool-topic T --pick
K`` takes every template of a topic as the pool).

Each pool gives every student K different templates, one question each, after the fixed
questions (``--questions``/``--topic``), pool after pool. The draw (`assign`) is deterministic
from the exam seed and the class, and balanced: every template of a pool is used by
floor(N*K/n) or ceil(N*K/n) of the N students (within 1 of the mean), and a student's K
templates come from as many topics as the pool allows. How: the pool's templates are
shuffled per topic with a key derived from the exam seed and laid out topic by topic in turn;
the students are ordered by an HMAC of their id keyed by the exam seed (unpredictable, and
independent of the roster's order), and student i takes the K templates at positions
i*K ... i*K+K-1 of that cyclic layout, in an order keyed by their id.

Submission columns: question n of a pool is one column per part id that any of the pool's
templates has (``Q<n>.<part id>``, the union in the pool's id order); a student answers the
columns of their own template and the other cells are ignored (blank in ``answers.csv``).
The manifest stores every student's own items, so grading is per student as for any exam.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.exam.manifest import Question, QuestionPart, column_name
from questionbank.errors import InputError

__all__ = ["Pool", "PoolSpec", "assign", "exam_questions", "pool_question", "resolve_pools"]


@dataclass(slots=True, frozen=True)
class PoolSpec:
    """A pool as the command line gives it: template ids (``--pool a,b,c``) or a topic
    (``--pool-topic T``), and ``--pick K``."""

    pick: int
    ids: tuple[str, ...] = ()
    topic: str | None = None


@dataclass(slots=True, frozen=True)
class Pool:
    """A pool of templates (in id order, each once) and how many each student gets."""

    templates: tuple[Any, ...]
    pick: int
    label: str

    @classmethod
    def of(cls, templates: Sequence[Any], pick: int, label: str) -> Pool:
        """A checked pool: at least one template, 1 <= pick <= its size."""
        unique = tuple({t.id: t for t in sorted(templates, key=lambda t: t.id)}.values())
        if not unique:
            raise InputError(f"the pool {label} has no templates")
        if not 1 <= pick <= len(unique):
            raise InputError(f"--pick {pick} for the pool {label}: pick from 1 to "
                             f"{len(unique)} (its number of templates)")
        return cls(unique, pick, label)


def resolve_pools(bank: Any, specs: Sequence[PoolSpec]) -> list[Pool]:
    """The pools of `specs` with their templates loaded from `bank`."""
    from grader.selection import split_ids, topic_ids

    pools = []
    for spec in specs:
        if spec.topic is not None:
            ids, label = topic_ids(bank, [spec.topic]), f"of topic {spec.topic}"
        else:
            ids = split_ids(spec.ids)
            if not ids:
                raise InputError("--pool needs template ids, comma-separated (e.g. --pool "
                                 "dropout/inverted,gradients/shape --pick 1)")
            label = ",".join(ids) if len(ids) <= 4 else ",".join(ids[:4]) + ",..."
        pools.append(Pool.of([bank.get(i) for i in ids], spec.pick, label))
    return pools


def exam_questions(templates: Sequence[Any], pools: Sequence[Pool]) -> tuple[Question, ...]:
    """The manifest's questions: the fixed ones, then K per pool."""
    questions = [Question.from_template(n, t) for n, t in enumerate(templates, start=1)]
    for pool in pools:
        for _ in range(pool.pick):
            questions.append(pool_question(len(questions) + 1, pool))
    return tuple(questions)


def _key(seed: int, text: str) -> bytes:
    return hmac.new(str(seed).encode(), text.encode(), hashlib.sha256).digest()


def _layout(pool: Pool, seed: int, index: int) -> list[Any]:
    """The pool's templates shuffled within each topic, topics taken in turn."""
    by_topic: dict[str, list[Any]] = {}
    for template in pool.templates:
        by_topic.setdefault(template.topic, []).append(template)
    groups = [sorted(group, key=lambda t: _key(seed, f"pool:{index}:{t.id}"))
              for _, group in sorted(by_topic.items())]
    groups.sort(key=len, reverse=True)
    layout: list[Any] = []
    while any(groups):
        for group in groups:
            if group:
                layout.append(group.pop(0))
    return layout


def assign(pools: Sequence[Pool], student_ids: Sequence[str], seed: int
           ) -> dict[str, list[Any]]:
    """Every student's pool templates: for each pool in order, its K picks."""
    picks: dict[str, list[Any]] = {sid: [] for sid in student_ids}
    for index, pool in enumerate(pools):
        layout = _layout(pool, seed, index)
        order = sorted(student_ids, key=lambda sid: (_key(seed, f"pool-order:{index}:{sid}"),
                                                     sid))
        for position, sid in enumerate(order):
            start = position * pool.pick
            mine = [layout[(start + k) % len(layout)] for k in range(pool.pick)]
            # in an order of the student's own, so a template is not always question n
            mine.sort(key=lambda t: _key(seed, f"pool-pick:{index}:{sid}:{t.id}"))
            picks[sid].extend(mine)
    return picks


def pool_question(number: int, pool: Pool) -> Question:
    """The manifest's entry for a pool question: the union of its templates' parts."""
    parts: dict[str, QuestionPart] = {}
    for template in pool.templates:
        for p in template.parts:
            known = parts.get(p.id)
            points = max(p.points, known.points) if known is not None else p.points
            parts[p.id] = QuestionPart(p.id, known.type if known else p.type, points,
                                       column_name(number, p.id))
    topics = sorted({t.topic for t in pool.templates})
    return Question(number, f"pool: {', '.join(t.id for t in pool.templates)}",
                    f"one of {len(pool.templates)} ({pool.label})", ", ".join(topics), 0,
                    tuple(parts.values()))
