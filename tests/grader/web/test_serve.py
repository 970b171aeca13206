"""`mlquiz serve` as a process: the URL it prints, raw HTTP checks, a clean Ctrl-C."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

from .helpers import Server, child_env, start_server, stop_server


def raw(server: Server, method: str, path: str, *, host: str | None = None,
        body: str | None = None, cookie: str | None = None) -> http.client.HTTPResponse:
    address, _, port = server.host.rpartition(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=10)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host if host is not None else server.host)
    if cookie:
        conn.putheader("Cookie", cookie)
    data = (body or "").encode()
    if method == "POST":
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(len(data)))
    conn.endheaders(data if method == "POST" else None)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_printed_url_serves_the_practice_page(server: Server) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
    response = raw(server, "GET", "/")
    assert response.status == 200
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1",
                                  "localhost.evil.example"])
def test_a_foreign_host_header_gets_400(server: Server, host: str) -> None:
    assert raw(server, "GET", "/", host=host).status == 400


def test_a_post_without_the_token_gets_403(server: Server) -> None:
    first = raw(server, "GET", "/")
    cookie = first.headers["Set-Cookie"].split(";")[0]
    form = urllib.parse.urlencode({"mode": "next", "count": 1})
    assert raw(server, "POST", "/practice/start", body=form, cookie=cookie).status == 403
    assert raw(server, "POST", "/practice/start", body=form).status == 403


def test_ctrl_c_stops_the_server_cleanly(tmp_path: Path) -> None:
    running = start_server(tmp_path / "db.sqlite3", "--no-save")
    assert raw(running, "GET", "/").status == 200
    code, out = stop_server(running)
    assert code == 0
    assert "Stopped." in out


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "example.com"])
def test_a_wildcard_or_name_host_is_refused(host: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--no-browser", "--port", "0", "--host", host])
    assert result.exit_code == 1
    assert "--host" in result.output


def test_help_shows_the_options() -> None:
    result = subprocess.run([sys.executable, "-m", "grader", "serve", "--help"],
                            capture_output=True, text=True, env=child_env(), check=True)
    for option in ("--port", "--host", "--no-browser", "--bank", "--db", "--no-save"):
        assert option in result.stdout
