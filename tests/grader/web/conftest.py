"""Fixtures of the web app's tests (the helpers they use are in `helpers`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.web.app import ServeOptions, WebApp

from .helpers import BANK, PORT, Client, Server, start_server, stop_server


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    apps: list[WebApp] = []

    def make(save: bool = True, db: Path | None = None) -> WebApp:
        app = WebApp(ServeOptions(bank=BANK, db=db or tmp_path / "progress.sqlite3",
                                  save=save, host="127.0.0.1", port=PORT))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def client(make_app: Any) -> Client:
    return Client(make_app())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve") / "progress.sqlite3")
    yield running
    if running.process.poll() is None:
        stop_server(running)

