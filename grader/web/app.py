"""The WSGI application of ``mlquiz serve``: routing, sessions, the security checks, pages.

One `WebApp` serves one bank and one progress database. Requests are handled one at a time
(a lock around each), which is plenty for one student's browser and keeps the session state
simple. Pages are the Jinja templates under ``templates/web`` rendered by `grader.pages`
(autoescaped); the stylesheet and the few lines of script are files served by the app, so the
Content-Security-Policy can forbid everything inline.
"""

from __future__ import annotations

import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.web.http import (
    HTTPError,
    Request,
    Response,
    allowed_hosts,
    origin_of,
    same_token,
)
from grader.web.progress import DatabaseThread
from grader.web.sessions import COOKIE, SessionStore, WebSession

__all__ = ["STATIC_FILES", "ServeOptions", "WebApp"]

#: Files served under /static/: name -> content type (read from ``templates/web``).
STATIC_FILES = {"web.css": "text/css; charset=utf-8", "web.js": "text/javascript; charset=utf-8"}

Handler = Callable[["WebApp", Request, WebSession], Response]
StartResponse = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What ``mlquiz serve`` was asked for: the bank, the progress database, whether practice
    is saved, and the address the server is bound to (the only ``Host`` it answers)."""

    bank: Any
    db: Path
    save: bool
    host: str
    port: int


class WebApp:
    """The WSGI callable; see the module docstring."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.hosts = allowed_hosts(options.host, options.port)
        self.origins = frozenset(origin_of(h) for h in self.hosts)
        self.db = DatabaseThread()
        self.sessions = SessionStore(on_drop=self._end_run)
        self._lock = threading.Lock()
        self._static: dict[str, bytes] = {}
        #: `validate`'s figures per template id, computed on first view (see `grader.web.bank`)
        self.figures: dict[str, dict[str, Any]] = {}
        self._routes = _routes()

    @property
    def bank(self) -> Any:
        return self.options.bank

    # ---- WSGI

    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        extra: list[tuple[str, str]] = []
        try:
            with self._lock:
                response = self._respond(environ, extra)
        except HTTPError as exc:
            response = self.error_page(exc.status, exc.message)
        except Exception:
            print(traceback.format_exc(), file=environ.get("wsgi.errors", sys.stderr))
            response = self.error_page(500, "Something went wrong on the server (a bug: "
                                       "the details are in the terminal running mlquiz serve).")
        start_response(response.status_line(), response.header_list(extra))
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else response.body]

    def _respond(self, environ: Mapping[str, Any], extra: list[tuple[str, str]]) -> Response:
        host = str(environ.get("HTTP_HOST", ""))
        if host not in self.hosts:
            raise HTTPError(400, "This server answers only requests for "
                            f"{min(self.hosts)} (the Host header names another site).")
        request = Request.from_environ(environ)
        if request.path.startswith("/static/"):
            return self.static(request.path.removeprefix("/static/"))
        handler, args = self._route(request)
        session = self._session(request, extra)
        if request.method == "POST":
            self._check_post(request, session)
        return handler(self, request, session, *args)

    def _route(self, request: Request) -> tuple[Callable[..., Response], tuple[str, ...]]:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match:
                if request.method not in (method, "HEAD" if method == "GET" else method):
                    raise HTTPError(405, f"{request.path} takes {method} requests only.")
                return handler, match.groups()
        raise HTTPError(404, f"There is no page {request.path}.")

    def _session(self, request: Request, extra: list[tuple[str, str]]) -> WebSession:
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is not None:
            return session
        if request.method == "POST":
            raise HTTPError(403, "Your session has expired (or the server was restarted): "
                            "reload the page and try again.")
        session = self.sessions.create()
        extra.append(("Set-Cookie", f"{COOKIE}={session.id}; Path=/; HttpOnly; "
                                    "SameSite=Strict"))
        return session

    def _check_post(self, request: Request, session: WebSession) -> None:
        if request.origin is not None and request.origin not in self.origins:
            raise HTTPError(403, "A form from another site was refused.")
        if not same_token(request.value("csrf"), session.csrf):
            raise HTTPError(403, "The form's security token is missing or out of date: "
                            "reload the page and try again.")

    # ---- pages

    def render(self, name: str, session: WebSession | None, **context: Any) -> Response:
        from grader.judge.check import MAX_ANSWER_CHARS
        from grader.pages import render_page

        section = {"bank": "bank", "error": ""}.get(name.partition("_")[0].partition(".")[0],
                                                     "practice")
        return Response.html(render_page(
            f"web/{name}", csrf=session.csrf if session else "", section=section,
            notice=session.take_notice() if session else None, max_answer=MAX_ANSWER_CHARS,
            **context))

    def error_page(self, status: int, message: str) -> Response:
        page = self.render("error.html.j2", None, status=status, message=message)
        return Response(status=status, body=page.body)

    def static(self, name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPError(404, f"There is no file /static/{name}.")
        if name not in self._static:
            from grader.pages import templates_dir

            self._static[name] = (templates_dir() / "web" / name).read_bytes()
        return Response(body=self._static[name], content_type=STATIC_FILES[name])

    # ---- the end

    def _end_run(self, session: WebSession) -> None:
        """Record what a dropped (or, at shutdown, any) session's run had under way."""
        if session.run is not None:
            session.run.finish()
            session.run = None

    def close(self) -> None:
        """End every run (recording it) and stop the database thread."""
        with self._lock:
            for session in self.sessions.all():
                self._end_run(session)
        self.db.close()


def _routes() -> list[tuple[str, re.Pattern[str], Callable[..., Response]]]:
    from grader.web import bank, practice

    table: list[tuple[str, str, Callable[..., Response]]] = [
        ("GET", r"/", practice.start_page),
        ("POST", r"/practice/start", practice.start),
        ("GET", r"/practice", practice.question_page),
        ("POST", r"/practice/answer", practice.answer),
        ("POST", r"/practice/hint", practice.hint),
        ("POST", r"/practice/solution", practice.solution),
        ("POST", r"/practice/next", practice.next_question),
        ("POST", r"/practice/end", practice.end),
        ("GET", r"/practice/summary", practice.summary_page),
        ("GET", r"/bank", bank.index_page),
        ("GET", r"/bank/print/([A-Za-z0-9_./-]+)", bank.print_page),
        ("GET", r"/bank/([A-Za-z0-9_./-]+)", bank.template_page),
        ("GET", r"/favicon\.ico", _no_icon),
    ]
    return [(method, re.compile(pattern), handler) for method, pattern, handler in table]


def _no_icon(app: WebApp, request: Request, session: WebSession) -> Response:
    return Response(status=204, content_type="text/plain")
