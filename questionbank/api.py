"""`generate` by template id or object, with a default bank loaded once per process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionbank.bank import Bank, load_bank
from questionbank.instance import Instance
from questionbank.instance import generate as _generate
from questionbank.schema import Template

__all__ = ["default_bank", "generate"]

_default_bank: Bank | None = None


def default_bank() -> Bank:
    """The built-in bank plus ``MLQUIZ_BANK``, loaded once per process."""
    global _default_bank
    if _default_bank is None:
        _default_bank = load_bank()
    return _default_bank


def generate(template: Template | str, seed: int, params: Mapping[str, Any] | None = None,
             *, bank: Bank | None = None) -> Instance:
    """The instance of a template (object or id) for `seed`; `params` override sampled values.

    Same template + seed + params gives the same instance in every process and run.
    """
    if isinstance(template, str):
        template = (bank or default_bank()).get(template)
    return _generate(template, seed, params)
