"""Output folders that change as a whole (`grader.outdir`, issue 11): ``grade --out`` and
``generate --out`` killed with SIGKILL at random moments always leave the complete old or
the complete new folder; a concurrent run on the same folder fails with a message; a killed
run's leftovers are recovered; write errors are messages and leave the folder unchanged."""

from __future__ import annotations

import errno
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader import outdir
from grader.cli import cli
from grader.exam.generate import generate_exam
from grader.outdir import OutputError, staged_folder

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path -> SHA-256 of its bytes)."""
    return {os.fspath(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def mlquiz(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.fspath(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "grader", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    process = mlquiz(*args)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exam of 40 students (big enough for a grading run to take a while)."""
    out = tmp_path_factory.mktemp("outdir") / "exam"
    generate_exam(out, count=40, seed=3, questions=["metrics/confusion-matrix"],
                  formats=["md"], sample_answers=True)
    return out


def kill_at_random(commands: list[list[str]], seed: int) -> Iterator[None]:
    """Run each command, killed with SIGKILL at a random moment (or left to finish); yields
    after each."""
    rng = random.Random(seed)
    for args in commands:
        process = mlquiz(*args)
        try:
            process.wait(timeout=rng.uniform(0.3, 3.0))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        process.communicate()
        yield


def test_grade_killed_at_random_moments_leaves_a_complete_folder(exam: Path, tmp_path: Path
                                                                 ) -> None:
    """The folder is always the state of the one answer file or of the other (grading is
    deterministic), never a mix; the next run cleans up what the last kill left."""
    out = tmp_path / "graded"
    answers = [tmp_path / f"answers{i}.csv" for i in range(2)]
    sample = (exam / "sample-answers.csv").read_text(encoding="utf-8").splitlines()
    answers[0].write_text("\n".join(sample) + "\n", encoding="utf-8")
    answers[1].write_text("\n".join(sample[:20]) + "\n", encoding="utf-8")
    commands = [["grade", os.fspath(exam / "exam.json"), os.fspath(answers[i % 2]), "--out",
                 os.fspath(out)] for i in range(KILLS)]
    states = []
    for args in commands[:2]:  # the state of each file (the second over the first's pages)
        assert run(*args).returncode == 0
        states.append(snapshot(out))
    assert "report.json" in states[0] and states[0] != states[1]
    for _ in kill_at_random(commands, seed=11):
        assert snapshot(out) in states, "a partial or mixed folder was left"
    done = run(*commands[1])  # the next run recovers whatever the last kill left
    assert done.returncode == 0 and leftovers(out) == []
    assert snapshot(out) == states[1]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(c) for c in text.split()]


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie waiting to be reaped counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0] \
            == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: /proc, forked workers")
def test_a_killed_run_takes_its_worker_processes_with_it(tmp_path: Path) -> None:
    """``grade --jobs 2`` killed with SIGKILL while its workers write pages: they end too, so
    none writes into the staging folder of a later run or keeps the folder locked."""
    exam = tmp_path / "exam"
    generate_exam(exam, count=400, seed=5, questions=["metrics/confusion-matrix"],
                  sheets=False, sample_answers=True)
    out = tmp_path / "graded"
    args = ["grade", os.fspath(exam / "exam.json"), os.fspath(exam / "sample-answers.csv"),
            "--out", os.fspath(out), "--jobs", "2"]
    for _ in range(5):  # until the run is caught with its workers running
        process = mlquiz(*args)
        workers: list[int] = []
        while process.poll() is None and len(workers) < 2:
            workers = [c for c in children(process.pid) if not gone(c)]
        process.kill()
        process.communicate()
        if len(workers) == 2:
            break
    assert len(workers) == 2, "the workers were never seen running"
    for _ in range(500):
        if all(gone(w) for w in workers):
            break
        time.sleep(0.01)
    assert all(gone(w) for w in workers)
    done = run(*args)
    assert done.returncode == 0 and leftovers(out) == []


def test_generate_killed_at_random_moments_leaves_a_complete_folder(tmp_path: Path) -> None:
    """Each state is a complete exam of seed 0 or 1 (as made in a fresh folder), with the
    manifest of an earlier complete exam as exam.json.bak, or no folder at all."""
    def command(seed: int, out: Path) -> list[str]:
        return ["generate", "--count", "30", "--seed", str(seed), "--format", "md",
                "--questions", "metrics/confusion-matrix", "--out", os.fspath(out), "--force"]

    complete = []
    for seed in (0, 1):
        assert run(*command(seed, tmp_path / f"fresh{seed}")).returncode == 0
        complete.append(snapshot(tmp_path / f"fresh{seed}"))
    manifests = {state["exam.json"] for state in complete}
    out = tmp_path / "exam"
    for _ in kill_at_random([command(i % 2, out) for i in range(KILLS)], seed=12):
        if not out.exists():
            continue  # no complete run yet
        now = snapshot(out)
        backup = now.pop("exam.json.bak", None)
        assert now in complete, "a partial or mixed folder was left"
        assert backup is None or backup in manifests


