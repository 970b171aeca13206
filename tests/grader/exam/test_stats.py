"""Class statistics (`grader.exam.stats`)."""

from __future__ import annotations

import math
import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.exam.stats import PartRecord, class_statistics, pearson

# --------------------------------------------------------------------------- statistics


def test_pearson() -> None:
    assert pearson([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert pearson([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1.0)
    assert pearson([1, 0, 1, 0], [3, 1, 2, 2]) == pytest.approx(0.7071067811865475)
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert pearson([1, 2], [1, 2]) is None


def test_class_statistics_difficulty_discrimination_histogram_mistakes() -> None:
    def r(score: float, status: str = "", mistake: str | None = None) -> PartRecord:
        return PartRecord(status or ("correct" if score == 1 else "incorrect"), score, mistake,
                          f"feedback {mistake}")

    rows = [
        [r(1), r(1), r(1)],
        [r(1), r(0, mistake="swap"), r(1)],
        [r(0, mistake="swap"), r(0, "invalid"), r(1)],
        [r(0, mistake="sign"), r(0, mistake="swap"), None],
    ]
    stats = class_statistics(["a", "b", "c"], [1.0, 2.0, 1.0], rows)
    assert stats.n == 4
    assert [round(p, 6) for p in (stats.mean, stats.median, stats.minimum, stats.maximum)] == \
        [round((100 + 50 + 25 + 0) / 4, 6), 37.5, 0.0, 100.0]
    a, b, c = stats.parts
    assert (a.n, a.difficulty) == (4, 0.5)
    # the score on a against the total of the other parts (4, 1, 1, 0)
    assert a.discrimination == pytest.approx(pearson([1, 1, 0, 0], [3, 1, 1, 0]))
    assert (c.n, c.difficulty, c.discrimination) == (3, 1.0, None)
    assert [(m.mistake, m.count, m.share) for m in b.mistakes] == [("swap", 2, 0.5),
                                                                   ("invalid", 1, 0.25)]
    assert a.mistakes[0].example == "feedback sign"  # ties sorted by id: sign before swap
    assert b.statuses == {"correct": 1, "incorrect": 2, "invalid": 1}
    assert [bin_.count for bin_ in stats.histogram] == [1, 0, 1, 0, 0, 1, 0, 0, 0, 1]


def test_histogram_edges() -> None:
    rows = [[PartRecord("correct" if s else "incorrect", s)] for s in (0, 0.1, 0.0999, 0.9,
                                                                        1.0)]
    stats = class_statistics(["a"], [1.0], rows)
    assert [b.count for b in stats.histogram] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    empty = class_statistics(["a"], [1.0], [])
    assert (empty.n, empty.mean, empty.parts[0].difficulty) == (0, None, None)


_STATUSES = st.sampled_from(["correct", "incorrect", "invalid", "blank", "error"])
_RECORDS = st.builds(PartRecord, _STATUSES, st.sampled_from([0.0, 0.5, 1.0, 1 / 3]),
                     st.sampled_from([None, "", "swap", "sign"]), st.sampled_from(["f1", "f2"]))


@given(st.integers(1, 4).flatmap(lambda width: st.lists(
    st.lists(st.none() | _RECORDS, min_size=width, max_size=width), max_size=25)))
def test_class_statistics_against_a_row_by_row_reference(
        rows: list[list[PartRecord | None]]) -> None:
    """The statistics, worked a column at a time, are those of the definitions worked one
    student at a time."""
    width = len(rows[0]) if rows else 2
    points = [1.0, 2.0, 0.5, 3.0][:width]
    stats = class_statistics([f"c{j}" for j in range(width)], points, rows)
    totals = [math.fsum(r.score * p for r, p in zip(row, points, strict=True) if r)
              for row in rows]
    possible = [math.fsum(p for r, p in zip(row, points, strict=True) if r) for row in rows]
    percents = [100 * t / p if p else 0.0 for t, p in zip(totals, possible, strict=True)]
    assert (stats.n, stats.mean, stats.median, stats.stdev) == (
        (len(rows), math.fsum(percents) / len(rows), statistics.median(percents),
         statistics.pstdev(percents)) if rows else (0, None, None, None))
    for j, part in enumerate(stats.parts):
        graded = [(row[j], t) for row, t in zip(rows, totals, strict=True) if row[j]]
        scores = [r.score for r, _ in graded]
        assert part.n == len(graded)
        assert part.difficulty == (math.fsum(scores) / len(scores) if scores else None)
        assert part.discrimination == pearson(scores, [t - r.score * points[j]
                                                       for r, t in graded])
        assert part.statuses == dict(sorted(Counter(r.status for r, _ in graded).items()))
        keys = [(r.mistake if r.status == "incorrect" and r.mistake else
                 r.status if r.status != "incorrect" else "other", r.feedback)
                for r, _ in graded if r.status != "correct"]
        counts = Counter(k for k, _ in keys)
        assert [(m.mistake, m.count, m.example) for m in part.mistakes] == [
            (k, c, next(f for key, f in keys if key == k))
            for k, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
