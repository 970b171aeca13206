"""What practice reports: the summary at the end of a session, and ``mlquiz progress``.

The session summary (`SessionReport`, `render_summary`) is made from what the session just
recorded; the progress report (`progress_report`, `render_report`) from the saved history in a
`grader.practice.store.ProgressStore`: accuracy and trend per topic, the Leitner cards,
mistakes that keep coming back, recent sessions. Both are rendered for a terminal through the
``practice_*.txt.j2`` templates; the progress report also as JSON (`ProgressReport.to_dict`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.practice.records import PractisedPart
from grader.practice.schedule import LEITNER_INTERVALS, Card, question_outcome
from grader.practice.store import (
    SCHEMA_VERSION,
    MistakeAttempt,
    ProgressError,
    ProgressStore,
    SessionStats,
)

__all__ = [
    "RECENT_WINDOW", "MistakeNote", "MistakeStats", "ProgressReport", "QuestionReport",
    "SessionReport", "TopicStats", "mistake_name", "next_steps", "progress_report",
    "read_progress", "render_report", "render_summary", "saved_topic_accuracy",
]

#: A topic's trend compares its last `RECENT_WINDOW` parts with the window before.
RECENT_WINDOW = 10
MAX_NOTE = 120


def _points(x: float) -> str:
    return f"{round(x, 2):g}"


def _percent(got: float, best: float) -> str:
    return f"{got / best:.0%}" if best else "-"


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True, slots=True)
class TopicStats:
    """Accuracy of one topic: `recent` over the last `RECENT_WINDOW` parts, `previous` over
    the window before (None when there are not that many), `trend` up / down / steady / new."""

    topic: str
    parts: int
    correct: int
    first_try: int
    accuracy: float
    recent: float
    previous: float | None
    trend: str


@dataclass(frozen=True, slots=True)
class MistakeStats:
    """A mistake made more than once on one part of one template."""

    mistake: str
    note: str
    template: str
    part: str
    count: int
    sessions: int
    last_at: str


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """Everything ``mlquiz progress`` shows (and prints with ``--json``)."""

    db: str
    sessions: int = 0
    parts: int = 0
    topics: tuple[TopicStats, ...] = ()
    cards: tuple[Card, ...] = ()
    mistakes: tuple[MistakeStats, ...] = ()
    recent_sessions: tuple[SessionStats, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "schema_version": SCHEMA_VERSION,
            "sessions": self.sessions,
            "parts": self.parts,
            "topics": [asdict(t) for t in self.topics],
            "templates": [dict(asdict(c), due=c.due) for c in self.cards],
            "recurring_mistakes": [asdict(m) for m in self.mistakes],
            "recent_sessions": [asdict(s) for s in self.recent_sessions],
        }


def _trend(recent: float, previous: float | None) -> str:
    if previous is None:
        return "new"
    if recent - previous >= 0.1:
        return "up"
    if previous - recent >= 0.1:
        return "down"
    return "steady"


def _topic_stats(marks: Sequence[tuple[str, bool, bool]]) -> list[TopicStats]:
    """Per topic, in name order, from ``(topic, right, first try)`` in the order answered."""
    by_topic: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for topic, ok, first_try in marks:
        by_topic[topic].append((ok, first_try))
    topics = []
    for topic in sorted(by_topic):
        rows = by_topic[topic]
        right = [ok for ok, _ in rows]
        recent = right[-RECENT_WINDOW:]
        before = right[-2 * RECENT_WINDOW:-RECENT_WINDOW]
        previous = sum(before) / len(before) if len(before) == RECENT_WINDOW else None
        recent_rate = sum(recent) / len(recent)
        topics.append(TopicStats(
            topic=topic, parts=len(rows), correct=sum(right),
            first_try=sum(1 for _, f in rows if f), accuracy=sum(right) / len(rows),
            recent=recent_rate, previous=previous, trend=_trend(recent_rate, previous)))
    return topics


def _recurring(attempts: Sequence[MistakeAttempt]) -> list[MistakeStats]:
    """The mistakes made at least twice on the same part of the same template, those seen in
    the most sessions first."""
    count: Counter[tuple[str, str, str]] = Counter()
    sessions: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    note: dict[tuple[str, str, str], str] = {}
    last: dict[tuple[str, str, str], str] = {}
    for a in attempts:
        key = (a.mistake, a.template, a.part)
        count[key] += 1
        sessions[key].add(a.session)
        note[key] = a.note or ""
        last[key] = a.at
    repeated = [MistakeStats(mistake=k[0], note=note[k], template=k[1], part=k[2],
                             count=n, sessions=len(sessions[k]), last_at=last[k])
                for k, n in count.items() if n >= 2]
    repeated.sort(key=lambda m: (-m.sessions, -m.count, m.last_at, m.mistake))
    return repeated


def progress_report(store: ProgressStore, recent_sessions: int = 5) -> ProgressReport:
    """Per-topic accuracy and trend, Leitner cards, recurring mistakes, recent sessions."""
    marks = store.part_marks()
    cards = sorted(store.cards().values(), key=lambda c: (c.wait, c.box, c.template))
    return ProgressReport(
        db=str(store.path), sessions=store.session_count(), parts=len(marks),
        topics=tuple(_topic_stats(marks)), cards=tuple(cards),
        mistakes=tuple(_recurring(store.mistake_attempts())),
        recent_sessions=tuple(store.recent_sessions(recent_sessions)))


def read_progress(path: Path) -> ProgressReport:
    """The report of the database at `path`, never writing to it (an empty report when there
    is no file); `ProgressError` when it cannot be read."""
    store = ProgressStore.open_readonly(path)
    if store is None:
        return ProgressReport(db=str(path))
    with store:
        return progress_report(store)


def saved_topic_accuracy(path: Path) -> dict[str, float]:
    """Share of parts answered correctly per topic in the history at `path`, for 'what to
    practise next' (empty when there is none or it cannot be read)."""
    try:
        store = ProgressStore.open_readonly(path)
        if store is None:
            return {}
        with store:
            return {t.topic: t.accuracy for t in _topic_stats(store.part_marks())}
    except ProgressError:
        return {}


