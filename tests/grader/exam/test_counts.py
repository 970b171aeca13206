"""Honest counts after grading: every roster student is graded, blank, ungradable, unreadable
or without a submission, the same in the CLI, ``summary.html`` and ``report.json``; blank and
ungradable rows are left out of the statistics (0 in the gradebook)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.exam.grade import grade_exam
from grader.exam.manifest import load_manifest
from grader.exam.roster import Student
from questionbank.bank import BUILTIN_BANK

from ...helpers import rows_of, write_rows

QUESTIONS = "metrics/confusion-matrix"
COLUMNS = ["Q1.accuracy", "Q1.precision", "Q1.recall", "Q1.f1"]


def right_answers(exam: Path) -> dict[str, list[str]]:
    data = json.loads((exam / "exam.json").read_text(encoding="utf-8"))
    return {s["id"]: [p["answer_text"] for i in s["items"] for p in i["parts"]]
            for s in data["students"]}


def class_of_four(tmp_path: Path) -> Path:
    """a1 right, b2 all blank, c3 hands in nothing, d4's row is ragged."""
    exam = tmp_path / "e"
    generate_exam(exam, roster=[Student(s, s.upper()) for s in ("a1", "b2", "c3", "d4")],
                  seed=2**80, questions=[QUESTIONS], sheets=False)
    exam_id = load_manifest(exam / "exam.json").exam_id
    assert exam_id is not None
    right = right_answers(exam)
    write_rows(tmp_path / "s.csv", [["student", "name", "exam", *COLUMNS],
                                    ["a1", "", exam_id, *right["a1"]],
                                    ["b2", "", exam_id, "", " ", "", ""],
                                    ["d4", "", exam_id, "1"]])
    return exam


def test_blank_rows_are_counted_apart_and_left_out_of_the_statistics(tmp_path: Path) -> None:
    exam = class_of_four(tmp_path)
    result = CliRunner().invoke(cli, ["grade", str(exam / "exam.json"), str(tmp_path / "s.csv"),
                                      "--out", str(tmp_path / "g"), "--no-pages"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Graded 1 of 4 students (1 blank, 1 unreadable, "
                                    f"1 no submission) into {tmp_path / 'g'}/\n")
    assert "line 3 (b2): blank: every answer is blank (0 points; left out of the statistics)" \
        in result.output
    book = {r[0]: r for r in rows_of(tmp_path / "g" / "gradebook.csv")}
    assert book["b2"][-5:] == ["0", "4", "0", "blank", ""], "still 0 in the gradebook"
    assert book["c3"][-2] == "no-submission" and book["d4"][-2] == "malformed-row"
    report: dict[str, Any] = json.loads((tmp_path / "g" / "report.json").read_text("utf-8"))
    assert report["class_counts"] == {"graded": 1, "blank": 1, "ungradable": 0,
                                      "unreadable": 1, "no-submission": 1}
    stats = report["statistics"]
    assert (stats["n"], stats["mean"], stats["small_sample"]) == (1, 100.0, True)
    assert stats["left_out"] == ["blank", "ungradable"]
    assert {p["n"] for p in stats["parts"]} == {1}
    assert {p["difficulty"] for p in stats["parts"]} == {1.0}, "the blank row is not a 0"
    summary = (tmp_path / "g" / "summary.html").read_text(encoding="utf-8")
    assert ("Class summary · 4 students:\n1 graded · 1 blank · 0 ungradable · 1 unreadable · "
            "1 no submission</p>") in summary
    assert "<strong>n &lt; 10: statistics unreliable.</strong>" in summary
    assert "<td>1*</td>" in summary and "* n &lt; 10: statistics unreliable." in summary
    assert {p["small_sample"] for p in stats["parts"]} == {True}
    assert "<p>No submission from 1 student: c3.</p>" in summary
    assert "Every student&#39;s row was graded" not in summary
    assert "Every student's row was graded" not in summary


def test_a_row_whose_template_cannot_be_loaded_is_ungradable(tmp_path: Path) -> None:
    """An exam of a template from --bank, graded without it: exit 1, with a message."""
    bank = tmp_path / "bank"
    (bank / "mine").mkdir(parents=True)
    shutil.copyfile(BUILTIN_BANK / "metrics" / "confusion-matrix.yaml",
                    bank / "mine" / "cm.yaml")
    made = CliRunner().invoke(cli, ["generate", "--count", "2", "--questions", "mine/cm",
                                    "--bank", str(bank), "--out", str(tmp_path / "e")])
    assert made.exit_code == 0, made.output
    graded = CliRunner().invoke(cli, ["grade", str(tmp_path / "e" / "exam.json"),
                                      str(tmp_path / "e" / "answers.csv"), "--out",
                                      str(tmp_path / "g"), "--no-pages"])
    assert graded.exit_code == 1
    assert graded.output.startswith(f"Graded 0 of 2 students (2 ungradable) into "
                                    f"{tmp_path / 'g'}/\n")
    assert graded.output.endswith(
        "error: 2 students could not be graded fully (a question's template is missing or has "
        "changed; see the lines above and the class report)\n")
    book = {r[0]: r for r in rows_of(tmp_path / "g" / "gradebook.csv")}
    assert book["s001"][-2] == "ungradable"
    report = json.loads((tmp_path / "g" / "report.json").read_text(encoding="utf-8"))
    assert report["statistics"]["n"] == 0 and report["statistics"]["mean"] is None
    again = grade_exam(tmp_path / "e" / "exam.json", tmp_path / "e" / "answers.csv",
                       tmp_path / "g2", feedback_pages=False, bank=None)
    assert again.class_counts["ungradable"] == 2
