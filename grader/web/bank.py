"""The bank browser: templates by topic, and a template's instance for any seed with
everything an instructor checks before using it (params, key, every declared mistake with
its value and feedback, hints, solution, `validate`'s figures), plus a print view."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from grader.web.http import HTTPError, Request, Response
from grader.web.sessions import WebSession
from questionbank.values import readable_answer

if TYPE_CHECKING:
    from grader.web.app import WebApp

__all__ = ["VALIDATE_SEEDS", "index_page", "instance_view", "print_page", "template_page"]

#: Seeds `validate` runs per template for its figures on a template page (cached).
VALIDATE_SEEDS = 40
MAX_SEED = 2**63 - 1


def index_page(app: WebApp, request: Request, session: WebSession) -> Response:
    """Every template that loads, by topic; broken ones are listed with their error."""
    from grader.practice.schedule import loadable_templates

    broken: list[str] = []
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for t in loadable_templates(app.bank, broken.append):
        by_topic.setdefault(t.topic, []).append({
            "id": t.id, "title": t.title, "difficulty": t.difficulty,
            "parts": ", ".join(f"{p.id} ({p.type})" for p in t.parts)})
    return app.render("bank_index.html.j2", session, topics=sorted(by_topic.items()),
                      broken=broken)


def _template(app: WebApp, template_id: str) -> Any:
    from questionbank.errors import QuizError

    if template_id not in app.bank:
        raise HTTPError(404, f"There is no template {template_id} in the bank.")
    try:
        return app.bank.get(template_id)
    except QuizError as exc:
        raise HTTPError(422, str(exc)) from None


def _seed(request: Request) -> int:
    text = request.query.get("seed", "1").strip() or "1"
    if not text.isdigit() or int(text) > MAX_SEED:
        raise HTTPError(400, f"The seed must be a whole number from 0 to {MAX_SEED}.")
    return int(text)


def instance_view(instance: Any) -> dict[str, Any]:
    """An instance with its key, mistakes, hints and solutions, for the instructor."""
    from markupsafe import Markup

    parts = []
    for part in instance.parts:
        parts.append({
            "id": part.id, "type": part.type, "points": f"{part.points:g}",
            "prompt": Markup(instance.render_part_prompt(part.id, "html")),
            "tolerance": part.effective_tolerance.describe()
            if part.type in ("number", "vector", "matrix") else "",
            "options": [{"letter": o.letter, "correct": o.correct, "feedback": o.feedback,
                         "text": Markup(instance.render_option(part.id, o, "html"))}
                        for o in part.options],
            "key": readable_answer(part.type, part.answer_text),
            "mistakes": [{"id": m.id, "answer": readable_answer(part.type, m.answer_text),
                          "feedback": m.feedback}
                         for m in part.mistakes],
            "hints": list(part.hints), "solution": part.solution,
        })
    params = instance.to_dict()["params"]
    return {"id": instance.template_id, "title": instance.title, "topic": instance.topic,
            "seed": instance.seed, "prompt": Markup(instance.render_prompt("html")),
            "solution": Markup(instance.render_solution("html")), "parts": parts,
            "params": [(k, json.dumps(v, ensure_ascii=False)) for k, v in params.items()]}


def _figures(app: WebApp, template: Any) -> dict[str, Any]:
    """`validate`'s report of `template` over `VALIDATE_SEEDS` seeds (computed once per
    template while the server runs: it takes a fraction of a second to seconds)."""
    from grader.validate import validate_template

    cached = app.figures.get(template.id)
    if cached is None:
        report = validate_template(template, VALIDATE_SEEDS)
        cached = dict(report.to_dict(strict=False), duplicates=report.duplicates)
        app.figures[template.id] = cached
    return cached


def _instance(template: Any, seed: int) -> tuple[Any, str | None]:
    from questionbank.errors import QuizError
    from questionbank.instance import generate

    try:
        return generate(template, seed), None
    except QuizError as exc:
        return None, str(exc)


def template_page(app: WebApp, request: Request, session: WebSession,
                  template_id: str) -> Response:
    """One template: an instance for the seed asked (`?seed=`), and its figures."""
    template = _template(app, template_id)
    seed = _seed(request)
    instance, problem = _instance(template, seed)
    return app.render(
        "bank_template.html.j2", session, template=template, seed=seed, problem=problem,
        q=instance_view(instance) if instance else None,
        another=secrets.randbelow(1_000_000), figures=_figures(app, template))


def print_page(app: WebApp, request: Request, session: WebSession,
               template_id: str) -> Response:
    """The instance as a printable page (with its key and solution unless ``?key=0``)."""
    template = _template(app, template_id)
    seed = _seed(request)
    instance, problem = _instance(template, seed)
    if instance is None:
        raise HTTPError(422, problem or "The instance cannot be made.")
    return app.render("bank_print.html.j2", session, q=instance_view(instance),
                      key=request.query.get("key", "1") != "0")
