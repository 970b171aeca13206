"""The WSGI app without a browser: security checks, the practice flow, the bank pages."""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from grader.web.http import MAX_BODY_BYTES, SECURITY_HEADERS
from questionbank.instance import generate
from questionbank.values import readable_answer

from .helpers import BANK, HOST, PORT, Client

CM = "metrics/confusion-matrix"


def start(client: Client, template: str = CM, count: int = 1, seed: int = 7) -> tuple[Any, str]:
    """Start a run of `template`; the instance asked and the question page."""
    token = client.csrf(client.get("/").body)
    reply = client.post("/practice/start", {"csrf": token, "mode": "choose", "template": template,
                                            "count": count, "seed": seed})
    assert reply.status == 303 and reply.location == "/practice"
    page = client.get("/practice").body
    found = re.search(r"<code>([^<]+)</code> · seed (\d+)", page)
    assert found, page
    return generate(BANK.get(html.unescape(found.group(1))), int(found.group(2))), page


def send(client: Client, action: str, part: str, answer: str | None = None,
         question: int = 1) -> str:
    page = client.get("/practice").body
    form = {"csrf": client.csrf(page), "question": question, "part": part}
    if answer is not None:
        form["answer"] = answer
    reply = client.post(f"/practice/{action}", form)
    assert reply.status == 303, reply.body
    return client.get("/practice").body


# --------------------------------------------------------------------------- security


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:1", "", "127.0.0.1",
                                  "attacker.test"])
def test_a_foreign_host_header_is_refused(client: Client, host: str) -> None:
    reply = client.get("/", host=host)
    assert reply.status == 400
    assert "Host header" in reply.body
    assert reply.cookies == []


@pytest.mark.parametrize("host", [HOST, f"localhost:{PORT}"])
def test_the_bound_address_and_localhost_are_served(client: Client, host: str) -> None:
    assert client.get("/", host=host).status == 200


def test_every_response_has_the_security_headers(client: Client) -> None:
    for path in ("/", "/bank", "/no-such-page", "/static/web.css"):
        headers = client.get(path).headers
        for name, value in SECURITY_HEADERS:
            assert headers[name] == value
    csp = dict(SECURITY_HEADERS)["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_the_session_cookie_is_http_only_and_same_site(client: Client) -> None:
    cookie = client.get("/").cookies[0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_post_without_the_token_is_refused(client: Client) -> None:
    client.get("/")
    reply = client.post("/practice/start", {"mode": "next", "count": 1})
    assert reply.status == 403
    assert "security token" in reply.body
    reply = client.post("/practice/start", {"csrf": "forged", "mode": "next", "count": 1})
    assert reply.status == 403
    assert client.get("/").status == 200 and "Next up" in client.get("/").body


def test_a_post_without_a_session_is_refused(client: Client) -> None:
    reply = client.post("/practice/start", {"csrf": "x", "mode": "next"})
    assert reply.status == 403 and "session has expired" in reply.body


def test_a_post_from_another_origin_is_refused(client: Client) -> None:
    token = client.csrf(client.get("/").body)
    reply = client.post("/practice/start", {"csrf": token, "mode": "next", "count": 1},
                        headers={"Origin": "http://evil.example"})
    assert reply.status == 403 and "another site" in reply.body
    ok = client.post("/practice/start", {"csrf": token, "mode": "next", "count": 1},
                     headers={"Origin": f"http://{HOST}"})
    assert ok.status == 303


def test_a_body_larger_than_the_cap_is_refused(client: Client) -> None:
    client.get("/")
    reply = client.request("POST", "/practice/answer", body=b"a" * (MAX_BODY_BYTES + 1))
    assert reply.status == 413


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/nowhere", 404), ("GET", "/static/secret.py", 404), ("GET", "/practice/answer", 405),
    ("POST", "/bank", 405), ("GET", "/bank/no/such-template", 404),
    ("GET", "/bank/../../etc/passwd", 404), ("GET", f"/bank/{CM}?seed=-1", 400),
    ("GET", f"/bank/{CM}?seed=abc", 400), ("GET", f"/bank/{CM}?seed={2**63}", 400),
])
def test_bad_requests_get_an_error_page(client: Client, method: str, path: str,
                                        status: int) -> None:
    client.get("/")
    reply = client.request(method, path, {"csrf": "x"} if method == "POST" else None)
    assert reply.status == status
    assert "that did not work" in reply.body


