"""Batch grading (`grader.exam.grade`): rows, stored keys and rebuilt questions, reports and
feedback pages.

Golden file: ``tests/grader/exam/golden/exam-feedback.html`` pins one student's feedback page
at a fixed seed. After an intended change, regenerate it with

    MLQUIZ_UPDATE_GOLDEN=1 python -m pytest tests/grader/exam/test_grade.py -p no:cacheprovider

and review the diff before committing.
"""

from __future__ import annotations

import csv
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.exam.grade import PARALLEL_PAGES_FROM, default_jobs, grade_exam
from grader.exam.identity import PLACEHOLDER, seal
from grader.exam.roster import Student
from grader.files import atomic_write_bytes, json_chunks, student_stem
from questionbank.bank import BUILTIN_BANK, load_bank
from questionbank.errors import InputError

from ...helpers import check_golden as compare_golden

GOLDEN = Path(__file__).parent / "golden"
QUESTIONS = "gradients/layer-shapes,metrics/confusion-matrix"
COLUMNS = ["Q1.dW", "Q1.db", "Q1.dX", "Q2.accuracy", "Q2.precision", "Q2.recall", "Q2.f1"]


def check_golden(name: str, text: str) -> None:
    """Compare `text` with ``golden/NAME`` (`tests.helpers.check_golden`)."""
    compare_golden(GOLDEN / name, text)


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three students x (layer shapes, confusion matrix), and their right answers."""
    out = tmp_path_factory.mktemp("batch") / "exam"
    generate_exam(out, roster=[Student("a1", "Ann"), Student("b2", "Bob"), Student("c3", "Cy")],
                  seed=77, questions=[QUESTIONS], formats=["md"])
    manifest = json.loads((out / "exam.json").read_text(encoding="utf-8"))
    right = {s["id"]: {f"Q{i['number']}.{p['id']}": p["answer_text"] for i in s["items"]
                       for p in i["parts"]} for s in manifest["students"]}
    return {"dir": out, "manifest": manifest, "right": right}


def sealed(manifest: dict[str, Any]) -> str:
    """An edited manifest sealed with its content hash, as generate writes one (these tests
    change stored keys on purpose, to see that grading checks them against the templates)."""
    return seal("".join(json_chunks({**manifest, "content_hash": PLACEHOLDER})))[0]


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def gradebook(out: Path) -> dict[str, list[str]]:
    rows = list(csv.reader((out / "gradebook.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0][:2] == ["student", "name"] and rows[0][-1] == "overridden"
    return {r[0]: r[2:-1] for r in rows[1:]}  # without the name and the overridden parts


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def parts_of(out: Path, student: str) -> dict[str, dict[str, Any]]:
    s = next(s for s in report(out)["students"] if s["id"] == student)
    return {p["column"]: p for i in s["items"] for p in i["parts"]}


# --------------------------------------------------------------------------- grading


def test_json_and_yaml_submissions_grade_like_csv(exam: dict[str, Any], tmp_path: Path) -> None:
    right = exam["right"]
    records = [{"student": "a1", **right["a1"]}, {"student": "b2", **right["b2"],
                                                 "Q2.accuracy": "NO"}]
    (tmp_path / "s.json").write_text(json.dumps(records), encoding="utf-8")
    yaml_text = "".join(
        f"- student: {r['student']}\n" + "".join(f"  {k}: '{v}'\n" for k, v in r.items()
                                                 if k != "student") for r in records)
    (tmp_path / "s.yaml").write_text(yaml_text, encoding="utf-8")
    write_csv(tmp_path / "s.csv", [["student", *COLUMNS]] + [
        [r["student"], *(r[c] for c in COLUMNS)] for r in records])
    books = {}
    for ext in ("json", "yaml", "csv"):
        grade_exam(exam["dir"] / "exam.json", tmp_path / f"s.{ext}", tmp_path / ext,
                   feedback_pages=False)
        books[ext] = gradebook(tmp_path / ext)
    assert books["json"] == books["yaml"] == books["csv"]
    assert books["csv"]["a1"][-4:] == ["7", "7", "100", "graded"]
    assert books["csv"]["b2"][3] == "0"
    assert parts_of(tmp_path / "yaml", "b2")["Q2.accuracy"]["status"] == "invalid"
    assert books["csv"]["c3"][-1] == "no-submission"


def test_duplicates_unknown_and_missing_students(exam: dict[str, Any], tmp_path: Path) -> None:
    right = exam["right"]
    rows = [["student", *COLUMNS],
            ["a1", *(right["a1"][c] for c in COLUMNS)],
            ["b2", *(["1"] * 7)],
            ["a1", *(["0"] * 7)],
            ["zed", *(["1"] * 7)],
            ["  ", *(["1"] * 7)],
            ["b2", *(right["b2"][c] for c in COLUMNS)]]
    write_csv(tmp_path / "s.csv", rows)
    result = grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out",
                        feedback_pages=False)
    assert [(r.line, r.student, r.status) for r in result.rows] == [
        (2, "a1", "superseded"), (3, "b2", "superseded"), (4, "a1", "graded"),
        (5, "zed", "unknown-student"), (6, None, "missing-student"), (7, "b2", "graded")]
    assert result.rows[0].message == "a later row for this student (line 4) counts instead"
    assert result.rows[3].message == "this student is not in the exam's roster"
    assert result.rows[4].message == "the student cell is blank"
    book = gradebook(tmp_path / "out")
    assert book["a1"][-4:] == ["0", "7", "0", "graded"], "the last row counts, even if worse"
    assert book["b2"][-4:] == ["7", "7", "100", "graded"]
    assert book["zed"][-1] == "unknown-student"
    assert result.counts == {"graded": 2, "missing-student": 1, "superseded": 2,
                             "unknown-student": 1}


def test_missing_columns_count_as_blank(exam: dict[str, Any], tmp_path: Path) -> None:
    right = exam["right"]["a1"]
    write_csv(tmp_path / "s.csv", [["student", *COLUMNS[:-1]],
                                   ["a1", *(right[c] for c in COLUMNS[:-1])]])
    result = grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out",
                        feedback_pages=False)
    assert result.notes[-1] == "the file has no column for Q2.f1: those answers count as blank"
    assert [(r.status, r.message) for r in result.rows] == [
        ("missing-columns", "no column for Q2.f1 (counted as blank)")]
    f1 = parts_of(tmp_path / "out", "a1")["Q2.f1"]
    assert (f1["status"], f1["feedback"]) == ("blank",
                                              "No answer: the submission has no column Q2.f1.")
    assert gradebook(tmp_path / "out")["a1"][-4:] == ["6", "7", "85.71", "missing-columns"]


def copy_template(folder: Path, template_id: str, old: str, new: str) -> Path:
    source = (BUILTIN_BANK / f"{template_id}.yaml").read_text(encoding="utf-8")
    assert old in source
    target = folder / f"{template_id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("old", "new", "status", "message"), [
    ("version: 2", "version: 3", "key-changed",
     "template gradients/layer-shapes is now version 3, the exam was made with version 2; not "
     "graded against a different key (restore that version with --bank and --allow-override "
     "to grade it)"),
    ('answer: "[n_out, n_in]"', 'answer: "[n_in, n_out]"', "key-changed",
     "part dW: the template now gives the answer '{swapped}', the exam's key says '{stored}'; "
     "not graded against a different key"),
])
@pytest.mark.parametrize("pages", [True, False])
def test_changed_templates_are_not_graded_against_a_new_key(
        exam: dict[str, Any], tmp_path: Path, old: str, new: str, status: str,
        message: str, pages: bool) -> None:
    """Also without feedback pages, where right answers are judged from the stored key: the
    rebuilt first item of each template shows that the template changed."""
    bank = load_bank([copy_template(tmp_path / "bank", "gradients/layer-shapes", old, new)],
                     use_env=False, allow_override=True)
    right = exam["right"]["a1"]
    write_csv(tmp_path / "s.csv", [["student", *COLUMNS], ["a1", *(right[c] for c in COLUMNS)]])
    result = grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out",
                        bank=bank, feedback_pages=pages)
    stored = right["Q1.dW"]
    swapped = "x".join(reversed(stored.split("x")))
    message = message.format(stored=stored, swapped=swapped)
    assert [(r.status, r.message) for r in result.rows] == [("incomplete", f"Q1: {message}")]
    data = report(tmp_path / "out")
    assert data["questions_not_graded"] == [{"number": 1, "template": "gradients/layer-shapes",
                                             "status": status, "message": message}]
    parts = parts_of(tmp_path / "out", "a1")
    assert {parts[c]["status"] for c in COLUMNS[:3]} == {"ungraded"}
    assert {parts[c]["status"] for c in COLUMNS[3:]} == {"correct"}
    assert gradebook(tmp_path / "out")["a1"] == ["", "", "", "1", "1", "1", "1", "4", "7",
                                                 "57.14", "incomplete"]
    assert message in (tmp_path / "out" / "summary.html").read_text("utf-8").replace("&#39;",
                                                                                      "'")
    if not pages:
        assert not (tmp_path / "out" / "feedback").exists()
        return
    page = (tmp_path / "out" / "feedback" / f"{student_stem('a1')}.html").read_text("utf-8")
    assert "This question was not graded: template" in page or \
        "This question was not graded: part dW" in page


@pytest.mark.parametrize("stored_mistakes", [True, False], ids=["mistakes", "old-manifest"])
def test_a_stored_key_is_checked_when_a_wrong_answer_needs_the_template(
        exam: dict[str, Any], tmp_path: Path, stored_mistakes: bool) -> None:
    """Without pages a right answer is judged from the stored key alone; explaining a wrong
    one with a declared mistake (any wrong one, for a manifest stored without the mistakes)
    rebuilds the question, and a key that no longer matches is reported, not used."""
    manifest = json.loads(json.dumps(exam["manifest"]))
    part = manifest["students"][1]["items"][1]["parts"][0]  # b2's accuracy
    mistaken = repr(float(part["mistakes"][0][1]))
    if not stored_mistakes:
        for student in manifest["students"]:
            for item in student["items"]:
                for stored in item["parts"]:
                    del stored["mistakes"]
        mistaken = "0"
    part["answer"], part["answer_text"] = 0.5, "0.5"
    path = tmp_path / "exam.json"
    path.write_text(sealed(manifest), encoding="utf-8")
    right = exam["right"]["b2"]
    rows = [["student", *COLUMNS], ["a1", *(exam["right"]["a1"][c] for c in COLUMNS)],
            ["b2", *(right[c] for c in COLUMNS)]]
    rows[2][4] = "0.5"  # b2 gives the (edited) stored key
    write_csv(tmp_path / "right.csv", rows)
    grade_exam(path, tmp_path / "right.csv", tmp_path / "fast", feedback_pages=False)
    assert parts_of(tmp_path / "fast", "b2")["Q2.accuracy"]["status"] == "correct"
    grade_exam(path, tmp_path / "right.csv", tmp_path / "full", feedback_pages=False,
               verify_keys=True)
    assert parts_of(tmp_path / "full", "b2")["Q2.accuracy"]["status"] == "ungraded"

    rows[2][4] = mistaken  # a wrong answer to explain: the rebuilt question shows the change
    write_csv(tmp_path / "wrong.csv", rows)
    grade_exam(path, tmp_path / "wrong.csv", tmp_path / "out", feedback_pages=False)
    items = next(s for s in report(tmp_path / "out")["students"] if s["id"] == "b2")["items"]
    assert [(i["template"], i["status"]) for i in items] == [
        ("gradients/layer-shapes", "graded"), ("metrics/confusion-matrix", "key-changed")]
    assert items[1]["message"].startswith("part accuracy: the template now gives the answer")
    assert {p["status"] for p in items[1]["parts"]} == {"ungraded"}
    assert gradebook(tmp_path / "out")["a1"][-1] == "graded"


STORED_KEY_QUESTIONS = ("metrics/confusion-matrix,dropout/inverted,gradients/matrix-calculus,"
                        "optimizers/adam,fitting/diagnose,gradients/vanishing")


def test_grading_from_stored_keys_gives_the_same_files_as_rebuilding(tmp_path: Path) -> None:
    """The fast path (verdicts from the stored keys, questions rebuilt only to explain) and
    rebuilding every question give byte-identical gradebooks, reports and summaries, over
    every answer type and a mix of right, mistaken, wrong, blank and unreadable answers."""
    from questionbank import generate

    generate_exam(tmp_path / "exam", count=40, seed=3, questions=[STORED_KEY_QUESTIONS],
                  sheets=False)
    manifest = json.loads((tmp_path / "exam" / "exam.json").read_text(encoding="utf-8"))
    columns = [p["column"] for q in manifest["questions"] for p in q["parts"]]
    rows = [["student", *columns]]
    for n, student in enumerate(manifest["students"]):
        cells = []
        for item in student["items"]:
            instance = generate(item["template"], item["seed"], item["params"])
            for k, stored in enumerate(item["parts"]):
                mistakes = instance.part(stored["id"]).mistakes
                cells.append([stored["answer_text"], "0", "", "x y z", "[1, 2",
                              f"{stored['answer']}", "-" + stored["answer_text"],
                              mistakes[0].answer_text if mistakes else "B",
                              mistakes[-1].answer_text if mistakes else "A, C"][(n + k) % 9])
        rows.append([student["id"], *cells])
    write_csv(tmp_path / "answers.csv", rows)
    for student in manifest["students"]:  # an exam.json made before mistakes were stored
        for item in student["items"]:
            for stored in item["parts"]:
                stored.pop("mistakes", None)
    (tmp_path / "old.json").write_text(sealed(manifest), encoding="utf-8")
    for exam, verify, out in ((tmp_path / "exam" / "exam.json", False, "fast"),
                              (tmp_path / "exam" / "exam.json", True, "verify"),
                              (tmp_path / "old.json", False, "old")):
        grade_exam(exam, tmp_path / "answers.csv", tmp_path / out, feedback_pages=False,
                   verify_keys=verify)
    for name in ("gradebook.csv", "report.json", "summary.html"):
        assert (tmp_path / "fast" / name).read_bytes() == \
            (tmp_path / "verify" / name).read_bytes(), name
        assert (tmp_path / "old" / name).read_bytes() == \
            (tmp_path / "verify" / name).read_bytes(), name
    lines = (tmp_path / "fast" / "report.json").read_text(encoding="utf-8").splitlines()
    students = lines[lines.index('  "students": [') + 1:-2]
    assert len(students) == 40
    for line in students:  # written without sorting again: built with sorted keys
        entry = line.strip().rstrip(",")
        assert entry == json.dumps(json.loads(entry), sort_keys=True, ensure_ascii=False,
                                   separators=(", ", ": "))
    statuses = {p["status"] for s in report(tmp_path / "fast")["students"]
                for i in s["items"] for p in i["parts"]}
    assert statuses == {"correct", "incorrect", "invalid", "blank"}
    mistakes = {p["mistake"] for s in report(tmp_path / "fast")["students"]
                for i in s["items"] for p in i["parts"]}
    assert len(mistakes) > 10


def test_the_manifest_stores_the_declared_mistakes_of_parts_graded_from_the_key(
        tmp_path: Path) -> None:
    """Each number, vector and shape part of exam.json lists its mistakes' ids and answers,
    as the rebuilt instance has them; choice and expression parts (always rebuilt) do not."""
    from questionbank import generate

    generate_exam(tmp_path, count=3, seed=8, questions=[STORED_KEY_QUESTIONS], sheets=False)
    manifest = json.loads((tmp_path / "exam.json").read_text(encoding="utf-8"))
    seen = set()
    for student in manifest["students"]:
        for item in student["items"]:
            instance = generate(item["template"], item["seed"], item["params"])
            for stored in item["parts"]:
                seen.add(stored["type"])
                if stored["type"] in ("choice", "choices", "expression"):
                    assert "mistakes" not in stored
                    continue
                part = instance.part(stored["id"])
                assert stored["mistakes"] == [[m.id, m.answer]
                                              for m in part.mistakes]
    assert seen >= {"number", "vector", "shape", "choice", "expression"}


def test_only_answers_matching_a_stored_mistake_rebuild_the_question(
        exam: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong answer that no stored mistake explains is judged from the key alone; one that
    matches a stored mistake rebuilds its question once, for the mistake's feedback."""
    from grader.exam.manifest import Item
    from grader.exam.rebuild import Rebuilder

    rebuilt: list[tuple[str, int]] = []
    original = Rebuilder.rebuild

    def counting(self: Rebuilder, item: Item) -> Any:
        rebuilt.append((item.template, item.seed))
        return original(self, item)

    monkeypatch.setattr(Rebuilder, "rebuild", counting)
    accuracy = exam["manifest"]["students"][2]["items"][1]["parts"][0]  # c3's accuracy
    mistake_id, mistake_answer = accuracy["mistakes"][0]
    rows = [["student", *COLUMNS]]
    for sid in ("a1", "b2", "c3"):
        answers = {c: "0" for c in COLUMNS} | {"Q1.dW": "7x7", "Q2.f1": "42"}
        if sid == "c3":
            answers["Q2.accuracy"] = repr(float(mistake_answer))
        rows.append([sid, *(answers[c] for c in COLUMNS)])
    write_csv(tmp_path / "s.csv", rows)
    grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out",
               feedback_pages=False)
    first = {i["template"]: i["seed"] for i in exam["manifest"]["students"][0]["items"]}
    c3 = exam["manifest"]["students"][2]["items"][1]
    assert sorted(rebuilt) == sorted([*first.items(), (c3["template"], c3["seed"])])
    graded = parts_of(tmp_path / "out", "c3")["Q2.accuracy"]
    assert (graded["status"], graded["mistake"]) == ("incorrect", mistake_id)
    assert parts_of(tmp_path / "out", "b2")["Q2.f1"]["status"] == "incorrect"


