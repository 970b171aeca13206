"""`mlquiz validate`: the built-in bank passes --strict, and each kind of problem is caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

GOOD = """\
title: Half of x
topic: demo
params:
  x: {type: int, min: 2, max: 400}
prompt: "What is half of {{ x }}?"
parts:
  - id: half
    type: number
    answer: x / 2
    mistakes:
      - {id: doubled, answer: 2 * x, feedback: "You doubled x."}
tests:
  - {params: {x: 10}, expect: {half: 5}}
"""


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.output


def test_builtin_bank_passes_strict() -> None:
    """Every built-in template passes `mlquiz validate --strict` (200 seeds each)."""
    code, out = _run("--strict")
    assert code == 0, out
    assert "0 failed, 0 with warnings (strict)" in out


def test_a_good_template_passes(tmp_path: Path) -> None:
    _write(tmp_path, "demo/half.yaml", GOOD)
    code, out = _run(str(tmp_path), "--seeds", "50", "--strict")
    assert code == 0, out
    assert "demo/half" in out and "1 passed, 0 failed" in out


def test_json_report(tmp_path: Path) -> None:
    _write(tmp_path, "demo/half.yaml", GOOD)
    code, out = _run(str(tmp_path), "--seeds", "20", "--json")
    assert code == 0
    [report] = json.loads(out)
    assert report["id"] == "demo/half" and report["status"] == "ok"
    assert report["generated"] == 20 and report["mistakes_checked"] == 20
    assert 0 < report["acceptance"] <= 1


def test_indistinguishable_mistake_fails(tmp_path: Path) -> None:
    """A mistake equal to the answer on some instances is reported with its seed."""
    _write(tmp_path, "demo/half.yaml", GOOD.replace("answer: 2 * x,", "answer: x / 2 + 0 * x,"))
    code, out = _run(str(tmp_path), "--seeds", "10")
    assert code == 1
    assert "mistake 'doubled'" in out and "within tolerance of the answer" in out


def test_failing_declared_test(tmp_path: Path) -> None:
    _write(tmp_path, "demo/half.yaml", GOOD.replace("expect: {half: 5}", "expect: {half: 6}"))
    code, out = _run(str(tmp_path), "--seeds", "5")
    assert code == 1
    assert "test failed" in out and "expected 6, got 5" in out


def test_lint_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "demo/half.yaml", GOOD.replace("title:", "titel:"))
    code, out = _run(str(path))
    assert code == 1
    assert f"{path}:1: titel: unknown key 'titel'; did you mean 'title'?" in out


def test_unbalanced_choice_is_a_warning_and_strict_fails(tmp_path: Path) -> None:
    """Options that are never shuffled put the right answer in one place: a warning."""
    text = GOOD.replace("tests:", """\
  - id: pick
    type: choice
    shuffle: false
    options:
      - {text: "yes", correct: true}
      - {text: "no"}
tests:""")
    _write(tmp_path, "demo/half.yaml", text)
    code, out = _run(str(tmp_path), "--seeds", "60")
    assert code == 0, out
    assert "unbalanced" in out
    code, out = _run(str(tmp_path), "--seeds", "60", "--strict")
    assert code == 1


def test_never_active_mistake_is_a_warning(tmp_path: Path) -> None:
    text = GOOD.replace('feedback: "You doubled x."}', 'feedback: "You doubled x.", when: x > 999}')
    _write(tmp_path, "demo/half.yaml", text)
    code, out = _run(str(tmp_path), "--seeds", "20", "--strict")
    assert code == 1
    assert "never active" in out


@pytest.mark.parametrize("args", [["/no/such/folder"], ["--template", "nope/none"]])
def test_bad_arguments(args: list[str]) -> None:
    code, out = _run(*args)
    assert code == 1
    assert "error:" in out
