"""What a practice session records: each graded answer, how each part ended, which question.

These records travel from the session (`grader.practice.session`) to the Leitner schedule
(`grader.practice.schedule.question_outcome`), the store (`grader.practice.store`) and the
summary (`grader.practice.report`), so they live apart from all three.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HELP_PENALTY", "PART_OUTCOMES", "QUESTION_OUTCOMES", "AttemptRecord", "PractisedPart",
           "QuestionRecord", "credited_score"]

#: What each wrong try and each hint before the accepted answer takes off a part's score.
HELP_PENALTY = 0.25

#: How a part can end: right in the end, wrong after the last try, the solution revealed,
#: skipped, or left when the session stopped.
PART_OUTCOMES = ("correct", "incorrect", "solution", "skipped", "unfinished")
#: The Leitner outcome of a question (see `grader.practice.schedule`).
QUESTION_OUTCOMES = ("right", "hinted", "wrong")



def credited_score(score: float, wrong_tries: int, hints: int) -> float:
    """The score a practice part earns: the answer's score less `HELP_PENALTY` for every
    wrong try and every hint before it, never below 0 (a right answer on the first try with no
    hint keeps its full score; practice rewards what the student knew unaided)."""
    return max(0.0, score * (1.0 - HELP_PENALTY * (wrong_tries + hints)))


_LABELS = {"incorrect": "wrong", "solution": "solution shown", "skipped": "skipped",
           "unfinished": "unfinished"}


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One graded (or unreadable) answer to a part, as typed; `note` names the matched
    mistake in words (`grader.practice.report.mistake_name`)."""

    answer: str
    status: str
    score: float
    mistake: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PractisedPart:
    """How one part of a practice question ended: `outcome` is one of `PART_OUTCOMES`,
    `first_try` is true when the first graded attempt was correct, `attempts` are the answers
    in the order typed. What the store saves and the summary shows."""

    part: str
    outcome: str
    score: float
    points: float
    first_try: bool
    hints: int
    attempts: tuple[AttemptRecord, ...] = ()

    @property
    def tries(self) -> int:
        """Graded attempts: an answer that could not be read does not use up a try."""
        return sum(1 for a in self.attempts if a.status != "invalid")

    @property
    def mistakes(self) -> tuple[tuple[str, str], ...]:
        """``(mistake id, its name)`` of each graded attempt that matched a named mistake, in
        the order typed."""
        return tuple((a.mistake, a.note) for a in self.attempts
                     if a.status != "invalid" and a.mistake and a.note)

    @property
    def label(self) -> str:
        """How the part went, in words: "right", "right on try 2", "solution shown", ..."""
        if self.outcome == "correct":
            base = "right" if self.first_try else f"right on try {self.tries}"
        else:
            base = _LABELS[self.outcome]
        if self.hints:
            base += f", {self.hints} hint{'s' if self.hints != 1 else ''}"
        return base


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One question of a session: which template and instance."""

    number: int
    template: str
    topic: str
    seed: int