def test_static_files_have_their_types(client: Client) -> None:
    css = client.get("/static/web.css")
    js = client.get("/static/web.js")
    assert css.headers["Content-Type"].startswith("text/css") and "prefers-color-scheme" in css.body
    assert js.headers["Content-Type"].startswith("text/javascript") and "print" in js.body


def test_the_session_store_keeps_at_most_its_limit(make_app: Any) -> None:
    app = make_app(save=False)
    app.sessions.limit = 3
    first = Client(app)
    first.get("/")
    for _ in range(3):
        Client(app).get("/")
    assert len(app.sessions) == 3
    assert first.post("/practice/start", {"csrf": "x"}).status == 403  # dropped


def test_pages_have_no_inline_script_or_style(client: Client) -> None:
    _instance, page = start(client)
    for body in (client.get("/bank").body, page, client.get(f"/bank/{CM}").body):
        assert "<script>" not in body and "<style" not in body and " style=" not in body
        assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/web.js" defer>']
        assert not re.search(r'(src|href|action)="(https?:)?//', body)  # nothing external


# --------------------------------------------------------------------------- practice


def test_the_key_is_not_on_the_page_before_submission(client: Client) -> None:
    instance, page = start(client)
    for part in instance.parts:
        assert part.answer_text not in page
        for mistake in part.mistakes:
            assert mistake.answer_text not in page


def test_a_right_answer_is_correct_and_moves_the_focus(client: Client) -> None:
    instance, _ = start(client)
    first, second = instance.parts[0], instance.parts[1]
    page = send(client, "answer", first.id, first.answer_text)
    assert 'class="verdict correct"' in page
    assert re.search(rf'id="answer-{second.id}"[^>]*autofocus', page)
    assert not re.search(rf'id="answer-{first.id}"', page)


def test_a_declared_mistake_gets_its_feedback(client: Client) -> None:
    instance, _ = start(client)
    part = instance.parts[0]
    mistake = part.mistakes[0]
    page = send(client, "answer", part.id, mistake.answer_text)
    assert 'class="verdict incorrect"' in page
    assert html.escape(mistake.feedback.split(".")[0], quote=False) in page
    assert "2 tries left" in page
    assert part.answer_text not in page


def test_an_unreadable_answer_shows_the_caret_and_keeps_the_tries(client: Client) -> None:
    instance, _ = start(client)
    part = instance.parts[0]
    page = send(client, "answer", part.id, "55/")
    diagnostic = re.search(r'<pre class="diagnostic">(.*?)</pre>', page, re.S)
    assert diagnostic, page
    lines = html.unescape(diagnostic.group(1)).splitlines()
    assert "  55/" in lines and "     ^" in lines
    assert "3 tries left" in page


def test_an_answer_is_escaped(client: Client) -> None:
    instance, _ = start(client)
    page = send(client, "answer", instance.parts[0].id, "<script>alert(1)</script>")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_answer_longer_than_check_allows_is_invalid(client: Client) -> None:
    from grader.judge.check import MAX_ANSWER_CHARS

    instance, _ = start(client)
    page = send(client, "answer", instance.parts[0].id, "1" * (MAX_ANSWER_CHARS + 1))
    assert "too long" in page


