"""The feedback page templates unpack each part's view in its loop: the names must be
`PartView`'s fields, in their order (a field added to one and not the other would shift them)."""

from __future__ import annotations

import re

import pytest

from grader.exam.pages import PartView
from grader.pages import templates_dir


@pytest.mark.parametrize("name", ["student_feedback.html.j2", "student_feedback.md.j2"])
def test_part_loop_unpacks_partview_fields_in_order(name: str) -> None:
    text = (templates_dir() / name).read_text(encoding="utf-8")
    loops = re.findall(r"\{% for (.+?) in q\.parts %\}", text)
    assert len(loops) == 1
    assert tuple(n.strip() for n in loops[0].split(",")) == PartView._fields


def test_part_prompts_cached_per_text_equal_each_instances_own() -> None:
    """`_part_prompts` keeps the prompts without Jinja per text: the same as rendering them
    for each instance, for every part of the bank (with Jinja or without), twice over."""
    from markupsafe import Markup

    from grader.exam.pages import _part_prompts
    from grader.pages import unwrap_paragraph
    from questionbank import load_bank
    from questionbank.instance import generate

    bank = load_bank()
    for template_id in bank.ids():
        for seed in (1, 2):
            instance = generate(bank.get(template_id), seed)
            for part in instance.parts:
                expected = (Markup(unwrap_paragraph(instance.render_part_prompt(part.id, "html"))),
                            instance.render_part_prompt(part.id, "md"))
                assert _part_prompts(instance, part.id) == expected
                assert _part_prompts(instance, part.id) == expected
