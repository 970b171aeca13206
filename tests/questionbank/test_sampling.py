"""Sampling params: every value a spec allows is drawn, and only those.

Until these tests, only golden files pinned these rules: a decimal param keeps its step's
decimal places (``min: -2, step: 0.1`` draws -1.7, never a whole number in its place), and an
int param reaches both ends of its range; for scalar draws and for the entries of a vector or
a matrix alike (they are drawn in one call to the generator).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

from questionbank.instance import generate

SEEDS = range(400)


def _template(load_template_text: Callable[..., Any], spec: str) -> Any:
    return load_template_text(f"""\
title: Sampling
topic: demo
params:
  p: {spec}
prompt: "p is {{{{ p }}}}"
parts:
  - id: one
    type: number
    answer: 1
""")


def _drawn(template: Any) -> list[Any]:
    """Every scalar value drawn for the param ``p`` over `SEEDS` (entries of a vector or
    matrix one by one)."""
    values: list[Any] = []
    for seed in SEEDS:
        value = generate(template, seed, render_text=False).params["p"]
        if isinstance(value, tuple):
            values.extend(v for item in value
                          for v in (item if isinstance(item, tuple) else (item,)))
        else:
            values.append(value)
    return values


INT_SPECS = {
    "scalar": "{type: int, min: -3, max: 4}",
    "vector": "{type: vector, length: 3, of: {type: int, min: -3, max: 4}}",
    "matrix": "{type: matrix, rows: 2, cols: 2, of: {type: int, min: -3, max: 4}}",
}


@pytest.mark.parametrize("spec", INT_SPECS.values(), ids=INT_SPECS.keys())
def test_int_params_reach_both_ends_of_their_range(
        load_template_text: Callable[..., Any], spec: str) -> None:
    """``min: -3, max: 4`` draws every whole number from -3 to 4, both ends included, and
    nothing else."""
    drawn = _drawn(_template(load_template_text, spec))
    assert all(type(v) is int for v in drawn)
    assert set(drawn) == set(range(-3, 5))


# (spec, min, max, step): the values on the grid min, min + step, ..., max
DECIMAL_SPECS = {
    "tenths-from-negative-whole": ("{type: decimal, min: -2, max: 2, step: 0.1}",
                                   "-2", "2", "0.1"),
    "quarters": ("{type: decimal, min: 1, max: 2, step: 0.25}", "1", "2", "0.25"),
    "whole-steps-from-a-half": ("{type: decimal, min: 0.5, max: 3.5, step: 1}",
                                "0.5", "3.5", "1"),
    "vector-of-tenths": ("{type: vector, length: 4, of: {type: decimal, min: -2, max: 2, "
                         "step: 0.1}}", "-2", "2", "0.1"),
    "matrix-of-tenths": ("{type: matrix, rows: 2, cols: 2, of: {type: decimal, min: -2, "
                         "max: 2, step: 0.1}}", "-2", "2", "0.1"),
}


@pytest.mark.parametrize(("spec", "lo", "hi", "step"), DECIMAL_SPECS.values(),
                         ids=DECIMAL_SPECS.keys())
def test_decimal_params_keep_their_steps_decimals(
        load_template_text: Callable[..., Any], spec: str, lo: str, hi: str,
        step: str) -> None:
    """Every drawn decimal reads as a number of its grid (``repr`` gives the exact decimal:
    -1.7, not -1.7000000000000002, and not -2), both ends are drawn, and nearly every grid
    value is (so rounding the values to fewer places, which lands them on other grid
    points, is caught)."""
    first, last, width = Fraction(lo), Fraction(hi), Fraction(step)
    grid = {first + k * width for k in range(int((last - first) / width) + 1)}
    drawn = _drawn(_template(load_template_text, spec))
    assert all(type(v) is float for v in drawn)
    exact = {Fraction(repr(v)) for v in drawn}
    assert exact <= grid, sorted(exact - grid)[:5]
    assert {first, last} <= exact
    assert len(exact) >= 0.9 * len(grid), (len(exact), len(grid))


def test_the_budget_clock_is_read_only_when_the_deadline_may_have_passed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: `past` tells whether this thread's CPU clock has passed a deadline, and reads that
    clock (a system call) only when the wall time since its last reading could have taken it
    there: a thread's CPU time never grows faster than wall time."""
    import time

    from questionbank import sampling

    start = sampling.budget_clock()
    spin = time.perf_counter()
    while time.perf_counter() - spin < 0.05:  # burn some CPU time
        pass
    assert sampling.past(start + 0.01)
    assert not sampling.past(sampling.budget_clock() + 60)

    def no_reading() -> float:
        raise AssertionError("the CPU clock was read")

    sampling.budget_clock()
    monkeypatch.setattr(sampling.time, "thread_time", no_reading)
    assert not sampling.past(1e18)  # far away: the clock is not read
    with pytest.raises(AssertionError, match="was read"):
        sampling.past(-1.0)  # may have passed: the clock is read


def test_budget_now_is_the_cpu_clock_or_at_most_a_recent_reading_above_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: `budget_now` is this thread's CPU time, or an upper bound of it no more than
    `RECENT_READING` above, taken from a reading of the clock less than that long ago; an
    older reading is not used (the clock is read again)."""
    import time

    from questionbank import sampling

    for _ in range(200):
        before = sampling.budget_clock()
        now = sampling.budget_now()
        after = sampling.budget_clock()
        assert before <= now <= after + sampling.RECENT_READING

    reads = []
    real = sampling.time.thread_time

    def counted() -> float:
        reads.append(1)
        return real()

    monkeypatch.setattr(sampling.time, "thread_time", counted)
    for _ in range(50):  # (a busy machine may pause this thread for more than a millisecond)
        sampling.budget_clock()
        reads.clear()
        sampling.budget_now()
        if not reads:
            break
    assert not reads  # a recent reading: no system call
    time.sleep(2 * sampling.RECENT_READING)
    sampling.budget_now()
    assert reads == [1]  # too old: the clock is read


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_forked_child_reads_its_own_cpu_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the parent's last reading is forgotten in a forked child, whose CPU clock starts
    again near 0 (else `budget_now` would give the parent's CPU time: an instance's budget in
    a `--jobs` worker would be 2 s plus the CPU time the parent had used). The reading stays
    recent here however long the fork takes."""
    import os
    import time

    from questionbank import sampling

    monkeypatch.setattr(sampling, "RECENT_READING", 60.0)
    spin = time.thread_time() + 0.3
    while time.thread_time() < spin:  # the parent has used at least 0.3 s of CPU time
        pass
    read, write = os.pipe()
    assert sampling.budget_clock() >= 0.3
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child reports through the pipe)
        try:
            os.write(write, repr(sampling.budget_now()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        now = float(pipe.read())
    os.waitpid(pid, 0)
    assert now < 0.2
