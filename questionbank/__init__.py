"""mlquiz's question bank: templates, seeded sampling, reference solvers and instances.

Public API::

    bank = load_bank()                                  # built-in + MLQUIZ_BANK folders
    inst = generate("metrics/confusion-matrix", seed=1) # or a Template object
    inst.to_dict()                                      # the `mlquiz show --format json` document

This package never imports `grader` or `click`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from questionbank.bank import Bank, load_bank
from questionbank.errors import AnswerError, InputError, QuizError, TemplateError
from questionbank.instance import Instance, Part
from questionbank.instance import generate as _generate
from questionbank.sampling import derive_seed
from questionbank.schema import Template

__all__ = [
    "AnswerError", "Bank", "InputError", "Instance", "Part", "QuizError", "Template",
    "TemplateError", "derive_seed", "generate", "load_bank",
]

_default_bank: Bank | None = None


def generate(template: Template | str, seed: int, params: Mapping[str, Any] | None = None,
             *, bank: Bank | None = None) -> Instance:
    """The instance of a template (object or id) for `seed`; `params` override sampled values.

    Same template + seed + params gives the same instance in every process and run.
    """
    global _default_bank
    if isinstance(template, str):
        if bank is None:
            if _default_bank is None:
                _default_bank = load_bank()
            bank = _default_bank
        template = bank.get(template)
    return _generate(template, seed, params)
