"""How close a submitted number must be to the reference: the tolerance a template declares.

This module only *describes* a tolerance (it is part of a template); `grader.judge.tolerance`
applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TOLERANCE", "MODES", "Tolerance"]

MODES = ("rel", "abs", "sigfigs", "decimals")


@dataclass(frozen=True, slots=True)
class Tolerance:
    """A comparison rule.

    - ``rel``: ``|sub - true| <= value * |true|``, or ``<= floor`` when that is larger (so a true
      value of 0 is not compared with zero tolerance).
    - ``abs``: ``|sub - true| <= value``.
    - ``sigfigs``: ``sub`` rounds to the same ``value`` significant figures as ``true``.
    - ``decimals``: ``sub`` rounds to the same ``value`` decimal places as ``true``.
    """

    mode: str = "rel"
    value: float = 0.005
    floor: float = 1e-9

    def describe(self) -> str:
        """A short human phrase, e.g. 'within 0.5%' or 'to 3 significant figures'."""
        if self.mode == "rel":
            return f"within {self.value * 100:g}% of the exact value"
        if self.mode == "abs":
            return f"within ±{self.value:g} of the exact value"
        if self.mode == "sigfigs":
            return f"correct to {int(self.value)} significant figures"
        return f"correct to {int(self.value)} decimal places"


DEFAULT_TOLERANCE = Tolerance()