@pytest.mark.parametrize("student", [0, 2], ids=["first-item", "later-item"])
def test_stored_mistakes_that_the_template_no_longer_gives_are_not_used(
        exam: dict[str, Any], tmp_path: Path, student: int) -> None:
    """A stored mistake edited (or changed in the template since the exam was made) is not
    trusted: the item is graded from the rebuilt question, as `verify_keys` grades it."""
    manifest = json.loads(json.dumps(exam["manifest"]))
    accuracy = manifest["students"][student]["items"][1]["parts"][0]
    accuracy["mistakes"][0] = ["made-up", 0.125]
    (tmp_path / "exam.json").write_text(sealed(manifest), encoding="utf-8")
    rows = [["student", *COLUMNS]]
    for sid in ("a1", "b2", "c3"):
        rows.append([sid, *(("0.125" if c == "Q2.accuracy" else exam["right"][sid][c])
                            for c in COLUMNS)])
    write_csv(tmp_path / "s.csv", rows)
    for verify in (False, True):
        grade_exam(tmp_path / "exam.json", tmp_path / "s.csv", tmp_path / f"out-{verify}",
                   feedback_pages=False, verify_keys=verify)
    for name in ("gradebook.csv", "report.json", "summary.html"):
        assert (tmp_path / "out-False" / name).read_bytes() == \
            (tmp_path / "out-True" / name).read_bytes(), name
    sid = ("a1", "b2", "c3")[student]
    graded = parts_of(tmp_path / "out-False", sid)["Q2.accuracy"]
    assert graded["status"] == "incorrect"
    assert graded["mistake"] != "made-up"
    assert gradebook(tmp_path / "out-False")[sid][-1] == "graded"


