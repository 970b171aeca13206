"""The practice session engine behind ``mlquiz practice``: ask, grade at once, help, summarise.

A session is a fixed plan of questions (`grader.practice.schedule.schedule`: the Leitner order
of the chosen templates, with SHA-256-derived instance seeds). Each question shows its prompt
rendered for a terminal, then asks its parts one at a time with the answer format expected.
Every answer is graded by `grader.judge.check.check` and its verdict and feedback are printed
at once (`grader.judge.feedback.render_result`). A wrong answer may be tried again up to
``attempts`` times; an unreadable one does not use up an attempt. Instead of an answer the
student may type a command (`COMMANDS`): ``hint``, ``solution`` (the part then scores 0),
``skip``, ``quit``, ``?``/``help``. End of input (Ctrl-D) and Ctrl-C end the session like
``quit``: the summary is always printed.

The engine does not know about click or terminals: it reads lines from a
`grader.practice.console.Console` and writes text to it, so tests drive whole sessions with a
`ScriptConsole`. Progress is recorded through a recorder (a `grader.practice.store.ProgressStore`,
or nothing); when the database fails mid-session the student is told once and the session goes
on without saving. `run_practice` is the whole command: database, topic menu, plan, session.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.practice.console import Console
from grader.practice.records import (
    HELP_PENALTY,
    PractisedPart,
    QuestionRecord,
)
from grader.practice.report import QuestionReport, SessionReport
from grader.practice.schedule import (
    Card,
    PlannedQuestion,
    TopicChoice,
    new_session_seed,
    schedule,
    select_templates,
    topic_choices,
)
from grader.practice.state import PartState
from grader.practice.store import GuardedRecorder, ProgressError, ProgressStore, Recorder
from grader.practice.wrap import terminal_width, wrap_text
from questionbank.errors import QuizError
from questionbank.instance import Part
from questionbank.values import readable_answer

__all__ = ["COMMANDS", "PracticeOptions", "PracticeRequest", "bank_loader", "choose_topics",
           "open_progress", "run_practice", "run_session"]

#: What may be typed instead of an answer (also listed by ``?``).
COMMANDS = (
    ("hint", "show the next hint for this part"),
    ("solution", "show the worked solution and the answer (this part then scores 0)"),
    ("skip", "leave this part unanswered (it scores 0) and go on"),
    ("quit", "end the session and see the summary (Ctrl-D and Ctrl-C do the same)"),
    ("? or help", "list these commands"),
)
ANSWER_PROMPT = "answer> "
TOPIC_PROMPT = "topics> "


# --------------------------------------------------------------------------- choosing topics


def choose_topics(choices: Sequence[TopicChoice], console: Console) -> tuple[str, ...]:
    """Ask which topics to practise (numbers or names; an empty line takes them all)."""
    lines = ["Topics:"]
    width = max((len(c.topic) for c in choices), default=0)
    for i, c in enumerate(choices, 1):
        plural = "s" if c.templates != 1 else ""
        lines.append(f"  {i:>2}) {c.topic:<{width}}  {c.templates} template{plural}, "
                     f"{c.due} due")
    lines.append("Choose topics by number (e.g. 1 3), or press Enter for all of them.")
    console.write("\n".join(lines) + "\n")
    names = {c.topic: c.topic for c in choices}
    while True:
        words = [w for w in re.split(r"[\s,]+", console.read(TOPIC_PROMPT).strip()) if w]
        if not words:
            return tuple(c.topic for c in choices)
        picked: list[str] = []
        for word in words:
            if word.isdigit() and 1 <= int(word) <= len(choices):
                picked.append(choices[int(word) - 1].topic)
            elif word in names:
                picked.append(word)
            else:
                from grader.judge.feedback import safe_terminal_text

                console.write(f"There is no topic {safe_terminal_text(word, 40)!r}: type numbers"
                              f" from 1 to {len(choices)}, or press Enter for all.\n")
                break
        else:
            return tuple(dict.fromkeys(picked))


# --------------------------------------------------------------------------- progress


def open_progress(path: Path, *, save: bool, warn: Callable[[str], None]
                  ) -> tuple[ProgressStore | None, dict[str, Card]]:
    """The store to record into (None with ``--no-save`` or when the database is unusable)
    and the Leitner cards read from it. With ``save=False`` an existing database is only read,
    for the schedule, and never written. Problems are passed to `warn`, never raised."""
    tail = "practice continues without saving" if save else "practice continues"
    try:
        store = ProgressStore.open(path) if save else ProgressStore.open_readonly(path)
    except ProgressError as exc:
        warn(f"warning: {exc}; {tail}.")
        return None, {}
    if store is None:
        return None, {}
    try:
        cards = store.cards()
    except ProgressError as exc:
        store.close()
        warn(f"warning: {exc}; {tail}.")
        return None, {}
    if not save:
        store.close()
        return None, cards
    return store, cards


# --------------------------------------------------------------------------- the session


@dataclass(frozen=True, slots=True)
class PracticeOptions:
    """How a session behaves: graded tries per part, and colour in the feedback (None: decide
    with `grader.judge.feedback.use_colour`, i.e. on a terminal and without NO_COLOR)."""

    attempts: int = 3
    colour: bool | None = False


class _Quit(Exception):
    """The student typed ``quit``."""


@dataclass
class _QuestionState:
    planned: PlannedQuestion
    instance: Any
    record: QuestionRecord
    parts: list[PractisedPart] = field(default_factory=list)
    solution_shown: bool = False
    complete: bool = False

    def report(self) -> QuestionReport:
        inst = self.instance
        return QuestionReport(number=self.planned.number, template=inst.template_id,
                              title=inst.title, topic=inst.topic, seed=inst.seed,
                              parts=tuple(self.parts), complete=self.complete)


def _text(instance: Any, source: str) -> str:
    """Template text (a hint, a part's solution) rendered for a terminal."""
    from questionbank.render import render

    return wrap_text(render(source, instance.context, "text"), terminal_width() - 2)


def _help_used(state: PartState) -> str:
    """'1 wrong try, 2 hints': the help a part's credit was reduced for."""
    wrong = state.graded - 1
    used = [f"{wrong} wrong {'try' if wrong == 1 else 'tries'}" if wrong else "",
            f"{state.hints} hint{'' if state.hints == 1 else 's'}" if state.hints else ""]
    return ", ".join(u for u in used if u)


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.splitlines())


