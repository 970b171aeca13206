"""Which questions a practice session asks: the candidate templates and the Leitner schedule.

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

Pure functions of the history: the store (`grader.practice.store`) replays its rows through
`leitner_cards`, and the same candidates, cards and seed always give the same plan.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.practice.records import PractisedPart
from grader.selection import topic_ids
from questionbank.errors import QuizError

__all__ = [
    "LEITNER_INTERVALS", "Card", "PlannedQuestion", "TopicChoice", "leitner_cards",
    "loadable_templates", "new_session_seed", "question_outcome", "question_seed", "schedule",
    "select_templates", "topic_choices",
]

#: Sessions to wait before a template in box 1, 2, ... 5 is due again.
LEITNER_INTERVALS = (1, 2, 4, 8, 16)


def question_outcome(parts: Sequence[PractisedPart], complete: bool) -> str | None:
    """The Leitner outcome of a question (see the module docstring); None when the question
    was left before any part went wrong, so it moves no card."""
    if any(p.outcome != "correct" or not p.first_try for p in parts):
        return "wrong"
    if not complete or not parts:
        return None
    return "hinted" if any(p.hints for p in parts) else "right"


# --------------------------------------------------------------------------- Leitner


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class PlannedQuestion:
    """Question `number` (from 1) of a session: template id and instance seed."""

    number: int
    template: str
    seed: int


def question_seed(session_seed: int, number: int) -> int:
    """The instance seed of question `number`: SHA-256 of the session seed and the number."""
    digest = hashlib.sha256(f"mlquiz-practice:{session_seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def new_session_seed() -> int:
    """A fresh session seed from the operating system's entropy (shown in the summary)."""
    return secrets.randbits(63)


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
    """The session's questions, in order: `count` templates in Leitner priority order (cycled
    when `count` exceeds the candidates), each with its derived instance seed."""
    order = sorted(set(candidates),
                   key=lambda t: (_priority(cards.get(t)), _tiebreak(session_seed, t)))
    if not order or count < 1:
        return ()
    return tuple(PlannedQuestion(number=i + 1, template=order[i % len(order)],
                                 seed=question_seed(session_seed, i + 1))
                 for i in range(count))


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """One line of the topic menu."""

    topic: str
    templates: int
    due: int


def _left_out(template_id: str, exc: QuizError, warn: Callable[[str], None] | None) -> None:
    if warn is not None:
        warn(f"warning: template {template_id} is left out: {exc}")


def loadable_templates(bank: Any, warn: Callable[[str], None] | None = None) -> list[Any]:
    """Every template of the bank that loads; a broken one is left out (and reported to
    `warn`), so one bad file in an instructor's folder does not stop practice."""
    result = []
    for template_id in bank.ids():
        try:
            result.append(bank.get(template_id))
        except QuizError as exc:
            _left_out(template_id, exc, warn)
    return result


def select_templates(bank: Any, topics: Sequence[str] = (), templates: Sequence[str] = (),
                     warn: Callable[[str], None] | None = None) -> list[str]:
    """The candidate template ids: the `templates` given and every template of the `topics`
    given (their union, by the rule of `grader.selection.topic_ids`), or the whole bank when
    neither is given. Templates named with `templates` must load; of the others, broken ones
    are left out (see `loadable_templates`).
    """
    if not topics and not templates:
        return list(bank.ids())
    chosen = [bank.get(t).id for t in templates]
    for template_id in topic_ids(bank, topics, warn or (lambda _message: None)):
        try:
            chosen.append(bank.get(template_id).id)
        except QuizError as exc:
            _left_out(template_id, exc, warn)
    return list(dict.fromkeys(chosen))


def topic_choices(bank: Any, cards: Mapping[str, Card],
                  warn: Callable[[str], None] | None = None) -> list[TopicChoice]:
    """The topic menu: each topic with its number of templates and how many are due."""
    count: dict[str, int] = defaultdict(int)
    due: dict[str, int] = defaultdict(int)
    for template in loadable_templates(bank, warn):
        count[template.topic] += 1
        card = cards.get(template.id)
        if card is None or card.due:
            due[template.topic] += 1
    return [TopicChoice(t, count[t], due[t]) for t in sorted(count)]
