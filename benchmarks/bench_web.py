"""Web benchmark: the first page of `mlquiz serve`, and the server time from submit to verdict.

Run: python benchmarks/bench_web.py [--repeat N]
Targets (issue 15): the first page is served < 0.5 s after start; submit-to-verdict < 50 ms
server time.

- First page: `mlquiz serve --no-browser --port 0 --no-save` is started; the clock stops when
  ``GET /`` has been answered with 200. Reported from the moment the server listens (it has
  printed its URL: what a user, or the browser it opens, can first ask for) and from the
  process launch (which includes Python's start and the imports). Median of N runs, with the
  bytecode cached in a private folder, as an installed wheel has it.
- Submit to verdict: in this process, a `WebApp` is called as the server calls it (WSGI); the
  time is that of ``POST /practice/answer`` (grading, recording to a temporary SQLite store)
  plus the ``GET /practice`` it redirects to (the page with the verdict). Right and wrong
  answers to every part of every template in the bank.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _mlquiz() -> list[str]:
    exe = shutil.which("mlquiz")
    return [exe] if exe else [sys.executable, "-m", "grader"]


def first_page(pycache: str, db: str) -> tuple[float, float]:
    """(seconds from launch, seconds from listening) until ``GET /`` is answered."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.Popen([*_mlquiz(), "serve", "--no-browser", "--port", "0", "--no-save",
                             "--db", db], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        listening = time.perf_counter()
        found = re.search(r"http://([\d.]+):(\d+)/", line)
        if not found:
            raise RuntimeError(f"mlquiz serve printed no URL: {line!r}")
        conn = http.client.HTTPConnection(found.group(1), int(found.group(2)), timeout=30)
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        done = time.perf_counter()
        if response.status != 200:
            raise RuntimeError(f"GET / answered {response.status}")
        return done - start, done - listening
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _Browser:
    """Calls the WSGI app as the server does, keeping the session cookie."""

    def __init__(self, app: Any, host: str) -> None:
        self.app, self.host, self.cookie = app, host, ""

    def call(self, method: str, path: str, form: dict[str, Any] | None = None) -> str:
        data = urlencode(form or {}, doseq=True).encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
                   "HTTP_HOST": self.host, "HTTP_COOKIE": self.cookie,
                   "CONTENT_TYPE": "application/x-www-form-urlencoded",
                   "CONTENT_LENGTH": str(len(data)), "wsgi.input": io.BytesIO(data),
                   "wsgi.errors": sys.stderr}
        headers: list[tuple[str, str]] = []
        body = b"".join(self.app(environ, lambda _s, h: headers.extend(h)))
        for name, value in headers:
            if name == "Set-Cookie":
                self.cookie = value.split(";")[0]
        return body.decode()


def verdict_times(seeds: int) -> list[float]:
    """Seconds from submit to the verdict page, for right and wrong answers to every part."""
    from grader.web.app import ServeOptions, WebApp
    from questionbank.bank import load_bank
    from questionbank.instance import generate

    bank = load_bank(use_env=False)
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = WebApp(ServeOptions(bank=bank, db=Path(tmp) / "p.sqlite3", save=True,
                                  host="127.0.0.1", port=8000))
        browser = _Browser(app, "127.0.0.1:8000")
        token = re.search(r'name="csrf" value="([^"]+)"', browser.call("GET", "/")).group(1)
        try:
            for template_id in bank.ids():
                for seed in range(seeds):
                    browser.call("POST", "/practice/start", {
                        "csrf": token, "mode": "choose", "template": template_id,
                        "count": 1, "seed": seed})
                    page = browser.call("GET", "/practice")
                    shown = re.search(r"· seed (\d+)", page)
                    instance = generate(bank.get(template_id), int(shown.group(1)))
                    for part in instance.parts:
                        wrong = part.mistakes[0].answer_text if part.mistakes else "0"
                        for answer in (wrong, part.answer_text):
                            form = {"csrf": token, "question": 1, "part": part.id,
                                    "answer": answer}
                            start = time.perf_counter()
                            browser.call("POST", "/practice/answer", form)
                            browser.call("GET", "/practice")
                            times.append(time.perf_counter() - start)
                    browser.call("POST", "/practice/end", {"csrf": token})
        finally:
            app.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of the first-page test")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per template")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as pycache, tempfile.TemporaryDirectory() as tmp:
        first_page(pycache, str(Path(tmp) / "warm.sqlite3"))  # compile the bytecode once
        runs = [first_page(pycache, str(Path(tmp) / "p.sqlite3")) for _ in range(args.repeat)]
    launch = statistics.median(r[0] for r in runs)
    listening = statistics.median(r[1] for r in runs)
    print(f"first page, from listening:      {listening * 1000:7.1f} ms  (target < 500 ms; "
          f"median of {args.repeat})")
    print(f"first page, from process launch: {launch * 1000:7.1f} ms")
    times = sorted(verdict_times(args.seeds))
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"submit to verdict (server):      {statistics.median(times) * 1000:7.1f} ms median, "
          f"{p95 * 1000:.1f} ms p95, {times[-1] * 1000:.1f} ms max over {len(times)} answers "
          "(target < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
