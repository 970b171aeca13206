"""Hostile submissions and manifests (issue 11): every case is a real file graded by the
command line; each asserts the verdict of the bad row or cell, its message, that every other
row is graded as usual, and a time bound.

The exam: students a1, b2, c3 x one question (metrics/confusion-matrix, parts accuracy,
precision, recall, f1), made once per module.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.exam.roster import Student

COLUMNS = ["Q1.accuracy", "Q1.precision", "Q1.recall", "Q1.f1"]
SECONDS = 20.0  # the runaway bound of one grading run (the real figure is far below)


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("hostile") / "exam"
    generate_exam(out, roster=[Student("a1", "Ann"), Student("b2", "Bob"), Student("c3", "Cy")],
                  seed=5, questions=["metrics/confusion-matrix"], sheets=False)
    manifest = json.loads((out / "exam.json").read_text(encoding="utf-8"))
    right = {s["id"]: [p["answer_text"] for i in s["items"] for p in i["parts"]]
             for s in manifest["students"]}
    return {"dir": out, "manifest": manifest, "right": right}


def grade(exam: dict[str, Any], path: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    """Grade `path` with the CLI (no pages); the result and report.json."""
    out = path.parent / "graded"
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["grade", str(exam["dir"] / "exam.json"), str(path),
                                      "--out", str(out), "--no-pages", *extra])
    assert time.perf_counter() - started < SECONDS
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return result, report


def row_of(exam: dict[str, Any], sid: str, answers: list[str] | None = None) -> str:
    return ",".join([sid, *(answers or exam["right"][sid])])


def student(report: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in report["students"] if s["id"] == sid)


def parts(report: dict[str, Any], sid: str) -> list[dict[str, Any]]:
    return [p for i in student(report, sid)["items"] for p in i["parts"]]


HEADER = "student," + ",".join(COLUMNS)


# --------------------------------------------------------------------------- CSV rows


def test_an_oversized_quoted_cell_cannot_smuggle_rows(exam: dict[str, Any], tmp_path: Path
                                                      ) -> None:
    """b2's quoted answer, bigger than Python csv's field limit, holds a forged row for a1
    after a1's real (wrong) row: it stays b2's one too-long answer; a1 keeps their own row."""
    forged = row_of(exam, "a1")
    cell = '"' + "x" * 200_000 + "\n" + forged + "\n" + "y" * 10 + '"'
    path = tmp_path / "answers.csv"
    path.write_text("\n".join([HEADER, row_of(exam, "a1", ["0", "0", "0", "0"]),
                               ",".join(["b2", cell, *exam["right"]["b2"][1:]]),
                               row_of(exam, "c3")]) + "\n", encoding="utf-8")
    _, report = grade(exam, path)
    assert [(r["line"], r["student"], r["status"]) for r in report["rows"]] == [
        (2, "a1", "graded"), (3, "b2", "graded"), (6, "c3", "graded")]
    assert student(report, "a1")["total"] == 0
    first = parts(report, "b2")[0]
    assert (first["status"], first["feedback"]) == (
        "invalid", f"The answer is too long ({len(cell) - 2} characters; at most 100000).")
    assert [p["status"] for p in parts(report, "b2")[1:]] == ["correct"] * 3
    assert student(report, "c3")["percent"] == 100


def test_an_unbalanced_quote_is_reported_on_its_line_and_the_next_rows_are_graded(
        exam: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("\n".join([HEADER, row_of(exam, "a1"), 'b2,"0.5,1,1,1',
                               row_of(exam, "c3")]) + "\n", encoding="utf-8")
    result, report = grade(exam, path)
    assert [(r["line"], r["student"], r["status"]) for r in report["rows"]] == [
        (2, "a1", "graded"), (3, None, "malformed-row"), (4, "c3", "graded")]
    message = "unreadable CSV: the quote that opens a cell on line 3 is never closed"
    assert report["rows"][1]["message"] == message
    assert f"line 3: malformed-row: {message}" in result.output
    assert student(report, "c3")["percent"] == 100


def test_text_after_a_closing_quote_is_reported(exam: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("\n".join([HEADER, 'a1,"0.5"x,1,1,1', row_of(exam, "c3")]) + "\n",
                    encoding="utf-8")
    _, report = grade(exam, path)
    assert report["rows"][0]["message"] == ("unreadable CSV: a quoted cell must be followed "
                                            "by ',' or the end of the line (line 2)")
    assert report["rows"][1]["status"] == "graded"


# --------------------------------------------------------------------------- cells


@pytest.mark.parametrize(("answer", "message", "shown"), [
    ("0.5\x00", "The answer holds a control character (U+0000) at character 4, which cannot "
                "be part of an answer; type it again as plain text.", "0.5\\u0000"),
    ("\x1b[2J1", "The answer holds a control character (U+001B) at character 1, which "
                 "cannot be part of an answer; type it again as plain text.", "\\u001b[2J1"),
    ("\ud800", "The answer holds an unpaired surrogate (U+D800) at character 1, which "
               "cannot be part of an answer; type it again as plain text.", "\\ud800"),
    ([[[[1]]]] * 0 or "[" * 40 + "]" * 40, "The answer is nested deeper than 32 levels.", ""),
])
def test_a_bad_cell_is_that_answers_problem_only(exam: dict[str, Any], tmp_path: Path,
                                                 answer: str, message: str, shown: str
                                                 ) -> None:
    """JSON (one line: every record on line 1), so that any character can be sent; the bad
    cell is invalid, the student's other parts and the other students are graded."""
    records = [dict(zip(["student", *COLUMNS], [sid, *exam["right"][sid]], strict=True))
               for sid in ("a1", "b2", "c3")]
    records[1]["Q1.accuracy"] = json.loads(answer) if answer.startswith("[") else answer
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(records), encoding="utf-8")  # ensure_ascii: "\ud800" escaped
    _, report = grade(exam, path)
    first = parts(report, "b2")[0]
    assert (first["status"], first["feedback"], first["answer"]) == ("invalid", message,
                                                                    shown)
    assert [p["status"] for p in parts(report, "b2")[1:]] == ["correct"] * 3
    assert [student(report, s)["percent"] for s in ("a1", "c3")] == [100, 100]
    gradebook = (tmp_path / "graded" / "gradebook.csv").read_bytes()
    assert b"\x00" not in gradebook and b"\x1b" not in gradebook
    gradebook.decode("utf-8")


