"""`mlquiz validate` catches what students would see over many seeds (`grader.quality`): an
option that gives the answer away by its length, an answer that never varies, a mistake that
equals the key, repeated instances. A small bad pack is fed to the real command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

LEAKY_CHOICE = """\
title: Leaky choice
topic: demo
params:
  k: {type: int, min: 1, max: 100000}
prompt: "Question {{ k }}: which statement is right?"
parts:
  - id: pick
    type: choice
    options:
      - id: right
        text: The right statement, explained at great length so that it stands out at once
        correct: k > 0
      - {id: a, text: A wrong one}
      - {id: b, text: Another wrong one}
      - {id: c, text: Also wrong}
"""

CONSTANT_ANSWER = """\
title: Always two
topic: demo
params:
  x: {type: int, min: 2, max: 100000}
prompt: "What is {{ 2 * x }} divided by {{ x }}?"
parts:
  - id: ratio
    type: number
    answer: "2"
tests:
  - {params: {x: 10}, expect: {ratio: 2}}
"""

MISTAKE_IS_KEY = """\
title: Half of x
topic: demo
params:
  x: {type: int, min: 2, max: 100000}
prompt: "What is half of {{ x }}?"
parts:
  - id: half
    type: number
    answer: x / 2
    mistakes:
      - id: sometimes-right
        answer: ifelse(x < 20000, x / 2, 2 * x)
        feedback: "You doubled x."
tests:
  - {params: {x: 10}, expect: {half: 5}}
"""

FEW_INSTANCES = """\
title: Coin
topic: demo
params:
  x: {type: int, min: 1, max: 3}
prompt: "What is {{ x }} + {{ x }}?"
parts:
  - id: sum
    type: integer
    answer: 2 * x
tests:
  - {params: {x: 1}, expect: {sum: 2}}
"""

NOISY_NUMBERS = """\
title: Root
topic: demo
params:
  x: {type: int, min: 2, max: 100000}
prompt: "What is the square root of {{ x }}?"
parts:
  - id: root
    type: number
    answer: sqrt(x)
    mistakes:
      - id: doubled
        answer: 2 * sqrt(x)
        feedback: "That is twice the root, {{ mistake }}."
tests:
  - {params: {x: 4}, expect: {root: 2}}
"""


@pytest.mark.parametrize(("text", "warning"), [
    (LEAKY_CHOICE, "part pick: the right option is the strictly longest in 100% of seeds"),
    (LEAKY_CHOICE, "part pick: the right answer never varies over 40 seeds"),
    (CONSTANT_ANSWER, "part ratio: the right answer never varies over 40 seeds ('2')"),
    (MISTAKE_IS_KEY, "part half: mistake 'sometimes-right' equals the key on"),
    (FEW_INSTANCES, "of instances repeat an earlier one (at most 30%)"),
    (NOISY_NUMBERS, "part root: the feedback of mistake 'doubled' shows "),
], ids=["longest-option", "constant-option", "constant-number", "mistake-equals-key",
        "duplicates", "float-noise"])
def test_each_problem_is_named(tmp_path: Path, text: str, warning: str) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "bad.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--seeds", "40", "--strict"])
    assert result.exit_code == 1, result.output
    assert warning in result.output


def test_the_shares_are_not_judged_from_a_handful_of_seeds(tmp_path: Path) -> None:
    """Below 20 seeds a share says nothing: no quality warning, the run passes."""
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "bad.yaml").write_text(CONSTANT_ANSWER, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--seeds", "10", "--strict"])
    assert result.exit_code == 0, result.output
