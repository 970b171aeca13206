"""``mlquiz new-pack NAME``: a question pack as a Python distribution, ready to install.

The pack has one template (package data), one solver (code) and one test, and declares the two
entry points of `questionbank.packs`. Installed (``pip install -e .``) it passes ``mlquiz
validate --strict`` and its own test. The files are string templates below, with ``$name``
(the distribution, ``intro-ml``), ``$module`` (the import name, ``intro_ml``) and ``$slug``
(the id prefix of its templates, ``intro-ml``) substituted: `string.Template`, because the
files themselves are full of the braces of TOML, Jinja and Python.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from questionbank.errors import QuizError

__all__ = ["PackNames", "pack_names", "scaffold_pack"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*")
_RESERVED = frozenset({"mlquiz", "questionbank", "grader", "tests", "test"})


@dataclass(slots=True, frozen=True)
class PackNames:
    """The names of a new pack: distribution, Python module, template id prefix."""

    name: str
    module: str
    slug: str


def pack_names(name: str) -> PackNames:
    """The names derived from NAME; a `QuizError` saying why when NAME cannot name a pack."""
    if not _NAME.fullmatch(name) or len(name) > 60:
        raise QuizError(f"cannot name a pack {name!r}: use letters, digits and single '-', '_' "
                        "or '.' between them, starting with a letter (at most 60 characters), "
                        "e.g. intro-ml")
    module = re.sub(r"[-.]", "_", name).lower()
    slug = module.replace("_", "-")
    if keyword.iskeyword(module) or module in _RESERVED:
        raise QuizError(f"cannot name a pack {name!r}: its module {module!r} is a reserved name")
    if importlib.util.find_spec(module) is not None:
        raise QuizError(f"cannot name a pack {name!r}: a module named {module!r} is already "
                        "importable here, and one would hide the other; choose another name")
    return PackNames(name, module, slug)


def scaffold_pack(name: str, parent: Path) -> tuple[Path, list[Path]]:
    """Write the pack NAME into the new folder `parent`/NAME; the folder and its files. A
    `QuizError` when NAME is not a valid name or the folder already exists."""
    names = pack_names(name)
    root = parent / name
    if root.exists():
        raise QuizError(f"{root} already exists; choose another name or another --out folder")
    values = {"name": names.name, "module": names.module, "slug": names.slug}
    written = []
    for rel, text in _FILES.items():
        path = root / Template(rel).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
        written.append(path)
    return root, written


_PYPROJECT = '''\
# A question pack for mlquiz: templates (YAML, shipped as package data) and the Python solvers
# they name, found by mlquiz through the two entry points below.

[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "$name"
version = "0.1.0"
description = "A question pack for mlquiz."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["mlquiz"]

[project.optional-dependencies]
test = ["pytest"]

# The folder of the templates (BANK in src/$module/__init__.py). A template's id is its path
# below that folder: templates/$slug/softmax-top.yaml is $slug/softmax-top.
[project.entry-points."mlquiz.banks"]
$name = "$module:BANK"

# A module that registers the pack's solvers when imported.
[project.entry-points."mlquiz.solvers"]
$name = "$module.solvers"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
$module = ["templates/**/*.yaml"]
'''

_README = '''\
# $name

A question pack for mlquiz: its templates are in `src/$module/templates/` (one YAML file
each, in the format of mlquiz's docs/templates.md) and the Python solvers they name in
`src/$module/solvers.py`.

```sh
pip install -e .                      # mlquiz finds the pack through its entry points
mlquiz list --topic $slug             # its templates, marked (pack: $name)
mlquiz show $slug/softmax-top --solution
mlquiz validate --strict --template $slug/softmax-top
python -m pytest
```

Add a template: a new `.yaml` file below `src/$module/templates/$slug/` (its id is the path
without `.yaml`). Add a solver: a function in `solvers.py` decorated with
`@register("$module.NAME", outputs=(...))`; solver names must be unique among all installed
packs, so keep the `$module.` prefix. Test each solver against an independent computation.
'''

_INIT = '''\
"""$name: a question pack for mlquiz.

`BANK` is the folder of the pack's templates (the ``mlquiz.banks`` entry point in
pyproject.toml); the solvers are registered by `$module.solvers` (``mlquiz.solvers``).
"""

from pathlib import Path

BANK = Path(__file__).resolve().parent / "templates"
'''

_SOLVERS = '''\
"""The solvers of the $name pack: templates name them with ``solver: $module.NAME``.

mlquiz imports this module (the ``mlquiz.solvers`` entry point) before it loads a template.
A solver receives every param and derived value (ints, fractions.Fraction, numpy object
arrays for vectors) and returns at least the names it registers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from questionbank.solvers import register


