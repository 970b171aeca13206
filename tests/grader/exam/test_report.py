"""The gradebook, statistics and summary page of a big class made by a forked process while
this one makes ``report.json`` (`grader.exam.report._in_background`): the same bytes, and a
failed child's work redone here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grader.exam import forks, report
from grader.exam.generate import generate_exam
from grader.exam.grade import grade_exam
from grader.exam.roster import Student

pytestmark = pytest.mark.skipif(not forks.can_fork(), reason="forked processes on Linux only")


@pytest.fixture(scope="module")
def graded_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    """A six-student exam, its answers, and the files graded in one process."""
    folder = tmp_path_factory.mktemp("background")
    generate_exam(folder / "exam", roster=[Student(f"s{i}", f"S {i}") for i in range(6)],
                  seed=5, questions=["metrics/confusion-matrix"], formats=["md"])
    manifest = json.loads((folder / "exam" / "exam.json").read_text(encoding="utf-8"))
    lines = ["student,Q1.accuracy,Q1.precision,Q1.recall,Q1.f1"]
    for n, s in enumerate(manifest["students"]):
        keys = [p["answer_text"] for p in s["items"][0]["parts"]]
        lines.append(",".join([s["id"], *keys[:n % 4], *["0.5", "x/0", "", "12%"][n % 4:]]))
    answers = folder / "answers.csv"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    grade_exam(folder / "exam" / "exam.json", answers, folder / "alone", feedback_pages=False)
    return folder / "exam" / "exam.json", answers, _files(folder / "alone")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_report_written_by_a_child_is_the_same(
        graded_once: tuple[Path, Path, dict[str, bytes]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    exam, answers, alone = graded_once
    monkeypatch.setattr(report, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(forks, "idle_processors", lambda: 2)
    children = []
    started = forks.in_forked_child

    def counted(fn):  # type: ignore[no-untyped-def]
        children.append(fn)
        return started(fn)

    monkeypatch.setattr(report, "in_forked_child", counted)
    grade_exam(exam, answers, tmp_path / "out", feedback_pages=False)
    assert len(children) == 1
    assert _files(tmp_path / "out") == alone


def test_a_failed_childs_files_are_written_here(
        graded_once: tuple[Path, Path, dict[str, bytes]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A child killed in the middle of writing leaves its temporary file: the files written
    here again replace it, and nothing else is left in the folder."""
    exam, answers, alone = graded_once
    monkeypatch.setattr(report, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(forks, "idle_processors", lambda: 2)
    here = os.getpid()
    write = report._write_others

    def dies_in_the_child(c: object, gradebook: Path, summary: Path) -> object:
        if os.getpid() != here:
            (gradebook.parent / f".{gradebook.name}.0123456789ab.tmp").write_text("half")
            os._exit(9)
        return write(c, gradebook, summary)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "_write_others", dies_in_the_child)
    grade_exam(exam, answers, tmp_path / "out", feedback_pages=False)
    assert _files(tmp_path / "out") == alone