def test_a_bad_student_id_is_a_malformed_row_shown_escaped(exam: dict[str, Any],
                                                           tmp_path: Path) -> None:
    records = [{"student": "\x1b[2J", "Q1.f1": "1"}, {"student": "a1", "Q1.f1": "1"},
               {"student": "\ud800x", "Q1.f1": "1"}]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result, report = grade(exam, path)
    assert [(r["record"], r["status"]) for r in report["rows"]] == [
        (1, "malformed-row"), (2, "missing-columns"), (3, "malformed-row")]
    assert report["rows"][0]["message"] == (
        "the student cell cannot be an id: it holds a control character (U+001B) at character "
        "1 ('\\u001b[2J')")
    assert report["rows"][2]["message"].endswith("an unpaired surrogate (U+D800) at character "
                                                 "1 ('\\ud800x')")
    assert "\x1b" not in result.output
    assert "record 1 (line 1): malformed-row: the student cell cannot be an id" in result.output


def test_minified_json_names_each_record(exam: dict[str, Any], tmp_path: Path) -> None:
    """Every record is on line 1: each row is still reported and graded on its own."""
    records: list[Any] = [
        {"student": "a1", **dict(zip(COLUMNS, exam["right"]["a1"], strict=True))}, 5,
        {"student": "b2", "Q1.f1": "1", "Q1.f1 ": "2"},
        {"student": "c3", **dict(zip(COLUMNS, exam["right"]["c3"], strict=True))}]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(records, separators=(",", ":")), encoding="utf-8")
    result, report = grade(exam, path)
    assert [(r["line"], r.get("record"), r["status"]) for r in report["rows"]] == [
        (1, 1, "graded"), (1, 2, "malformed-row"), (1, 3, "malformed-row"),
        (1, 4, "graded")]
    assert "Graded 2 of 3 students (1 unreadable)" in result.output
    assert "record 2 (line 1): malformed-row: the record is not a JSON object" in \
        result.output


def test_json_record_nested_too_deeply_for_the_decoder(exam: dict[str, Any], tmp_path: Path
                                                       ) -> None:
    deep = '{"student": "b2", "Q1.f1": ' + "[" * 5000 + "]" * 5000 + "}"
    path = tmp_path / "answers.json"
    path.write_text(f'[{deep},\n{{"student": "c3", "Q1.f1": "{exam["right"]["c3"][3]}"}}]',
                    encoding="utf-8")
    _, report = grade(exam, path)
    assert [(r["record"], r["status"], r["message"]) for r in report["rows"]] == [
        (1, "malformed-row", "the record is nested deeper than 32 levels"),
        (2, "missing-columns", "no column for Q1.accuracy, Q1.precision, Q1.recall "
                               "(counted as blank)")]