@register("$module.softmax", outputs=("probs", "top", "top_prob", "top_odds"))
def softmax(v: Mapping[str, Any]) -> dict[str, Any]:
    """Softmax of the logits `z`: the probabilities, the most likely class (1-based), its
    probability, and e^z_top divided by the *other* classes' weights only (a mistake)."""
    z = [float(x) for x in v["z"]]
    if not z:
        raise ValueError("z is empty")
    shift = max(z)
    weights = [math.exp(x - shift) for x in z]
    total = sum(weights)
    best = max(range(len(z)), key=weights.__getitem__)
    return {
        "probs": np.array([w / total for w in weights], dtype=object),
        "top": best + 1,
        "top_prob": weights[best] / total,
        "top_odds": weights[best] / (total - weights[best]),
    }
'''

_TEMPLATE = '''\
# The most likely class under a softmax: a template of the $name pack.
title: The most likely class under a softmax
topic: $slug
tags: [softmax, classification]
difficulty: 1
version: 1
description: >-
  Softmax probabilities of 3 to 5 logits: the most likely class and its probability, computed
  by the pack's own solver $module.softmax.

params:
  z:
    type: vector
    length: [3, 5]
    of: {type: decimal, min: -2, max: 3, step: 0.5}

constraints:
  - expr: count(z, max(z)) == 1
    message: one class has the largest logit

solver: $module.softmax

prompt: |
  A classifier gives the logits

      z = {{ z | vec }}

  for classes 1 to {{ z | length }}, and turns them into probabilities with the softmax
  p_i = e^(z_i) / Σ_j e^(z_j).

solution: |
  The softmax keeps the order of the logits, so the most likely class is the one with the
  largest logit, class {{ top }}. Its probability is

      p = e^({{ z[top - 1] | fmt }}) / Σ_j e^(z_j) = {{ top_prob | round(4) }}

  (all probabilities:
  {%- for p in probs %} {{ p | round(4) }}{{ "," if not loop.last }}{% endfor %}).

parts:
  - id: top
    type: integer
    prompt: Which class (1, 2, ...) gets the highest probability?
    hints:
      - The exponential is increasing, so the softmax keeps the order of the logits.
    mistakes:
      - id: zero-based
        answer: top - 1
        feedback: >-
          Classes are numbered from 1 here, not from 0: the largest logit is entry
          {{ top }} of z.
  - id: top_prob
    type: number
    prompt: Its probability
    tolerance: {mode: sigfigs, value: 3}
    hints:
      - Exponentiate every logit, then divide the top class's weight by the sum of all of them.
    mistakes:
      - id: uniform
        answer: 1 / len(z)
        feedback: >-
          That is 1/{{ z | length }}, the probability of every class when all logits are equal.
          Here they differ: exponentiate them and normalise.
      - id: others-only
        answer: top_odds
        feedback: >-
          You divided by the other classes' weights only. The denominator is the sum over
          every class, the top class included.

tests:
  - name: three logits worked by hand
    params: {z: [1.0, 2.0, 0.0]}
    expect: {top: 2, top_prob: 0.6652}
'''

_TEST = '''\
"""The $name pack: its solver against the textbook formula, and its templates through mlquiz
(run after ``pip install -e .``)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from $module.solvers import softmax


@pytest.mark.parametrize("z", [[1, 2, 0], [-2, 0.5, 3, 1], [0.5, -1.5, 2.5, 2, -2]])
def test_softmax_matches_the_formula(z: list[float]) -> None:
    exps = [math.exp(x) for x in z]
    expected = [e / sum(exps) for e in exps]
    out = softmax({"z": np.array([Fraction(x) for x in z], dtype=object)})
    assert out["top"] == 1 + expected.index(max(expected))
    assert out["top_prob"] == pytest.approx(max(expected), rel=1e-12)
    assert [float(p) for p in out["probs"]] == pytest.approx(expected, rel=1e-12)


def _mlquiz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, timeout=600)


def test_the_pack_is_installed_and_its_templates_validate() -> None:
    listed = _mlquiz("list", "--json", "--topic", "$slug")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["id"]: r["pack"] for r in rows} == {"$slug/softmax-top": "$name"}
    checked = _mlquiz("validate", "--strict", "--template", "$slug/softmax-top")
    assert checked.returncode == 0, checked.stdout + checked.stderr
'''

_FILES = {
    "pyproject.toml": _PYPROJECT,
    "README.md": _README,
    "src/$module/__init__.py": _INIT,
    "src/$module/solvers.py": _SOLVERS,
    "src/$module/templates/$slug/softmax-top.yaml": _TEMPLATE,
    "tests/test_$module.py": _TEST,
}
