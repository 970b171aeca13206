"""A practice run in the browser: the same plan, grading, tries, hints and records as
``mlquiz practice``, driven by form posts instead of typed lines.

The terminal asks parts in turn; a page shows every part of a question at once, so here each
part is answered on its own and in any order. The rules are those of the terminal session
(`grader.practice.session`): a wrong answer uses up one of ``attempts`` tries, one that cannot
be read does not; the solution ends the part with score 0; Next skips the parts still open
(score 0); ending the run records what was under way. Every finished part is recorded at once,
each question's Leitner outcome when it ends (`grader.practice.records`, `.report`).

The instance lives only here, on the server: a page sees a part's answer only once the part is
over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.practice.records import PractisedPart, QuestionRecord
from grader.practice.report import QuestionReport, SessionReport
from grader.practice.schedule import PlannedQuestion
from grader.practice.state import PartState as _PartState
from grader.web.progress import RunRecorder
from questionbank.errors import QuizError

__all__ = ["ATTEMPTS", "PartState", "PracticeRun", "QuestionState"]

#: Graded tries per part, as ``mlquiz practice`` gives by default.
ATTEMPTS = 3


@dataclass
class PartState(_PartState):
    """One part on the page: the practice rule (`grader.practice.state.PartState`) plus what
    the page shows (the last verdict, whether the solution was revealed, tries left)."""

    last: Any = None
    solution_shown: bool = False

    @property
    def tries_left(self) -> int:
        return max(ATTEMPTS - self.graded, 0)


@dataclass
class QuestionState:
    """One question of the run: its instance and its parts."""

    planned: PlannedQuestion
    instance: Any
    record: QuestionRecord
    parts: dict[str, PartState]
    #: the worked solution as HTML, made with the question (kept on the server until a part
    #: is revealed or the question is done): rendering it the first time for a template takes
    #: up to 100 ms, measured, which would otherwise land on the verdict of the last part
    solution_html: str = ""
    finished: list[PractisedPart] = field(default_factory=list)
    complete: bool = False

    @property
    def done(self) -> bool:
        return all(p.done for p in self.parts.values())

    def report(self) -> QuestionReport:
        order = [p.id for p in self.instance.parts]
        parts = sorted(self.finished, key=lambda p: order.index(p.part))
        inst = self.instance
        return QuestionReport(number=self.planned.number, template=inst.template_id,
                              title=inst.title, topic=inst.topic, seed=inst.seed,
                              parts=tuple(parts), complete=self.complete)


class PracticeRun:
    """A run through a plan of questions, one at a time; see the module docstring."""

    def __init__(self, plan: Sequence[PlannedQuestion], load: Callable[[PlannedQuestion], Any],
                 recorder: RunRecorder, seed: int, selection: Mapping[str, Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.plan = tuple(plan)
        self.load = load
        self.recorder = recorder
        self.seed = seed
        self.selection = dict(selection)
        self.questions: list[QuestionState] = []
        self.current: QuestionState | None = None
        self.position = 0
        self.skipped: list[str] = []
        self.clock = clock
        self.started = clock()
        self.report: SessionReport | None = None
        recorder.begin_session(seed, self.selection)
        self.advance()

    # ---- questions

    def advance(self) -> None:
        """Move to the next question of the plan that can be made (None at the end)."""
        self.current = None
        while self.position < len(self.plan):
            planned = self.plan[self.position]
            self.position += 1
            try:
                instance = self.load(planned)
            except QuizError as exc:
                self.skipped.append(f"Question {planned.number} ({planned.template}) cannot "
                                    f"be made and is left out: {exc}")
                continue
            record = QuestionRecord(number=planned.number, template=instance.template_id,
                                    topic=instance.topic, seed=instance.seed)
            parts = {p.id: PartState(part=p) for p in instance.parts}
            self.current = QuestionState(planned, instance, record, parts,
                                         solution_html=instance.render_solution("html"))
            self.questions.append(self.current)
            return

    def part(self, number: int, part_id: str) -> PartState | None:
        """The open part `part_id` of the current question, if `number` is still current."""
        q = self.current
        if q is None or q.planned.number != number:
            return None
        state = q.parts.get(part_id)
        return None if state is None or state.done else state

    def _end_part(self, q: QuestionState, record: PractisedPart) -> None:
        q.finished.append(record)
        self.recorder.record_part(q.record, record)

    def next_question(self) -> None:
        """Skip the parts still open, record the question's outcome, and go on."""
        q = self.current
        if q is not None:
            for state in q.parts.values():
                if not state.done:
                    self._end_part(q, state.finish("skipped", 0.0))
            q.complete = True
            self.recorder.finish_question(q.record, q.report().outcome)
        self.advance()

    # ---- answering

    def answer(self, q: QuestionState, state: PartState, text: str) -> None:
        """Grade `text` on the server and keep the verdict for the page."""
        from grader import check

        result = check(q.instance, state.part.id, text)
        state.last = result
        if not state.take(result, text):
            return
        if result.correct:
            self._end_part(q, state.finish("correct"))
        elif state.tries_left <= 0:
            self._end_part(q, state.finish("incorrect"))

    def hint(self, state: PartState) -> None:
        if state.hints < len(state.part.hints):
            state.hints += 1

    def solution(self, q: QuestionState, state: PartState) -> None:
        state.solution_shown = True
        self._end_part(q, state.finish("solution", 0.0))

    # ---- the end

    def finish(self) -> SessionReport:
        """End the run (what was under way is recorded as in the terminal) and report;
        later calls return the same report."""
        if self.report is None:
            ended_by = "end of plan" if self.current is None else "quit"
            self._close_current()
            saved = self.recorder.finish_session()
            saved_to = str(self.recorder.path) if saved else None
            self.report = SessionReport(
                seed=self.seed, questions=tuple(q.report() for q in self.questions),
                planned=len(self.plan), seconds=self.clock() - self.started,
                ended_by=ended_by, saved_to=saved_to, selection=self.selection)
        return self.report

    def _close_current(self) -> None:
        q = self.current
        if q is None:
            return
        for state in q.parts.values():
            if not state.done and state.graded:
                self._end_part(q, state.finish("unfinished", 0.0))
        self.recorder.finish_question(q.record, q.report().outcome)