class _Session:
    """One run through a plan; see `run_session`."""

    def __init__(self, plan: Sequence[PlannedQuestion], load: Callable[[PlannedQuestion], Any],
                 console: Console, recorder: GuardedRecorder, options: PracticeOptions,
                 warn: Callable[[str], None]) -> None:
        self.plan = plan
        self.load = load
        self.console = console
        self.recorder = recorder
        self.options = options
        self.warn = warn
        self.questions: list[_QuestionState] = []
        self.current: _QuestionState | None = None
        self.part: PartState | None = None
        self.colour = False
        self.warm = False

    def warm_up(self) -> None:
        """Import the grader while the student reads the first question, so the question
        shows sooner and the first feedback comes as fast as the others."""
        if self.warm:
            return
        from grader.judge.feedback import use_colour

        self.colour = use_colour() if self.options.colour is None else self.options.colour
        self.warm = True

    def say(self, text: str) -> None:
        self.console.write(text + "\n")

    # ---- questions

    def run_all(self) -> None:
        for planned in self.plan:
            self.ask_question(planned)

    def ask_question(self, planned: PlannedQuestion) -> None:
        from grader.pages import render_page

        try:
            instance = self.load(planned)
        except QuizError as exc:
            self.warn(f"warning: question {planned.number} ({planned.template}) cannot be "
                      f"made and is left out: {exc}")
            return
        record = QuestionRecord(number=planned.number, template=instance.template_id,
                                topic=instance.topic, seed=instance.seed)
        q = _QuestionState(planned=planned, instance=instance, record=record)
        self.questions.append(q)
        self.current = q
        self.console.write(render_page(
            "practice_question.txt.j2", number=planned.number, total=len(self.plan),
            id=instance.template_id, title=instance.title, topic=instance.topic,
            seed=instance.seed,
            prompt=wrap_text(instance.render_prompt("text"), terminal_width())))
        for index, part in enumerate(instance.parts, 1):
            self.part = PartState(part=part)
            self.end_part(q, self.ask_part(q, self.part, index))
        q.complete = True
        self.end_question(q)

    def end_part(self, q: _QuestionState, record: PractisedPart) -> None:
        q.parts.append(record)
        self.part = None
        self.recorder.call("record_part", q.record, record)

    def end_question(self, q: _QuestionState) -> None:
        self.current = None
        self.recorder.call("finish_question", q.record, q.report().outcome)

    def close(self) -> None:
        """Record what was under way when the session stopped."""
        q, state = self.current, self.part
        if q is None:
            return
        if state is not None and state.graded:
            self.end_part(q, state.finish("unfinished", 0.0))
        self.part = None
        self.end_question(q)

    # ---- parts

    def ask_part(self, q: _QuestionState, state: PartState, index: int) -> PractisedPart:
        from grader.pages import FORMAT_HINTS, render_page

        instance, part = q.instance, state.part
        options = [{"letter": o.letter, "text": instance.render_option(part.id, o, "text")}
                   for o in part.options]
        self.console.write(render_page(
            "practice_part.txt.j2", index=index, total=len(instance.parts),
            prompt=instance.render_part_prompt(part.id, "text"), points=part.points,
            options=options, format=FORMAT_HINTS[part.type]))
        self.warm_up()
        while True:
            text = self.console.read(ANSWER_PROMPT)
            command = text.strip().lower()
            if command in ("?", "help"):
                self.say(_help_text())
            elif command == "hint":
                self.show_hint(q, state)
            elif command == "solution":
                self.show_solution(q, state)
                return state.finish("solution", 0.0)
            elif command == "skip":
                self.say(f"Skipped. The answer was {_key(part)}.\n")
                return state.finish("skipped", 0.0)
            elif command == "quit":
                raise _Quit
            elif not command:
                self.say("Type an answer, or ? for the commands.")
            else:
                record = self.grade(q, state, text)
                if record is not None:
                    return record

    def grade(self, q: _QuestionState, state: PartState, text: str) -> PractisedPart | None:
        """Grade one answer, print the verdict; the part's record when it is over."""
        from grader.judge.check import check
        from grader.judge.feedback import render_result

        instance, part = q.instance, state.part
        result = check(instance, part.id, text)
        counted = state.take(result, text)
        self.console.write(render_result(instance, result, "text", colour=self.colour))
        if not counted:
            self.say("Try again: an answer that cannot be read does not use up a try.")
            return None
        if result.correct:
            if state.score < result.score:
                self.say(f"Credit {state.score:g} of 1 ({_help_used(state)}: "
                         f"{HELP_PENALTY:g} off each).")
            self.say("")
            return state.finish("correct")
        left = self.options.attempts - state.graded
        if left <= 0:
            self.say(f"No tries left. The answer is {_key(part)}.\n")
            return state.finish("incorrect")
        self.say(f"Try again ({left} {'try' if left == 1 else 'tries'} left), or type hint, "
                 "solution, skip or ? for help.")
        return None

    def show_hint(self, q: _QuestionState, state: PartState) -> None:
        spec = q.instance.template.part(state.part.id)
        hints = spec.hints
        if state.hints < len(hints):
            text = _text(q.instance, hints[state.hints])
            state.hints += 1
            self.say(f"Hint {state.hints} of {len(hints)}:\n{_indent(text)}")
        elif hints:
            self.say("No more hints for this part. Type solution to see the worked solution.")
        else:
            self.say("There is no hint for this part. Type solution to see the worked "
                     "solution.")

    def show_solution(self, q: _QuestionState, state: PartState) -> None:
        instance, part = q.instance, state.part
        lines = []
        if not q.solution_shown:
            lines.append("Worked solution:\n" + _indent(
                wrap_text(instance.render_solution("text"), terminal_width() - 2)))
            q.solution_shown = True
        spec = instance.template.part(part.id)
        if spec.solution:
            lines.append(_indent(_text(instance, spec.solution)))
        lines.append(f"\nThe answer: {_key(part)}   (this part scores 0)\n")
        self.say("\n".join(lines))


