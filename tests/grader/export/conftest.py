"""Fixtures of the LMS export tests: the whole bank exported in each format at several seeds,
a hostile template, and the semantic checks every format must pass (through `check`, the
judge `mlquiz check` uses)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.export import export_questions
from grader.judge.check import check
from questionbank.instance import Instance, generate

HERE = Path(__file__).parent
#: seeds of the whole-bank exports (each gives 3 variants of every template)
SEEDS = (1, 2024)
#: the grades Moodle offers (question/format/xml and the question editor), as the issue lists
MOODLE_FRACTIONS = {100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                    16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0}


@pytest.fixture(scope="session")
def bank() -> Any:
    from questionbank.bank import load_bank

    return load_bank([], use_env=False)


@pytest.fixture(scope="session")
def hostile_bank(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A bank with one template whose every text holds markup, ]]>, braces, #, ~, =, :, \\."""
    from questionbank.bank import load_bank

    folder = tmp_path_factory.mktemp("hostile-bank")
    shutil.copy(HERE / "hostile.yaml", folder / "hostile.yaml")
    return load_bank([folder], builtin=False, use_env=False)


@pytest.fixture(scope="session")
def whole_bank(bank: Any, tmp_path_factory: pytest.TempPathFactory
               ) -> Callable[[str], list[tuple[Path, Any]]]:
    """fmt -> [(file, ExportResult)] of the whole bank, 3 variants, at each of `SEEDS`."""
    folder = tmp_path_factory.mktemp("exports")
    cache: dict[str, list[tuple[Path, Any]]] = {}

    def get(fmt: str) -> list[tuple[Path, Any]]:
        if fmt not in cache:
            ext = {"moodle": "xml", "qti": "zip", "gift": "gift"}[fmt]
            cache[fmt] = []
            for seed in SEEDS:
                path = folder / f"bank-{seed}.{ext}"
                result = export_questions(path, fmt, variants=3, seed=seed, bank=bank)
                cache[fmt].append((path, result))
        return cache[fmt]

    return get


def instance_of(bank: Any, template_id: str, seed: int) -> Instance:
    return generate(bank.get(template_id), seed)


def _text(x: float) -> str:
    return repr(float(x))


def _beyond(lo: float, hi: float) -> float:
    """A step past an end of [lo, hi] that the judge's float slack (1e-12) cannot absorb."""
    return max(abs(lo), abs(hi)) * 1e-9 + (hi - lo) * 1e-6 + 1e-300


def _answer(instance: Instance, part_id: str, entry: int | None, value: float) -> str:
    """An answer to the part: the key with one entry (or the number) replaced by `value`."""
    part = instance.part(part_id)
    if entry is None:
        return str(int(value)) if part.type == "integer" else _text(value)
    shape, keys = part.numeric_value
    flat = [_text(k) for k in keys]
    flat[entry] = _text(value)
    if len(shape) == 2:
        rows = [flat[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    return "[" + ", ".join(flat) + "]"


def assert_numeric_window(instance: Instance, part_id: str, entry: int | None, lo: float,
                          hi: float, mistakes: list[tuple[float, float]]) -> None:
    """The LMS's accepted interval [lo, hi] holds the key, `check` accepts both ends and
    refuses just beyond them, no mistake's interval meets it, and no declared mistake that
    the judge tells apart from the key is inside it."""
    from grader.judge.tolerance import within

    part = instance.part(part_id)
    integer = part.type == "integer"
    key = float(part.answer) if integer else part.numeric_value[1][entry or 0]
    assert lo <= key <= hi, (part_id, entry, key, lo, hi)
    for value in (lo, hi):
        assert check(instance, part_id, _answer(instance, part_id, entry, value)).correct
    step = 1.0 if integer else _beyond(lo, hi)
    for value in (lo - step, hi + step):
        assert not check(instance, part_id, _answer(instance, part_id, entry, value)).correct
    for m_lo, m_hi in mistakes:
        assert m_hi < lo or m_lo > hi, (part_id, entry, m_lo, m_hi, lo, hi)
    for _, value in part.mistake_values:
        flat = [float(v) for v in (value.ravel() if hasattr(value, "ravel") else [value])]
        if len(flat) != (1 if entry is None else len(part.numeric_value[1])):
            continue
        mistaken = flat[entry or 0]
        right = mistaken == key if integer else within(part.effective_tolerance, mistaken, key)
        assert right or not lo <= mistaken <= hi, (part_id, entry, mistaken, lo, hi)


def assert_choice_fractions(instance: Instance, part_id: str, fractions: list[float]) -> None:
    """The options' grades give every single pick, and the right set, the score `check`
    gives (the LMS adds the grades of the picked options, between 0 and 100%)."""
    part = instance.part(part_id)
    letters = [o.letter for o in part.options]
    picks = [[i] for i in range(len(letters))]
    picks.append([i for i, o in enumerate(part.options) if o.correct])
    for pick in picks:
        if part.type == "choice" and len(pick) != 1:
            continue
        lms = min(1.0, max(0.0, sum(fractions[i] for i in pick) / 100))
        result = check(instance, part_id, ", ".join(letters[i] for i in pick))
        assert abs(lms - result.score) < 1e-4, (part_id, pick, lms, result.score)


def assert_shape_answers(instance: Instance, part_id: str, right: list[str],
                         wrong: list[str]) -> None:
    for text in right:
        assert check(instance, part_id, text).correct, text
    for text in wrong:
        assert not check(instance, part_id, text).correct, text


@pytest.fixture(scope="session")
def judge() -> Any:
    """The semantic checks, for the test modules (a conftest cannot be imported)."""
    from types import SimpleNamespace

    return SimpleNamespace(numeric=assert_numeric_window, choice=assert_choice_fractions,
                           shape=assert_shape_answers, instance=instance_of,
                           fractions=MOODLE_FRACTIONS)


def expected_gaps(instance: Instance) -> list[tuple[str, int | None]]:
    """(part id, entry or None) of every answer an LMS gets, in order (expressions have none)."""
    gaps: list[tuple[str, int | None]] = []
    for part in instance.parts:
        if part.type in ("vector", "matrix"):
            gaps += [(part.id, i) for i in range(len(part.numeric_value[1]))]
        elif part.type != "expression":
            gaps.append((part.id, None))
    return gaps


@pytest.fixture(scope="session")
def gaps_of() -> Callable[[Instance], list[tuple[str, int | None]]]:
    return expected_gaps


def slot_of(instance: Instance, key: str) -> tuple[str, int | None]:
    """A slot key as the exports write it ('f1', 'output entry 3', 'w row 1, column 2') as
    (part id, flat entry index or None)."""
    part_id, _, label = key.partition(" ")
    if not label:
        return part_id, None
    numbers = [int(n) for n in label.replace(",", " ").split() if n.isdigit()]
    if len(numbers) == 1:
        return part_id, numbers[0] - 1
    columns = instance.part(part_id).numeric_value[0][1]
    return part_id, (numbers[0] - 1) * columns + numbers[1] - 1


@pytest.fixture(scope="session")
def slot_key() -> Callable[[Instance, str], tuple[str, int | None]]:
    return slot_of
