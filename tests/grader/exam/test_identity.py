"""An exam's identity (`grader.exam.identity`): secret seeds, keyed version codes, the content
hash of ``exam.json`` and the exam id that binds ``answers.csv`` to its exam."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.exam.grade import grade_exam
from grader.exam.identity import (
    GUESSABLE_BELOW,
    PLACEHOLDER,
    content_intact,
    exam_id,
    seal,
    seed_warning,
    version_code,
)
from grader.exam.manifest import load_manifest
from grader.exam.roster import Student
from questionbank.errors import InputError

from ...helpers import rows_of, write_rows

QUESTIONS = "metrics/confusion-matrix"
ROSTER = [Student("a1", "Ann"), Student("b2", "Bob")]


def make(out: Path, seed: int | None = None) -> Path:
    generate_exam(out, roster=ROSTER, seed=seed, questions=[QUESTIONS], sheets=False)
    return out


def test_without_seed_the_exam_seed_is_a_128_bit_secret(tmp_path: Path) -> None:
    result = generate_exam(tmp_path / "e", count=2, questions=[QUESTIONS], sheets=False)
    manifest = load_manifest(tmp_path / "e" / "exam.json")
    assert manifest.exam_seed == result.exam_seed
    assert GUESSABLE_BELOW <= manifest.exam_seed < 2**128  # fails with probability 2**-64
    assert result.warnings == ()
    other = generate_exam(tmp_path / "f", count=2, questions=[QUESTIONS], sheets=False)
    assert other.exam_seed != result.exam_seed and other.exam_id != result.exam_id


def test_a_seed_chosen_by_hand_is_warned_about(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["generate", "--count", "2", "--questions", QUESTIONS,
                                      "--seed", "2024", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    warning = ("warning: the exam seed 2024 was chosen by hand: anyone who knows or guesses it "
               "can regenerate every student's questions and answer keys with mlquiz. Leave "
               "out --seed for a random secret seed (stored in exam.json)\n")
    assert result.stderr == warning
    assert seed_warning(2**100) is None, "a long seed (e.g. a stored secret) is not warned"


def test_a_128_bit_seed_makes_the_same_exam_again(tmp_path: Path) -> None:
    seed = 2**127 + 12345
    make(tmp_path / "a", seed)
    make(tmp_path / "b", seed)
    assert (tmp_path / "a" / "exam.json").read_bytes() == \
        (tmp_path / "b" / "exam.json").read_bytes()


def test_version_codes_are_keyed_by_the_seed() -> None:
    """The code is HMAC-SHA256(seed, id): it cannot be computed from the id alone."""
    expected = hmac.new(b"2024", b"mlquiz-version:a1", hashlib.sha256).hexdigest()[:6].upper()
    assert version_code(2024, "a1") == expected
    unkeyed = hashlib.sha256(b"mlquiz-version:2024:a1").hexdigest()[:6].upper()
    assert version_code(2024, "a1") != unkeyed
    assert version_code(2025, "a1") != version_code(2024, "a1")


def test_answers_csv_carries_name_and_exam_id(tmp_path: Path) -> None:
    make(tmp_path / "e", 2**80)
    manifest = load_manifest(tmp_path / "e" / "exam.json")
    assert manifest.intact is True
    assert manifest.exam_id == exam_id(2**80, manifest.content_hash)
    rows = rows_of(tmp_path / "e" / "answers.csv")
    assert rows[0][:3] == ["student", "name", "exam"]
    assert [r[:3] for r in rows[1:]] == [["a1", "Ann", manifest.exam_id],
                                         ["b2", "Bob", manifest.exam_id]]


def test_answers_of_another_exam_are_refused(tmp_path: Path) -> None:
    make(tmp_path / "a", 2**80)
    make(tmp_path / "b", 2**80 + 1)
    id_a = load_manifest(tmp_path / "a" / "exam.json").exam_id
    id_b = load_manifest(tmp_path / "b" / "exam.json").exam_id
    answers = tmp_path / "a" / "answers.csv"
    result = CliRunner().invoke(cli, ["grade", str(tmp_path / "b" / "exam.json"), str(answers),
                                      "--out", str(tmp_path / "g"), "--no-pages"])
    assert result.exit_code == 1
    assert result.output == (f"error: {answers}:2: these answers are for exam {id_a!r}, but the "
                             f"manifest is exam {id_b!r}; grade them with the exam.json they "
                             "were made for\n")
    assert not (tmp_path / "g").exists(), "nothing is written"


def test_a_file_without_the_exam_column_is_graded_with_a_note(tmp_path: Path) -> None:
    make(tmp_path / "e", 2**80)
    rows = rows_of(tmp_path / "e" / "answers.csv")
    write_rows(tmp_path / "s.csv", [[r[0], *r[3:]] for r in rows])
    report = grade_exam(tmp_path / "e" / "exam.json", tmp_path / "s.csv", tmp_path / "g",
                        feedback_pages=False)
    assert report.notes == ("the submissions have no 'exam' column, so they cannot be checked "
                            "to belong to this exam; the answers.csv written by 'mlquiz "
                            "generate' has it",)
    rows[1][2] = ""
    write_rows(tmp_path / "t.csv", rows)
    report = grade_exam(tmp_path / "e" / "exam.json", tmp_path / "t.csv", tmp_path / "g",
                        feedback_pages=False)
    assert report.notes == ("1 row with a blank 'exam' cell could not be checked to belong to "
                            "this exam",)


def test_the_submitted_name_is_ignored(tmp_path: Path) -> None:
    make(tmp_path / "e", 2**80)
    rows = rows_of(tmp_path / "e" / "answers.csv")
    rows[1][1] = "Mallory"
    write_rows(tmp_path / "s.csv", rows)
    report = grade_exam(tmp_path / "e" / "exam.json", tmp_path / "s.csv", tmp_path / "g",
                        feedback_pages=False)
    assert report.notes == (), "name and exam are not unknown columns"
    book = rows_of(tmp_path / "g" / "gradebook.csv")
    assert book[0][:2] == ["student", "name"]
    assert [r[:2] for r in book[1:]] == [["a1", "Ann"], ["b2", "Bob"]]


def tamper(manifest: Path) -> None:
    """Change one stored answer key (and keep the file valid JSON)."""
    data = manifest.read_text(encoding="utf-8")
    first = json.loads(data)["students"][0]["items"][0]["parts"][0]
    old = f'"answer_text": {json.dumps(first["answer_text"])}'
    assert old in data
    manifest.write_text(data.replace(old, '"answer_text": "1"', 1), encoding="utf-8")


def test_no_pages_refuses_a_manifest_changed_by_hand(tmp_path: Path) -> None:
    exam = make(tmp_path / "e", 2**80) / "exam.json"
    tamper(exam)
    assert load_manifest(exam).intact is False
    args = ["grade", str(exam), str(tmp_path / "e" / "answers.csv"), "--out",
            str(tmp_path / "g"), "--no-pages"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output == (
        f"error: {exam}: the manifest does not match its content hash: it was changed after "
        "'mlquiz generate' wrote it, so its stored answer keys are not trusted; grade with "
        "--verify-keys (every key rebuilt from the templates) or without --no-pages\n")
    checked = CliRunner().invoke(cli, [*args, "--verify-keys"])
    assert checked.exit_code in (0, 1), checked.output
    assert "key-changed" in (tmp_path / "g" / "report.json").read_text(encoding="utf-8"), \
        "the changed key is found by rebuilding, never used"


def test_a_reformatted_manifest_is_not_intact(tmp_path: Path) -> None:
    exam = make(tmp_path / "e", 2**80) / "exam.json"
    text = exam.read_text(encoding="utf-8")
    digest = json.loads(text)["content_hash"]
    assert content_intact(text, digest) is True
    assert content_intact(json.dumps(json.loads(text)), digest) is False
    assert content_intact(text, "f" * 64) is False
    assert content_intact(text, digest[:-1]) is False
    assert content_intact(text, digest.upper()) is False


def test_the_hash_of_a_manifest_read_with_a_byte_order_mark(tmp_path: Path) -> None:
    """The file's bytes are hashed as read (`ContentCheck`), without the mark the decoder
    drops; non-ASCII text before and after the hash's line counts as its UTF-8 bytes."""
    exam = make(tmp_path / "e", 2**80) / "exam.json"
    assert load_manifest(exam).intact is True
    text = exam.read_text(encoding="utf-8")
    exam.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_manifest(exam).intact is True
    renamed = text.replace('"title": "', '"title": "Zoë ', 1)
    exam.write_text(renamed, encoding="utf-8")
    assert load_manifest(exam).intact is False
    exam.write_text(seal(renamed.replace(json.loads(text)["content_hash"], PLACEHOLDER))[0],
                    encoding="utf-8")
    assert load_manifest(exam).intact is True


def test_a_manifest_without_hash_is_graded_with_a_note(tmp_path: Path) -> None:
    exam = make(tmp_path / "e", 2**80) / "exam.json"
    lines = exam.read_text(encoding="utf-8").splitlines(keepends=True)
    exam.write_text("".join(line for line in lines if '"content_hash"' not in line),
                    encoding="utf-8")
    manifest = load_manifest(exam)
    assert (manifest.content_hash, manifest.intact, manifest.exam_id) == ("", None, None)
    report = grade_exam(exam, tmp_path / "e" / "answers.csv", tmp_path / "g",
                        feedback_pages=False)
    assert report.notes == ("exam.json has no content hash (made by an older mlquiz): the "
                            "submissions cannot be checked to belong to this exam",)


def test_seed_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"the exam seed must be a whole number from 0 to 3402"):
        make(tmp_path / "e", 2**128)