def test_stored_params_are_used_when_the_random_stream_changed(exam: dict[str, Any],
                                                              tmp_path: Path) -> None:
    """Simulate a numpy upgrade: the seed now samples other params than the stored ones, so
    the question is rebuilt from the stored params (and graded against the stored key)."""
    manifest = json.loads(json.dumps(exam["manifest"]))
    item = manifest["students"][0]["items"][0]
    item["params"] = {"batch": 32, "n_in": 784, "n_out": 10}
    for part, text, dims in (("dW", "10x784", [10, 784]), ("db", "10", [10]),
                             ("dX", "32x784", [32, 784])):
        stored = next(p for p in item["parts"] if p["id"] == part)
        stored.update(answer=dims, answer_text=text)
    (tmp_path / "exam.json").write_text(sealed(manifest), encoding="utf-8")
    right = {**exam["right"]["a1"], "Q1.dW": "10 x 784", "Q1.db": "10", "Q1.dX": "(32, 784)"}
    write_csv(tmp_path / "s.csv", [["student", *COLUMNS], ["a1", *(right[c] for c in COLUMNS)]])
    grade_exam(tmp_path / "exam.json", tmp_path / "s.csv", tmp_path / "out",
               feedback_pages=False)
    assert gradebook(tmp_path / "out")["a1"][-4:] == ["7", "7", "100", "graded"]


