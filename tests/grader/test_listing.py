"""`mlquiz list` and the generated bank documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.listing import bank_markdown
from questionbank.bank import load_bank

ROOT = Path(__file__).resolve().parents[2]
BANK = load_bank(use_env=False)
TOPICS = sorted({t.topic for t in BANK.templates()})


def test_docs_bank_md_is_up_to_date() -> None:
    """docs/bank.md is exactly what `python -m grader.listing` prints for the built-in bank."""
    assert (ROOT / "docs" / "bank.md").read_text(encoding="utf-8") == bank_markdown(BANK), \
        "regenerate it: python -m grader.listing > docs/bank.md"


def test_every_template_is_documented() -> None:
    text = (ROOT / "docs" / "bank.md").read_text(encoding="utf-8")
    for template_id in BANK:
        assert f"### `{template_id}`" in text


@pytest.mark.parametrize("topic", TOPICS)
def test_list_topic(topic: str) -> None:
    result = CliRunner().invoke(cli, ["list", "--topic", topic, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {r["topic"] for r in rows} == {topic}
    assert {r["id"] for r in rows} == {t.id for t in BANK.templates([topic])}


def test_list_covers_the_course_topics() -> None:
    """Every topic of the course notes has templates (issue 5)."""
    assert {"metrics", "fitting", "gradients", "regularization", "dropout", "optimization",
            "optimizers"} <= set(TOPICS)


def test_list_text_and_unknown_topic() -> None:
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0
    assert "metrics/confusion-matrix" in result.output
    empty = CliRunner().invoke(cli, ["list", "--topic", "astrology"])
    assert empty.exit_code == 0
    assert "no templates match" in empty.output


def test_list_with_extra_bank(tmp_path: Path) -> None:
    """--bank adds a folder; a template there with a built-in id replaces the built-in one
    only with --allow-override; without it, the two files are named in an error."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    source = (ROOT / "questionbank" / "bank" / "metrics" / "confusion-matrix.yaml").read_text()
    mine = folder / "confusion-matrix.yaml"
    mine.write_text(source.replace("title: Accuracy, precision", "title: My accuracy, precision"))
    (folder / "copy.yaml").write_text(source)
    refused = CliRunner().invoke(cli, ["list", "--json", "--bank", str(tmp_path)])
    assert refused.exit_code == 1
    assert refused.output == (
        "error: template id 'metrics/confusion-matrix' is in two packs: "
        f"bank/metrics/confusion-matrix.yaml (builtin) and {mine} ({tmp_path}); rename one, or "
        "pass --allow-override to let the later replace the earlier\n")
    result = CliRunner().invoke(cli, ["list", "--json", "--bank", str(tmp_path),
                                      "--allow-override"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert "metrics/copy" in rows
    assert rows["metrics/confusion-matrix"]["title"].startswith("My accuracy")
    assert rows["metrics/confusion-matrix"]["pack"] == rows["metrics/copy"]["pack"] == \
        str(tmp_path)
    assert rows["metrics/count-confusion"]["pack"] == "builtin"
