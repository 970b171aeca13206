"""Exam generation (`grader.exam.generate`) and its sheets and keys (`grader.exam.sheets`).

Golden files: ``tests/grader/exam/golden/exam-sheet.html`` and ``exam-key.md`` pin one
student's sheet and key at a fixed seed. After an intended change to the sheets, regenerate
them with

    MLQUIZ_UPDATE_GOLDEN=1 python -m pytest tests/grader/exam/test_generate.py -p no:cacheprovider

and review the diff before committing.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exam.forks import can_fork
from grader.exam.generate import SAMPLE_QUESTIONS, generate_exam, select_templates
from grader.exam.layout import SheetLayout
from grader.exam.manifest import load_manifest
from grader.exam.roster import Student
from grader.exam.sheets import version_code
from grader.files import (
    student_stem,
)
from questionbank.api import default_bank
from questionbank.errors import InputError, QuizError
from questionbank.instance import generate
from questionbank.sampling import derive_seed

from ...helpers import check_golden as compare_golden

GOLDEN = Path(__file__).parent / "golden"
#: The seven templates that existed when these tests were written (the bank grows).
SEVEN = ("metrics/confusion-matrix", "dropout/apply-mask", "dropout/inverted",
         "gradients/layer-shapes", "gradients/matrix-calculus", "gradients/shape",
         "gradients/jacobian-shape")
FAMILIES = "metrics/confusion-matrix,dropout/apply-mask,gradients/layer-shapes," \
           "gradients/matrix-calculus"


def check_golden(name: str, text: str) -> None:
    """Compare `text` with ``golden/NAME`` (`tests.helpers.check_golden`)."""
    compare_golden(GOLDEN / name, text)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- questions


def test_select_templates_by_ids_topics_all_and_sample() -> None:
    bank = default_bank()
    chosen = select_templates(bank, ["metrics/confusion-matrix, dropout/inverted",
                                     "metrics/confusion-matrix"])
    assert [t.id for t in chosen] == ["metrics/confusion-matrix", "dropout/inverted",
                                      "metrics/confusion-matrix"]
    by_topic = [t.id for t in select_templates(bank, topics=["dropout"])]
    assert {"dropout/apply-mask", "dropout/inverted"} <= set(by_topic)
    assert by_topic == sorted(by_topic)
    assert all(bank.get(i).topic == "dropout" for i in by_topic)
    assert [t.id for t in select_templates(bank, ["all"])] == bank.ids()
    assert [t.id for t in select_templates(bank)] == list(SAMPLE_QUESTIONS)
    assert {bank.get(i).topic for i in SAMPLE_QUESTIONS} == {"metrics", "dropout", "gradients"}


@pytest.mark.parametrize(("questions", "topics", "message"), [
    (["dropout/inverted"], ["metrics"], "by --questions or by --topic, not both"),
    ([], ["no-such-topic"], "no templates with topic 'no-such-topic' in the bank (topics: "),
    (["all,dropout/inverted"], [], "'all' selects the whole bank and cannot be mixed"),
])
def test_select_templates_errors(questions: list[str], topics: list[str], message: str) -> None:
    with pytest.raises(InputError) as info:
        select_templates(default_bank(), questions, topics)
    assert message in str(info.value)


def test_unknown_question_id_is_a_user_error() -> None:
    with pytest.raises(QuizError, match="no template 'metrics/confusion' in the bank; did you"):
        select_templates(default_bank(), ["metrics/confusion"])


# --------------------------------------------------------------------------- generation


@pytest.fixture(scope="module")
def small_exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three students (awkward ids and names) x the four sample questions, all formats."""
    out = tmp_path_factory.mktemp("exam") / "exam"
    generate_exam(out, roster=[Student("Ann B", "<b>Ann</b> & co"), Student("ann-b", "=SUM(A1)"),
                               Student("../../etc/passwd", "Zoë_{#}$%")],
                  seed=2024, questions=[FAMILIES], formats=["html", "md", "tex"],
                  title="Quiz 1 <intro>")
    return out


