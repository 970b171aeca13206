"""Which slips a template can declare as mistakes on one instance.

A solver that returns the values students get after common slips (``m_<slip>``) also says, per
slip, whether to declare it on this instance (``keep_<slip>``): the slip applies and it differs,
in some entry, by more than `SEPARATION` (relatively) from the answer and from every slip kept
before it. So the grader can always tell a kept slip from the answer and from the slips
declared before it (mistakes are tried in the template's order), however the params fall. An
array of another shape is always apart.

The templates keep such coincidences rare with constraints; this only removes the last few.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["SEPARATION", "apart", "keep_apart", "keep_flags"]

#: how far apart (relatively, in at least one entry) a kept slip is from the answer and from
#: the slips kept before it, by default: twice a tolerance of 1%
SEPARATION = 0.02


def apart(x: Any, y: Any, separation: float = SEPARATION) -> bool:
    """Whether two numbers or arrays differ in shape, or in some entry by more than
    `separation` of the larger size of the two (and by more than 1e-9)."""
    return _apart(_flat(x), _flat(y), separation)


def keep_apart(answer: Any, slips: Mapping[str, tuple[Any, bool]], order: Sequence[str],
               separation: float = SEPARATION) -> dict[str, bool]:
    """For each slip name in `order` (the template's order of its mistakes): keep it when it
    applies (the bool of its ``(value, applies)`` pair) and its value is `apart` from the
    answer and from every slip kept before it."""
    seen = [_flat(answer)]
    kept: dict[str, bool] = {}
    for name in order:
        value, applies = slips[name]
        flat = _flat(value) if applies else None
        ok = flat is not None and all(_apart(flat, other, separation) for other in seen)
        kept[name] = ok
        if ok and flat is not None:
            seen.append(flat)
    return kept


def keep_flags(answers: Mapping[str, Any], slips: Mapping[str, tuple[Any, bool]],
               order: Mapping[str, Sequence[str]], separation: float = SEPARATION
               ) -> dict[str, bool]:
    """`keep_apart` for every part of a template: `order` maps a part id to its slips in the
    template's order, `answers` a part id to its answer. Returns ``keep_<slip>`` for every
    slip, the names a solver returns."""
    flags: dict[str, bool] = {}
    for part, names in order.items():
        for name, kept in keep_apart(answers[part], slips, names, separation).items():
            flags[f"keep_{name}"] = kept
    return flags


_Flat = tuple[tuple[int, ...], list[float]]


def _apart(x: _Flat, y: _Flat, separation: float) -> bool:
    if x[0] != y[0]:
        return True
    for a, b in zip(x[1], y[1], strict=True):
        gap = abs(a - b)
        if gap > 1e-9 and gap > separation * max(abs(a), abs(b)):
            return True
    return False


def _flat(value: Any) -> _Flat:
    """The shape and the entries (row by row, as floats) of a number, vector or matrix given
    as a number, a (nested) list or a numpy array. Plain Python: solvers call this for every
    slip of every instance, and numpy's overhead on a handful of entries was most of it."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        return (), [float(value)]
    if value and isinstance(value[0], list | tuple):
        return (len(value), len(value[0])), [float(e) for row in value for e in row]
    return (len(value),), [float(e) for e in value]
