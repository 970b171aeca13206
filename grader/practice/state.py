"""A practice part being answered: the one rule for tries, credit and records that the
terminal session (`grader.practice.session`) and the web page (`grader.web.run`) share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.practice.records import AttemptRecord, PractisedPart, credited_score
from grader.practice.report import mistake_name

__all__ = ["PartState"]


@dataclass
class PartState:
    """One part being answered (mutable while the student works on it).

    `graded` counts the answers that could be read (an unreadable one does not use up a try),
    `hints` the hints shown; `score` is the credit the last graded answer earned
    (`credited_score`: less for every wrong try and hint before it); `outcome` is set when the
    part ends.
    """

    part: Any
    attempts: list[AttemptRecord] = field(default_factory=list)
    graded: int = 0
    first_try: bool | None = None
    hints: int = 0
    score: float = 0.0
    outcome: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def take(self, result: Any, text: str) -> bool:
        """Record the judge's `result` for the answer `text`; False when it could not be read
        (no try used), True when it counted as a try."""
        note = mistake_name(result.feedback) if result.mistake else None
        self.attempts.append(AttemptRecord(answer=text, status=result.status,
                                           score=result.score, mistake=result.mistake,
                                           note=note))
        if result.status == "invalid":
            return False
        self.graded += 1
        self.score = credited_score(result.score, self.graded - 1, self.hints)
        if self.first_try is None:
            self.first_try = result.correct
        return True

    def finish(self, outcome: str, score: float | None = None) -> PractisedPart:
        """End the part (`score` overrides the credit, e.g. 0 when the solution was shown)."""
        self.outcome = outcome
        if score is not None:
            self.score = score
        return PractisedPart(part=self.part.id, outcome=outcome, score=self.score,
                             points=float(self.part.points), first_try=bool(self.first_try),
                             hints=self.hints, attempts=tuple(self.attempts))
