"""Names a package exports but imports only on first use, so that importing the package (as
`mlquiz --help` does) does not pull in numpy, Jinja or sympy."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str],
                 namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for `package`: a name listed in `where` (name -> module) is
    imported from its module when first asked for and kept in `namespace` (the package's
    globals), so later lookups are plain attribute reads."""

    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(importlib.import_module(where[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
