"""Helpers of the web app's tests: an in-process WSGI client, and a real `mlquiz serve`
process on a free port (for the browser tests and the raw HTTP checks)."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from grader.web.app import WebApp
from questionbank.bank import load_bank

ROOT = Path(__file__).resolve().parents[3]
BANK = load_bank(use_env=False)
PORT = 8765
HOST = f"127.0.0.1:{PORT}"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str
    cookies: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Client:
    """Calls a `WebApp` like a browser would: keeps the session cookie, follows nothing."""

    def __init__(self, app: WebApp, host: str = HOST) -> None:
        self.app = app
        self.host = host
        self.cookie: str | None = None

    def request(self, method: str, path: str, form: dict[str, Any] | None = None, *,
                host: str | None = None, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Reply:
        path, _, query = path.partition("?")
        data = body if body is not None else urlencode(form or {}, doseq=True).encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
            "HTTP_HOST": self.host if host is None else host, "wsgi.input": io.BytesIO(data),
            "CONTENT_LENGTH": str(len(data)), "wsgi.errors": io.StringIO(),
            "CONTENT_TYPE": "application/x-www-form-urlencoded" if method == "POST" else "",
        }
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        for key, value in (headers or {}).items():
            environ["HTTP_" + key.upper().replace("-", "_")] = value
        captured: dict[str, Any] = {}

        def start_response(status: str, header_list: list[tuple[str, str]]) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = header_list

        body_out = b"".join(self.app(environ, start_response))
        header_list = captured["headers"]
        cookies = [v for k, v in header_list if k == "Set-Cookie"]
        for cookie in cookies:
            jar: SimpleCookie = SimpleCookie(cookie)
            self.cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items())
        return Reply(captured["status"], dict(header_list), body_out.decode("utf-8"), cookies)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, Any], **kw: Any) -> Reply:
        return self.request("POST", path, form, **kw)

    def csrf(self, page: str) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)


@dataclass
class Server:
    url: str
    host: str
    db: Path
    process: subprocess.Popen[str]


def child_env() -> dict[str, str]:
    env = dict(os.environ, NO_COLOR="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def start_server(db: Path, *extra: str) -> Server:
    """`python -m grader serve --no-browser --port 0` and the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "serve", "--no-browser", "--port", "0", "--db",
         str(db), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=child_env(), cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://([^/\s]+)/)", line)
    if not match:
        process.kill()
        raise AssertionError(f"no URL printed: {line!r} {process.stderr.read()!r}")
    return Server(url=match.group(1), host=match.group(2), db=db, process=process)


def stop_server(server: Server) -> tuple[int, str]:
    """Ctrl-C the server; its exit code and the rest of its output."""
    server.process.send_signal(signal.SIGINT)
    out, _err = server.process.communicate(timeout=15)
    return server.process.returncode, out