def test_yaml_nested_too_deeply_is_refused_with_its_line(exam: dict[str, Any],
                                                         tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("- student: a1\n  Q1.f1: " + "[" * 3000 + "]" * 3000 + "\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", str(exam["dir"] / "exam.json"), str(path),
                                      "--out", str(tmp_path / "g"), "--no-pages"])
    assert result.exit_code == 1
    assert result.output == f"error: {path}:2: a value is nested deeper than 32 levels\n"


# --------------------------------------------------------------------------- columns


@pytest.mark.parametrize(("header", "message"), [
    ("student,Q1.f1,Q1.f1", ":1: the header repeats the column 'Q1.f1'"),
    ("student,Q1.f1,total", ":1: the column 'total' is one that gradebook.csv writes (total, "
                            "max, percent, status): is this a gradebook rather than a "
                            "submissions file?"),
])
def test_reserved_or_repeated_columns_are_refused(exam: dict[str, Any], tmp_path: Path,
                                                  header: str, message: str) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(header + "\na1,1,1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", str(exam["dir"] / "exam.json"), str(path),
                                      "--out", str(tmp_path / "g")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == f"error: {path}{message}\n"
    assert not (tmp_path / "g").exists()


def test_reserved_key_in_json_is_refused(exam: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text('[{"student": "a1"},\n {"student": "b2", "Percent": "9"}]',
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", str(exam["dir"] / "exam.json"), str(path),
                                      "--out", str(tmp_path / "g")])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}:2: record 2: the column 'Percent' is one "
                                    "that gradebook.csv writes")


def test_unknown_columns_and_repeated_students_are_notes(exam: dict[str, Any], tmp_path: Path
                                                         ) -> None:
    extra = [f"x{i}" for i in range(25)]
    path = tmp_path / "answers.csv"
    path.write_text("\n".join([HEADER + "," + ",".join(extra),
                               row_of(exam, "a1") + "," * 25, row_of(exam, "a1") + "," * 25,
                               row_of(exam, "b2") + "," * 25]) + "\n", encoding="utf-8")
    result, report = grade(exam, path)
    assert report["notes"][1:] == [
        "ignored columns that are not part of the exam: " + ", ".join(extra[:20]) +
        " and 5 more",
        "1 student has more than one row: the last row of each counts, the earlier ones are "
        "reported as superseded"]
    assert "  line 2 (a1): superseded: a later row for this student (line 3) counts instead" \
        in result.output


# --------------------------------------------------------------------------- terminal


def test_terminal_output_escapes_stored_text(exam: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(HEADER + "\n\x1b[2Jevil,1,1,1,1\n" + row_of(exam, "a1") + "\n",
                    encoding="utf-8")
    result, _ = grade(exam, path)
    assert "\x1b" not in result.output
    assert "line 2: malformed-row: the student cell cannot be an id: it holds a control " \
           "character (U+001B) at character 1 ('\\u001b[2Jevil')" in result.output


def test_many_problem_rows_are_listed_up_to_a_bound(exam: dict[str, Any], tmp_path: Path
                                                    ) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(HEADER + "\n" + "".join(f"z{i},1,1,1,1\n" for i in range(3000)),
                    encoding="utf-8")
    result, report = grade(exam, path)
    assert len(report["rows"]) == 3000
    assert result.output.count("unknown-student") == 20
    assert "  ... and 2980 more rows not graded: see report.json" in result.output
    summary = (tmp_path / "graded" / "summary.html").read_text(encoding="utf-8")
    assert summary.count("unknown-student</td>") == 200
    assert "2800 more rows are listed in report.json" in summary


# --------------------------------------------------------------------------- manifests


@pytest.mark.parametrize("points", ["NaN", "-90", "Infinity", "1e308"])
def test_manifest_points_must_be_finite_and_not_negative(exam: dict[str, Any], tmp_path: Path,
                                                         points: str) -> None:
    text = (exam["dir"] / "exam.json").read_text(encoding="utf-8")
    bad = tmp_path / "exam.json"
    bad.write_text(re.sub(r'"points": [0-9.]+', f'"points": {points}', text, count=1),
                   encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text(HEADER + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", str(bad), str(answers), "--out",
                                      str(tmp_path / "g")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == (f"error: {bad}: questions[0].parts[0].points: points must be a "
                             f"number from 0 to 1,000,000, got {float(points)!r}\n")


def test_manifest_nested_too_deeply(tmp_path: Path) -> None:
    bad = tmp_path / "exam.json"
    bad.write_text('{"format": "mlquiz-exam", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                   encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("student\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", str(bad), str(answers), "--out",
                                      str(tmp_path / "g")])
    assert result.exit_code == 1
    assert result.output == (f"error: {bad}: not an mlquiz exam manifest: a value is nested "
                             "too deeply\n")
