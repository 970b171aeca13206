"""Checks every numeric template's test module runs over many seeds: the reference grades
correct (in-process and through `mlquiz check`), every declared mistake is recognised as
itself on the seeds where it is declared, and the slips a template must always recognise are
declared on every seed."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable

from click.testing import CliRunner

from grader.cli import cli
from grader.judge.check import check
from questionbank import Instance, generate, load_bank

BANK = load_bank(builtin=True, use_env=False)


@functools.cache
def instances(template_id: str, count: int) -> tuple[Instance, ...]:
    """Seeds 0 .. count-1 of a built-in template (cached: several tests walk the same ones)."""
    template = BANK.get(template_id)
    return tuple(generate(template, seed) for seed in range(count))


def assert_grades_like_a_teacher(template_id: str, count: int) -> Counter[tuple[str, str]]:
    """Over the seeds: the reference `answer_text` grades correct, and each declared mistake's
    `answer_text` is incorrect and recognised as that very mistake (so it is outside the
    tolerance and not taken for an earlier one). Every declared mistake is declared on some
    seed, so none of this is vacuous. Returns on how many seeds each was declared."""
    template = BANK.get(template_id)
    declared = {(p.id, m.id) for p in template.parts if not isinstance(p.mistakes, str)
                for m in p.mistakes}
    active: Counter[tuple[str, str]] = Counter()
    for inst in instances(template_id, count):
        for part in inst.parts:
            assert check(inst, part.id, part.answer_text).correct, (inst.seed, part.id)
            for mistake in part.mistakes:
                active[(part.id, mistake.id)] += 1
                result = check(inst, part.id, mistake.answer_text)
                assert result.status == "incorrect", (inst.seed, part.id, mistake.id)
                assert result.mistake == mistake.id, (inst.seed, part.id, mistake.id,
                                                      result.mistake)
    assert set(active) == declared
    return active


def assert_always_declared(template_id: str, count: int,
                           always: Iterable[tuple[str, str]]) -> None:
    """The (part, mistake) pairs in `always` are declared on every seed: the params are
    constrained so that these misconceptions are wrong on every instance (never left out
    because they happen to coincide with the answer)."""
    for inst in instances(template_id, count):
        for part_id, mistake_id in always:
            ids = {m.id for m in inst.part(part_id).mistakes}
            assert mistake_id in ids, (inst.seed, part_id, mistake_id)


def assert_cli_check_accepts_the_key(template_id: str, seeds: Iterable[int]) -> None:
    """`mlquiz check ID --seed N --part P --json -- ANSWER_TEXT` says correct for every part's
    reference answer (in-process, through the real command)."""
    runner = CliRunner()
    for seed in seeds:
        inst = generate(BANK.get(template_id), seed)
        for part in inst.parts:
            result = runner.invoke(cli, ["check", template_id, "--seed", str(seed), "--part",
                                         part.id, "--json", "--", part.answer_text])
            assert result.exit_code == 0, (seed, part.id, result.output)
            verdict = json.loads(result.output)
            assert verdict["status"] == "correct", (seed, part.id, verdict)


def assert_renders_everywhere(template_id: str, count: int) -> None:
    """Over the seeds: the prompt, the solution, every part's prompt and every mistake's
    feedback render (non-empty) in each output format."""
    for inst in instances(template_id, count):
        for fmt in ("text", "md", "html", "tex"):
            assert inst.render_prompt(fmt) and inst.render_solution(fmt)
            for part in inst.parts:
                assert inst.render_part_prompt(part.id, fmt)
        for part in inst.parts:
            assert all(mistake.feedback for mistake in part.mistakes)