def test_manifest_stores_seeds_params_and_answers(small_exam: Path) -> None:
    manifest = json.loads((small_exam / "exam.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "mlquiz-exam" and manifest["format_version"] == 1
    assert manifest["title"] == "Quiz 1 <intro>" and manifest["exam_seed"] == 2024
    assert manifest["templates"] == {t: default_bank().get(t).version
                                     for t in FAMILIES.split(",")}
    assert min(manifest["templates"].values()) >= 2  # the versions, not a default
    assert [q["template"] for q in manifest["questions"]] == FAMILIES.split(",")
    bank = default_bank()
    for student in manifest["students"]:
        assert student["code"] == version_code(2024, student["id"])
        for number, item in enumerate(student["items"], start=1):
            assert item["number"] == number
            assert item["seed"] == derive_seed(2024, student["id"], number)
            fresh = generate(bank.get(item["template"]), item["seed"]).to_dict()
            assert item["params"] == fresh["params"]
            keys = ("id", "type", "answer", "answer_text", "points")
            assert [{k: p[k] for k in keys} for p in item["parts"]] == \
                [{k: p[k] for k in keys} for p in fresh["parts"]]
            assert {k for p in item["parts"] for k in p} <= {*keys, "mistakes"}
    seeds = {i["seed"] for s in manifest["students"] for i in s["items"]}
    assert len(seeds) == 3 * 4, "every student gets their own version of every question"


@pytest.mark.parametrize("template_id", SEVEN)
def test_stored_params_rebuild_the_same_answers(template_id: str) -> None:
    """The rule grading relies on: generate(template, seed, params=stored JSON params) gives the
    stored answers, for every built-in template and many seeds."""
    template = default_bank().get(template_id)
    for seed in range(25):
        original = generate(template, seed).to_dict()
        stored = json.loads(json.dumps(original["params"]))
        rebuilt = generate(template, seed, stored).to_dict()
        assert [p["answer_text"] for p in rebuilt["parts"]] == \
            [p["answer_text"] for p in original["parts"]]
        assert rebuilt["params"] == original["params"]


def test_files_names_are_slugs_with_hashes(small_exam: Path) -> None:
    names = sorted(p.name for p in (small_exam / "sheets").iterdir())
    assert names == sorted(f"{student_stem(i)}.{ext}" for i in ("Ann B", "ann-b",
                                                                "../../etc/passwd")
                           for ext in ("html", "md", "tex"))
    assert all(re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{6}\.(html|md|tex)", n) for n in names)
    assert student_stem("Ann B") != student_stem("ann-b")
    assert sorted(p.name for p in (small_exam / "keys").iterdir()) == names
    assert not list(small_exam.parent.glob("etc*")), "an id never becomes a path"
    assert {p.name for p in small_exam.iterdir()} == {
        "exam.json", "answers.csv", "sheets", "keys", "sheets-all.html", "sheets-all.md",
        "sheets-all.tex", "keys-all.html", "keys-all.md", "keys-all.tex"}


def test_answers_csv_is_a_blank_submission_file(small_exam: Path) -> None:
    text = (small_exam / "answers.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["student", "name", "exam", "Q1.accuracy", "Q1.precision", "Q1.recall",
                       "Q1.f1", "Q2.output", "Q3.dW", "Q3.db", "Q3.dX", "Q4.grad", "Q4.shape"]
    assert [r[0] for r in rows[1:]] == ["Ann B", "ann-b", "../../etc/passwd"]
    assert [r[1] for r in rows[1:]] == ["<b>Ann</b> & co", "'=SUM(A1)", "Zoë_{#}$%"]
    assert all(cell == "" for r in rows[1:] for cell in r[3:])
    exam_id = load_manifest(small_exam / "exam.json").exam_id
    assert exam_id is not None and re.fullmatch(r"[0-9a-f]{10}", exam_id)
    assert {r[2] for r in rows[1:]} == {exam_id}


def test_html_sheets_escape_names_and_show_versions(small_exam: Path) -> None:
    page = (small_exam / "sheets" / f"{student_stem('Ann B')}.html").read_text()
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; co" in page and "<b>Ann</b>" not in page
    assert "Quiz 1 &lt;intro&gt;" in page
    assert version_code(2024, "Ann B") in page
    assert page.count('class="answer-box"') == 10
    assert "Worked solution" not in page and "Answer:" not in page
    key = (small_exam / "keys" / f"{student_stem('Ann B')}.html").read_text()
    assert key.count("Worked solution") == 4 and key.count("Answer: <code>") == 10
    combined = (small_exam / "sheets-all.html").read_text()
    assert combined.count('<section class="sheet') == 3
    assert combined.count('<section class="sheet page-break">') == 2, \
        "a page break between students, none after the last"


def test_md_and_tex_sheets_escape_names(small_exam: Path) -> None:
    md = (small_exam / "sheets" / f"{student_stem('Ann B')}.md").read_text()
    assert r"\<b\>Ann\</b\> \& co" in md
    tex = (small_exam / "sheets" / f"{student_stem('../../etc/passwd')}.tex").read_text()
    assert r"Zoë\_\{\#\}\$\%" in tex
    combined = (small_exam / "keys-all.tex").read_text()
    assert combined.count(r"\clearpage") == 2 and combined.count(r"\begin{document}") == 1
    assert all(ord(ch) < 128 or ch == "ë" for ch in combined)


def test_same_seed_same_bytes_and_other_seed_other_versions(tmp_path: Path) -> None:
    def make(out: Path, seed: int) -> dict[str, bytes]:
        generate_exam(out, count=2, seed=seed, questions=["dropout/apply-mask"])
        return tree(out)

    first, again, other = make(tmp_path / "a", 9), make(tmp_path / "b", 9), make(tmp_path / "c", 10)
    assert first == again
    assert first["exam.json"] != other["exam.json"]
    assert not [n for n in first if n.endswith(".tmp") or "/." in n], "no temporary files left"


@pytest.mark.skipif(not can_fork(), reason="versions are generated in forked processes on Linux")
def test_versions_made_in_several_processes_are_the_same_files(tmp_path: Path) -> None:
    """`jobs`: the first student here, the others in runs of consecutive students in forked
    processes and here; every file (sheets, keys, combined files, manifest, sample answers)
    is the one a single process writes."""
    def make(out: Path, jobs: int) -> dict[str, bytes]:
        generate_exam(out, count=7, seed=5, questions=[FAMILIES], formats=["html", "md", "tex"],
                      sample_answers=True, jobs=jobs)
        return tree(out)

    one, three = make(tmp_path / "one", 1), make(tmp_path / "three", 3)
    assert one == three
    assert len([n for n in three if n.startswith("sheets/")]) == 7 * 3


@pytest.mark.skipif(not can_fork(), reason="versions are generated in forked processes on Linux")
def test_the_jobs_option_chooses_the_processes_and_not_the_files(tmp_path: Path) -> None:
    """``generate --jobs N`` (a shared server: ``--jobs 1``) writes what one process writes;
    ``--jobs 0`` is a usage error."""
    runner = CliRunner()
    trees = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        result = runner.invoke(cli, ["generate", "--count", "6", "--seed", "9", "--questions",
                                     FAMILIES, "--jobs", jobs, "--out", str(out)])
        assert result.exit_code == 0, result.output
        trees.append(tree(out))
    assert trees[0] == trees[1]
    assert len([n for n in trees[1] if n.startswith("sheets/")]) == 6 * 2
    refused = runner.invoke(cli, ["generate", "--count", "6", "--jobs", "0", "--out",
                                  str(tmp_path / "none")])
    assert refused.exit_code == 2
    assert "Invalid value for '--jobs': 0 is not in the range 1<=x<=256." in refused.output
    assert not (tmp_path / "none").exists()


@pytest.mark.skipif(not can_fork(), reason="versions are generated in forked processes on Linux")
def test_an_error_in_a_forked_process_is_the_error_of_one_process(tmp_path: Path) -> None:
    """A template that fails for two students, one in a forked process's run and one in this
    process's: the error names the first, as generating in one process does (a failed run is
    made again in this process)."""
    template = default_bank().get("dropout/apply-mask")
    students = [Student(f"s{i}") for i in range(1, 9)]
    failing = {derive_seed(3, "s3", 1), derive_seed(3, "s8", 1)}

    def flaky(template_: object, seed: int, **options: object) -> object:
        if seed in failing:
            raise QuizError("made to fail")
        return generate(template, seed, **options)  # type: ignore[arg-type]

    import questionbank.instance

    errors = []
    for jobs in (1, 2, 3):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(questionbank.instance, "generate", flaky)
            with pytest.raises(QuizError) as caught:
                generate_exam(tmp_path / f"out{jobs}", roster=students, seed=3,
                              questions=["dropout/apply-mask"], jobs=jobs)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] == errors[2]
    assert "for student 's3': made to fail" in errors[0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"roster": [Student("a")], "count": 3}, "give a roster or a count of students, not both"),
    ({"roster": [Student("a"), Student("b"), Student("a")]},
     "duplicate student ids in the roster: 'a'"),
    ({"roster": []}, "the roster lists no students"),
    ({"roster": [Student(" ")]}, "every student needs an id without control characters"),
    ({"count": 2, "formats": ["pdf"]}, "unknown sheet format 'pdf' (formats: html, md, tex)"),
    ({"count": 2, "seed": -1}, "the exam seed must be a whole number from 0 to"),
])
def test_generate_exam_argument_errors(tmp_path: Path, kwargs: dict[str, object],
                                       message: str) -> None:
    with pytest.raises(InputError) as info:
        generate_exam(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert not list(tmp_path.iterdir()), "nothing is written"


TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended lmodern"


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason=f"pdflatex is not installed (apt-get install {TEX_PACKAGES})")
def test_tex_sheets_of_every_template_compile_with_pdflatex(tmp_path: Path) -> None:
    """Every template of the bank in one exam: the sheets and keys compile, twice (the second
    run fills in each footer's "page x of y"), and the formulas are set as maths."""
    out = tmp_path / "exam"
    generate_exam(out, roster=[Student("s1", "Zoë_{#}$%&~^\\"), Student("s2", "Łukasz")],
                  seed=3, questions=["all"], formats=["tex"],
                  layout=SheetLayout("ML 101 & co", "**Closed book.** p = 1/2", "1cm"))
    for name in ("sheets-all.tex", "keys-all.tex"):
        for _ in range(2):
            run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                                  name], cwd=out, capture_output=True, text=True, timeout=300,
                                 check=False)
            assert run.returncode == 0, run.stdout[-3000:]
        assert (out / name.replace(".tex", ".pdf")).stat().st_size > 1000
        log = (out / name.replace(".tex", ".log")).read_text("latin-1")
        assert "undefined references" not in log
    tex = (out / "keys-all.tex").read_text("utf-8")
    assert r"$\frac{\partial L}{\partial W}$" in tex
    assert r"$Y=XW^{\top}+b$" in tex


