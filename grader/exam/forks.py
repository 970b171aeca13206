"""Work split over forked processes: `forked_map` runs a function over a few large tasks, all
but the last in child processes started with `os.fork`, and gives the results in task order.

`generate` uses it for a large exam: a child starts as a copy of the parent, with its imports
done and its caches (compiled texts, parsed Markdown) warm, so the split costs little; the
results (rendered sheets and manifest records) come back pickled through a pipe. What a task
writes to files stays written.

A task whose child fails in any way (an exception, a kill) is run again in this process, in
task order, so the error raised is the one, and where, a serial run would raise. Where
`os.fork` is not safe to use (not Linux) everything runs in this process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from grader.outdir import bind_to_run

__all__ = ["can_fork", "forked_map", "idle_processors", "in_forked_child"]

T = TypeVar("T")
R = TypeVar("R")


def can_fork() -> bool:
    """Whether `forked_map` may start children here (Linux: fork is safe with its libraries)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def idle_processors() -> int:
    """How many processes could run at once here without waiting for a processor: this one,
    plus one per processor (of those it may run on) that nothing else is running on at this
    moment. On a busy machine that is 1: there a forked process only adds its overhead (a
    100-student exam took as long in two processes as in one, and 5-10% more CPU time, while
    other work kept both of 2 processors busy; 35% less time with one of them idle)."""
    try:
        processors = len(os.sched_getaffinity(0))
        runnable = _runnable_tasks()
    except (AttributeError, OSError, ValueError, IndexError):
        return 1
    return max(1, min(processors, 1 + processors - runnable))


def _runnable_tasks() -> int:
    """The tasks of other processes running or ready to run on the machine now, plus this one
    (Linux's ``/proc/loadavg``: its fourth field is runnable/total, threads included); the
    fewest of `_READINGS` readings `_READING_GAP` seconds apart, so that a kernel thread
    waking for a moment does not count. Not the load average: that is the last minute's,
    which counts the earlier runs of a command run over and over.

    This process's other threads do not count: numpy's BLAS threads spin for a moment after
    numpy is imported. Counted as other work, they and a blip of the kernel's made `generate`
    of a 100-student exam with array questions run in one process (0.93 s) instead of two
    (0.65 s) on an idle machine."""
    others = []
    for reading in range(_READINGS):
        if reading:
            time.sleep(_READING_GAP)
        others.append(max(0, _machine_runnable() - _own_runnable_threads()))
    return min(others) + 1


def _machine_runnable() -> int:
    """The machine's tasks running or ready to run now (``/proc/loadavg``)."""
    with open("/proc/loadavg", encoding="ascii") as source:
        return int(source.read().split()[3].split("/")[0])


#: `_runnable_tasks` reads the machine's runnable tasks this many times, this far apart (s).
_READINGS, _READING_GAP = 3, 0.002


def _own_runnable_threads() -> int:
    """This process's threads that are running or ready to run (state R in
    ``/proc/self/task/*/stat``), the calling one included."""
    running = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii") as source:
                stat = source.read()
        except OSError:  # the thread has ended
            continue
        running += stat[stat.rindex(")") + 2] == "R"  # the state follows "(name) "
    return running


def forked_map(fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
    """``[fn(task) for task in tasks]``, every task but the last in a forked child (all at the
    same time), the last in this process. `fn`'s result must pickle."""
    if len(tasks) < 2 or not can_fork():
        return [fn(task) for task in tasks]
    children: list[tuple[int, int]] = []
    # The objects made so far are left out of garbage collection while the children run: a
    # collection would write to every one of them, and so copy the memory pages the children
    # share with this process (a 100-student exam in two processes: 3% less CPU time).
    gc.freeze()
    try:
        for task in tasks[:-1]:
            children.append(_start(fn, task))
        try:
            last: R | BaseException = fn(tasks[-1])
        except Exception as exc:  # raised after the earlier tasks' errors, as in task order
            last = exc
        results = []
        for task in tasks[:-1]:
            pid, pipe = children.pop(0)
            results.append(_collect(fn, task, pid, pipe))
    finally:
        for pid, pipe in children:  # only after an exception: stop what still runs
            _stop(pid, pipe)
        gc.unfreeze()
    if isinstance(last, BaseException):
        raise last
    return [*results, last]


@contextlib.contextmanager
def in_forked_child(fn: Callable[[], R]) -> Iterator[Callable[[], R]]:
    """Run ``fn()`` in a forked child while the block runs; the block calls the function it
    gets to wait for the child and get ``fn()``'s result (which must pickle): the child's, or
    ``fn()`` run in this process when the child failed in any way. A child still running when
    the block ends otherwise (an exception) is stopped.

    Unlike `forked_map`, this leaves the collector alone: the caller freezes what it made
    (`gc.freeze`), so that a collection here does not copy the pages the child shares."""
    pid, pipe = _start(_call, fn)
    running = True

    def wait() -> R:
        nonlocal running
        running = False
        return _collect(_call, fn, pid, pipe)

    try:
        yield wait
    finally:
        if running:
            _stop(pid, pipe)


def _call(fn: Callable[[], R]) -> R:
    return fn()


def _start(fn: Callable[[T], R], task: T) -> tuple[int, int]:
    """Fork a child that runs ``fn(task)`` and writes the pickled result to a pipe; the
    child's process id and the pipe's reading end."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            bind_to_run(parent)  # a killed run takes its children with it
            os.close(read_end)
            data = pickle.dumps(fn(task), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no flush of the parent's buffered output
    os.close(write_end)
    return pid, read_end


def _collect(fn: Callable[[T], R], task: T, pid: int, pipe: int) -> R:
    """The child's result, or `fn(task)` run here when the child failed (the child is reaped
    and its pipe closed either way)."""
    try:
        with os.fdopen(pipe, "rb") as reader:
            data = reader.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if status == 0 and data:
        result: R = pickle.loads(data)  # written by our own child, never by anyone else
        return result
    return fn(task)


def _stop(pid: int, pipe: int) -> None:
    import signal  # only here: 0.5 ms to import, on the path of every `mlquiz grade`

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.close(pipe)
    os.waitpid(pid, 0)
