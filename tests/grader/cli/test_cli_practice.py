"""Tests for ``mlquiz practice`` as a command: through click's CliRunner, as a real process
with piped stdin (Ctrl-C included) and on a pseudo-terminal (the topic menu, Ctrl-D).

The right answers come from the instances themselves: `schedule` with the same seed and no
history gives the questions a session asks, and each part's ``answer_text`` is its answer.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.practice.schedule import question_seed, select_templates

from ...helpers import BANK, LOAD, answers, instances, mistake, planned

CM = "metrics/confusion-matrix"


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the progress database of whoever runs the tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MLQUIZ_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# --------------------------------------------------------------------------- CliRunner


def cli_input(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def test_cli_session_with_saved_progress(tmp_path: Path) -> None:
    db = tmp_path / "mine.sqlite3"
    first, second = instances([CM], 2, 11)
    acc, prec, rec, _ = answers(second)
    lines = [*answers(first), acc, mistake(second, "precision", "recall-for-precision"), prec,
             "hint", rec, "solution"]
    result = CliRunner().invoke(cli, ["practice", "--template", CM, "--count", "2", "--seed",
                                      "11", "--db", str(db)], input=cli_input(lines))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Practice: 2 questions · 3 tries per part · type ? for help, quit to "
                          f"stop\nProgress is saved to {db}.\n")
    assert "[mistake: recall-for-precision]" in out
    # precision right on try 2 and recall after a hint score 0.75 each (0.25 off per help)
    assert "2 of 2 questions answered · score 6.5 of 8 points (81%) · time " in out
    assert "  metrics: 6.5 of 8 points (81%)" in out
    assert ("2.5 of 4 points (62%): accuracy right; precision right on try 2; recall right, "
            "1 hint; f1 solution shown") in out
    assert f"Progress saved to {db}; 'mlquiz progress' shows your history." in out
    assert "Session seed 11: --seed 11 asks the same questions again" in out
    assert rows(db, "SELECT number, template, seed, outcome FROM questions ORDER BY number") == [
        (1, CM, question_seed(11, 1), "right"), (2, CM, question_seed(11, 2), "wrong")]
    assert rows(db, "SELECT seed, selection FROM sessions") == [
        (11, '{"count": 2, "templates": ["metrics/confusion-matrix"], "topics": []}')]
    assert rows(db, "SELECT count(*) FROM attempts") == [(8,)]
    progress = CliRunner().invoke(cli, ["progress", "--db", str(db)])
    assert "  metrics      8    88%        75%      88%  too few answers for a trend" in \
        progress.output


def test_cli_uses_mlquiz_db_and_xdg(tmp_path: Path) -> None:
    inst = instances([CM], 1, 4)[0]
    args = ["practice", "--template", CM, "--count", "1", "--seed", "4"]
    env_db = tmp_path / "env.sqlite3"
    result = CliRunner().invoke(cli, args, input=cli_input(answers(inst)),
                                env={"MLQUIZ_DB": str(env_db)})
    assert result.exit_code == 0 and env_db.is_file()
    result = CliRunner().invoke(cli, args, input=cli_input(answers(inst)))
    xdg_db = tmp_path / "xdg" / "mlquiz" / "progress.sqlite3"
    assert f"Progress is saved to {xdg_db}." in result.stdout and xdg_db.is_file()


def test_cli_no_save_writes_nothing(tmp_path: Path) -> None:
    inst = instances([CM], 1, 4)[0]
    result = CliRunner().invoke(cli, ["practice", "--template", CM, "--count", "1", "--seed",
                                      "4", "--no-save"], input=cli_input(answers(inst)))
    assert result.exit_code == 0, result.output
    assert "Progress is not saved." in result.stdout and "Progress not saved." in result.stdout
    assert not (tmp_path / "xdg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_corrupt_database_warns_and_practice_runs(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    junk = bytes(range(256)) * 20
    db.write_bytes(junk)
    inst = instances([CM], 1, 4)[0]
    result = CliRunner().invoke(cli, ["practice", "--template", CM, "--count", "1", "--seed",
                                      "4", "--db", str(db)], input=cli_input(answers(inst)))
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: progress database {db} is damaged or not a "
                                    "database (")
    assert result.stderr.endswith("); move it away, or choose another file with --db; "
                                  "practice continues without saving.\n")
    assert "1 of 1 question answered · score 4 of 4 points (100%)" in result.stdout
    assert "Progress not saved." in result.stdout
    assert db.read_bytes() == junk


def test_cli_unknown_topic_exits_1() -> None:
    result = CliRunner().invoke(cli, ["practice", "--topic", "nope", "--no-save"], input="")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "error: no templates with topic 'nope' in the bank (topics:")


def test_cli_a_broken_template_elsewhere_does_not_stop_a_topic(bank_dir: Path) -> None:
    (bank_dir / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    plan = planned(select_templates(BANK, ["dropout"]), 1, 4)
    inst = LOAD(plan[0])
    result = CliRunner().invoke(cli, ["practice", "--topic", "dropout", "--count", "1",
                                      "--seed", "4", "--no-save", "--bank", str(bank_dir)],
                                input=cli_input(answers(inst)))
    assert result.exit_code == 0, result.output
    assert "warning: template broken is left out: " in result.stderr
    assert "1 of 1 question answered · score " in result.stdout


def test_cli_piped_input_uses_the_whole_bank_without_a_menu() -> None:
    plan = planned(BANK.ids(), 2, 5)
    first = LOAD(plan[0])
    result = CliRunner().invoke(cli, ["practice", "--count", "2", "--seed", "5", "--no-save"],
                                input=cli_input(answers(first)))
    assert result.exit_code == 0, result.output
    assert "Topics:" not in result.stdout
    assert f"Question 1 of 2 · {first.topic} · {first.template_id}" in result.stdout
    assert "1 of 2 questions answered (stopped: end of input)" in result.stdout


# --------------------------------------------------------------------------- real process


def _default_sigint() -> None:
    """In the child, before it starts: Ctrl-C interrupts, even when the tests run with SIGINT
    ignored (an ignored signal stays ignored across exec, and Python then installs no
    KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def mlquiz(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def test_subprocess_session_with_piped_stdin(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    templates = ["dropout/apply-mask", "gradients/matrix-calculus"]
    first, second = instances(templates, 2, 21)
    wrong = mistake(first, "output", "inverted-mask") if first.template_id == \
        "dropout/apply-mask" else "x^T"
    lines = [wrong, "\x1b[2J\x07", *answers(first), "skip", "hint", "skip"]
    env = dict(os.environ, NO_COLOR="1", PYTHONWARNINGS="error")
    proc = subprocess.run(mlquiz("practice", "--template", templates[0], "--template",
                                 templates[1], "--count", "2", "--seed", "21", "--db", str(db)),
                          input=cli_input(lines), capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "answer> \\u001b[2J\\u0007\n" in proc.stdout  # the echoed answer, made harmless
    assert "Incorrect · " in proc.stdout and "Could not read · " in proc.stdout
    assert "Session summary" in proc.stdout
    stored = rows(db, "SELECT template, outcome FROM questions ORDER BY number")
    assert stored == [(first.template_id, "wrong"), (second.template_id, "wrong")]
    assert rows(db, "SELECT answer FROM attempts WHERE status = 'invalid'") == [("\x1b[2J\x07",)]


def test_subprocess_ctrl_c_ends_with_the_summary(tmp_path: Path) -> None:
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.Popen(mlquiz("practice", "--template", CM, "--count", "3", "--seed", "2",
                                   "--db", str(tmp_path / "p.sqlite3")),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, preexec_fn=_default_sigint)
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    while b"answer> " not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, seen
        seen += chunk
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    text = (seen + out).decode()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    assert "No questions answered (interrupted)." in text


def test_subprocess_end_of_input_mid_question(tmp_path: Path) -> None:
    inst = instances([CM], 1, 9)[0]
    proc = subprocess.run(mlquiz("practice", "--template", CM, "--count", "1", "--seed", "9",
                                 "--no-save"),
                          input=answers(inst)[0] + "\n", capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "1 of 1 question answered (stopped: end of input) · score 1 of 1 point (100%)" in \
        proc.stdout


class Terminal:
    """`mlquiz practice` on a pseudo-terminal: keys typed, output read until a marker."""

    def __init__(self, args: Sequence[str], home: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        env = dict(os.environ, NO_COLOR="1", TERM="dumb", XDG_DATA_HOME=str(home))
        self.proc = subprocess.Popen(mlquiz("practice", *args), stdin=slave, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = b""

    def read_until(self, marker: bytes) -> None:
        import select

        while marker not in self.seen:
            ready, _, _ = select.select([self.master], [], [], 60)
            assert ready, self.seen.decode(errors="replace")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            self.seen += chunk

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> str:
        os.close(self.master)
        self.proc.wait(timeout=60)
        return self.seen.decode(errors="replace").replace("\r\n", "\n")


def test_terminal_session_offers_the_topic_menu_and_ends_on_ctrl_d(tmp_path: Path) -> None:
    """On a real terminal (a pseudo-terminal here): the topic menu, a question of the chosen
    topic, and Ctrl-D ending the session with its summary."""
    term = Terminal(["--count", "1", "--no-save"], tmp_path)
    try:
        term.read_until(b"topics> ")
        number = next(line.split(b")")[0].strip() for line in term.seen.splitlines()
                      if b") dropout " in line)
        term.type(number + b"\n")
        term.read_until(b"answer> ")
        term.type(b"\x04")  # Ctrl-D
        term.read_until(b"Progress not saved.")
    finally:
        text = term.close()
    assert term.proc.returncode == 0, text
    assert "Topics:\n" in text and "Choose topics by number" in text
    assert "Question 1 of 1 · dropout · dropout/" in text
    assert "No questions answered (end of input)." in text
    assert "Traceback" not in text


def test_terminal_ctrl_d_at_the_menu_asks_nothing(tmp_path: Path) -> None:
    term = Terminal(["--no-save"], tmp_path)
    try:
        term.read_until(b"topics> ")
        term.type(b"\x04")
        term.read_until(b"No questions asked.")
    finally:
        text = term.close()
    assert term.proc.returncode == 0, text
    assert text.endswith("topics> \nNo questions asked.\n")