def test_three_wrong_answers_end_the_part_with_the_key(client: Client) -> None:
    instance, _ = start(client)
    part = instance.parts[0]
    for _ in range(3):
        page = send(client, "answer", part.id, "0.999")
    assert "No tries left" in page and part.answer_text in page
    again = send(client, "answer", part.id, part.answer_text)
    assert "already over" in again


def test_hints_come_one_by_one_then_the_solution_scores_zero(client: Client) -> None:
    instance, _ = start(client)
    part = instance.parts[0]
    assert len(part.hints) == 2
    page = send(client, "hint", part.id)
    assert f"Hint 2 of {len(part.hints)}" in page
    page = send(client, "hint", part.id)
    assert "No more hints" in page
    assert "Worked solution" not in page
    page = send(client, "solution", part.id)
    assert "this part scores 0" in page and part.answer_text in page
    assert "Worked solution" in page


def test_a_whole_run_is_summarised_and_saved(client: Client, tmp_path: Path) -> None:
    instance, _ = start(client)
    a, b, c, _d = instance.parts
    send(client, "answer", a.id, a.answer_text)
    send(client, "answer", b.id, b.mistakes[0].answer_text)
    send(client, "answer", b.id, b.answer_text)
    send(client, "solution", c.id)
    page = client.get("/practice").body
    reply = client.post("/practice/next", {"csrf": client.csrf(page), "question": 1})
    assert reply.status == 303 and reply.location == "/practice"
    assert client.get("/practice").location == "/practice/summary"
    summary = client.get("/practice/summary").body
    # the practice credit rule, as in the terminal: right on try 2 earns 1 - 0.25
    assert "1.75 of 4 points" in summary and "(44%)" in summary
    assert "metrics" in summary and "right on try 2" in summary and "solution shown" in summary
    assert html.escape(b.mistakes[0].feedback.split(".")[0], quote=False) in summary
    conn = sqlite3.connect(tmp_path / "progress.sqlite3")
    try:
        parts = conn.execute("SELECT part, outcome, score FROM parts ORDER BY rowid").fetchall()
        ended = conn.execute("SELECT ended_at FROM sessions").fetchall()
        outcome = conn.execute("SELECT outcome FROM questions").fetchall()
    finally:
        conn.close()
    assert parts == [(a.id, "correct", 1.0), (b.id, "correct", 0.75), (c.id, "solution", 0.0),
                     (_d.id, "skipped", 0.0)]
    assert ended[0][0] is not None and outcome == [("wrong",)]


def test_no_save_writes_nothing(make_app: Any, tmp_path: Path) -> None:
    client = Client(make_app(save=False))
    assert "Progress is not saved." in client.get("/").body
    instance, _ = start(client)
    send(client, "answer", instance.parts[0].id, instance.parts[0].answer_text)
    page = client.get("/practice").body
    client.post("/practice/end", {"csrf": client.csrf(page)})
    assert "Not saved." in client.get("/practice/summary").body
    assert not (tmp_path / "progress.sqlite3").exists()


