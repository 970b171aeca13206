"""Requests and responses of the web app, on plain WSGI: reading a bounded request, the
security headers every response carries, and the checks that keep other sites out.

A local server is still reachable by every page the browser has open, so:

- the ``Host`` header must name the address the server is bound to (a DNS-rebinding page
  sends its own host name): anything else is refused with 400;
- a POST must carry the session's CSRF token, and an ``Origin`` header, when there is one,
  must be the app's own (403 otherwise);
- request bodies are capped (`MAX_BODY_BYTES`, 413) and forms have few fields;
- every response forbids framing, sniffing and any script or style not served by the app
  itself (`SECURITY_HEADERS`).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

__all__ = ["MAX_BODY_BYTES", "MAX_FORM_FIELDS", "SECURITY_HEADERS", "HTTPError", "Request",
           "Response", "allowed_hosts", "origin_of", "same_token"]

#: Largest request body read: an answer of `grader.judge.check.MAX_ANSWER_CHARS` characters
#: fits even when every character is percent-encoded UTF-8 of two bytes (6 bytes each).
MAX_BODY_BYTES = 640 * 1024
MAX_FORM_FIELDS = 64

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)


class HTTPError(Exception):
    """Ends a request with `status` and a short message for the error page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Response:
    """What a handler returns: status, extra headers and the body."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status=status, body=text.encode("utf-8"))

    @classmethod
    def redirect(cls, location: str) -> Response:
        """303 See Other: after a POST, the browser GETs the page (reload does not resubmit)."""
        return cls(status=303, headers=(("Location", location),), content_type="text/plain")

    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def header_list(self, extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))),
                *SECURITY_HEADERS, *self.headers, *extra]


@dataclass(frozen=True, slots=True)
class Request:
    """The parts of a WSGI request the app reads; `form` only for a POST."""

    method: str
    path: str
    query: Mapping[str, str]
    host: str
    origin: str | None
    cookies: Mapping[str, str]
    form: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        """The first value of form field `name`."""
        values = self.form.get(name)
        return values[0] if values else default

    def values(self, name: str) -> tuple[str, ...]:
        """Every value of form field `name` (checkboxes)."""
        return self.form.get(name, ())

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        """Read the request; HTTPError for a body that is too large or not a form."""
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        raw_path = str(environ.get("PATH_INFO", "/"))
        # WSGI hands PATH_INFO over as latin-1 decoded bytes; the app's paths are UTF-8.
        path = raw_path.encode("latin-1", "replace").decode("utf-8", "replace")
        form: dict[str, tuple[str, ...]] = {}
        if method == "POST":
            form = _read_form(environ)
        query = {k: v[0] for k, v in _fields(str(environ.get("QUERY_STRING", ""))).items()}
        return cls(method=method, path=path, query=query,
                   host=str(environ.get("HTTP_HOST", "")), origin=environ.get("HTTP_ORIGIN"),
                   cookies=_cookies(str(environ.get("HTTP_COOKIE", ""))), form=form)


def _fields(text: str) -> dict[str, tuple[str, ...]]:
    """The values of each field of a query string or urlencoded body."""
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS,
                          errors="replace")
    except ValueError:
        raise HTTPError(400, "The request has too many fields.") from None
    return {key: tuple(values) for key, values in parsed.items()}


def _read_form(environ: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    kind = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPError(415, "Forms are sent as application/x-www-form-urlencoded.")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise HTTPError(400, "The request's Content-Length is not a number.") from None
    if length > MAX_BODY_BYTES:
        raise HTTPError(413, f"The request is too large (at most {MAX_BODY_BYTES // 1024} KiB).")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    return _fields(body.decode("utf-8", "replace"))


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers accepted from a browser: the bound address and port, and for a
    loopback address its other loopback names (what a user may type)."""
    names = {host}
    if host in ("127.0.0.1", "localhost", "::1"):
        names |= {"127.0.0.1", "localhost"}
    return frozenset(_authority(name, port) for name in names)


def origin_of(authority: str) -> str:
    """The ``Origin`` a browser sends for pages of the app served at `authority`."""
    return f"http://{authority}"


def same_token(given: str | None, expected: str) -> bool:
    """Compare tokens in constant time (a missing one never matches)."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())