_TREND_TEXT = {"up": "improving", "down": "slipping", "steady": "steady",
               "new": "too few answers for a trend"}


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ") + (" UTC" if iso.endswith("Z") else "")


def render_report(report: ProgressReport) -> str:
    """The ``mlquiz progress`` text for a terminal."""
    from grader.pages import render_page

    topics = [{
        "topic": t.topic, "parts": t.parts, "accuracy": f"{t.accuracy:.0%}",
        "first_try": f"{t.first_try / t.parts:.0%}" if t.parts else "-",
        "recent": f"{t.recent:.0%}",
        "trend": _TREND_TEXT[t.trend] + (f" (from {t.previous:.0%})"
                                         if t.previous is not None and t.trend != "new" else ""),
    } for t in report.topics]
    cards = [{
        "template": c.template, "box": c.box,
        "due": "due now" if c.due else f"due in {c.wait} session{'s' if c.wait != 1 else ''}",
    } for c in report.cards]
    mistakes = [{
        "id": m.mistake, "note": m.note, "template": m.template, "part": m.part,
        "count": m.count, "sessions": m.sessions, "last": _when(m.last_at),
    } for m in report.mistakes]
    sessions = [{
        "when": _when(s.started_at), "questions": s.questions, "points": _points(s.points),
        "max_points": _points(s.max_points), "percent": _percent(s.points, s.max_points),
    } for s in report.recent_sessions]
    return render_page("practice_progress.txt.j2", db=report.db, sessions=report.sessions,
                       parts=report.parts, topics=topics, cards=cards, mistakes=mistakes,
                       recent=sessions, intervals=LEITNER_INTERVALS)


# --------------------------------------------------------------------------- session summary


@dataclass(frozen=True, slots=True)
class MistakeNote:
    """A mistake matched while answering: its id and a human name (first sentence of its
    feedback), on which part of which template."""

    mistake: str
    name: str
    template: str
    part: str


@dataclass(frozen=True, slots=True)
class QuestionReport:
    """One question of the session and the parts reached."""

    number: int
    template: str
    title: str
    topic: str
    seed: int
    parts: tuple[PractisedPart, ...]
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
        return question_outcome(self.parts, self.complete)


@dataclass(frozen=True, slots=True)
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
                for mistake, name in p.mistakes:
                    key = (mistake, q.template, p.part)
                    first.setdefault(key, MistakeNote(mistake, name, q.template, p.part))
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
        ids = [mistake for p in q.parts for mistake, _ in p.mistakes]
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
