"""Every tolerance mode at its boundaries, for a number part and a vector part of the same values.

One rule decides whether a value is close enough, whatever holds it: a number answer, the
entries of a vector answer, or a vector answer compared with a declared mistake. The table
below puts an answer just inside, exactly on and just outside the tolerance of each mode, for a
positive, a negative and a zero reference value, and checks that the number part and a vector
part whose entries are that number give the same verdict, score and kind of feedback. (A vector
used to compare ``rel`` and ``abs`` without the boundary's float slack: ``[1.01, 1.01]`` failed
``abs 0.01`` around ``[1, 1]`` with "entries  are wrong", while the number 1.01 passed.)

The parts come from real templates, written to a temporary folder: one template per tolerance
and reference value, with a ``number`` part (answer ``x``), a ``vector`` part (answer
``[x, x]``) and, for the declared-mistake rows, the same values as mistakes of a reference
three times as large.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.check import Result, check
from questionbank import generate
from questionbank.bank import Bank, load_bank
from questionbank.instance import Instance

#: the tolerances of the table, as written in a template
TOLERANCES = {
    "rel": "{mode: rel, value: 0.01, floor: 0.005}",
    "abs": "{mode: abs, value: 0.01}",
    "sigfigs": "{mode: sigfigs, value: 2}",
    "decimals": "{mode: decimals, value: 2}",
}

# mode, reference value, answer, where the answer sits, whether it is within the tolerance
BOUNDARIES = [
    # rel 1% (floor 0.005): |sub - x| <= max(0.01 * |x|, 0.005)
    ("rel", "1", "1.0099", "inside", True),
    ("rel", "1", "1.01", "on", True),
    ("rel", "1", "0.99", "on", True),
    ("rel", "1", "1.0101", "outside", False),
    ("rel", "1", "0.9899", "outside", False),
    ("rel", "-2", "-2.0199", "inside", True),
    ("rel", "-2", "-2.02", "on", True),
    ("rel", "-2", "-1.98", "on", True),
    ("rel", "-2", "-2.0201", "outside", False),
    ("rel", "0", "0.0049", "inside", True),
    ("rel", "0", "0.005", "on", True),
    ("rel", "0", "-0.005", "on", True),
    ("rel", "0", "0.0051", "outside", False),
    ("rel", "0.615", "0.62115", "on", True),
    ("rel", "0.615", "0.6212", "outside", False),
    # abs 0.01: |sub - x| <= 0.01
    ("abs", "1", "1.0099", "inside", True),
    ("abs", "1", "1.01", "on", True),
    ("abs", "1", "0.99", "on", True),
    ("abs", "1", "1.0101", "outside", False),
    ("abs", "1", "0.9899", "outside", False),
    ("abs", "-1", "-1.01", "on", True),
    ("abs", "-1", "-0.99", "on", True),
    ("abs", "-1", "-1.0101", "outside", False),
    ("abs", "0", "0.0099", "inside", True),
    ("abs", "0", "0.01", "on", True),
    ("abs", "0", "-0.01", "on", True),
    ("abs", "0", "-0.0101", "outside", False),
    ("abs", "0.615", "0.605", "on", True),
    ("abs", "0.615", "0.6049", "outside", False),
    # sigfigs 2: rounds to the same 2 significant figures (0.615 -> 0.62: [0.615, 0.625])
    ("sigfigs", "0.615", "0.62", "inside", True),
    ("sigfigs", "0.615", "0.615", "on", True),
    ("sigfigs", "0.615", "0.625", "on", True),
    ("sigfigs", "0.615", "0.6149", "outside", False),
    ("sigfigs", "0.615", "0.6251", "outside", False),
    ("sigfigs", "-0.615", "-0.625", "on", True),
    ("sigfigs", "-0.615", "-0.6251", "outside", False),
    ("sigfigs", "1", "0.995", "on", True),  # a power of ten: a decade finer below it
    ("sigfigs", "1", "0.9949", "outside", False),
    ("sigfigs", "1", "1.05", "on", True),
    ("sigfigs", "1", "1.0501", "outside", False),
    ("sigfigs", "0", "0.004", "inside", True),
    ("sigfigs", "0", "0.005", "on", True),
    ("sigfigs", "0", "0.0051", "outside", False),
    # decimals 2: rounds to the same 2 decimal places
    ("decimals", "1", "1.004", "inside", True),
    ("decimals", "1", "1.005", "on", True),
    ("decimals", "1", "0.995", "on", True),
    ("decimals", "1", "1.0051", "outside", False),
    ("decimals", "-1", "-1.005", "on", True),
    ("decimals", "-1", "-1.0051", "outside", False),
    ("decimals", "0", "-0.005", "on", True),
    ("decimals", "0", "0.0051", "outside", False),
    ("decimals", "0.615", "0.6249", "inside", True),
    ("decimals", "0.615", "0.615", "on", True),  # 0.615 rounds to 0.62 (half up)
    ("decimals", "0.615", "0.6149", "outside", False),
]

TEMPLATE = """\
title: Tolerance boundaries
topic: testing
difficulty: 1
version: 1
params:
  n: {{type: int, min: 1, max: 1}}