def _help_text() -> str:
    width = max(len(name) for name, _ in COMMANDS)
    rows = [f"  {name:<{width}}  {what}" for name, what in COMMANDS]
    return ("Type your answer, or one of these commands:\n" + "\n".join(rows) + "\n"
            "A wrong answer uses up a try; one that cannot be read does not.\n")


def run_session(plan: Sequence[PlannedQuestion], load: Callable[[PlannedQuestion], Any],
                console: Console, *, store: Recorder | None = None,
                options: PracticeOptions | None = None, session_seed: int = 0,
                selection: Mapping[str, Any] | None = None,
                warn: Callable[[str], None] | None = None,
                clock: Callable[[], float] = time.monotonic,
                saved_to: str | None = None) -> SessionReport:
    """Ask every planned question through `console`, record into `store` (if any), and return
    the report. `load` makes a planned question's instance. Never raises on quit, end of input
    or Ctrl-C: those end the session, and what was answered is kept."""
    warn = warn or (lambda message: console.write(message + "\n"))
    recorder = GuardedRecorder(store, warn)
    recorder.call("begin_session", session_seed, dict(selection or {}))
    session = _Session(plan, load, console, recorder, options or PracticeOptions(), warn)
    start = clock()
    ended_by = "end of plan"
    try:
        session.run_all()
    except _Quit:
        ended_by = "quit"
    except EOFError:
        ended_by = "end of input"
    except KeyboardInterrupt:
        ended_by = "interrupted"
        console.write("\n")
    session.close()
    recorder.call("finish_session")
    return SessionReport(
        seed=session_seed, questions=tuple(q.report() for q in session.questions),
        planned=len(plan), seconds=clock() - start, ended_by=ended_by,
        saved_to=saved_to if recorder.active else None, selection=dict(selection or {}))


