"""Tests for numpy values that never import numpy, and numpy's raising error state.

Importing numpy costs about 110 ms of CPU (``python -c "import numpy"`` against ``python -c
pass``, whole processes on this machine): a third of `mlquiz show` and `mlquiz check`, a sixth
of grading 2,500 students with `--no-pages`. Most templates have only scalar params and
answers, and regrading them from stored params never needs an array; so generic code asks these
functions instead of ``isinstance(x, np.ndarray)``. A numpy value can only exist once numpy is
imported, so each test first looks numpy up in `sys.modules`.
Code that makes arrays imports numpy where it makes them.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["float_errors_raise", "is_array", "is_numpy_float", "is_numpy_int", "numpy_loaded"]

_modules = sys.modules


def numpy_loaded() -> bool:
    """Whether numpy has been imported in this process."""
    return "numpy" in _modules


def is_array(x: Any) -> bool:
    """``isinstance(x, numpy.ndarray)``, without importing numpy."""
    np = _modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray)


def is_numpy_int(x: Any) -> bool:
    """``isinstance(x, numpy.integer)``, without importing numpy."""
    np = _modules.get("numpy")
    return np is not None and isinstance(x, np.integer)


def is_numpy_float(x: Any) -> bool:
    """``isinstance(x, numpy.floating)``, without importing numpy."""
    np = _modules.get("numpy")
    return np is not None and isinstance(x, np.floating)


def float_errors_raise() -> AbstractContextManager[Any]:
    """``numpy.errstate`` that makes overflow, invalid and division errors raise, when numpy is
    loaded; nothing otherwise (without numpy there is no numpy arithmetic to guard).

    Code that may make arrays inside the block imports numpy before entering it: the state
    only covers a numpy that is loaded when the block starts.
    """
    np = _modules.get("numpy")
    if np is None:
        return nullcontext()
    return np.errstate(over="raise", invalid="raise", divide="raise")
