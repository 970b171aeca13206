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
