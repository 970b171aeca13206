"""Fixtures of the judge's tests: the mixed template of `check_cases` (every answer type the
built-in bank does not use yet), loaded from a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from questionbank import generate
from questionbank.bank import load_bank
from questionbank.instance import Instance

from .check_cases import MIXED_TEMPLATE


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bank")
    (folder / "mixed.yaml").write_text(MIXED_TEMPLATE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mixed(mixed_dir: Path) -> Instance:
    """The mixed template with n = 4."""
    template = load_bank([mixed_dir], builtin=False, use_env=False).get("mixed")
    return generate(template, 5, {"n": 4})
