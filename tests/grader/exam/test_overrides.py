"""Manual overrides (`grader.exam.overrides`, ``mlquiz grade --overrides``): applied after
automatic grading, shown everywhere with the comment, errors naming file and line."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.exam.grade import grade_exam
from grader.exam.roster import Student
from grader.files import student_stem
from questionbank.errors import InputError

QUESTIONS = "metrics/confusion-matrix"
COLUMNS = ["Q1.accuracy", "Q1.precision", "Q1.recall", "Q1.f1"]


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """a1 answers everything with 0 (wrong), b2 right, c3 hands in nothing."""
    out = tmp_path_factory.mktemp("ov") / "e"
    generate_exam(out, roster=[Student("a1", "Ann"), Student("b2", "Bob"), Student("c3", "Cy")],
                  seed=2**80, questions=[QUESTIONS], formats=["md"])
    data = json.loads((out / "exam.json").read_text(encoding="utf-8"))
    right = {s["id"]: [p["answer_text"] for i in s["items"] for p in i["parts"]]
             for s in data["students"]}
    write(out / "s.csv", [["student", *COLUMNS], ["a1", "0", "0", "0", "0"],
                          ["b2", *right["b2"]]])
    return out


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def book(out: Path) -> dict[str, list[str]]:
    rows = list(csv.reader((out / "gradebook.csv").read_text(encoding="utf-8").splitlines()))
    return {r[0]: r for r in [rows[0], *rows[1:]]}


def grade(exam: Path, out: Path, overrides: Path | None, pages: bool = True) -> Any:
    return grade_exam(exam / "exam.json", exam / "s.csv", out, feedback_pages=pages,
                      overrides=overrides)


def test_an_override_changes_exactly_the_named_cells(exam: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    grade(exam, plain, None)
    changes = write(tmp_path / "ov.csv", [["student", "part", "points", "comment"],
                                          ["a1", "Q1.f1", "0.5", "Method marks: <b>F1</b> "
                                                                 "formula right"],
                                          ["b2", "Q1.recall", "0", "copied"]])
    out = tmp_path / "out"
    result = grade(exam, out, changes)
    before, after = book(plain), book(out)
    assert after["student"][-1] == "overridden"
    f1, recall = after["student"].index("Q1.f1"), after["student"].index("Q1.recall")
    changed = {(sid, after["student"][k]) for sid in ("a1", "b2", "c3")
               for k in range(len(after[sid])) if after[sid][k] != before[sid][k]}
    assert changed == {("a1", "Q1.f1"), ("a1", "total"), ("a1", "percent"),
                       ("a1", "overridden"), ("b2", "Q1.recall"), ("b2", "total"),
                       ("b2", "percent"), ("b2", "overridden")}
    assert after["a1"][f1] == "0.5" and after["a1"][-1] == "Q1.f1"
    assert after["b2"][recall] == "0" and after["b2"][-1] == "Q1.recall"
    assert result.notes[-1] == f"2 parts overridden by {changes}"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    a1 = next(s for s in report["students"] if s["id"] == "a1")
    part = next(p for i in a1["items"] for p in i["parts"] if p["column"] == "Q1.f1")
    assert part["override"] == {"comment": "Method marks: <b>F1</b> formula right",
                                "automatic": 0.0}
    assert (part["status"], part["earned"]) == ("incorrect", 0.5), "the judge's status stays"
    page = (out / "feedback" / f"{student_stem('a1')}.html").read_text(encoding="utf-8")
    assert ("<dt>Overridden</dt><dd class=\"override\">By your instructor: 0.5 of 1 points "
            "(graded automatically: 0). Method marks: &lt;b&gt;F1&lt;/b&gt; formula right</dd>"
            ) in page
    md = (out / "feedback" / f"{student_stem('a1')}.md").read_text(encoding="utf-8")
    assert "- Overridden by your instructor: 0.5 of 1 points (graded automatically: 0)." in md


def test_regrading_with_the_same_overrides_is_byte_identical(exam: Path,
                                                              tmp_path: Path) -> None:
    changes = write(tmp_path / "ov.csv", [["student", "part", "points"],
                                          ["a1", "Q1.accuracy", "1"]])
    grade(exam, tmp_path / "one", changes, pages=False)
    grade_exam(exam / "exam.json", exam / "s.csv", tmp_path / "two", feedback_pages=False,
               overrides=changes, jobs=2)  # the workers apply them too
    for name in ("gradebook.csv", "report.json", "summary.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.parametrize(("row", "message"), [
    (["zed", "Q1.f1", "1"], "unknown student 'zed' (not in the exam's roster)"),
    (["a1", "Q9.f1", "1"], "unknown part 'Q9.f1' for student 'a1' (parts: Q1.accuracy, "
                           "Q1.precision, Q1.recall, Q1.f1)"),
    (["a1", "Q1.f1", "2"], "2 points is outside [0, 1] for Q1.f1"),
    (["a1", "Q1.f1", "-0.5"], "-0.5 points is outside [0, 1] for Q1.f1"),
    (["a1", "Q1.f1", "1e999"], "points must be a plain number such as 1 or 0.5, got '1e999'"),
    (["a1", "Q1.f1", "nan"], "points must be a plain number such as 1 or 0.5, got 'nan'"),
    (["a1", "Q1.f1", ""], "points must be a plain number such as 1 or 0.5, got ''"),
    (["c3", "Q1.f1", "1"], "student 'c3' has no graded submission to override"),
])
def test_bad_overrides_name_the_file_and_line(exam: Path, tmp_path: Path, row: list[str],
                                              message: str) -> None:
    changes = write(tmp_path / "ov.csv", [["student", "part", "points"],
                                          ["b2", "Q1.f1", "1"], row])
    with pytest.raises(InputError) as caught:
        grade(exam, tmp_path / "out", changes, pages=False)
    assert str(caught.value) == f"{changes}:3: {message}"
    assert not (tmp_path / "out").exists(), "nothing is written"


def test_a_part_overridden_twice_and_a_bad_header(exam: Path, tmp_path: Path) -> None:
    twice = write(tmp_path / "twice.csv", [["student", "part", "points"],
                                           ["a1", "Q1.f1", "1"], ["a1", "Q1.f1", "0"],
                                           ["zed", "Q1.f1", "0"]])
    with pytest.raises(InputError) as caught:
        grade(exam, tmp_path / "out", twice, pages=False)
    assert str(caught.value) == (f"{twice}:3: a1 Q1.f1 is overridden already on line 2\n"
                                 f"{twice}:4: unknown student 'zed' (not in the exam's roster)")
    header = write(tmp_path / "header.csv", [["id", "column", "score"]])
    result = CliRunner().invoke(cli, ["grade", str(exam / "exam.json"), str(exam / "s.csv"),
                                      "--overrides", str(header), "--no-pages", "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output == (f"error: {header}:1: the header needs the columns student, part, "
                             "points (and optionally comment); found 'id', 'column', 'score'\n")
