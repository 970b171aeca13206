"""Deciding whether two expressions are the same function, by evaluation at random points.

Symbols are bound to random float64 matrices of their declared shapes (values in [-2, 2], drawn
from a generator seeded by the caller), and both sides are evaluated with our own evaluator.
Equal values at every point within a relative tolerance means "equivalent"; a different result
shape is its own verdict, because ``b aᵀ`` for ``a bᵀ`` deserves its own feedback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from questionbank.expr import Expr, evaluate

__all__ = ["compare_values", "random_points", "values_at"]


def random_points(symbols: Mapping[str, Sequence[int]], seed: int,
                  count: int = 2) -> list[dict[str, Any]]:
    """`count` environments binding every symbol to a random matrix of its shape.

    Two points are plenty: two different rational functions of continuous random matrices
    agree at a random point with probability zero; the second point guards against an
    unlucky draw near a cancellation.
    """
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(count):
        env: dict[str, Any] = {}
        for name, shape in symbols.items():
            dims = tuple(int(d) for d in shape)
            env[name] = rng.uniform(-2.0, 2.0, size=dims if len(dims) == 2 else (dims[0], 1))
        points.append(env)
    return points


def _normalise(value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape == (1, 1):
        return arr.reshape(())
    return arr


def values_at(expr: Expr, points: Sequence[Mapping[str, Any]]) -> list[np.ndarray]:
    """The value of `expr` at each point (1×1 results count as scalars). Raises `ExprError`."""
    return [_normalise(evaluate(expr, env, exact=False)) for env in points]


def compare_values(got: Sequence[np.ndarray], want: Sequence[np.ndarray], rtol: float = 1e-6,
                   atol: float = 1e-9) -> str:
    """'equal', 'shape' (a different result shape) or 'different'.

    Values are compared relative to the largest reference value over all points (at least 1),
    in one vectorised step: the points are few and small, so numpy's per-call cost dominates.
    """
    if any(g.shape != w.shape for g, w in zip(got, want, strict=True)):
        return "shape"
    g = np.concatenate([x.ravel() for x in got])
    w = np.concatenate([x.ravel() for x in want])
    if not np.isfinite(g).all():
        return "different"
    scale = max(float(np.abs(w).max()) if w.size else 0.0, 1.0)
    return "equal" if (np.abs(g - w) <= rtol * scale + atol).all() else "different"
