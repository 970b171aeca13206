"""The students' entries of ``report.json`` (`PartOutcome.json_text`, `ItemOutcome.json_text`):
written as text, they must be the very bytes the JSON encoder writes for the entry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grader.exam.outcomes import PART_STATUSES, ItemOutcome, PartOutcome, round_score
from grader.files import json_dump

_text = st.text(max_size=20)
_maybe_text = st.one_of(st.none(), _text)
_score = st.one_of(st.sampled_from([0.0, 1.0, 0.5, -0.0]),
                   st.floats(0, 1, allow_nan=False))
_points = st.one_of(st.sampled_from([1.0, 2.0, 0.0]), st.floats(0, 1e6, allow_nan=False))

parts = st.builds(PartOutcome, _text, _text, _text, st.sampled_from(PART_STATUSES), _score,
                  _points, _text, _maybe_text, _maybe_text, _text, _maybe_text,
                  st.one_of(st.none(), _points))


def _expected(p: PartOutcome) -> dict[str, object]:
    """The part's entry as the report's format describes it."""
    entry = {"column": p.column, "part": p.part, "answer": p.answer, "status": p.status,
             "score": round_score(p.score), "points": p.points,
             "earned": round_score(p.earned), "feedback": p.feedback, "mistake": p.mistake,
             "read_as": p.read_as, "reference": p.reference}
    if p.override is not None:
        entry["override"] = {"comment": p.override, "automatic": round_score(p.automatic)}
    return entry


@given(st.lists(parts, max_size=4), st.integers(1, 99), _text, _text, _text)
def test_entries_are_the_encoders_text(items: list[PartOutcome], number: int, template: str,
                                       status: str, message: str) -> None:
    item = ItemOutcome(number, template, status, message, tuple(items))
    expected = {"number": number, "template": template, "status": status,
                "message": message, "parts": [_expected(p) for p in items]}
    assert item.json_text() == json_dump(expected)