CHOICE_TEMPLATE = """\
title: Pick the right statement
topic: custom
version: 1
params:
  n: {type: int, min: 2, max: 9}
prompt: "Which statement about n = {{ n }} is right?"
solution: "n is {{ n }}."
parts:
  - id: pick
    type: choice
    prompt: Pick one
    options:
      - {id: right, text: "n = {{ n }}", correct: true, feedback: "Yes."}
      - {id: plus, text: "n = {{ n + 1 }}", correct: false, feedback: "One too many."}
      - {id: minus, text: "n = {{ n - 1 }}", correct: false, feedback: "One too few."}
      - {id: double, text: "n = {{ 2 * n }}", correct: false, feedback: "Doubled."}
"""


def test_shuffled_options_grade_against_the_sheet(tmp_path: Path) -> None:
    """The option order printed on a sheet is the one the grader uses."""
    (tmp_path / "bank" / "custom").mkdir(parents=True)
    (tmp_path / "bank" / "custom" / "pick.yaml").write_text(CHOICE_TEMPLATE, encoding="utf-8")
    bank = load_bank([tmp_path / "bank"], use_env=False)
    generate_exam(tmp_path / "exam", count=12, seed=5, questions=["custom/pick"], bank=bank,
                  formats=["md"])
    manifest = json.loads((tmp_path / "exam" / "exam.json").read_text(encoding="utf-8"))
    letters = [s["items"][0]["parts"][0]["answer_text"] for s in manifest["students"]]
    assert len(set(letters)) > 1, "the options are shuffled per student"
    sheet = (tmp_path / "exam" / "sheets" / f"{student_stem('s001')}.md").read_text("utf-8")
    n = manifest["students"][0]["items"][0]["params"]["n"]
    assert f"- **{letters[0]})** n = {n}\n" in sheet
    write_csv(tmp_path / "s.csv", [["student", "Q1.pick"],
                                   *([s["id"], f"({letter.lower()})"] for s, letter
                                     in zip(manifest["students"], letters, strict=True))])
    grade_exam(tmp_path / "exam" / "exam.json", tmp_path / "s.csv", tmp_path / "out",
               bank=bank, feedback_pages=False)
    assert {row[-1] for row in gradebook(tmp_path / "out").values()} == {"graded"}
    assert {row[-2] for row in gradebook(tmp_path / "out").values()} == {"100"}


