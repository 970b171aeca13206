"""Question packs installed as Python distributions, found through their entry points.

An instructor's pack is a normal Python distribution that declares two entry points in its
``pyproject.toml``::

    [project.entry-points."mlquiz.banks"]
    intro-ml = "intro_ml:BANK"          # an object: the folder that holds the pack's templates

    [project.entry-points."mlquiz.solvers"]
    intro-ml = "intro_ml.solvers"       # a module: importing it registers the pack's solvers

``BANK`` is a path (a `str` or any `os.PathLike`, such as ``Path(__file__).parent /
"templates"``); the templates below it get ids exactly as in a ``--bank`` folder. The solvers
module calls `questionbank.solvers.register` when imported. A pack is named by its
distribution's name (``intro-ml``) in listings and errors.

Discovery is lazy and cheap: nothing here runs at import, and `importlib.metadata` (about
30 ms of imports, mostly `email`) is imported only when some distribution on ``sys.path``
declares an ``mlquiz.*`` entry point at all (`may_have_packs`, a scan of the small
``entry_points.txt`` files). A pack that fails to load (its module raises, its folder is
missing) becomes a `PackError` naming the pack, returned to the caller, so that one broken pack
never hides the built-in bank.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questionbank.errors import QuizError

__all__ = ["BANKS_GROUP", "SOLVERS_GROUP", "PackBank", "PackError", "installed_banks",
           "load_pack_solvers", "may_have_packs"]

BANKS_GROUP = "mlquiz.banks"
SOLVERS_GROUP = "mlquiz.solvers"


class PackError(QuizError):
    """An installed pack that cannot be used; the message names the pack and its entry point."""


@dataclass(slots=True, frozen=True)
class PackBank:
    """The template folder of an installed pack."""

    pack: str     # the distribution's name, e.g. "intro-ml"
    entry: str    # the entry point as declared, e.g. "intro-ml = intro_ml:BANK"
    folder: Path


def installed_banks() -> tuple[list[PackBank], list[PackError]]:
    """The template folders of the installed packs (sorted by pack name, then entry point), and
    an error for each ``mlquiz.banks`` entry point that does not give an existing folder."""
    banks: list[PackBank] = []
    errors: list[PackError] = []
    for pack, entry in _entry_points(BANKS_GROUP):
        shown = f"{entry.name} = {entry.value}"
        try:
            value = _load(pack, entry)
        except PackError as exc:
            errors.append(exc)
            continue
        if not isinstance(value, str | os.PathLike):
            errors.append(PackError(
                f"pack {pack!r}: entry point {BANKS_GROUP} '{shown}' gives a "
                f"{type(value).__name__}, not the path of a template folder"))
            continue
        folder = Path(value)
        if not folder.is_dir():
            errors.append(PackError(
                f"pack {pack!r}: its template folder {folder} does not exist (entry point "
                f"{BANKS_GROUP} '{shown}')"))
            continue
        banks.append(PackBank(pack, shown, folder))
    return banks, errors


def load_pack_solvers() -> list[PackError]:
    """Import every ``mlquiz.solvers`` entry point's module (which registers its solvers); an
    error for each one that fails to import or to register (a name registered twice)."""
    errors: list[PackError] = []
    for pack, entry in _entry_points(SOLVERS_GROUP):
        try:
            _load(pack, entry)
        except PackError as exc:
            errors.append(exc)
    return errors


def _load(pack: str, entry: Any) -> Any:
    """`entry.load()`, with any exception of the pack's code turned into a `PackError`: the
    pack is third-party code, and its failure must be reported, not crash the command."""
    try:
        return entry.load()
    except Exception as exc:  # any failure of the pack's own code
        raise PackError(f"pack {pack!r}: cannot load entry point {entry.group} "
                        f"'{entry.name} = {entry.value}': {type(exc).__name__}: {exc}") from None


def _entry_points(group: str) -> list[tuple[str, Any]]:
    """``(pack name, entry point)`` of `group`, sorted, for the distributions on ``sys.path``."""
    if not may_have_packs():
        return []
    from importlib.metadata import entry_points

    found = []
    for entry in entry_points(group=group):
        dist = getattr(entry, "dist", None)
        found.append((dist.name if dist is not None else entry.name, entry))
    return sorted(found, key=lambda item: (item[0], item[1].name))


def may_have_packs() -> bool:
    """Whether some ``*.dist-info`` or ``*.egg-info`` folder on ``sys.path`` has an
    ``entry_points.txt`` naming an ``mlquiz.`` group (or a ``sys.path`` entry is a zip file,
    which only `importlib.metadata` reads). False means no pack is installed, for certain."""
    for place in sys.path:
        try:
            with os.scandir(place or ".") as it:
                names = [e.name for e in it if e.name.endswith((".dist-info", ".egg-info"))]
        except NotADirectoryError:
            return True  # a zip archive on sys.path
        except OSError:
            continue
        for name in names:
            try:
                with open(os.path.join(place or ".", name, "entry_points.txt"), "rb") as fh:
                    if b"[mlquiz." in fh.read():
                        return True
            except OSError:
                continue
    return False
