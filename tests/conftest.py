"""Fixtures shared by the test suite.

The tests never see an instructor's ``MLQUIZ_BANK``: the built-in bank is what they pin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _no_instructor_bank() -> Iterator[None]:
    """Run every test without the ``MLQUIZ_BANK`` folders of whoever runs the suite."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLQUIZ_BANK", raising=False)
        yield


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """An empty instructor bank folder."""
    folder = tmp_path / "bank"
    folder.mkdir()
    return folder


@pytest.fixture
def load_template_text(bank_dir: Path) -> Callable[..., object]:
    """Write YAML text as ``<bank_dir>/<name>.yaml`` and load it through `load_bank(...).get`.

    Returns the validated `Template`; validation errors propagate as `TemplateError`.
    """
    from questionbank.bank import load_bank

    def load(text: str, name: str = "t") -> object:
        path = bank_dir / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return load_bank([bank_dir], builtin=False, use_env=False).get(name)

    return load
