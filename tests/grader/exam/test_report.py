"""The class's outputs (`grader.exam.report`): what makes them fast keeps them exact."""

from __future__ import annotations

from grader.exam.outcomes import ItemOutcome, PartOutcome
from grader.exam.report import _item_json_cache
from grader.files import json_dump


def _item(points: float, answer: str = "0.5") -> ItemOutcome:
    part = PartOutcome("Q1.a", "a", answer, "correct", 1.0, points, "Correct.", None, "0.5",
                       "1/2")
    return ItemOutcome(1, "metrics/confusion-matrix", "graded", "", (part,))


def test_equal_outcomes_share_their_text_but_zero_points_keep_their_sign() -> None:
    """Equal question outcomes are encoded once; 0.0 and -0.0 points are equal but are
    written differently, so such outcomes are never taken from the cache."""
    item_json = _item_json_cache()
    for item in (_item(1.0), _item(1.0, "1/2"), _item(1.0), _item(0.0), _item(-0.0)):
        assert item_json(item) == json_dump(item.to_dict())
    assert '"points": -0.0' in item_json(_item(-0.0))
