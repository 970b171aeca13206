"""Named reference solvers that templates call with ``solver: NAME``.

A solver is a plain Python function from the template's values (params and derived values, in
the exact domain: ints, `Fraction`s, numpy object arrays) to a mapping of named results. Results
named like a part become that part's reference answer unless the part gives its own ``answer``;
every result is also available to the prompt, the solution and the mistakes. Registering the
names a solver returns lets template validation reject a misspelt name at load time.

Solvers are Python code, so they come only from this package and from installed packs (their
``mlquiz.solvers`` entry points, imported with the built-in modules: `questionbank.packs`),
never from a bank folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from questionbank.errors import QuizError

__all__ = ["SOLVERS", "Solver", "register", "solver_outputs", "solver_problems"]

SolverFn = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Solver:
    """A registered solver: its function and the names of the values it returns."""

    name: str
    fn: SolverFn
    outputs: tuple[str, ...]


SOLVERS: dict[str, Solver] = {}


def register(name: str, outputs: tuple[str, ...]) -> Callable[[SolverFn], SolverFn]:
    """Decorator: make `fn` available to templates as ``solver: name``."""

    def wrap(fn: SolverFn) -> SolverFn:
        if name in SOLVERS:
            raise ValueError(f"solver {name!r} registered twice")
        SOLVERS[name] = Solver(name, fn, outputs)
        return fn

    return wrap


def solver_outputs() -> dict[str, tuple[str, ...]]:
    """Every solver name with the names it returns (imports the built-in solver modules)."""
    _load_builtin()
    return {name: s.outputs for name, s in SOLVERS.items()}


def get_solver(name: str) -> Solver:
    _load_builtin()
    return SOLVERS[name]


def solver_problems() -> list[QuizError]:
    """The installed packs whose solver modules failed to load (loads the solvers first)."""
    _load_builtin()
    return list(_problems)


_loaded = False
_problems: list[QuizError] = []


def _load_builtin() -> None:
    """Import the built-in solver modules, then the installed packs' (each once)."""
    global _loaded
    if not _loaded:
        import importlib
        import pkgutil

        from questionbank.packs import load_pack_solvers

        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True  # before the packs: their modules import this one and register
        _problems.extend(load_pack_solvers())