def test_a_second_run_on_a_locked_folder_fails_with_a_message(exam: Path, tmp_path: Path
                                                              ) -> None:
    out = tmp_path / "graded"
    with staged_folder(out):
        result = CliRunner().invoke(cli, ["grade", os.fspath(exam / "exam.json"),
                                          os.fspath(exam / "sample-answers.csv"), "--out",
                                          os.fspath(out)])
        assert result.exit_code == 1
        assert result.output == (f"error: another mlquiz run is writing to {out} (it holds "
                                 ".graded.lock next to it); wait until it has finished, or "
                                 "choose another --out\n")
    assert not out.exists() or snapshot(out) == {}


def test_two_concurrent_runs_never_mix(exam: Path, tmp_path: Path) -> None:
    """Two runs started together: one fails with the lock message or both run one after
    the other; the folder holds one complete run either way."""
    out = tmp_path / "graded"
    args = ["grade", os.fspath(exam / "exam.json"), os.fspath(exam / "sample-answers.csv"),
            "--out", os.fspath(out)]
    first, second = mlquiz(*args), mlquiz(*args)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    results = [(p.returncode, err.decode()) for p, (_, err) in zip((first, second), outputs,
                                                                    strict=True)]
    assert sorted(code for code, _ in results) in ([0, 0], [0, 1])
    for code, err in results:
        if code == 1:
            assert "another mlquiz run is writing to" in err
    alone = tmp_path / "alone"
    assert run(*args[:-1], os.fspath(alone)).returncode == 0
    assert snapshot(out) == snapshot(alone)
    assert [n for n in leftovers(out) if n.startswith(".graded")] == []


def test_a_rewritten_subfolder_keeps_the_files_the_run_did_not_write(tmp_path: Path) -> None:
    """`staged_folder(..., rewritten=["feedback"])`: the subfolder starts empty in the staging
    folder, and the old files the run did not write are added at the end."""
    out = tmp_path / "out"
    for name, text in [("feedback/a.md", "old a"), ("feedback/b.md", "old b"),
                       ("feedback/sub/c.md", "old c"), ("feedback/sub/d.md", "old d"),
                       ("feedback/deep/e/f.md", "old f"), ("feedback/g", "old g"),
                       ("gradebook.csv", "old")]:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    (out / "feedback" / "link.md").symlink_to("a.md")
    with staged_folder(out, rewritten=["feedback"]) as stage:
        assert not (stage / "feedback").exists() and (stage / "gradebook.csv").exists()
        (stage / "feedback" / "sub").mkdir(parents=True)
        (stage / "feedback" / "a.md").write_text("new a", encoding="utf-8")
        (stage / "feedback" / "sub" / "c.md").write_text("new c", encoding="utf-8")
        (stage / "feedback" / "g").mkdir()  # a folder where the old state had a file
        (stage / "feedback" / "g" / "h.md").write_text("new h", encoding="utf-8")
    assert {k: (out / k).read_text(encoding="utf-8") for k in snapshot(out)} == {
        "feedback/a.md": "new a", "feedback/b.md": "old b", "feedback/sub/c.md": "new c",
        "feedback/sub/d.md": "old d", "feedback/deep/e/f.md": "old f",
        "feedback/g/h.md": "new h", "feedback/link.md": "new a", "gradebook.csv": "old"}
    assert os.readlink(out / "feedback" / "link.md") == "a.md"
    assert leftovers(out) == []


