"""Helpers shared by several test modules: golden files, the questions a practice session
with a given seed asks, and the headless Chromium of the browser and printing tests."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from grader.practice.schedule import PlannedQuestion, schedule
from grader.practice.session import bank_loader
from questionbank.bank import load_bank

BANK = load_bank(use_env=False)
LOAD = bank_loader(BANK)


def check_golden(path: Path, text: str) -> None:
    """Compare `text` with the golden file at `path`; rewrite it when MLQUIZ_UPDATE_GOLDEN=1."""
    if os.environ.get("MLQUIZ_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with MLQUIZ_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), \
        f"{path.name} differs from its golden file (MLQUIZ_UPDATE_GOLDEN=1 rewrites it)"


def rows_of(path: Path) -> list[list[str]]:
    """The rows of a CSV file (answers.csv, gradebook.csv)."""
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    """Write `rows` as a CSV file; the path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def planned(templates: Sequence[str], count: int, seed: int) -> tuple[PlannedQuestion, ...]:
    return schedule(list(templates), {}, count, seed)


def instances(templates: Sequence[str], count: int, seed: int) -> list[Any]:
    """The instances a session with this seed and no history asks, in order."""
    return [LOAD(p) for p in planned(templates, count, seed)]


def answers(instance: Any) -> list[str]:
    return [p.answer_text for p in instance.parts]


def mistake(instance: Any, part_id: str, mistake_id: str) -> str:
    return next(m.answer_text for m in instance.part(part_id).mistakes if m.id == mistake_id)


#: Debian's chromium, driven by Playwright for Python (never `playwright install`).
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: The Debian package of each other tool a browser test may need.
_DEBIAN = {"pdftotext": "poppler-utils"}


def browser_missing(what: str, *tools: str) -> str | None:
    """Why the `what` tests (browser, printing) cannot run here, or None. In CI (.ci/run
    installs everything) a missing piece is an error, not a skip."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason: str | None = "playwright is not installed (pip install -e '.[test]')"
    else:
        reason = None if CHROMIUM else \
            "Debian's chromium is not installed (apt-get install chromium)"
    for tool in tools:
        if reason is None and shutil.which(tool) is None:
            reason = f"{tool} is not installed (apt-get install {_DEBIAN[tool]})"
    if reason and os.environ.get("CI") == "true":
        raise RuntimeError(f"{what} tests cannot run in CI: {reason}")
    return reason


def launched_browser() -> Iterator[Any]:
    """A headless Chromium for a module's tests (use with ``yield from`` in a fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
