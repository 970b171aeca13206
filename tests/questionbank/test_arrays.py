"""numpy is loaded only where an array can appear (`questionbank.arrays`).

Regrading a scalar template from its stored params must not import numpy (110 ms of CPU),
and the static test that decides it (`Template.may_make_arrays`) must never miss an array.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from questionbank.api import default_bank
from questionbank.expr import parse
from questionbank.instance import generate
from questionbank.values import to_json

REGRADE_SCRIPT = """
import json, sys
from questionbank.api import default_bank
from questionbank.instance import generate
from grader.judge.check import check_key
params = json.loads(sys.argv[1])
inst = generate(default_bank().get("metrics/confusion-matrix"), 7, params, render_text=False)
results = [check_key(part, text, 7) for part in inst.parts for text in ("0.5", "1/2", "x")]
print(json.dumps({"loaded": "numpy" in sys.modules,
                  "statuses": [r.status for r in results],
                  "mistakes": [m.id for p in inst.parts for m in p.mistakes]}))
"""


def test_regrading_a_scalar_template_does_not_import_numpy() -> None:
    """The grade path (stored params, mistakes, checking numbers) never meets an array."""
    params = to_json(dict(generate(default_bank().get("metrics/confusion-matrix"), 7).params))
    proc = subprocess.run([sys.executable, "-c", REGRADE_SCRIPT, json.dumps(params)],
                          capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    assert out["loaded"] is False
    assert "invalid" in out["statuses"] and "incorrect" in out["statuses"]
    assert out["mistakes"]


@pytest.mark.parametrize(("text", "makes"), [
    ("a + b", False), ("[1, 2]", True), ("sum(zeros(n))", True), ("max(a, [1, 2][0])", True),
    ("abs(x) - 1", False), ("-(x^T)", False), ("ifelse(a > 0, sqrt(a), 0)", False),
])
def test_makes_arrays_finds_lists_and_zeros(text: str, makes: bool) -> None:
    assert parse(text).makes_arrays() is makes


def _numpy_values(value: Any) -> bool:
    if isinstance(value, np.ndarray | np.generic):
        return True
    if isinstance(value, dict):
        return any(_numpy_values(v) for v in value.values())
    if isinstance(value, list | tuple | frozenset):
        return any(_numpy_values(v) for v in value)
    return False


def test_templates_judged_scalar_never_hold_an_array() -> None:
    """Every built-in template that `may_make_arrays` calls scalar has no numpy value in its
    params, answers or mistakes (so generating it without numpy's error state is safe)."""
    bank = default_bank()
    scalar = [t for t in (bank.get(i) for i in bank.ids()) if not t.may_make_arrays]
    assert any(t.id == "metrics/confusion-matrix" for t in scalar)
    for template in scalar:
        for seed in range(3):
            inst = generate(template, seed, render_text=False)
            values = [dict(inst.params), dict(inst.context)]
            for part in inst.parts:
                values += [part.value, part.answer, [m.value for m in part.mistakes]]
            assert not _numpy_values(values), (template.id, seed)
