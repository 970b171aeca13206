"""mlquiz's question bank: templates, seeded sampling, reference solvers and instances.

Public API::

    bank = load_bank()                                  # built-in + MLQUIZ_BANK folders
    inst = generate("metrics/confusion-matrix", seed=1) # or a Template object
    inst.to_dict()                                      # the `mlquiz show --format json` document

This package never imports `grader` or `click`. Names are imported on first use, so importing
`questionbank.errors` (as the CLI does at start-up) does not pull in numpy or Jinja.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from questionbank.errors import AnswerError, InputError, QuizError, TemplateError
from questionbank.lazy import lazy_exports

if TYPE_CHECKING:
    from questionbank.api import generate
    from questionbank.bank import Bank, load_bank
    from questionbank.instance import Instance, Part
    from questionbank.sampling import derive_seed
    from questionbank.schema import Template

__all__ = [
    "AnswerError", "Bank", "InputError", "Instance", "Part", "QuizError", "Template",
    "TemplateError", "derive_seed", "generate", "load_bank",
]

_LAZY = {
    "generate": "questionbank.api", "Bank": "questionbank.bank", "load_bank": "questionbank.bank",
    "Instance": "questionbank.instance", "Part": "questionbank.instance",
    "derive_seed": "questionbank.sampling", "Template": "questionbank.schema",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())