def test_missing_template_is_reported(exam: dict[str, Any], tmp_path: Path) -> None:
    bank = load_bank([tmp_path], builtin=False, use_env=False)
    right = exam["right"]["a1"]
    write_csv(tmp_path / "s.csv", [["student", *COLUMNS], ["a1", *(right[c] for c in COLUMNS)]])
    result = grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out",
                        bank=bank, feedback_pages=False)
    assert result.rows[0].status == "ungradable", "no question could be graded"
    assert "Q1: template gradients/layer-shapes cannot be loaded (no template " \
           "'gradients/layer-shapes' in the bank" in result.rows[0].message
    assert "add its folder with --bank to grade this question" in result.rows[0].message
    assert gradebook(tmp_path / "out")["a1"][-4:] == ["0", "7", "0", "ungradable"]
    assert result.class_counts == {"graded": 0, "blank": 0, "ungradable": 1, "unreadable": 0,
                                   "no-submission": 2}


def test_an_internal_error_in_one_answer_does_not_stop_the_batch(
        exam: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.exam.grade

    real = grader.exam.grade.check_key

    def flaky(key: Any, text: str, seed: int, rules: Any = None) -> Any:
        if text == "boom":
            raise RuntimeError("simulated bug")
        return real(key, text, seed, rules)

    monkeypatch.setattr(grader.exam.grade, "check_key", flaky)
    right = exam["right"]
    write_csv(tmp_path / "s.csv", [
        ["student", *COLUMNS],
        ["a1", "boom", *(right["a1"][c] for c in COLUMNS[1:])],
        ["b2", *(right["b2"][c] for c in COLUMNS)]])
    grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out",
               feedback_pages=False)
    bad = parts_of(tmp_path / "out", "a1")["Q1.dW"]
    assert (bad["status"], bad["feedback"]) == (
        "error", "This answer could not be graded because of an internal error in mlquiz "
                 "(RuntimeError); please report it.")
    book = gradebook(tmp_path / "out")
    assert book["a1"][-4:] == ["6", "7", "85.71", "graded"]
    assert book["b2"][-4:] == ["7", "7", "100", "graded"]


