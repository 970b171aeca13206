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

from collections.abc import Callable, Iterator, Mapping
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


def solver_outputs() -> Mapping[str, tuple[str, ...]]:
    """Every solver name with the names it returns. Looking one name up imports only the
    module that holds it, as `get_solver` does; listing them imports every solver module."""
    return _SolverOutputs()


class _SolverOutputs(Mapping[str, tuple[str, ...]]):
    """`solver_outputs`: the registered solvers' output names, their modules imported as
    needed (loading a template looks up one solver; several solver modules import numpy)."""

    def __getitem__(self, name: str) -> tuple[str, ...]:
        return get_solver(name).outputs

    def __iter__(self) -> Iterator[str]:
        _load_builtin()
        return iter(dict(SOLVERS))

    def __len__(self) -> int:
        _load_builtin()
        return len(SOLVERS)


def get_solver(name: str) -> Solver:
    if name not in SOLVERS:
        _load_module_of(name)
    if name not in SOLVERS:
        _load_builtin()
    return SOLVERS[name]


def _load_module_of(name: str) -> None:
    """Import the built-in module named by the solver's prefix (``metrics.confusion`` is in
    ``metrics.py``), if there is one. Most solvers are found there, and importing only their
    module spares importing every one of them: several import numpy, 110 ms of CPU that a
    scalar template's solver does not need."""
    import importlib
    import os

    # a module of this folder (not `pkgutil.iter_modules`: 0.8 ms to import, on every path
    # that loads a template)
    prefix = name.partition(".")[0]
    if prefix.isidentifier() and not prefix.startswith("_") and any(
            os.path.isfile(os.path.join(folder, f"{prefix}.py")) for folder in __path__):
        importlib.import_module(f"{__name__}.{prefix}")


def solver_problems() -> list[QuizError]:
    """The installed packs whose solver modules failed to load (loads the solvers first,
    unless no pack is installed: several built-in modules import numpy, 110 ms of CPU)."""
    from questionbank.packs import may_have_packs

    if not _loaded and not may_have_packs():
        return []
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
