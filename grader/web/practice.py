"""The practice pages: choose what to practise, answer one question at a time, the summary.

Every POST answers with a redirect to a page (post/redirect/get), so a reload never sends an
answer twice. What a page shows of a part comes from `part_view`: the answer and the worked
solution only once the part is over.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from grader.web.http import HTTPError, Request, Response
from grader.web.run import PartState, PracticeRun, QuestionState
from grader.web.sessions import WebSession
from questionbank.values import readable_answer

if TYPE_CHECKING:
    from grader.web.app import WebApp

__all__ = ["answer", "end", "feedback_blocks", "hint", "next_question", "part_view",
           "question_page", "solution", "start", "start_page", "summary_page"]

MAX_COUNT = 50
DEFAULT_COUNT = 5
PREVIEW = 5
_LABELS = {"correct": "Correct", "incorrect": "Incorrect", "invalid": "Could not read"}


def _points(x: float) -> str:
    return f"{round(x, 2):g}"


def _percent(got: float, best: float) -> str:
    return f"{got / best:.0%}" if best else "-"


# --------------------------------------------------------------------------- choosing


def start_page(app: WebApp, request: Request, session: WebSession) -> Response:
    """What to practise: topics, one template, or what the Leitner schedule says is next."""
    from grader.practice.schedule import new_session_seed, schedule
    from grader.web.progress import read_cards

    if session.run is not None and session.run.current is not None:
        return Response.redirect("/practice")
    bank = app.bank
    cards = read_cards(app.db, app.options.db)
    by_topic: dict[str, list[str]] = {}
    for template_id in bank.ids():
        by_topic.setdefault(bank.topic_of(template_id) or "(unreadable)", []).append(template_id)
    due = Counter(bank.topic_of(t) for t in bank.ids() if t not in cards or cards[t].due)
    seed = new_session_seed()
    upcoming = []
    for planned in schedule(bank.ids(), cards, PREVIEW, seed):
        card = cards.get(planned.template)
        why = "new" if card is None else (f"box {card.box}, " + ("due" if card.due else
                                                                  f"due in {card.wait}"))
        upcoming.append({"template": planned.template, "why": why})
    topics = [{"topic": t, "templates": len(ids), "due": due[t]}
              for t, ids in sorted(by_topic.items())]
    return app.render(
        "practice_start.html.j2", session, topics=topics, templates=sorted(by_topic.items()),
        upcoming=upcoming, seed=seed, count=DEFAULT_COUNT, max_count=MAX_COUNT,
        db=str(app.options.db),
        save=app.options.save, summary=session.summary is not None)


def _count(request: Request) -> int:
    try:
        count = int(request.value("count", str(DEFAULT_COUNT)))
    except ValueError:
        raise HTTPError(400, "The number of questions must be a whole number.") from None
    if not 1 <= count <= MAX_COUNT:
        raise HTTPError(400, f"Ask for 1 to {MAX_COUNT} questions.")
    return count


def _seed(text: str) -> int | None:
    from grader.practice.schedule import new_session_seed

    if not text:
        return new_session_seed()
    return int(text) if text.isdigit() and int(text) < 2**63 else None


def start(app: WebApp, request: Request, session: WebSession) -> Response:
    """Plan a run (the same Leitner schedule as the terminal) and show its first question."""
    from grader.practice.schedule import schedule, select_templates
    from grader.practice.session import bank_loader
    from grader.web.progress import RunRecorder

    bank = app.bank
    next_up = request.value("mode") == "next"
    topics = () if next_up else tuple(t for t in request.values("topic") if t)
    templates = () if next_up else tuple(t for t in request.values("template") if t)
    known_topics = {bank.topic_of(t) for t in bank.ids()}
    if any(t not in known_topics for t in topics) or any(t not in bank for t in templates):
        raise HTTPError(400, "There is no such topic or template in the bank.")
    seed = _seed(request.value("seed"))
    if seed is None:
        raise HTTPError(400, "The session seed must be a whole number.")
    count = _count(request)
    if session.run is not None:
        session.run.finish()
    recorder = RunRecorder(app.db, app.options.db, app.options.save)
    warnings: list[str] = []
    candidates = select_templates(bank, topics, templates, warnings.append)
    plan = schedule(candidates, recorder.cards, count, seed)
    session.run = PracticeRun(plan, bank_loader(bank), recorder, seed,
                              {"topics": list(topics), "templates": list(templates),
                               "count": count})
    session.summary = None
    session.focus = None
    notes = [*warnings, *session.run.skipped] + ([recorder.warning] if recorder.warning else [])
    session.notice = " ".join(notes) or None
    return Response.redirect("/practice")


# --------------------------------------------------------------------------- a question


def feedback_blocks(feedback: str) -> list[tuple[str, str]]:
    """A verdict's feedback as ``("text", ...)`` and ``("pre", ...)`` blocks: the indented
    lines of a diagnostic (the answer echoed and the caret under the problem) stay together
    in a preformatted block, so the caret lines up; the sentences around it wrap as text."""
    blocks: list[tuple[str, str]] = []
    for line in feedback.split("\n"):
        kind = "pre" if line.startswith(" ") else "text"
        if blocks and blocks[-1][0] == kind:
            blocks[-1] = (kind, blocks[-1][1] + "\n" + line)
        else:
            blocks.append((kind, line))
    return [(kind, text) for kind, text in blocks if text.strip()]


def _verdict(state: PartState) -> dict[str, Any] | None:
    result = state.last
    if result is None:
        return None
    return {"status": result.status, "label": _LABELS[result.status],
            "score": f"{result.score:g}", "feedback": feedback_blocks(result.feedback),
            "answer": result.answer.strip(), "read_as": result.read_as}


def part_view(q: QuestionState, state: PartState, index: int, focus: bool) -> dict[str, Any]:
    """What the page shows of one part: never its answer while it is open."""
    from markupsafe import Markup

    from grader.pages import FORMAT_HINTS

    instance, part = q.instance, state.part
    over = state.done
    return {
        "id": part.id, "index": index, "type": part.type, "points": _points(part.points),
        "prompt": Markup(instance.render_part_prompt(part.id, "html")),
        "options": [{"letter": o.letter, "text": Markup(instance.render_option(part.id, o,
                                                                                "html"))}
                    for o in part.options],
        "notation": FORMAT_HINTS[part.type], "done": over, "outcome": state.outcome,
        "tries_left": state.tries_left, "verdict": _verdict(state),
        "previous": "" if over or state.last is None else state.last.answer,
        "hints": list(part.hints[:state.hints]), "hints_total": len(part.hints),
        "more_hints": state.hints < len(part.hints), "focus": focus and not over,
        "key": readable_answer(part.type, part.answer_text) if over else None,
        "part_solution": part.solution if over and state.solution_shown else "",
        "score": _points(state.score * part.points) if over else None,
    }


def _focus(q: QuestionState, wanted: str | None) -> str | None:
    """The part whose input gets the focus: `wanted` when it is open, else the first open."""
    if wanted in q.parts and not q.parts[wanted].done:
        return wanted
    open_parts = [p for p, s in q.parts.items() if not s.done]
    return open_parts[0] if open_parts else None


def question_page(app: WebApp, request: Request, session: WebSession) -> Response:
    """The current question with an input per part, or the summary when the run is over."""
    from markupsafe import Markup

    run: PracticeRun | None = session.run
    if run is None:
        return Response.redirect("/")
    q = run.current
    if q is None:
        return _finish(session)
    instance = q.instance
    focus = _focus(q, session.focus)
    parts = [part_view(q, s, i, s.part.id == focus)
             for i, s in enumerate(q.parts.values(), 1)]
    show_solution = q.done or any(s.solution_shown for s in q.parts.values())
    return app.render(
        "practice_question.html.j2", session, number=q.planned.number, total=len(run.plan),
        title=instance.title, topic=instance.topic, id=instance.template_id,
        seed=instance.seed, prompt=Markup(instance.render_prompt("html")), parts=parts,
        done=q.done, solution=Markup(q.solution_html) if show_solution else "",
        focus_next=focus is None, last=q.planned.number >= len(run.plan),
        warning=run.recorder.warning)


def _current(session: WebSession, request: Request) -> tuple[PracticeRun, QuestionState,
                                                             PartState | None]:
    """The run, its question, and the open part a form names (None: that part is over, or
    the form is from a question that is over)."""
    run: PracticeRun | None = session.run
    if run is None or run.current is None:
        raise HTTPError(409, "There is no question under way: start a practice session.")
    try:
        number = int(request.value("question"))
    except ValueError:
        raise HTTPError(400, "The form does not say which question it answers.") from None
    return run, run.current, run.part(number, request.value("part"))


def _back() -> Response:
    """Back to the question. No ``#part`` fragment: a browser ignores ``autofocus`` on a
    page whose URL targets an element, and the focus is what moves the student along."""
    return Response.redirect("/practice")


def answer(app: WebApp, request: Request, session: WebSession) -> Response:
    """Grade one part's answer on the server; the page shows the verdict."""
    run, q, state = _current(session, request)
    if state is None:
        session.notice = "That part is already over: its answer was not graded again."
        return _back()
    run.answer(q, state, request.value("answer"))
    if state.done:
        ids = list(q.parts)
        after = ids[ids.index(state.part.id) + 1:] + ids
        session.focus = next((p for p in after if not q.parts[p].done), None)
    else:
        session.focus = state.part.id
    return _back()


