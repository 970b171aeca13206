"""The practice session engine behind ``mlquiz practice``: ask, grade at once, help, summarise.

A session is a fixed plan of questions (`plan_session`: the Leitner schedule of
`grader.practice.store` over the chosen templates, with SHA-256-derived instance seeds). Each
question shows its prompt rendered for a terminal, then asks its parts one at a time with the
answer format expected. Every answer is graded by `grader.judge.check.check` and its verdict and
feedback are printed at once (`grader.judge.feedback.render_result`). A wrong answer may be tried
again up to ``attempts`` times; an unreadable one does not use up an attempt. Instead of an
answer the student may type a command (`COMMANDS`): ``hint``, ``solution`` (the part then scores
0), ``skip``, ``quit``, ``?``/``help``. End of input (Ctrl-D) and Ctrl-C end the session like
``quit``: the summary is always printed.

The engine does not know about click or terminals: it reads lines from a `Console` and writes
text to it, so tests drive whole sessions with a `ScriptConsole`. Progress is recorded through
a recorder (a `grader.practice.store.ProgressStore`, or nothing); when the database fails
mid-session the student is told once and the session goes on without saving.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from grader.practice.store import (
    AttemptRecord,
    Card,
    PartRecord,
    PlannedQuestion,
    ProgressError,
    ProgressStore,
    QuestionRecord,
    question_outcome,
    schedule,
)
from grader.selection import topic_ids
from questionbank.errors import QuizError

__all__ = [
    "COMMANDS", "Console", "PartReport", "PracticeOptions", "QuestionReport", "ScriptConsole",
    "SessionReport", "StreamConsole", "TopicChoice", "bank_loader", "choose_topics",
    "loadable_templates", "mistake_name", "new_session_seed", "next_steps", "open_progress",
    "plan_session", "render_summary", "run_session", "select_templates", "topic_choices",
]

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
MAX_NOTE = 120


# --------------------------------------------------------------------------- consoles


class Console(Protocol):
    """Where a session reads answers and writes text."""

    def read(self, prompt: str) -> str:
        """One line without its newline; EOFError at the end of input."""
        ...

    def write(self, text: str) -> None:
        """Write `text` as it is (the caller adds newlines)."""
        ...


class StreamConsole:
    """A console on text streams. Interactive (a terminal): the prompt is shown and the line
    read with line editing. Otherwise lines are read one by one and echoed after the prompt, so
    a piped session's output reads like a transcript."""

    def __init__(self, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> None:
        self._in = stdin
        self._out = stdout
        self.interactive = interactive

    def read(self, prompt: str) -> str:
        if self.interactive and self._in is sys.stdin and self._out is sys.stdout:
            with contextlib.suppress(ImportError):  # line editing for input(), if available
                import readline  # noqa: F401
            self._out.flush()
            return input(prompt)
        self._out.write(prompt)
        line = self._in.readline()
        if not line:
            self._out.write("\n")
            self._out.flush()
            raise EOFError
        line = line.rstrip("\r\n")
        if not self.interactive:
            from grader.judge.feedback import safe_terminal_text

            self._out.write(safe_terminal_text(line, 200))
        self._out.write("\n")
        self._out.flush()
        return line

    def write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()


class ScriptConsole:
    """A console that answers from a list of lines and keeps what was written (for tests and
    benchmarks). Input is echoed after the prompt, as for piped input. A line that is the
    `INTERRUPT` marker raises KeyboardInterrupt, as Ctrl-C would."""

    INTERRUPT = "\x03"

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.chunks: list[str] = []

    @property
    def output(self) -> str:
        return "".join(self.chunks)

    def read(self, prompt: str) -> str:
        self.chunks.append(prompt)
        try:
            line = next(self._lines)
        except StopIteration:
            self.chunks.append("\n")
            raise EOFError from None
        if line == self.INTERRUPT:
            self.chunks.append("^C\n")
            raise KeyboardInterrupt
        self.chunks.append(line + "\n")
        return line

    def write(self, text: str) -> None:
        self.chunks.append(text)


# --------------------------------------------------------------------------- choosing questions


@dataclass(frozen=True)
class TopicChoice:
    """One line of the topic menu."""

    topic: str
    templates: int
    due: int


def loadable_templates(bank: Any, warn: Callable[[str], None] | None = None) -> list[Any]:
    """Every template of the bank that loads; a broken one is left out (and reported to
    `warn`), so one bad file in an instructor's folder does not stop practice."""
    result = []
    for template_id in bank.ids():
        try:
            result.append(bank.get(template_id))
        except QuizError as exc:
            if warn is not None:
                warn(f"warning: template {template_id} is left out: {exc}")
    return result


def select_templates(bank: Any, topics: Sequence[str] = (), templates: Sequence[str] = (),
                     warn: Callable[[str], None] | None = None) -> list[str]:
    """The candidate template ids: the `templates` given and every template of the `topics`
    given (their union), or the whole bank when neither is given. Templates named with
    `templates` must load; of the others, broken ones are left out (see `loadable_templates`).
    """
    if not topics and not templates:
        return list(bank.ids())
    chosen = [bank.get(t).id for t in templates]
    for template_id in topic_ids(bank, topics, warn or (lambda _message: None)):
        try:
            chosen.append(bank.get(template_id).id)
        except QuizError as exc:
            if warn is not None:
                warn(f"warning: template {template_id} is left out: {exc}")
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


def new_session_seed() -> int:
    """A fresh session seed from the operating system's entropy (shown in the summary)."""
    return secrets.randbits(63)


def plan_session(candidates: Sequence[str], cards: Mapping[str, Card], count: int,
                 session_seed: int) -> tuple[PlannedQuestion, ...]:
    """The questions a session will ask, in order (see `grader.practice.store.schedule`): the same
    candidates, history and seed always give the same plan."""
    return schedule(candidates, cards, count, session_seed)


# --------------------------------------------------------------------------- progress


class _Recorder(Protocol):
    def begin_session(self, seed: int, selection: Mapping[str, Any]) -> None: ...
    def record_part(self, question: QuestionRecord, part: PartRecord) -> None: ...
    def finish_question(self, question: QuestionRecord, outcome: str | None) -> None: ...
    def finish_session(self) -> None: ...


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


class _GuardedRecorder:
    """Passes records to the store; on the first `ProgressError` warns once and stops saving."""

    def __init__(self, store: _Recorder | None, warn: Callable[[str], None]) -> None:
        self._store = store
        self._warn = warn

    @property
    def active(self) -> bool:
        return self._store is not None

    def call(self, method: str, *args: Any) -> None:
        if self._store is None:
            return
        try:
            getattr(self._store, method)(*args)
        except ProgressError as exc:
            self._store = None
            self._warn(f"warning: {exc}; the rest of this session is not saved.")


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class MistakeNote:
    """A mistake matched while answering: its id and a human name (first sentence of its
    feedback)."""

    mistake: str
    name: str
    template: str
    part: str


@dataclass(frozen=True)
class PartReport:
    """How one part ended (outcome as in `grader.practice.store.PART_OUTCOMES`)."""

    part: str
    outcome: str
    score: float
    points: float
    tries: int
    first_try: bool
    hints: int
    mistakes: tuple[MistakeNote, ...] = ()

    @property
    def label(self) -> str:
        """How the part went, in words: "right", "right on try 2", "solution shown", ..."""
        base = {
            "correct": "right" if self.first_try else f"right on try {self.tries}",
            "incorrect": "wrong",
            "solution": "solution shown",
            "skipped": "skipped",
            "unfinished": "unfinished",
        }[self.outcome]
        if self.hints:
            base += f", {self.hints} hint{'s' if self.hints != 1 else ''}"
        return base


@dataclass(frozen=True)
class QuestionReport:
    """One question of the session and the parts reached."""

    number: int
    template: str
    title: str
    topic: str
    seed: int
    parts: tuple[PartReport, ...]
    complete: bool

    @property
    def points(self) -> float:
        return sum(p.score * p.points for p in self.parts)

    @property
    def max_points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def outcome(self) -> str | None:
        """The Leitner outcome (right / hinted / wrong / None)."""
        return question_outcome([PartRecord(p.part, p.outcome, p.score, p.points, p.first_try,
                                            p.hints) for p in self.parts], self.complete)


@dataclass(frozen=True)
class SessionReport:
    """The end of a session: what was asked and how it went, for the summary."""

    seed: int
    questions: tuple[QuestionReport, ...]
    planned: int
    seconds: float
    ended_by: str
    saved_to: str | None
    selection: Mapping[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> float:
        return sum(q.max_points for q in self.questions)

    def by_topic(self) -> dict[str, tuple[float, float]]:
        """Points scored and possible, per topic, in order of first appearance."""
        totals: dict[str, tuple[float, float]] = {}
        for q in self.questions:
            got, best = totals.get(q.topic, (0.0, 0.0))
            totals[q.topic] = (got + q.points, best + q.max_points)
        return totals

    def mistakes(self) -> list[tuple[MistakeNote, int]]:
        """Each mistake made (per template and part), with how often, in order of first
        appearance; the name is the first one seen (names may quote the numbers)."""
        first: dict[tuple[str, str, str], MistakeNote] = {}
        counts: dict[tuple[str, str, str], int] = {}
        for q in self.questions:
            for p in q.parts:
                for m in p.mistakes:
                    key = (m.mistake, m.template, m.part)
                    first.setdefault(key, m)
                    counts[key] = counts.get(key, 0) + 1
        return [(first[k], n) for k, n in counts.items()]


def mistake_name(feedback: str) -> str:
    """A short human name for a mistake: the first sentence of its feedback, plain text
    (control characters made visible, as feedback may quote what was typed)."""
    from grader.judge.feedback import safe_terminal_text

    text = safe_terminal_text(re.sub(r"[*`]", "", " ".join(feedback.split())), 1000)
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= MAX_NOTE else sentence[:MAX_NOTE - 1] + "…"


def next_steps(report: SessionReport, topic_accuracy: Mapping[str, float] | None = None
               ) -> list[str]:
    """What to practise next: the templates that went worst in this session, else the weakest
    topic in the saved history, else encouragement."""
    worst: dict[str, tuple[float, list[str]]] = {}
    for q in report.questions:
        if not q.parts:
            continue
        fraction = q.points / q.max_points if q.max_points else 0.0
        ids = [m.mistake for p in q.parts for m in p.mistakes]
        weak = fraction < 1 or any(not p.first_try or p.hints for p in q.parts)
        if not weak:
            continue
        prev, prev_ids = worst.get(q.template, (1.0, []))
        worst[q.template] = (min(prev, fraction), list(dict.fromkeys(prev_ids + ids)))
    steps = []
    for template, (fraction, ids) in sorted(worst.items(), key=lambda kv: (kv[1][0], kv[0]))[:3]:
        why = f"score {fraction:.0%}"
        if ids:
            why += "; mistakes: " + ", ".join(ids[:3])
        steps.append(f"mlquiz practice --template {template}   ({why})")
    if steps:
        return steps
    if not any(q.parts for q in report.questions):
        return ["mlquiz practice   (nothing was answered this time)"]
    weakest = sorted((acc, t) for t, acc in (topic_accuracy or {}).items() if acc < 0.8)
    if weakest:
        acc, topic = weakest[0]
        return [f"mlquiz practice --topic {topic}   (your weakest topic so far: {acc:.0%})"]
    return ["Nothing to repeat from this session. Templates you get right come back after "
            "longer gaps; practise again tomorrow: mlquiz practice"]


def _duration(elapsed: float) -> str:
    seconds = round(elapsed)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _points(x: float) -> str:
    return f"{round(x, 2):g}"


def _percent(got: float, best: float) -> str:
    return f"{got / best:.0%}" if best else "-"


def render_summary(report: SessionReport, topic_accuracy: Mapping[str, float] | None = None
                   ) -> str:
    """The session summary for a terminal."""
    from grader.pages import render_page

    questions = [{
        "number": q.number, "template": q.template, "title": q.title, "topic": q.topic,
        "seed": q.seed, "points": _points(q.points), "max_points": _points(q.max_points),
        "percent": _percent(q.points, q.max_points), "complete": q.complete,
        "parts": [{"id": p.part, "text": f"{p.part} {p.label}"} for p in q.parts],
    } for q in report.questions]
    topics = [{"topic": t, "points": _points(got), "max_points": _points(best),
               "percent": _percent(got, best)} for t, (got, best) in report.by_topic().items()]
    mistakes = [{"id": m.mistake, "name": m.name, "template": m.template, "part": m.part,
                 "count": n} for m, n in report.mistakes()]
    return render_page(
        "practice_summary.txt.j2", questions=questions, topics=topics, mistakes=mistakes,
        answered=sum(1 for q in report.questions if q.parts), planned=report.planned,
        points=_points(report.points), max_points=_points(report.max_points),
        percent=_percent(report.points, report.max_points),
        duration=_duration(report.seconds), ended_by=report.ended_by,
        steps=next_steps(report, topic_accuracy), seed=report.seed,
        saved_to=report.saved_to)


# --------------------------------------------------------------------------- the session


@dataclass(frozen=True)
class PracticeOptions:
    """How a session behaves: graded tries per part, and colour in the feedback (None: decide
    with `grader.judge.feedback.use_colour`, i.e. on a terminal and without NO_COLOR)."""

    attempts: int = 3
    colour: bool | None = False


class _Quit(Exception):
    """The student typed ``quit``."""


@dataclass
class _PartState:
    """A part being answered (mutable while the student works on it)."""

    part: Any
    attempts: list[AttemptRecord] = field(default_factory=list)
    mistakes: list[MistakeNote] = field(default_factory=list)
    graded: int = 0
    first_try: bool | None = None
    hints: int = 0
    score: float = 0.0

    def finish(self, outcome: str, score: float | None = None) -> PartRecord:
        return PartRecord(part=self.part.id, outcome=outcome,
                          score=self.score if score is None else score,
                          points=float(self.part.points), first_try=bool(self.first_try),
                          hints=self.hints, attempts=tuple(self.attempts))

    def report(self, record: PartRecord) -> PartReport:
        return PartReport(part=record.part, outcome=record.outcome, score=record.score,
                          points=record.points, tries=self.graded, first_try=record.first_try,
                          hints=self.hints, mistakes=tuple(self.mistakes))


@dataclass
class _QuestionState:
    planned: PlannedQuestion
    instance: Any
    record: QuestionRecord
    parts: list[PartReport] = field(default_factory=list)
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

    return render(source, instance.context, "text")


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.splitlines())


class _Session:
    """One run through a plan; see `run_session`."""

    def __init__(self, plan: Sequence[PlannedQuestion], load: Callable[[PlannedQuestion], Any],
                 console: Console, recorder: _GuardedRecorder, options: PracticeOptions,
                 warn: Callable[[str], None]) -> None:
        self.plan = plan
        self.load = load
        self.console = console
        self.recorder = recorder
        self.options = options
        self.warn = warn
        self.questions: list[_QuestionState] = []
        self.current: _QuestionState | None = None
        self.part: _PartState | None = None
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
            seed=instance.seed, prompt=instance.render_prompt("text")))
        for index, part in enumerate(instance.parts, 1):
            self.part = _PartState(part=part)
            record_part = self.ask_part(q, self.part, index)
            self.end_part(q, self.part, record_part)
        q.complete = True
        self.end_question(q)

    def end_part(self, q: _QuestionState, state: _PartState, record: PartRecord) -> None:
        q.parts.append(state.report(record))
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
            self.end_part(q, state, state.finish("unfinished", 0.0))
        self.part = None
        self.end_question(q)

    # ---- parts

    def ask_part(self, q: _QuestionState, state: _PartState, index: int) -> PartRecord:
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
                self.say(f"Skipped. The answer was {part.answer_text}.\n")
                return state.finish("skipped", 0.0)
            elif command == "quit":
                raise _Quit
            elif not command:
                self.say("Type an answer, or ? for the commands.")
            else:
                record = self.grade(q, state, text)
                if record is not None:
                    return record

    def grade(self, q: _QuestionState, state: _PartState, text: str) -> PartRecord | None:
        """Grade one answer, print the verdict; the part's record when it is over."""
        from grader.judge.check import check
        from grader.judge.feedback import render_result

        instance, part = q.instance, state.part
        result = check(instance, part.id, text)
        note = mistake_name(result.feedback) if result.mistake else None
        state.attempts.append(AttemptRecord(answer=text, status=result.status,
                                            score=result.score, mistake=result.mistake,
                                            note=note))
        self.console.write(render_result(instance, result, "text", colour=self.colour))
        if result.status == "invalid":
            self.say("Try again: an answer that cannot be read does not use up a try.")
            return None
        state.graded += 1
        state.score = result.score
        if state.first_try is None:
            state.first_try = result.correct
        if result.mistake and note:
            state.mistakes.append(MistakeNote(result.mistake, note, instance.template_id,
                                              part.id))
        if result.correct:
            self.say("")
            return state.finish("correct")
        left = self.options.attempts - state.graded
        if left <= 0:
            self.say(f"No tries left. The answer is {part.answer_text}.\n")
            return state.finish("incorrect")
        self.say(f"Try again ({left} {'try' if left == 1 else 'tries'} left), or type hint, "
                 "solution, skip or ? for help.")
        return None

    def show_hint(self, q: _QuestionState, state: _PartState) -> None:
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

    def show_solution(self, q: _QuestionState, state: _PartState) -> None:
        instance, part = q.instance, state.part
        lines = []
        if not q.solution_shown:
            lines.append("Worked solution:\n" + _indent(instance.render_solution("text")))
            q.solution_shown = True
        spec = instance.template.part(part.id)
        if spec.solution:
            lines.append(_indent(_text(instance, spec.solution)))
        lines.append(f"\nThe answer: {part.answer_text}   (this part scores 0)\n")
        self.say("\n".join(lines))


def _help_text() -> str:
    width = max(len(name) for name, _ in COMMANDS)
    rows = [f"  {name:<{width}}  {what}" for name, what in COMMANDS]
    return ("Type your answer, or one of these commands:\n" + "\n".join(rows) + "\n"
            "A wrong answer uses up a try; one that cannot be read does not.\n")


def run_session(plan: Sequence[PlannedQuestion], load: Callable[[PlannedQuestion], Any],
                console: Console, *, store: _Recorder | None = None,
                options: PracticeOptions | None = None, session_seed: int = 0,
                selection: Mapping[str, Any] | None = None,
                warn: Callable[[str], None] | None = None,
                clock: Callable[[], float] = time.monotonic,
                saved_to: str | None = None) -> SessionReport:
    """Ask every planned question through `console`, record into `store` (if any), and return
    the report. `load` makes a planned question's instance. Never raises on quit, end of input
    or Ctrl-C: those end the session, and what was answered is kept."""
    warn = warn or (lambda message: console.write(message + "\n"))
    recorder = _GuardedRecorder(store, warn)
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
