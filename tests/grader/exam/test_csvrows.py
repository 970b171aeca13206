"""Splitting CSV text into rows (`grader.exam.csvrows`): what any CSV writer produces is read
back exactly, at any cell size; unreadable rows are reported on their line and the rows after
them are read."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.exam.csvrows import _plain_quoted_line, _quoted_row, _StrictReader, csv_rows

CELL = st.text(alphabet=st.sampled_from('ab,;"\n\r x'), max_size=12)


@given(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=6),
       st.sampled_from([",", ";"]), st.sampled_from(["\n", "\r\n"]))
def test_what_a_csv_writer_writes_is_read_back(rows: list[list[str]], delimiter: str,
                                               ending: str) -> None:
    """Rule: for any rows written by `csv.writer`, `csv_rows` gives back the same cells.
    (A writer with ``\\n`` line ends leaves a lone ``\\r`` unquoted, which no reader can
    tell from a line end: those rows use ``\\r\\n``.)"""
    if any("\r" in cell for row in rows for cell in row):
        ending = "\r\n"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=ending).writerows(rows)
    read = list(csv_rows(buffer.getvalue(), delimiter))
    assert [r.problem for r in read] == [None] * len(rows)
    assert [r.cells for r in read] == rows


def test_a_huge_quoted_cell_is_one_cell_whatever_it_holds() -> None:
    cell = "x" * 1_000_000 + "\ns001,8/13\n"
    text = 'student,Q1\ns002,"' + cell + '"\ns003,1\n'
    assert [(r.line, r.cells) for r in csv_rows(text, ",")] == [
        (1, ["student", "Q1"]), (2, ["s002", cell]), (5, ["s003", "1"])]


@pytest.mark.parametrize(("text", "expected"), [
    ('s1,"a\ns2,b\n', [(1, [], "the quote that opens a cell on line 1 is never closed"),
                       (2, ["s2", "b"], None)]),
    ('s1,"a"b\ns2,c\n', [(1, [], "a quoted cell must be followed by ',' or the end of the "
                                 "line (line 1)"), (2, ["s2", "c"], None)]),
    ('s1,a"b\n', [(1, ["s1", 'a"b'], None)]),
    ('s1,"a"\r', [(1, ["s1", "a"], None)]),
    ("\n", [(1, [""], None)]),
])
def test_rows_that_cannot_be_read_are_reported_on_their_line(
        text: str, expected: list[tuple[int, list[str], str | None]]) -> None:
    assert [(r.line, r.cells, r.problem) for r in csv_rows(text, ",")] == expected


#: one reader for every example, as `csv_rows` has one for every line of a file
_READERS = {d: _StrictReader(d) for d in ",;"}


@given(st.text(alphabet=st.sampled_from('ab,;" \r\x00\t'), max_size=16),
       st.sampled_from([",", ";"]))
def test_a_line_read_by_csv_has_the_cells_the_full_reader_reads(line: str, delimiter: str
                                                                ) -> None:
    """Rule: where the quick reading of a line with quotes (`csv`, strict) gives cells, they
    are those of the reader that also reports problems; elsewhere it gives way to it."""
    line = '"' + line
    quick = _plain_quoted_line(line, _READERS[delimiter])
    if quick is not None:
        unquoted = re.compile(f"[^{re.escape(delimiter)}\\n]*")
        assert _quoted_row(line + "\n", 0, delimiter, unquoted, 1) == (quick, len(line) + 1,
                                                                      None)


@given(st.lists(st.text(alphabet=st.sampled_from('ab,;" \r\x00\t'), max_size=12), max_size=8),
       st.sampled_from([",", ";"]))
def test_one_reader_reads_each_line_as_a_reader_of_its_own(lines: list[str], delimiter: str
                                                           ) -> None:
    """Rule: the reader that `csv_rows` keeps for a file reads each line with quotes as a new
    reader would, whatever the lines before it (ones that `csv` refuses included)."""
    shared = _StrictReader(delimiter)
    for line in ['"' + line for line in lines]:
        assert _plain_quoted_line(line, shared) == \
            _plain_quoted_line(line, _StrictReader(delimiter))
