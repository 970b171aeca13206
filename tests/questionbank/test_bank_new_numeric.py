"""Grading of the templates of layers, initialization, normalization, weight decay and
learning-rate stability (issue 16, items 6 to 10): over many seeds the reference answers grade
correct (in-process and through ``mlquiz check``), every declared mistake is recognised as
itself, and no declared mistake is ever graded correct. The independent checks of the values
are in test_bank_layers.py, test_bank_normalization.py and test_bank_decay_and_lr.py.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.judge.check import check
from questionbank import Instance, QuizError, load_bank
from questionbank.instance import generate
from questionbank.selftest import run_template_tests

from .template_checks import assert_renders_everywhere

BANK = load_bank(builtin=True, use_env=False)
TEMPLATES = ("layers/param-count", "layers/conv-output-shape",
             "regularization/weight-decay-step", "normalization/batchnorm",
             "initialization/xavier-he", "optimization/lr-divergence")
SEEDS = 300


@functools.cache
def instances(template_id: str, count: int = SEEDS) -> tuple[Instance, ...]:
    template = BANK.get(template_id)
    return tuple(generate(template, seed) for seed in range(count))


def _grade_all(inst: Instance, active: Counter[tuple[str, str]]) -> None:
    """The reference is correct; each mistake is incorrect and recognised as itself."""
    for part in inst.parts:
        result = check(inst, part.id, part.answer_text)
        assert result.correct, (inst.seed, part.id, part.answer_text, result.feedback)
        for mistake in part.mistakes:
            active[(part.id, mistake.id)] += 1
            got = check(inst, part.id, mistake.answer_text)
            assert (got.status, got.mistake) == ("incorrect", mistake.id), (
                inst.seed, part.id, mistake.id, mistake.answer_text, got.mistake)


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_reference_correct_and_every_mistake_recognised(template_id: str) -> None:
    """Over 300 seeds; every declared mistake is active on some seed (none is vacuous)."""
    template = BANK.get(template_id)
    declared = {(p.id, m.id) for p in template.parts if not isinstance(p.mistakes, str)
                for m in p.mistakes}
    active: Counter[tuple[str, str]] = Counter()
    for inst in instances(template_id):
        _grade_all(inst, active)
    assert set(active) == declared


def _finite_domains(template_id: str) -> tuple[list[str], list[list[Any]]]:
    names, domains = [], []
    for spec in BANK.get(template_id).params:
        if spec.type == "choice":
            names.append(spec.name)
            domains.append(list(dict.fromkeys(spec.values)))
        else:
            assert spec.type == "int", spec
            names.append(spec.name)
            domains.append(list(range(spec.min, spec.max + 1)))
    return names, domains


@pytest.mark.parametrize("template_id", ["layers/param-count", "initialization/xavier-he"])
def test_every_possible_instance_grades_right(template_id: str) -> None:
    """These two templates draw from finite lists: every combination of params the
    constraints accept (thousands) grades its reference correct and each mistake as itself."""
    names, domains = _finite_domains(template_id)
    template = BANK.get(template_id)
    active: Counter[tuple[str, str]] = Counter()
    accepted = 0
    for combo in itertools.product(*domains):
        try:
            inst = generate(template, 1, dict(zip(names, combo, strict=True)),
                            render_text=False)
        except QuizError:
            continue  # a constraint rejects these params
        accepted += 1
        _grade_all(inst, active)
    assert accepted > 1000


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_each_parts_answer_text_grades_correct_through_the_cli(template_id: str) -> None:
    """`mlquiz check ID --seed N --part P -- TEXT` with the part's own answer text (a choice
    part's letter) says correct, for 15 seeds; a declared mistake's text says incorrect and
    names it."""
    runner = CliRunner()
    for seed in range(15):
        inst = generate(BANK.get(template_id), seed)
        for part in inst.parts:
            args = ["check", template_id, "--seed", str(seed), "--part", part.id, "--json"]
            out = runner.invoke(cli, [*args, "--", part.answer_text])
            assert out.exit_code == 0, out.output
            assert json.loads(out.stdout)["status"] == "correct", (seed, part.id, out.stdout)
            for mistake in part.mistakes[:1]:
                out = runner.invoke(cli, [*args, "--", mistake.answer_text])
                assert out.exit_code == 0, out.output
                data = json.loads(out.stdout)
                assert (data["status"], data["mistake"]) == ("incorrect", mistake.id)


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_declared_template_tests_pass(template_id: str) -> None:
    template = BANK.get(template_id)
    assert template.tests
    assert run_template_tests(template, seeds=(0, 1)) == []


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_every_text_renders_in_every_format(template_id: str) -> None:
    """Prompt, part prompts, solution, hints, mistake feedback: text, md, html and tex."""
    assert_renders_everywhere(template_id, 30)


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_few_instances_repeat(template_id: str) -> None:
    """Over 300 seeds, under 30% of the instances repeat an earlier one's params."""
    seen = [json.dumps(inst.params, sort_keys=True, default=str)
            for inst in instances(template_id)]
    assert 1 - len(set(seen)) / len(seen) < 0.3


@pytest.mark.parametrize(("template_id", "part_id"), [
    ("optimization/lr-divergence", "behaviour"),
    ("initialization/xavier-he", "scheme"),
    ("regularization/weight-decay-step", "why_zero"),
])
def test_the_right_option_varies(template_id: str, part_id: str) -> None:
    """The right option of each choice part changes from instance to instance."""
    right = Counter(next(o.id for o in inst.part(part_id).options if o.correct)
                    for inst in instances(template_id))
    assert len(right) >= 2 and max(right.values()) < 0.75 * SEEDS, right
