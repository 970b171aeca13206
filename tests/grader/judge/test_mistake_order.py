"""Declared mistakes are tried in file order: an answer that matches several gets the first.

docs/templates.md promises it ("Mistakes are tried in file order; put the most specific
first"). Each part below declares two mistakes that the typed answer matches; the template is
written twice, once with the mistakes in one order and once reversed, and each time the first
one declared must be named. Where a tolerance applies, the first declared mistake is the one
*farther* from the answer, so "the closest match wins" fails the test too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.check import check
from questionbank import generate
from questionbank.bank import Bank, load_bank

# part id, type, answer, the two mistakes (id, answer) in one order, the answer typed
PARTS = [
    ("num", "number", "n / 16", [("near", "n / 8 + 0.002"), ("exact", "n / 8")], "0.5"),
    ("pct", "number", "n / 8", [("near", "n / 16 + 0.001"), ("exact", "n / 16")], "25"),
    ("count", "integer", "n * n", [("plus-one", "n + 1"), ("five", "5")], "5"),
    ("vec", "vector", "[n, 1]", [("near", "[1, n + 0.01]"), ("exact", "[1, n]")], "[1, 4]"),
    ("grid", "matrix", "[[n, 1], [0, 1]]",
     [("near", "[[1, 0], [0, n + 0.01]]"), ("exact", "[[1, 0], [0, n]]")], "[[1, 0], [0, 4]]"),
    ("dims", "shape", "[n, 3]", [("swapped", "[3, n]"), ("three-four", "[3, 4]")], "3x4"),
    ("expr", "expression", "2*X", [("plain", "X"), ("times-one", "1*X")], "X"),
]

HEADER = """\
title: Mistake order
topic: testing
difficulty: 1
version: 1
params:
  n: {type: int, min: 4, max: 4}
prompt: n = {{ n }}.
solution: See the parts.
parts:
"""


def part_yaml(part_id: str, ptype: str, answer: str, mistakes: list[tuple[str, str]]) -> str:
    lines = [f"  - id: {part_id}", f"    type: {ptype}", f"    prompt: Part {part_id}",
             f'    answer: "{answer}"']
    if ptype == "expression":
        lines.append("    symbols: {X: [n, 3]}")
    lines.append("    mistakes:")
    for mistake_id, value in mistakes:
        lines.append(f'      - {{id: {mistake_id}, answer: "{value}", '
                     f"feedback: The {mistake_id} mistake.}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    folder: Path = tmp_path_factory.mktemp("order")
    for name, flip in (("declared", False), ("reversed", True)):
        body = "".join(part_yaml(pid, ptype, answer, mistakes[::-1] if flip else mistakes)
                       for pid, ptype, answer, mistakes, _ in PARTS)
        (folder / f"{name}.yaml").write_text(HEADER + body, encoding="utf-8")
    return load_bank([folder], builtin=False, use_env=False)


@pytest.mark.parametrize("order", ["declared", "reversed"])
@pytest.mark.parametrize(("part_id", "ptype", "answer", "mistakes", "typed"), PARTS,
                         ids=[p[0] for p in PARTS])
def test_the_first_declared_mistake_wins(bank: Bank, order: str, part_id: str, ptype: str,
                                         answer: str, mistakes: list[tuple[str, str]],
                                         typed: str) -> None:
    instance = generate(bank.get(order), 1)
    declared = mistakes[::-1] if order == "reversed" else mistakes
    first = declared[0][0]
    assert [m.id for m in instance.part(part_id).mistakes] == [m for m, _ in declared]
    result = check(instance, part_id, typed)
    assert (result.status, result.mistake) == ("incorrect", first), result.feedback
    assert result.feedback.startswith(f"The {first} mistake.")


@pytest.mark.parametrize(("part_id", "ptype", "answer", "mistakes", "typed"), PARTS,
                         ids=[p[0] for p in PARTS])
def test_each_mistake_alone_matches_the_typed_answer(
        tmp_path: Path, part_id: str, ptype: str, answer: str,
        mistakes: list[tuple[str, str]], typed: str) -> None:
    """The table is sound: the typed answer matches each of the two mistakes on its own (so
    the order, not a failed match, decides which one is named)."""
    for index, mistake in enumerate(mistakes):
        (tmp_path / f"alone{index}.yaml").write_text(
            HEADER + part_yaml(part_id, ptype, answer, [mistake]), encoding="utf-8")
    bank = load_bank([tmp_path], builtin=False, use_env=False)
    for index, (mistake_id, _) in enumerate(mistakes):
        result = check(generate(bank.get(f"alone{index}"), 1), part_id, typed)
        assert result.mistake == mistake_id, result.feedback
