"""The numbers an LMS must accept for a key, and where a mistake's answer may go.

The accepted window of a key is the judge's own rule: `grader.judge.tolerance.accepted_window`
(next to `within`, whose acceptance it matches up to the documented float slack, never wider).
This module adds what only an export needs: an exact window for integer parts, and a mistake's
window cut so that it never overlaps the correct one.
"""

from __future__ import annotations

import math

from grader.judge.tolerance import Window, accepted_window

__all__ = ["Window", "accepted_window", "exact_window", "narrowed_clear_of"]


def exact_window(value: float) -> Window:
    """Only `value` itself (an integer part, compared exactly)."""
    return Window(float(value), 0.0)


def narrowed_clear_of(window: Window, avoid: Window) -> Window | None:
    """`window` with its margin cut so that it stays clear of `avoid` (a mistake's window
    beside the correct one), or None when its centre lies inside `avoid` or no margin is
    left: an LMS checks its answers in order, but the export never relies on that."""
    if avoid.contains(window.center) or window.center == avoid.lo or window.center == avoid.hi:
        return None
    if not window.overlaps(avoid):
        return window
    gap = avoid.lo - window.center if window.center < avoid.lo else window.center - avoid.hi
    step = math.ulp(max(abs(window.center), abs(avoid.lo), abs(avoid.hi)))
    half = min(window.half, gap - step)
    # stay clear after the LMS's own float arithmetic on centre +- margin
    while half > 0 and Window(window.center, half).overlaps(avoid):
        half -= step
    return Window(window.center, half) if half > 0 else None
