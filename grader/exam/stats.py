"""Class statistics for the grading summary: score distribution, per-part difficulty and
discrimination, most frequent mistakes.

Definitions (stated in the summary page too):

- **difficulty** of a part: the mean score on it, as a fraction of its points (1 = everyone got
  it right), over the students whose answer to it was graded.
- **discrimination** of a part: the *corrected item-total correlation*, the Pearson correlation
  between the score on the part and the total score on the *other* parts, over the same
  students. For a part scored 0 or 1 this is the point-biserial correlation. Leaving the part
  out of the total keeps it from correlating with itself. Undefined (None) with fewer than
  three students or when either score does not vary.
- **histogram**: the students' percentages in ten bins of 10 points, the last one closed
  (100% falls in 90-100).

Pure Python on plain numbers, so it runs anywhere the grader runs and is easy to test.
"""

from __future__ import annotations

import math
import operator
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Protocol

__all__ = ["HISTOGRAM_BINS", "Bin", "ClassStats", "MistakeCount", "PartRecord", "PartResult",
           "PartStats", "class_statistics", "pearson"]

HISTOGRAM_BINS = 10
TOP_MISTAKES = 5


class PartResult(Protocol):
    """One student's result on one part: what the statistics read (a graded exam's
    `grader.exam.outcomes.PartOutcome`, or a `PartRecord`)."""

    @property
    def status(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def mistake(self) -> str | None: ...
    @property
    def feedback(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PartRecord:
    """A `PartResult` made by hand (for a caller without grading outcomes)."""

    status: str
    score: float
    mistake: str | None = None
    feedback: str = ""


@dataclass(frozen=True)
class MistakeCount:
    """A mistake (declared id, generic id, or ``invalid``/``blank``) and how often it occurred,
    with the feedback of its first occurrence as an example."""

    mistake: str
    count: int
    share: float
    example: str


@dataclass(frozen=True)
class PartStats:
    """Statistics of one part (one submission column)."""

    column: str
    points: float
    n: int
    difficulty: float | None
    discrimination: float | None
    statuses: dict[str, int]
    mistakes: tuple[MistakeCount, ...]


@dataclass(frozen=True)
class Bin:
    """Histogram bin [low, high) in percent (the last bin includes 100)."""

    low: int
    high: int
    count: int


@dataclass(frozen=True)
class ClassStats:
    """The whole class: percent scores summarised, the histogram, and each part."""

    n: int
    mean: float | None
    median: float | None
    stdev: float | None
    minimum: float | None
    maximum: float | None
    histogram: tuple[Bin, ...]
    parts: tuple[PartStats, ...]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The Pearson correlation of two equally long samples; None when either is constant."""
    n = len(xs)
    if n < 3 or n != len(ys):
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    # lists rather than generators: fsum reads a list at C speed
    sxx = math.fsum([(x - mx) ** 2 for x in xs])
    syy = math.fsum([(y - my) ** 2 for y in ys])
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = math.fsum([(x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)])
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _histogram(percents: Sequence[float]) -> tuple[Bin, ...]:
    width = 100 // HISTOGRAM_BINS
    counts = [0] * HISTOGRAM_BINS
    for p in percents:
        index = min(HISTOGRAM_BINS - 1, max(0, math.floor(p / width + 1e-9)))
        counts[index] += 1
    return tuple(Bin(low=i * width, high=(i + 1) * width, count=c) for i, c in enumerate(counts))


def _mistakes(records: Sequence[PartResult], statuses: Sequence[str]
              ) -> tuple[MistakeCount, ...]:
    """The most frequent mistakes among `records`, whose statuses are `statuses`: the records
    that are not correct are picked, their (status, mistake) read and the distinct ones
    counted at C speed, and only the distinct ones are looked at here. (Most answers are
    correct: 10,000 students x 10 parts, 16 ms instead of 30 with every record's kind.)"""
    wrong = list(compress(records, map(operator.ne, statuses, repeat("correct"))))
    kinds: list[Kind] = list(map(_KIND, wrong))
    # the first record of each kind: a dict keeps the last value given for a key
    first = dict(zip(reversed(kinds), range(len(kinds) - 1, -1, -1), strict=True))
    counts: Counter[str] = Counter()
    example_at: dict[str, int] = {}
    for (status, mistake), count in Counter(kinds).items():
        key = mistake if status == "incorrect" and mistake else (
            status if status != "incorrect" else "other")
        counts[key] += count
        example_at[key] = min(example_at.get(key, len(kinds)), first[status, mistake])
    total = len(records)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MISTAKES]
    return tuple(MistakeCount(mistake=k, count=c, share=c / total if total else 0.0,
                              example=wrong[example_at[k]].feedback) for k, c in ranked)


#: A part's (status, mistake), read from its records at C speed with `_KIND`.
Kind = tuple[str, str | None]
_KIND = operator.attrgetter("status", "mistake")
_STATUS = operator.attrgetter("status")
_SCORE = operator.attrgetter("score")


def _part_stats(column: str, points: float, cells: Sequence[PartResult | None],
                scores: list[float] | None, totals: Sequence[float]) -> PartStats:
    """One part's statistics from its cells, one per student (None: not graded), their
    `scores` when no cell is None, and the students' totals."""
    records: Sequence[PartResult] = cells  # type: ignore[assignment]  # checked just below
    if scores is None:
        graded = [(r, t) for r, t in zip(cells, totals, strict=True) if r is not None]
        records, totals = [r for r, _ in graded], [t for _, t in graded]
        scores = list(map(_SCORE, records))
    status_of: list[str] = list(map(_STATUS, records))
    statuses = Counter(status_of)
    rest = [t - s * points for s, t in zip(scores, totals, strict=True)]  # the other parts
    return PartStats(
        column=column, points=points, n=len(scores),
        difficulty=math.fsum(scores) / len(scores) if scores else None,
        discrimination=pearson(scores, rest),
        statuses=dict(sorted(statuses.items())), mistakes=_mistakes(records, status_of))


def class_statistics(columns: Sequence[str], points: Sequence[float],
                     rows: Sequence[Sequence[PartResult | None]]) -> ClassStats:
    """Statistics over `rows` (one per graded student, one entry per column; None = the part
    could not be graded for that student). Percentages are of the points of graded parts.

    The work is done a column at a time on lists (`zip` turns the rows into columns):
    10,000 students x 10 parts took 0.19-0.21 s of CPU row by row, 0.14-0.16 s so."""
    # strict zips: a row without one entry per column is an error
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in points]
    # a column's scores are read once, for the totals and for its own statistics, when all
    # its cells are graded (10,000 students x 10 parts: 12 ms less)
    scores = [list(map(_SCORE, cells)) if None not in cells else None for cells in by_column]
    earned = [[s * p for s in column_scores] if column_scores is not None else
              [r.score * p if r is not None else 0.0 for r in cells]
              for cells, column_scores, p in zip(by_column, scores, points, strict=True)]
    possible = [[p] * len(cells) if column_scores is not None else
                [p if r is not None else 0.0 for r in cells]
                for cells, column_scores, p in zip(by_column, scores, points, strict=True)]
    # fsum is exact, so a student's sums do not depend on the order of their parts
    totals = [math.fsum(t) for t in zip(*earned, strict=True)] if points else [0.0] * len(rows)
    possibles = [math.fsum(t) for t in zip(*possible, strict=True)] if points else [0.0] * len(rows)
    percents = [100 * e / p if p else 0.0 for e, p in zip(totals, possibles, strict=True)]
    n = len(percents)
    return ClassStats(
        n=n,
        mean=math.fsum(percents) / n if n else None,
        median=statistics.median(percents) if n else None,
        stdev=statistics.pstdev(percents) if n else None,
        minimum=min(percents) if n else None,
        maximum=max(percents) if n else None,
        histogram=_histogram(percents),
        parts=tuple(_part_stats(column, points[j], by_column[j], scores[j], totals)
                    for j, column in enumerate(columns)))