def test_an_unusable_database_is_reported_and_practice_goes_on(make_app: Any,
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    client = Client(make_app(db=folder))
    instance, page = start(client)
    assert "is a folder, not a file" in page and "continues without saving" in page
    page = send(client, "answer", instance.parts[0].id, instance.parts[0].answer_text)
    assert 'class="verdict correct"' in page
    client.post("/practice/end", {"csrf": client.csrf(page)})
    assert "Not saved." in client.get("/practice/summary").body


def test_ending_early_records_the_part_under_way(client: Client, tmp_path: Path) -> None:
    instance, _ = start(client, count=2)
    send(client, "answer", instance.parts[0].id, "0.999")
    page = client.get("/practice").body
    assert client.post("/practice/end", {"csrf": client.csrf(page)}).status == 303
    summary = client.get("/practice/summary").body
    assert "0 of 1 point<" in summary and "1 of 2 questions answered" in summary
    conn = sqlite3.connect(tmp_path / "progress.sqlite3")
    try:
        rows = conn.execute("SELECT part, outcome FROM parts").fetchall()
    finally:
        conn.close()
    assert rows == [(instance.parts[0].id, "unfinished")]


def test_whats_next_follows_the_schedule(client: Client) -> None:
    from grader.practice.schedule import schedule

    page = client.get("/").body
    seed = int(re.search(r'name="seed" value="(\d+)"', page).group(1))
    expected = [p.template for p in schedule(BANK.ids(), {}, 5, seed)]
    assert re.findall(r"<li><code>([^<]+)</code>", page) == expected
    client.post("/practice/start", {"csrf": client.csrf(page), "mode": "next", "seed": seed,
                                    "count": 2})
    assert f"<code>{expected[0]}</code>" in client.get("/practice").body


def test_topics_choose_the_questions(client: Client) -> None:
    page = client.get("/").body
    client.post("/practice/start", {"csrf": client.csrf(page), "mode": "choose",
                                    "topic": ["dropout"], "count": 3})
    assert "· dropout</p>" in client.get("/practice").body
    bad = client.post("/practice/start", {"csrf": client.csrf(page), "topic": ["nope"]})
    assert bad.status == 400


# --------------------------------------------------------------------------- the bank


def test_the_bank_lists_every_template_by_topic(client: Client) -> None:
    page = client.get("/bank").body
    for template_id in BANK.ids():
        assert f'href="/bank/{template_id}"' in page
    assert page.count("<h2") == len(BANK.topics())


def test_a_template_page_shows_key_mistakes_hints_and_figures(client: Client) -> None:
    instance = generate(BANK.get(CM), 3)
    page = client.get(f"/bank/{CM}?seed=3").body
    for part in instance.parts:
        key = html.escape(readable_answer(part.type, part.answer_text))
        assert f'<code class="key">{key}</code>' in page
        for m in part.mistakes:
            shown = html.escape(readable_answer(part.type, m.answer_text))
            assert f"<code>{m.id}</code>" in page and shown in page
    assert "Validation" in page and "Constraint acceptance" in page
    assert html.escape(instance.parts[0].hints[0], quote=False)[:30] in page
    assert re.search(rf'href="/bank/{CM}\?seed=\d+">Another seed', page)
    assert "Worked solution" in page and "<caption>Parameters</caption>" in page


def test_the_print_view_has_the_instance_with_or_without_the_key(client: Client) -> None:
    instance = generate(BANK.get(CM), 5)
    with_key = client.get(f"/bank/print/{CM}?seed=5").body
    without = client.get(f"/bank/print/{CM}?seed=5&key=0").body
    assert instance.parts[0].answer_text in with_key
    assert instance.parts[0].answer_text not in without
    assert 'class="print-view"' in without and "answer-box" in without


@pytest.mark.parametrize(("feedback", "blocks"), [
    ("Correct.", [("text", "Correct.")]),
    ("Could not read: unexpected 'a'.\n  abc+\n  ^\nGive only the number.",
     [("text", "Could not read: unexpected 'a'."), ("pre", "  abc+\n  ^"),
      ("text", "Give only the number.")]),
    ("Could not read it.\n  55/\n     ^", [("text", "Could not read it."),
                                           ("pre", "  55/\n     ^")]),
])
def test_a_diagnostic_keeps_its_caret_lines_together(feedback: str,
                                                     blocks: list[tuple[str, str]]) -> None:
    from grader.web.practice import feedback_blocks

    assert feedback_blocks(feedback) == blocks


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 8000, {"127.0.0.1:8000", "localhost:8000"}),
    ("::1", 9, {"[::1]:9", "127.0.0.1:9", "localhost:9"}),
    ("192.168.1.20", 8000, {"192.168.1.20:8000"}),
])
def test_the_hosts_a_browser_may_name(host: str, port: int, expected: set[str]) -> None:
    from grader.web.http import allowed_hosts

    assert allowed_hosts(host, port) == expected
