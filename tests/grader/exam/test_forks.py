"""`grader.exam.forks`: `forked_map` runs tasks in forked processes, results in task order, a
failed child's task run again here; `in_forked_child` runs one task beside the caller's work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.exam import forks
from grader.exam.forks import can_fork, forked_map, idle_processors, in_forked_child

pytestmark = pytest.mark.skipif(not can_fork(), reason="forked processes on Linux only")


def test_results_come_in_task_order_from_other_processes(tmp_path: Path) -> None:
    here = os.getpid()

    def work(n: int) -> tuple[int, bool]:
        (tmp_path / f"{n}.txt").write_text(str(n * n))  # what a task writes stays written
        return n * n, os.getpid() != here

    results = forked_map(work, [1, 2, 3, 4])
    assert [square for square, _ in results] == [1, 4, 9, 16]
    assert [forked for _, forked in results] == [True, True, True, False], "the last runs here"
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["1", "16", "4", "9"]


def test_a_child_that_dies_has_its_task_run_here() -> None:
    here = os.getpid()

    def work(n: int) -> int:
        if n == 2 and os.getpid() != here:
            os._exit(3)  # killed, no result sent
        return -n

    assert forked_map(work, [1, 2, 3]) == [-1, -2, -3]


def test_the_first_error_in_task_order_is_raised() -> None:
    def work(n: int) -> int:
        if n in (2, 4):
            raise ValueError(f"task {n} failed")
        return n

    with pytest.raises(ValueError, match="task 2 failed"):
        forked_map(work, [1, 2, 3, 4])
    with pytest.raises(ValueError, match="task 4 failed"):
        forked_map(work, [1, 3, 4])


def test_without_fork_every_task_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forks, "can_fork", lambda: False)
    here = os.getpid()
    assert forked_map(lambda n: (n, os.getpid() == here), [1, 2]) == [(1, True), (2, True)]


def test_idle_processors_are_those_nothing_else_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    for runnable, expected in ((1, 2), (2, 1), (5, 1)):  # this process counts as one
        monkeypatch.setattr(forks, "_runnable_tasks", lambda runnable=runnable: runnable)
        assert idle_processors() == expected, runnable
    assert forks._runnable_tasks() >= 1
    assert 1 <= idle_processors() <= len(os.sched_getaffinity(0))


def test_this_process_threads_and_a_moments_blip_are_not_other_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy's BLAS threads spin for a moment after its import: this process's own running
    threads (here 2: the calling one and a BLAS thread) are not other work, and of three
    readings of the machine's runnable tasks the quietest counts."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(forks.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(forks, "_own_runnable_threads", lambda: 2)

    def idle_with(readings: list[int]) -> int:
        machine = iter(readings)
        monkeypatch.setattr(forks, "_machine_runnable", lambda: next(machine))
        return idle_processors()

    assert idle_with([4, 2, 3]) == 2  # 2, 0 and 1 other tasks: one moment had none
    assert idle_with([3, 3, 3]) == 1  # another task all along
    assert idle_with([2, 9, 9]) == 2
    assert forks._own_runnable_threads() >= 1  # the calling thread is running


def test_a_task_runs_in_a_child_beside_this_process(tmp_path: Path) -> None:
    here = os.getpid()

    def work() -> None:
        (tmp_path / "pid").write_text(str(os.getpid()))

    with in_forked_child(work) as wait:
        (tmp_path / "mine").write_text("meanwhile")
        wait()
    assert int((tmp_path / "pid").read_text()) != here
    assert (tmp_path / "mine").read_text() == "meanwhile"


def test_a_failed_childs_task_runs_here_when_waited_for(tmp_path: Path) -> None:
    here = os.getpid()

    def work() -> None:
        if os.getpid() != here:
            os._exit(3)
        (tmp_path / "done").write_text("here")

    with in_forked_child(work) as wait:
        assert not (tmp_path / "done").exists()
        wait()
    assert (tmp_path / "done").read_text() == "here"


def test_a_child_is_stopped_when_the_block_fails(tmp_path: Path) -> None:
    def work() -> None:
        import time

        time.sleep(30)
        (tmp_path / "late").write_text("too late")

    with pytest.raises(RuntimeError, match="boom"), in_forked_child(work):
        raise RuntimeError("boom")
    assert not (tmp_path / "late").exists()