def hint(app: WebApp, request: Request, session: WebSession) -> Response:
    run, _q, state = _current(session, request)
    if state is not None:
        run.hint(state)
        session.focus = state.part.id
    return _back()


def solution(app: WebApp, request: Request, session: WebSession) -> Response:
    run, q, state = _current(session, request)
    if state is not None:
        run.solution(q, state)
    return _back()


def next_question(app: WebApp, request: Request, session: WebSession) -> Response:
    run, _q, _state = _current(session, request)
    run.next_question()
    session.focus = None
    return Response.redirect("/practice")


def end(app: WebApp, request: Request, session: WebSession) -> Response:
    if session.run is None:
        return Response.redirect("/")
    return _finish(session)


def _finish(session: WebSession) -> Response:
    session.summary = session.run.finish()
    session.run = None
    return Response.redirect("/practice/summary")


# --------------------------------------------------------------------------- the summary


def summary_page(app: WebApp, request: Request, session: WebSession) -> Response:
    """Scores per topic and question, the mistakes to work on, what to practise next."""
    from grader.practice.report import next_steps, saved_topic_accuracy

    report = session.summary
    if report is None:
        return Response.redirect("/")
    accuracy: Mapping[str, float] = app.db.call(saved_topic_accuracy, app.options.db)
    return app.render(
        "practice_summary.html.j2", session,
        topics=[{"topic": t, "points": _points(got), "max_points": _points(best),
                 "percent": _percent(got, best)} for t, (got, best) in report.by_topic().items()],
        questions=[{"number": q.number, "title": q.title, "template": q.template,
                    "topic": q.topic, "points": _points(q.points),
                    "max_points": _points(q.max_points),
                    "parts": [{"id": p.part, "label": p.label} for p in q.parts]}
                   for q in report.questions],
        mistakes=[{"name": m.name, "id": m.mistake, "template": m.template, "part": m.part,
                   "count": n} for m, n in report.mistakes()],
        points=_points(report.points), max_points=_points(report.max_points),
        percent=_percent(report.points, report.max_points),
        steps=next_steps(report, accuracy), saved_to=report.saved_to, seed=report.seed,
        answered=sum(1 for q in report.questions if q.parts), planned=report.planned,
        again=sorted({q.template for q in report.questions if q.points < q.max_points}))