def bank_loader(bank: Any) -> Callable[[PlannedQuestion], Any]:
    """A `load` function for `run_session` that generates instances from `bank`."""
    from questionbank.instance import generate

    def load(planned: PlannedQuestion) -> Any:
        return generate(bank.get(planned.template), planned.seed)

    return load


# --------------------------------------------------------------------------- the whole command


@dataclass(frozen=True, slots=True)
class PracticeRequest:
    """What ``mlquiz practice`` is asked for: templates (by topic and by id; none: the topic
    menu or the whole bank), how many questions, the session seed (None: a fresh one), graded
    tries per part, and whether progress is saved."""

    topics: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    count: int = 5
    seed: int | None = None
    attempts: int = 3
    save: bool = True


def run_practice(bank: Any, console: Console, db: Path, request: PracticeRequest, *,
                 menu: bool, warn: Callable[[str], None]) -> SessionReport | None:
    """A whole practice session: open the progress database at `db` (only read it without
    ``save``), offer the topic menu when `menu` is set and nothing was chosen, plan the
    questions, say how the session goes, and run it. None when the menu was left (end of input
    or Ctrl-C) before any question."""
    store, cards = open_progress(db, save=request.save, warn=warn)
    try:
        topics = request.topics
        if not topics and not request.templates and menu:
            try:
                topics = choose_topics(topic_choices(bank, cards, warn), console)
            except (EOFError, KeyboardInterrupt):
                return None
        session_seed = new_session_seed() if request.seed is None else request.seed
        plan = schedule(select_templates(bank, topics, request.templates, warn), cards,
                        request.count, session_seed)
        n, tries = len(plan), request.attempts
        console.write(f"Practice: {n} question{'s' if n != 1 else ''} · {tries} "
                      f"tr{'ies' if tries != 1 else 'y'} per part · type ? for help, quit to "
                      "stop\n")
        console.write(f"Progress is saved to {db}.\n\n" if store else "Progress is not saved.\n\n")
        return run_session(
            plan, bank_loader(bank), console, store=store,
            options=PracticeOptions(attempts=tries, colour=None), session_seed=session_seed,
            warn=warn, saved_to=str(db) if store else None,
            selection={"topics": list(topics), "templates": list(request.templates),
                       "count": request.count})
    finally:
        if store is not None:
            store.close()


def _key(part: Part) -> str:
    """The reference answer as the student reads it (numbers to six significant figures)."""
    return readable_answer(part.type, part.answer_text)