prompt: A value.
solution: The value.
parts:
  - id: number
    type: number
    prompt: The number
    answer: "{key}"
    tolerance: {tolerance}
  - id: vector
    type: vector
    prompt: The number, twice
    answer: "[{key}, {key}]"
    tolerance: {tolerance}
    partial: true
  - id: number_mistaken
    type: number
    prompt: Three times the number
    answer: "3 * ({key}) + 7"
    tolerance: {tolerance}
    mistakes:
      - {{id: the-number, answer: "{key}", feedback: That is the number itself.}}
  - id: vector_mistaken
    type: vector
    prompt: Three times the number, twice
    answer: "[3 * ({key}) + 7, 3 * ({key}) + 7]"
    tolerance: {tolerance}
    partial: true
    mistakes:
      - {{id: the-number, answer: "[{key}, {key}]", feedback: That is the number itself.}}
"""


def template_id(mode: str, key: str) -> str:
    return f"{mode}-{key.replace('-', 'minus').replace('.', 'point')}"


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    folder: Path = tmp_path_factory.mktemp("boundaries")
    for mode, key in {(row[0], row[1]) for row in BOUNDARIES}:
        text = TEMPLATE.format(key=key, tolerance=TOLERANCES[mode])
        (folder / f"{template_id(mode, key)}.yaml").write_text(text, encoding="utf-8")
    return load_bank([folder], builtin=False, use_env=False)


def instance_of(bank: Bank, mode: str, key: str) -> Instance:
    return generate(bank.get(template_id(mode, key)), 1)


def kind(result: Result) -> tuple[str, str | None, str]:
    """The class of a verdict: status, matched mistake and the feedback's opening words
    ('Correct', 'Not correct', or a declared mistake's own text)."""
    opening = result.feedback.split(":")[0].split(".")[0]
    return result.status, result.mistake, opening


CASE_IDS = [f"{mode} {key}: {answer} {where}" for mode, key, answer, where, _ in BOUNDARIES]


@pytest.mark.parametrize(("mode", "key", "answer", "where", "within"), BOUNDARIES, ids=CASE_IDS)
def test_number_and_vector_agree_at_the_boundary(bank: Bank, mode: str, key: str, answer: str,
                                                 where: str, within: bool) -> None:
    instance = instance_of(bank, mode, key)
    number = check(instance, "number", answer)
    vector = check(instance, "vector", f"[{answer}, {answer}]")
    assert number.correct is within, (number.status, number.feedback)
    assert (vector.status, vector.score, kind(vector)) == (number.status, number.score,
                                                           kind(number)), vector.feedback
    if not within:
        describe = instance.part("number").effective_tolerance.describe()
        assert describe in number.feedback and describe in vector.feedback
        assert "entries 1, 2 are wrong" in vector.feedback


@pytest.mark.parametrize(("mode", "key", "answer", "where", "within"), BOUNDARIES, ids=CASE_IDS)
def test_partial_credit_counts_the_entries_within(bank: Bank, mode: str, key: str, answer: str,
                                                  where: str, within: bool) -> None:
    """A vector with one boundary entry and one exact entry: right exactly when the number
    is; otherwise half the credit, and the feedback names the first entry."""
    instance = instance_of(bank, mode, key)
    vector = check(instance, "vector", f"[{answer}, {key}]")
    if within:
        assert (vector.status, vector.score) == ("correct", 1.0), vector.feedback
    else:
        assert (vector.status, vector.score) == ("incorrect", 0.5), vector.feedback
        assert "entry 1 is wrong" in vector.feedback


@pytest.mark.parametrize(("mode", "key", "answer", "where", "within"), BOUNDARIES, ids=CASE_IDS)
def test_declared_mistakes_use_the_same_boundary(bank: Bank, mode: str, key: str, answer: str,
                                                 where: str, within: bool) -> None:
    """The same answers against a declared mistake of value `key` (the reference is 3 * key + 7,
    far away): the mistake is recognised exactly where the number itself would be right."""
    instance = instance_of(bank, mode, key)
    number = check(instance, "number_mistaken", answer)
    vector = check(instance, "vector_mistaken", f"[{answer}, {answer}]")
    assert (number.mistake == "the-number") is within, number.feedback
    assert (vector.status, vector.score, kind(vector)) == (number.status, number.score,
                                                           kind(number)), vector.feedback
