"""Tests for ``mlquiz check`` (DESIGN.md sections 4 and 5): through click's CliRunner on
`grader.cli.cli`, and once as a real ``python -m grader`` process.

The verdict is in the output, never in the exit code (0 for correct, incorrect and invalid);
user mistakes (an unknown template, part or parameter) exit 1 with one line on stderr; usage
errors exit 2.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from grader.cli import cli

NOTES = ["--param", "tp=80", "--param", "fp=80", "--param", "fn=20", "--param", "tn=820"]
F1 = ["check", "metrics/confusion-matrix", "--seed", "1", "--part", "f1", *NOTES]


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def run_json(*args: str, input: str | None = None) -> dict[str, object]:
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def assert_contract(data: dict[str, object]) -> None:
    """The keys and types of DESIGN.md section 5."""
    assert {"status", "score", "correct", "feedback", "mistake"} <= set(data)
    assert data["status"] in ("correct", "incorrect", "invalid")
    assert isinstance(data["score"], float) and 0.0 <= data["score"] <= 1.0
    assert isinstance(data["correct"], bool)
    assert data["correct"] is (data["status"] == "correct")
    assert isinstance(data["feedback"], str) and data["feedback"]
    assert data["mistake"] is None or isinstance(data["mistake"], str)


@pytest.mark.parametrize(("answer", "status", "score", "mistake"), [
    ("8/13", "correct", 1.0, None),
    ("0.615", "correct", 1.0, None),
    ("61.5%", "correct", 1.0, None),
    ("61.5", "incorrect", 0.0, "percent-without-sign"),
    ("0.65", "incorrect", 0.0, "arithmetic-mean"),
    ("-0.615", "incorrect", 0.0, "sign-error"),
    ("0,615", "invalid", 0.0, None),
])
def test_notes_example_as_json(answer: str, status: str, score: float,
                               mistake: str | None) -> None:
    """The course notes' F1 = 8/13 (TP 80, FP 80, FN 20, TN 820), fixed with --param; the
    answer goes after '--' so that a negative number is not read as an option."""
    data = run_json(*F1, "--json", "--", answer)
    assert_contract(data)
    assert (data["status"], data["score"], data["mistake"]) == (status, score, mistake)


def test_percent_without_sign_feedback() -> None:
    data = run_json(*F1, "--json", "--", "61.5")
    assert data["feedback"] == (
        "It looks like a percentage without its % sign: 61.5 means 61.5, not 0.615. Write it as "
        "a fraction or decimal (0.615) or add the sign (61.5%).")


def test_show_answer_adds_the_exact_answer() -> None:
    data = run_json(*F1, "--json", "--show-answer", "--", "0.7")
    assert data["answer_text"] == "8/13"
    assert "answer_text" not in run_json(*F1, "--json", "--", "0.7")


def test_text_output() -> None:
    result = run(*F1, "--show-answer", "--", "61.5")
    assert result.exit_code == 0
    assert result.stdout == (
        "Incorrect · f1 · score 0\n"
        "  Your answer: 61.5\n"
        "  It looks like a percentage without its % sign: 61.5 means 61.5, not 0.615. Write it "
        "as a fraction or decimal (0.615) or add the sign (61.5%).\n"
        "  [mistake: percent-without-sign]\n"
        "  Reference answer: 8/13\n")
    assert "\x1b" not in result.stdout  # not a terminal: no colour


def test_several_words_are_joined() -> None:
    assert run_json(*F1, "--json", "--", "8", "/", "13")["status"] == "correct"


@pytest.mark.parametrize(("stdin", "status"), [("8/13\n", "correct"), ("0.7\n", "incorrect"),
                                               ("", "invalid")])
def test_answer_from_stdin(stdin: str, status: str) -> None:
    data = run_json(*F1, "--json", input=stdin)
    assert data["status"] == status


def test_no_answer_on_stdin_is_invalid() -> None:
    data = run_json(*F1, "--json", input="")
    assert data["feedback"] == "No answer was given."


def test_negative_answer_without_double_dash_is_a_usage_error() -> None:
    result = run(*F1, "-0.615")
    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_single_part_template_needs_no_part() -> None:
    data = run_json("check", "gradients/shape", "--seed", "3", "--param", "n=3", "--param",
                    "m=4", "--json", "--", "3 by 4")
    assert data["status"] == "correct"


def test_multi_part_template_needs_part() -> None:
    result = run("check", "metrics/confusion-matrix", "--seed", "1", "--", "8/13")
    assert result.exit_code == 2
    assert ("Error: metrics/confusion-matrix has several parts; choose one with --part "
            "(accuracy, precision, recall, f1)") in result.stderr


def test_unknown_template_suggests_close_ids() -> None:
    result = run("check", "metrics/confusion-matrx", "--seed", "1", "--part", "f1", "--", "1")
    assert result.exit_code == 1
    # the closest id first; others may follow as the bank grows
    assert result.stderr.startswith("error: no template 'metrics/confusion-matrx' in the bank; "
                                    "did you mean metrics/confusion-matrix")
    assert result.stderr.endswith("?\n") and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_unknown_template_without_close_ids() -> None:
    result = run("check", "nothing/like-this-at-all", "--", "1")
    assert result.exit_code == 1
    assert result.stderr == ("error: no template 'nothing/like-this-at-all' in the bank "
                             "(run 'mlquiz list' to see the ids)\n")


def test_unknown_part() -> None:
    result = run("check", "metrics/confusion-matrix", "--seed", "1", "--part", "f2", "--", "1")
    assert result.exit_code == 1
    assert result.stderr == ("error: metrics/confusion-matrix has no part 'f2' (parts: accuracy, "
                             "precision, recall, f1)\n")


def test_unknown_param() -> None:
    result = run(*F1, "--param", "bogus=1", "--", "1")
    assert result.exit_code == 1
    assert result.stderr == ("error: metrics/confusion-matrix has no parameter 'bogus' "
                             "(parameters: tp, fp, fn, tn, label, orientation)\n")


def test_param_without_value_is_a_usage_error() -> None:
    result = run(*F1, "--param", "tp", "--", "1")
    assert result.exit_code == 2
    assert "Invalid value for --param: expected NAME=VALUE, got 'tp'" in result.stderr


@pytest.mark.parametrize(("template", "part", "answer", "status"), [
    ("dropout/apply-mask", "output", "[2, 0, 0, 4.5]", "incorrect"),
    ("gradients/layer-shapes", "dW", "99999999x99999999", "incorrect"),
    ("gradients/matrix-calculus", "grad", "__import__('os').system('id')", "invalid"),
    ("metrics/confusion-matrix", "f1", "<script>alert(1)</script>", "invalid"),
])
def test_exit_zero_whatever_the_verdict(template: str, part: str, answer: str,
                                        status: str) -> None:
    data = run_json("check", template, "--seed", "2", "--part", part, "--json", "--", answer)
    assert_contract(data)
    assert data["status"] == status


def test_check_as_a_process() -> None:
    """The command line as a process (``python -m grader``, as the console script runs it),
    end to end: JSON on stdout, exit code 0."""
    proc = subprocess.run([sys.executable, "-m", "grader", *F1, "--json", "--", "-0.615"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert_contract(data)
    assert (data["status"], data["mistake"]) == ("incorrect", "sign-error")
    assert data["feedback"] == "The size is right but the sign is wrong."