def test_golden_sheet_and_key(tmp_path: Path) -> None:
    """One student's html sheet and Markdown key at a fixed seed (see the module docstring)."""
    generate_exam(tmp_path, roster=[Student("s001", "Ada Lovelace")], seed=11,
                  questions=[FAMILIES], title="Golden quiz")
    stem = student_stem("s001")
    check_golden("exam-sheet.html", (tmp_path / "sheets" / f"{stem}.html").read_text("utf-8"))
    check_golden("exam-key.md", (tmp_path / "keys" / f"{stem}.md").read_text("utf-8"))


# --------------------------------------------------------------------------- command line


def test_generate_with_no_options_makes_the_sample_exam(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "grader", "generate"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "Wrote an exam for 5 students x 4 questions (exam id " in run.stdout
    assert "exam/sheets/ (html, md)" in run.stdout
    assert "printable:    exam/sheets-all.html, exam/sheets-all.md" in run.stdout
    assert "mlquiz grade exam/exam.json exam/answers.csv" in run.stdout
    manifest = load_manifest(tmp_path / "exam" / "exam.json")
    assert [s.id for s in manifest.students] == ["s001", "s002", "s003", "s004", "s005"]
    assert [q.template for q in manifest.questions] == list(SAMPLE_QUESTIONS)
    assert run.stderr == "", "no progress bar when stderr is not a terminal"
    assert "Or try it now on made-up answers:\n  mlquiz grade exam/exam.json " \
           "exam/sample-answers.csv\n" in run.stdout
    graded = subprocess.run([sys.executable, "-m", "grader", "grade", "exam/exam.json",
                             "exam/sample-answers.csv"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, check=False)
    assert graded.returncode == 0, graded.stderr
    assert "Graded 5 of 5 students into graded/" in graded.stdout
    assert "class report: graded/summary.html" in graded.stdout
    report = json.loads((tmp_path / "graded" / "report.json").read_text(encoding="utf-8"))
    statuses = {p["status"] for s in report["students"] for i in s["items"] for p in i["parts"]}
    assert {"correct", "incorrect"} <= statuses


def test_generate_cli_with_roster_and_options(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text("id;name\nx1;Ada\nx2;Bob\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [
        "generate", "--roster", str(roster), "--questions", "dropout/apply-mask",
        "--questions", "gradients/shape", "--seed", "5", "--title", "Quiz 2",
        "--format", "tex,html", "--out", str(tmp_path / "q2")])
    assert result.exit_code == 0, result.output
    manifest = load_manifest(tmp_path / "q2" / "exam.json")
    assert f"Wrote an exam for 2 students x 2 questions (exam id {manifest.exam_id})" \
        in result.output
    manifest = load_manifest(tmp_path / "q2" / "exam.json")
    assert manifest.title == "Quiz 2"
    assert (tmp_path / "q2" / "sheets-all.tex").is_file()
    assert not (tmp_path / "q2" / "sheets-all.md").exists()
    assert not (tmp_path / "q2" / "sample-answers.csv").exists(), "made-up answers: demo only"


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from grader.cli import exam as cli_exam

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with cli_exam._progress()("Generating sheets", 3) as update:
        update(3)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with cli_exam._progress()("Generating sheets", 3) as update:
        update(3)
    assert "Generating sheets" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--roster", "r.csv", "--count", "3"], 2, "give --roster or --count, not both"),
    (["--questions", "dropout/inverted", "--topic", "metrics"], 2,
     "choose the questions by --questions or by --topic, not both"),
    (["--format", "html,pdf"], 2, "expected a comma-separated list of html, md, tex"),
    (["--count", "0"], 2, "0 is not in the range"),
    (["--roster", "missing.csv"], 1, "error: missing.csv: cannot read the roster"),
    (["--roster", "dup.csv"], 1, "error: dup.csv: duplicate student ids: 'a' on lines 2, 3"),
    (["--topic", "nothing"], 1, "error: no templates with topic 'nothing'"),
])
def test_generate_cli_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                             code: int, message: str) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    Path("dup.csv").write_text("id\na\na\n", encoding="utf-8")
    result = runner.invoke(cli, ["generate", *args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_existing_exam_is_never_replaced_silently(tmp_path: Path) -> None:
    """`generate` into a folder that holds an exam refuses (exit 1, the files untouched); with
    --force it makes the new exam and keeps the old manifest as exam.json.bak."""
    runner = CliRunner()
    out = tmp_path / "quiz3"
    first = runner.invoke(cli, ["generate", "--count", "3", "--seed", "1", "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    again = runner.invoke(cli, ["generate", "--count", "4", "--seed", "2", "--out", str(out)])
    assert again.exit_code == 1
    assert f"error: {out} already holds an exam ({out / 'exam.json'})" in again.output
    assert "add --force" in again.output and "Traceback" not in again.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before

    forced = runner.invoke(cli, ["generate", "--count", "4", "--seed", "2", "--out", str(out),
                                 "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "exam.json.bak").read_bytes() == before["exam.json"]
    assert json.loads((out / "exam.json").read_text(encoding="utf-8"))["exam_seed"] == 2
    assert len(load_manifest(out / "exam.json").students) == 4


def test_generate_exam_refuses_an_existing_exam_from_python(tmp_path: Path) -> None:
    generate_exam(tmp_path, count=2, seed=1, sheets=False)
    with pytest.raises(InputError, match="already holds an exam"):
        generate_exam(tmp_path, count=2, seed=1, sheets=False)
    generate_exam(tmp_path, count=2, seed=3, sheets=False, force=True)
    assert (tmp_path / "exam.json.bak").is_file()
