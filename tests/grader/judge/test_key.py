"""The judge reads only the `AnswerKey` protocol: `check_key` gives the same verdict for a
generated `Part` and for a key that holds nothing but JSON-native data, as a part stored in an
exam's manifest does.

`StoredKey` below has exactly the protocol's attributes (no `value`, no `mistakes`), with the
reference and the declared mistakes in their JSON form: a judge that reached past the protocol
would fail here with an AttributeError, and one that compared a stored vector differently from
a generated one would give another verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader.judge.check import Result, check, check_key
from grader.judge.key import AnswerKey, OptionKey
from questionbank import generate
from questionbank.bank import load_bank
from questionbank.instance import Instance, Part
from questionbank.tolerance import Tolerance

EXTRA_TEMPLATE = """\
title: Integer and matrix parts with mistakes
topic: testing
difficulty: 1
version: 1
params:
  n: {type: int, min: 3, max: 3}
prompt: n = {{ n }}.
solution: See the parts.
parts:
  - id: count
    type: integer
    prompt: n squared
    answer: n * n
    mistakes:
      - {id: doubled, answer: 2 * n, feedback: That is 2n.}
  - id: grid
    type: matrix
    prompt: A matrix
    answer: "[[n, 1], [0, 2 * n]]"
    partial: true
    mistakes:
      - {id: transposed-values, answer: "[[n, 0], [1, 2 * n]]", feedback: Read by columns.}
"""


@dataclass(frozen=True)
class StoredKey:
    """An answer key made of JSON-native data only (what an exam manifest keeps)."""

    id: str
    type: str
    effective_tolerance: Tolerance
    partial: bool
    answer: Any
    answer_text: str
    numeric_value: tuple[tuple[int, ...], tuple[float, ...]]
    mistake_values: tuple[tuple[str, Any], ...]
    feedbacks: tuple[str, ...]
    options: Sequence[OptionKey] = ()
    symbols: Mapping[str, tuple[int, ...]] | None = None

    def mistake_feedback(self, index: int) -> str:
        return self.feedbacks[index]


def stored(part: Part) -> StoredKey:
    """`part`'s key with its reference and mistakes as JSON data (lists, not arrays)."""
    def comparable(answer: Any) -> Any:
        return tuple(answer) if part.type == "shape" else answer

    numeric: tuple[tuple[int, ...], tuple[float, ...]] = ((), ())
    if part.type in ("number", "vector", "matrix"):
        numeric = part.numeric_value
    return StoredKey(
        id=part.id, type=part.type, effective_tolerance=part.effective_tolerance,
        partial=part.partial, answer=part.answer, answer_text=part.answer_text,
        numeric_value=numeric,
        mistake_values=tuple((m.id, comparable(m.answer)) for m in part.mistakes),
        feedbacks=tuple(m.feedback for m in part.mistakes))


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Instance]:
    folder: Path = tmp_path_factory.mktemp("keys")
    (folder / "extra.yaml").write_text(EXTRA_TEMPLATE, encoding="utf-8")
    extra = load_bank([folder], builtin=False, use_env=False).get("extra")
    return {"metrics": generate("metrics/confusion-matrix", 3),
            "mask": generate("dropout/apply-mask", 3),
            "inverted": generate("dropout/inverted", 3),
            "shape": generate("gradients/layer-shapes", 3),
            "extra": generate(extra, 1)}


def answers_for(part: Part) -> list[str]:
    """The reference, every declared mistake, and answers for the generic detectors."""
    texts = [part.answer_text, *(m.answer_text for m in part.mistakes), "0", "-1", "1 2",
             "[1, 2]", "2x3", "[[1, 2], [3, 4]]", "nonsense"]
    if part.type == "number":
        texts += [f"{part.numeric_value[1][0] * 100:g}", f"{-part.numeric_value[1][0]:g}"]
    if part.type in ("vector", "matrix"):
        entries = part.numeric_value[1]
        texts += ["[" + ", ".join(f"{-x:g}" for x in entries) + "]",
                  "[" + ", ".join(f"{x:g}" for x in reversed(entries)) + "]",
                  "[" + ", ".join(f"{x * 1.001:.8g}" for x in entries) + "]"]
    return texts


def verdict(result: Result) -> tuple[Any, ...]:
    return (result.part, result.status, result.score, result.feedback, result.mistake,
            result.value, result.read_as)


@pytest.mark.parametrize(("name", "part_id"), [
    ("metrics", "accuracy"), ("metrics", "precision"), ("metrics", "f1"),
    ("mask", "output"), ("inverted", "output"), ("inverted", "inference"),
    ("shape", "dW"), ("shape", "db"), ("extra", "count"), ("extra", "grid"),
])
def test_a_stored_key_is_judged_like_the_generated_part(instances: dict[str, Instance],
                                                         name: str, part_id: str) -> None:
    instance = instances[name]
    part = instance.part(part_id)
    key = stored(part)
    assert not hasattr(key, "value") and not hasattr(key, "mistakes")
    mistakes_named = set()
    for text in answers_for(part):
        expected = check(instance, part_id, text)
        assert verdict(check_key(key, text, instance.seed)) == verdict(expected), text
        assert verdict(check_key(part, text, instance.seed)) == verdict(expected), text
        mistakes_named.add(expected.mistake)
    assert {m.id for m in part.mistakes} <= mistakes_named  # every declared one was reached


def test_generated_parts_satisfy_the_protocol(instances: dict[str, Instance]) -> None:
    """A Part is an AnswerKey (mypy checks the assignment) and is judged as one."""
    key: AnswerKey = instances["metrics"].part("f1")
    result = check_key(key, key.answer_text, instances["metrics"].seed)
    assert (result.part, result.status) == ("f1", "correct")
