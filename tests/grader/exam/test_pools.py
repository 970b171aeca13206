"""Question pools (`grader.exam.pools`, ``generate --pool IDS --pick K`` and ``--pool-topic``):
balanced, reproducible per-student draws; union columns; grading students with different
questions."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.exam.grade import grade_exam
from grader.exam.manifest import load_manifest
from grader.exam.pools import PoolSpec
from grader.exam.roster import Student
from questionbank.errors import InputError

POOL = ("dropout/apply-mask", "dropout/inverted", "gradients/layer-shapes", "gradients/shape",
        "metrics/confusion-matrix", "metrics/count-confusion", "optimizers/momentum")


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def picked(manifest: Path, first: int = 1) -> dict[str, list[str]]:
    """Each student's templates from question `first` on."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {s["id"]: [i["template"] for i in s["items"][first - 1:]] for s in data["students"]}


def test_a_pool_for_60_students_uses_every_template_within_one_of_the_mean(
        tmp_path: Path) -> None:
    generate_exam(tmp_path / "e", count=60, seed=2**70, sheets=False,
                  pools=[PoolSpec(3, ids=(",".join(POOL),))])
    draws = picked(tmp_path / "e" / "exam.json")
    assert all(len(set(t)) == 3 for t in draws.values()), "K different templates each"
    uses = Counter(t for templates in draws.values() for t in templates)
    assert set(uses) == set(POOL)
    mean = 60 * 3 / len(POOL)
    assert all(abs(n - mean) <= 1 for n in uses.values()), uses
    manifest = load_manifest(tmp_path / "e" / "exam.json")
    assert [q.number for q in manifest.questions] == [1, 2, 3]
    assert set(manifest.templates) == set(POOL)


def test_the_draw_depends_on_the_seed_and_the_class_not_the_roster_order(
        tmp_path: Path) -> None:
    roster = [Student(f"x{i}", "") for i in range(12)]
    spec = [PoolSpec(2, ids=(",".join(POOL[:5]),))]
    generate_exam(tmp_path / "a", roster=roster, seed=2**70, sheets=False, pools=spec)
    generate_exam(tmp_path / "b", roster=roster[::-1], seed=2**70, sheets=False, pools=spec)
    generate_exam(tmp_path / "c", roster=roster, seed=2**70 + 1, sheets=False, pools=spec)
    a, b = picked(tmp_path / "a" / "exam.json"), picked(tmp_path / "b" / "exam.json")
    assert a == b
    assert a != picked(tmp_path / "c" / "exam.json")


def test_each_student_gets_as_many_topics_as_the_pool_allows(tmp_path: Path) -> None:
    pool = "dropout/apply-mask,dropout/inverted,metrics/confusion-matrix,metrics/count-confusion"
    generate_exam(tmp_path / "e", count=20, seed=2**70, sheets=False,
                  pools=[PoolSpec(2, ids=(pool,))])
    for templates in picked(tmp_path / "e" / "exam.json").values():
        assert sorted(t.split("/")[0] for t in templates) == ["dropout", "metrics"]


def test_fixed_questions_come_first_and_options_pair_in_order(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [
        "generate", "--count", "4", "--seed", "77", "--questions", "gradients/shape",
        "--pool-topic", "optimizers", "--pick", "1",
        "--pool", "dropout/apply-mask,dropout/inverted", "--pick", "2",
        "--format", "md", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert "x 4 questions" in result.output
    for templates in picked(tmp_path / "e" / "exam.json").values():
        assert templates[0] == "gradients/shape"
        assert templates[1].startswith("optimizers/")
        assert sorted(templates[2:]) == ["dropout/apply-mask", "dropout/inverted"]
    header = read_csv(tmp_path / "e" / "answers.csv")[0]
    q2 = [c for c in header if c.startswith("Q2.")]
    assert q2 == ["Q2.m", "Q2.v", "Q2.w_new", "Q2.optimizer", "Q2.statements", "Q2.s"], \
        "the union of the pool's parts, in the pool's id order"
    assert not (tmp_path / "e" / "sample-answers.csv").exists()


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--pool", "dropout/inverted"], 2,
     "Error: give one --pick K for each --pool or --pool-topic (got 1 pool and 0 --pick)"),
    (["--pool", "dropout/inverted", "--pick", "2"], 1,
     "error: --pick 2 for the pool dropout/inverted: pick from 1 to 1 (its number of "
     "templates)"),
    (["--pool-topic", "nope", "--pick", "1"], 1, "error: "),
])
def test_pool_option_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(cli, ["generate", "--count", "2", *args, "--out",
                                      str(tmp_path / "e")])
    assert result.exit_code == code
    assert message in result.output


def test_an_empty_pool_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^--pool needs template ids, comma-separated \(e\.g\. "
                       r"--pool dropout/inverted,gradients/shape --pick 1\)$"):
        generate_exam(tmp_path / "e", count=2, sheets=False, pools=[PoolSpec(1, ids=(",",))])


def test_students_with_different_questions_are_graded_each_on_their_own(
        tmp_path: Path) -> None:
    """Cells of another template's parts are ignored; max and statistics are per student
    and per template."""
    pool = "dropout/apply-mask,metrics/confusion-matrix"
    generate_exam(tmp_path / "e", count=6, seed=2**70, sheets=False,
                  pools=[PoolSpec(1, ids=(pool,))])
    data: dict[str, Any] = json.loads((tmp_path / "e" / "exam.json").read_text("utf-8"))
    rows = read_csv(tmp_path / "e" / "answers.csv")
    header = rows[0]
    for row, student in zip(rows[1:], data["students"], strict=True):
        item = student["items"][0]
        for part in item["parts"]:
            row[header.index(f"Q1.{part['id']}")] = part["answer_text"]
        for k in range(3, len(header)):
            if not row[k]:
                row[k] = "junk"  # another template's column: ignored
    with (tmp_path / "s.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    report = grade_exam(tmp_path / "e" / "exam.json", tmp_path / "s.csv", tmp_path / "g")
    assert report.class_counts["graded"] == 6
    book = {r[0]: r for r in read_csv(tmp_path / "g" / "gradebook.csv")}
    for student in data["students"]:
        parts = student["items"][0]["parts"]
        top = sum(p["points"] for p in parts)
        assert book[student["id"]][-5:-2] == [f"{top:g}", f"{top:g}", "100"], student["id"]
    stats = json.loads((tmp_path / "g" / "report.json").read_text("utf-8"))["statistics"]
    labels = [p["column"] for p in stats["parts"]]
    assert labels == ["Q1.output (dropout/apply-mask)",
                      "Q1.accuracy (metrics/confusion-matrix)",
                      "Q1.precision (metrics/confusion-matrix)",
                      "Q1.recall (metrics/confusion-matrix)",
                      "Q1.f1 (metrics/confusion-matrix)"]
    assert [p["n"] for p in stats["parts"]] == [3, 3, 3, 3, 3]