def test_outputs_are_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "gradebook.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask, "the usual permissions, not 0600"


def test_golden_feedback_page(exam: dict[str, Any], tmp_path: Path) -> None:
    """One student's feedback page with a right answer, a declared mistake, a percentage
    without its sign, an unreadable answer, HTML and a blank (see the module docstring)."""
    right = exam["right"]["a1"]
    answers = dict(right)
    answers["Q1.dW"] = "x".join(reversed(right["Q1.dW"].split("x")))
    answers["Q1.db"] = "<b>12</b>"
    answers["Q2.accuracy"] = f"{float(Fraction(right['Q2.accuracy'])) * 100:.4g}"
    answers["Q2.precision"] = ""
    write_csv(tmp_path / "s.csv", [["student", *COLUMNS], ["a1", *(answers[c] for c in COLUMNS)]])
    grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path / "out")
    page = (tmp_path / "out" / "feedback" / f"{student_stem('a1')}.html").read_text("utf-8")
    assert "&lt;b&gt;12&lt;/b&gt;" in page and "<b>12</b>" not in page
    assert "It looks like a percentage without its % sign" in page
    check_golden("exam-feedback.html", page)


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(("args", "code", "message"), [
    (["missing.json", "s.csv"], 1, "error: missing.json: cannot read the exam manifest"),
    (["bad.json", "s.csv"], 1, "error: bad.json:2: not valid JSON"),
    (["other.json", "s.csv"], 1, 'error: other.json: not an mlquiz exam manifest (no "format": '
                                 '"mlquiz-exam")'),
    (["future.json", "s.csv"], 1, "error: future.json: format version 99 is newer than this "
                                  "mlquiz reads (1); upgrade mlquiz"),
    (["short.json", "s.csv"], 1, "error: short.json: students[0]: 1 items, but the exam has 2 "
                                 "questions"),
    (["noseed.json", "s.csv"], 1, "error: noseed.json: students[0].items[0]: missing 'seed'"),
    (["EXAM", "missing.csv"], 1, "error: missing.csv: cannot read the submissions"),
    (["EXAM", "s.csv", "--jobs", "0"], 2, "0 is not in the range"),
    (["EXAM"], 2, "Missing argument 'SUBMISSIONS'"),
])
def test_grade_cli_errors(exam: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          args: list[str], code: int, message: str) -> None:
    runner = CliRunner()
    manifest = exam["manifest"]
    monkeypatch.chdir(tmp_path)
    Path("bad.json").write_text("{\n  oops\n}", encoding="utf-8")
    Path("other.json").write_text('{"students": []}', encoding="utf-8")
    Path("future.json").write_text(json.dumps({**manifest, "format_version": 99}),
                                   encoding="utf-8")
    short = json.loads(json.dumps(manifest))
    short["students"][0]["items"].pop()
    Path("short.json").write_text(json.dumps(short), encoding="utf-8")
    noseed = json.loads(json.dumps(manifest))
    del noseed["students"][0]["items"][0]["seed"]
    Path("noseed.json").write_text(json.dumps(noseed), encoding="utf-8")
    Path("s.csv").write_text("student\n", encoding="utf-8")
    args = [str(exam["dir"] / "exam.json") if a == "EXAM" else a for a in args]
    result = runner.invoke(cli, ["grade", *args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("rows", "pages", "runnable", "jobs"), [
    (PARALLEL_PAGES_FROM - 1, True, 1, 1),
    (PARALLEL_PAGES_FROM, True, 1, 8),  # at most 8
    (PARALLEL_PAGES_FROM, True, 10, 3),  # 12 processors, 9 other tasks running: this one + 2
    (PARALLEL_PAGES_FROM, True, 13, 1),  # a busy machine
    (100_000, False, 1, 1),  # without pages a row costs too little
])
def test_default_jobs(monkeypatch: pytest.MonkeyPatch, rows: int, pages: bool, runnable: int,
                      jobs: int) -> None:
    """Without --jobs, big classes with feedback pages get a worker per idle processor (at
    most 8), everything else one process."""
    from grader.exam import forks

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(12)), raising=False)
    monkeypatch.setattr(forks, "_runnable_tasks", lambda: runnable)
    assert default_jobs(rows, pages) == jobs


def test_grade_api_rejects_zero_jobs(exam: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--jobs must be at least 1, got 0"):
        grade_exam(exam["dir"] / "exam.json", tmp_path / "s.csv", tmp_path, jobs=0)
