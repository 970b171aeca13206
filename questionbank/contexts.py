"""The mappings an instance's expressions and texts read, each computing a value on first use.

Generating an instance must stay cheap (a batch rebuilds thousands), and most of what it could
compute is never read: grading renders no text, and a right answer needs no mistakes. These
mappings convert or compute one name at a time, when it is first looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from questionbank.expr import to_float
from questionbank.render import display_value

__all__ = ["DisplayContext", "FloatEnv", "Overlay"]

_MISSING = object()


class FloatEnv(Mapping[str, Any]):
    """The environment in floating point, for mistakes and their conditions: the params are
    ready (the constraints used them), a solver's outputs are converted one by one on first
    use. Most instances never compute their mistakes (a right answer needs none)."""

    def __init__(self, exact: Mapping[str, Any], ready: dict[str, Any]) -> None:
        self._exact = exact
        self._ready = ready

    def __getitem__(self, key: str) -> Any:
        try:
            return self._ready[key]
        except KeyError:
            value = self._ready[key] = to_float(self._exact[key])
            return value

    def __contains__(self, key: object) -> bool:
        return key in self._ready or key in self._exact

    def __iter__(self) -> Iterator[str]:
        return iter(self._exact)

    def __len__(self) -> int:
        return len(self._exact)


class DisplayContext(Mapping[str, Any]):
    """The values templates' text sees, converted for display (`display_value`) on first
    access: grading never renders text, so it never pays for the conversion."""

    def __init__(self, raw: dict[str, Any], ready: dict[str, Any]) -> None:
        self._raw = raw
        self._ready = ready

    def add(self, key: str, raw_value: Any) -> None:
        self._raw[key] = raw_value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._ready or key in self._raw

    def get(self, key: str, default: Any = None) -> Any:
        """`Mapping.get` in one step: a text's values are looked up so (`render._values`), and
        `in` followed by `[]` was two Python calls per name, 0.4 us."""
        value = self._ready.get(key, _MISSING)
        if value is _MISSING:
            raw = self._raw.get(key, _MISSING)
            if raw is _MISSING:
                return default
            value = self._ready[key] = display_value(raw)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._raw, *self._ready]))

    def __len__(self) -> int:
        return len(self._raw.keys() | self._ready.keys())


class Overlay(Mapping[str, Any]):
    """A context with a few more names, computed on first use (a mistake's own value for its
    feedback): no copy of the context, whose values are converted for display one by one."""

    def __init__(self, base: Mapping[str, Any], **extra: Callable[[], Any]) -> None:
        self._base = base
        self._extra = extra
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self._extra:
            if key not in self._done:
                self._done[key] = self._extra[key]()
            return self._done[key]
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._extra or key in self._base

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._base, *self._extra]))

    def __len__(self) -> int:
        return len(set(self._base) | self._extra.keys())

