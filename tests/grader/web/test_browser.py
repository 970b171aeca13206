"""`mlquiz serve` in a real browser: Playwright for Python driving Debian's chromium.

Never ``playwright install`` (it downloads browsers): the tests use the system's chromium.
They run in CI (.ci/run installs chromium); elsewhere they are skipped, with the reason, only
when chromium or playwright is missing. Screenshots go to a temporary folder (printed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from questionbank.instance import generate

from ...helpers import browser_missing, launched_browser
from .helpers import BANK, Server, child_env

CM = "metrics/confusion-matrix"
MISSING = browser_missing("browser")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}", file=sys.stderr)
    return folder


@pytest.fixture
def page(browser: Any, shots: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    tab = context.new_page()
    tab.shots = shots
    tab.problems = []  # CSP violations, script errors, dialogs: a page must have none
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(m.text))
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))

    def dialog(d: Any) -> None:
        tab.problems.append(f"dialog: {d.message}")
        d.dismiss()

    tab.on("dialog", dialog)
    yield tab
    context.close()


def start_template(page: Any, server: Server, template: str = CM) -> Any:
    """Start a one-question run of `template`; the instance the page asks."""
    page.goto(server.url)
    page.screenshot(path=str(page.shots / "start.png"), full_page=True)
    page.select_option("#template", template)
    page.fill("#choose-count", "1")
    page.get_by_role("button", name="Start").click()
    meta = page.locator("p.meta", has_text="seed").first.inner_text()
    seed = int(re.search(r"seed (\d+)", meta).group(1))
    return generate(BANK.get(template), seed)


def assert_focus(page: Any, element_id: str) -> None:
    """The element `element_id` gets the focus (``autofocus`` applies once the page is
    loaded, which on a busy machine may be after Playwright's click returns: wait for it)."""
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id",
                           arg=element_id, timeout=10_000)


def submit(page: Any, part: str, text: str) -> Any:
    page.fill(f"#answer-{part}", text)
    page.locator(f"#part-{part} button", has_text="Submit").click()
    return page.locator(f"#part-{part}")


def test_practice_right_wrong_unreadable_hint_solution_summary(
        page: Any, server: Server, shots: Path) -> None:
    instance = start_template(page, server)
    accuracy, precision, recall, _f1 = instance.parts
    source = page.content()
    for part in instance.parts:
        assert part.answer_text not in source, "the key reached the browser"
    assert_focus(page, f"answer-{accuracy.id}")
    assert "Answer as a number" in page.locator(f"#notation-{accuracy.id}").inner_text()

    mistake = accuracy.mistakes[0]
    block = submit(page, accuracy.id, mistake.answer_text)
    verdict = block.locator(".verdict.incorrect")
    assert "Incorrect" in verdict.inner_text()
    assert mistake.feedback.split(".")[0].replace("*", "") in verdict.inner_text()

    block = submit(page, accuracy.id, "55/")
    diagnostic = block.locator("pre.diagnostic").inner_text().splitlines()
    assert "  55/" in diagnostic and "     ^" in diagnostic
    assert_focus(page, f"answer-{accuracy.id}")

    block = submit(page, accuracy.id, accuracy.answer_text)
    assert "Correct" in block.locator(".verdict").inner_text()
    assert_focus(page, f"answer-{precision.id}")

    page.locator(f"#part-{precision.id} button", has_text="Hint 1").click()
    assert precision.hints[0].replace("*", "")[:30] in page.locator(
        f"#part-{precision.id} .hints").inner_text()

    block = submit(page, precision.id, "<script>alert(1)</script>")
    assert block.locator("code.answer-text").inner_text() == "<script>alert(1)</script>"
    page.screenshot(path=str(shots / "practice.png"), full_page=True)

    page.locator(f"#part-{precision.id} button", has_text="Show the solution").click()
    assert precision.answer_text in page.locator(f"#part-{precision.id} .outcome").inner_text()

    assert_focus(page, f"answer-{recall.id}")
    page.keyboard.type(recall.answer_text)  # the focus is on recall's input: Enter submits
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#part-{recall.id} .verdict.correct")
    page.get_by_role("button", name=re.compile("Finish")).click()

    summary = page.locator("main").inner_text()
    # accuracy was right on try 2: 0.75 credit, as in the terminal (0.25 off per wrong try)
    assert "Score: 1.75 of 4 points (44%)" in summary
    assert re.search(r"metrics\s+1.75 / 4\s+44%", summary)
    assert mistake.feedback.split(".")[0].replace("*", "") in summary
    page.screenshot(path=str(shots / "summary.png"), full_page=True)
    assert page.problems == []

    report = subprocess.run(
        [sys.executable, "-m", "grader", "progress", "--json", "--db", str(server.db)],
        capture_output=True, text=True, env=child_env(), check=True)
    saved = json.loads(report.stdout)
    assert saved["sessions"] >= 1 and any(t["topic"] == "metrics" for t in saved["topics"])


def test_the_bank_shows_a_key_and_a_mistake(page: Any, server: Server, shots: Path) -> None:
    page.goto(server.url + "bank")
    page.get_by_role("link", name=BANK.get(CM).title).click()
    page.fill("#seed", "11")
    page.get_by_role("button", name="Show").click()
    instance = generate(BANK.get(CM), 11)
    part = instance.parts[1]
    section = page.locator(f"#part-{part.id}")
    assert section.locator("code.key").inner_text() == part.answer_text
    row = section.locator("table.mistakes tr", has_text=part.mistakes[0].id)
    assert part.mistakes[0].answer_text in row.inner_text()
    assert part.mistakes[0].feedback.split(".")[0].replace("*", "") in row.inner_text()
    assert "ok" in page.locator("dl.figures").inner_text()
    page.screenshot(path=str(shots / "bank.png"), full_page=True)
    page.get_by_role("link", name="Another seed").click()
    assert not page.url.endswith("seed=11") and page.input_value("#seed") != "11"
    page.get_by_role("link", name="Print view").click()
    assert page.locator("button.print-button").is_visible()  # the script ran under the CSP
    assert page.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_phone_sized_page_does_not_scroll_sideways(browser: Any, server: Server,
                                                     shots: Path, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740},
                                  color_scheme=scheme, is_mobile=True)
    tab = context.new_page()
    try:
        tab.goto(server.url)
        tab.select_option("#template", "gradients/matrix-calculus")
        tab.get_by_role("button", name="Start").click()
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        tab.screenshot(path=str(shots / f"phone-{scheme}.png"), full_page=True)
        background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(255, 255, 255)") == (scheme == "light")
    finally:
        context.close()


def test_every_input_has_a_label(page: Any, server: Server) -> None:
    start_template(page, server, "dropout/apply-mask")
    unlabelled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.id || e.name)""")
    assert unlabelled == []
