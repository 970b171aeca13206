"""``mlquiz export`` through click's CliRunner: the summary lines, warnings for skipped parts,
exit 1 (and no file) when nothing can be exported, and every example of its --help run."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.cli import cli

EXPRESSION_ONLY = """\
title: Only an expression
topic: algebra
tags: [test]
difficulty: 1
version: 1
prompt: Differentiate.
solution: It is 2X.
parts:
  - id: grad
    type: expression
    prompt: The gradient
    answer: "2*X"
    symbols: {X: [2, 2]}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_summary_lines(tmp_path: Path) -> None:
    out = tmp_path / "cm.xml"
    result = run("export", "metrics/confusion-matrix", "gradients/matrix-calculus",
                 "--variants", "5", "--seed", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "metrics/confusion-matrix: 5 variants, 4 parts mapped (accuracy, precision, recall, f1)",
        "gradients/matrix-calculus: 5 variants, 1 part mapped (shape), 1 skipped",
        "  warning: part grad skipped: expression answers have no safe LMS equivalent",
        f"Wrote 10 variants of 2 templates to {out} (moodle, seed 1)",
    ]
    assert out.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')


def test_notes_of_a_format(tmp_path: Path) -> None:
    result = run("export", "dropout/apply-mask", "--variants", "2", "--seed", "3",
                 "--format", "qti", "--out", str(tmp_path / "d.zip"))
    assert result.exit_code == 0, result.output
    assert "  note: part output: the LMS gives credit per entry (mlquiz: all or nothing)" in \
        result.stdout.splitlines()
    assert "  note: one question per answer (part or entry), each answer its own group" in \
        result.stdout


def test_nothing_to_export_is_exit_1_and_no_file(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "only-expression.yaml").write_text(EXPRESSION_ONLY, encoding="utf-8")
    out = tmp_path / "none.gift"
    result = run("export", "only-expression", "--bank", str(bank), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: nothing could be exported to gift: "
                                     "only-expression: grad (expression answers have no safe "
                                     "LMS equivalent)")
    assert not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "x.docx"], "error: choose the format with --format (moodle, qti, gift): "
                          "'x.docx' does not say it"),
    (["metrics/confusion-matrix", "dropout/where", "--param", "tp=3", "--out", "x.xml"],
     "error: --param fixes the parameters of one template: choose exactly one"),
    (["no/such-template", "--out", "x.xml"], "error: "),
    (["--topic", "no-such-topic", "--out", "x.xml"], "error: no templates with topic "
                                                     "'no-such-topic' in the bank"),
])
def test_user_errors_exit_1(args: list[str], message: str, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("export", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(message)
    assert not any(tmp_path.iterdir())


def test_an_unwritable_file_is_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run("export", "metrics/confusion-matrix", "--variants", "1",
                 "--out", str(blocker / "cm.xml"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {blocker / 'cm.xml'}: ")


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    for ext in ("xml", "zip", "gift"):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        for out in (a, b):
            result = run("export", "--topic", "metrics", "--variants", "2", "--seed", "9",
                         "--out", str(out))
            assert result.exit_code == 0, result.output
        assert a.read_bytes() == b.read_bytes()


def test_a_variant_is_shown_again_by_its_seed(tmp_path: Path) -> None:
    """The seed in <idnumber> is the one `mlquiz show` takes: same instance, same answers."""
    out = tmp_path / "cm.xml"
    assert run("export", "metrics/confusion-matrix", "--variants", "2", "--seed", "4",
               "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    idnumber = re.findall(r"<idnumber>metrics/confusion-matrix:(\d+)</idnumber>", text)[1]
    shown = json.loads(run("show", "metrics/confusion-matrix", "--seed", idnumber,
                           "--format", "json").stdout)
    question = next(q for q in text.split("<question ") if f":{idnumber}</idnumber>" in q)
    first_gap = re.findall(r"\{1:NUMERICAL:=([-0-9.e]+):", question)[0]
    # graded to 3 significant figures: the gap is the middle of the accepted window, the key
    # rounded to 3 figures
    assert float(first_gap) == float(f"{shown['parts'][0]['answer']:.3g}")


def test_help_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    help_text = run("export", "--help").stdout
    examples = [line.strip() for line in help_text.split("Examples:")[1].splitlines()
                if line.strip().startswith("mlquiz export")]
    assert len(examples) == 3
    for example in examples:
        args = shlex.split(example)[1:]
        result = run(*args)
        assert result.exit_code == 0, (example, result.output)
        assert Path(args[args.index("--out") + 1]).stat().st_size > 0


def test_listed_in_mlquiz_help() -> None:
    assert re.search(r"^\s+export\s+Export question pools", run("--help").stdout, re.M)