def test_the_old_state_is_deleted_whole_and_only_it(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`outdir._delete_old`: the files of a subfolder that holds many are unlinked by two
    threads, the rest as by `shutil.rmtree`; a symbolic link is deleted, never followed."""
    monkeypatch.setattr(outdir, "_SPLIT_FROM", 3)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    for name in ("keep.md", "sub/keep.md"):
        (elsewhere / name).write_text("keep", encoding="utf-8")
    old = tmp_path / ".out.old"
    for name in [*(f"feedback/p{i}.md" for i in range(7)), "feedback/sub/a.md", "few/b.md",
                 "gradebook.csv"]:
        (old / name).parent.mkdir(parents=True, exist_ok=True)
        (old / name).write_text("old", encoding="utf-8")
    (old / "feedback" / "link.md").symlink_to(elsewhere / "keep.md")
    (old / "feedback" / "linked").symlink_to(elsewhere / "sub", target_is_directory=True)
    (old / "linked").symlink_to(elsewhere, target_is_directory=True)
    outdir._delete_old(old)
    assert not old.exists() and not old.is_symlink()
    assert snapshot(elsewhere) == {name: hashlib.sha256(b"keep").hexdigest()
                                   for name in ("keep.md", "sub/keep.md")}


def test_the_old_state_is_deleted_without_a_second_thread(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """When no thread can be started, this one unlinks every file."""
    import threading

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(outdir, "_SPLIT_FROM", 3)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    old = tmp_path / ".out.old"
    (old / "feedback").mkdir(parents=True)
    for i in range(7):
        (old / "feedback" / f"p{i}.md").write_text("old", encoding="utf-8")
    outdir._delete_old(old)
    assert not old.exists()


def test_leftovers_of_a_killed_run_are_recovered(tmp_path: Path) -> None:
    out = tmp_path / "graded"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    (tmp_path / ".graded.staging").mkdir()
    (tmp_path / ".graded.staging" / "half.txt").write_text("half", encoding="utf-8")
    (tmp_path / ".graded.lock").write_text("12345\n", encoding="utf-8")  # a dead run's lock
    with staged_folder(out) as stage:
        assert sorted(p.name for p in stage.iterdir()) == ["old.txt"]
        (stage / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt", "old.txt"]
    assert leftovers(out) == []


def test_a_finished_run_interrupted_while_swapping_is_completed(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    """Without an atomic exchange, the swap is two renames; killed between them, the next
    run puts the finished state in place."""
    out = tmp_path / "graded"
    out.mkdir()
    (tmp_path / ".graded.old").mkdir()
    (tmp_path / ".graded.ready").mkdir()
    (tmp_path / ".graded.ready" / "new.txt").write_text("new", encoding="utf-8")
    os.rmdir(out)  # the first rename happened: only .old and .ready exist
    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    with staged_folder(out) as stage:
        assert sorted(p.name for p in stage.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert leftovers(out) == []


def test_a_full_disk_is_a_message_and_the_folder_is_unchanged(
        exam: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "graded"
    args = ["grade", os.fspath(exam / "exam.json"), os.fspath(exam / "sample-answers.csv"),
            "--out", os.fspath(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    before = snapshot(out)
    calls = {"n": 0}

    def full(real: Any) -> Any:
        """`real` (a write to a file, or the opening of one to write to) until the disk is
        full: pages are written with `os.write`, the other files through `os.fdopen`."""
        def call(*a: object, **k: object) -> object:
            calls["n"] += 1
            if calls["n"] > 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "gradebook.csv")
            return real(*a, **k)
        return call

    monkeypatch.setattr(os, "fdopen", full(os.fdopen))
    monkeypatch.setattr(os, "write", full(os.write))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == (f"error: cannot write gradebook.csv: No space left on device "
                             f"(free some space and run it again); {out} is unchanged\n")
    assert snapshot(out) == before and leftovers(out) == []


def test_a_read_only_folder_is_a_message(exam: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "graded"
    out.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: real(p, mode, **kw) and not (
        Path(p) == out and mode == os.W_OK))
    result = CliRunner().invoke(cli, ["grade", os.fspath(exam / "exam.json"),
                                      os.fspath(exam / "sample-answers.csv"), "--out",
                                      os.fspath(out)])
    assert result.exit_code == 1
    assert result.output == f"error: cannot write to {out}: the folder is read-only\n"


def test_a_folder_that_cannot_be_created_is_a_message(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(args[0]))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(OutputError) as info, staged_folder(tmp_path / "x"):
        pass
    assert str(info.value) == (f"cannot write {tmp_path / '.x.lock'}: Permission denied; "
                               f"{tmp_path / 'x'} is unchanged")


@pytest.mark.parametrize(("target", "message"), [
    (".", "--out . is the current folder or contains it; choose a folder inside it (e.g. "
          "--out results)"),
    ("file.txt", "file.txt is a file, not a folder; choose another --out"),
])
def test_folders_that_cannot_be_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         target: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as info, staged_folder(target):
        pass
    assert str(info.value) == message


def test_generate_keeps_other_files_and_the_old_manifest_with_force(tmp_path: Path) -> None:
    out = tmp_path / "exam"
    generate_exam(out, count=2, seed=1, questions=["metrics/confusion-matrix"], sheets=False)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    old = (out / "exam.json").read_bytes()
    result = generate_exam(out, count=3, seed=2, questions=["metrics/confusion-matrix"],
                           sheets=False, force=True)
    assert result.manifest == out / "exam.json" and result.out_dir == out
    assert (out / "exam.json.bak").read_bytes() == old
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert leftovers(out) == []
