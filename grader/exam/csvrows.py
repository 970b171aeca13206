"""Splitting the text of a CSV submissions file into rows, without Python's `csv` module.

`csv` stops at a cell over its field-size limit and then goes on reading *inside* that cell,
so the text of one student's (quoted) answer could become rows of its own; and an
unbalanced quote makes it swallow every row up to the next quote. Here:

- a quoted cell of any length is one cell (its length is checked later, per cell), and lines
  inside it never become rows;
- a row that cannot be read (a quote that is never closed, text after a closing quote) is
  reported by its line, and reading
  goes on at the next line, so the rows after it are read as rows, each reported by its own
  line;
- a quote inside a cell that does not start with one is part of the text (as for `csv`);
- a line without quotes (almost every line) is split with `str.split`, so a million rows
  are read in about a second.

Rows are yielded one at a time (`csv_rows`), for reading big files in bounded memory.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CsvRow", "csv_rows"]

#: A quoted cell: "...", with "" for a quote inside it (unrolled, so linear on any length).
_QUOTED = re.compile(r'"([^"]*(?:""[^"]*)*)"')


@dataclass(slots=True, frozen=True)
class CsvRow:
    """One row: its first line (1-based), its cells, or the `problem` that made it
    unreadable."""

    line: int
    cells: list[str]
    problem: str | None = None


def csv_rows(text: str, delimiter: str) -> Iterator[CsvRow]:
    """The rows of `text` in order (blank lines included, as rows of one empty cell)."""
    unquoted = re.compile(f"[^{re.escape(delimiter)}\\n]*")
    strict = _StrictReader(delimiter)
    pos, line, size = 0, 1, len(text)
    while pos < size:
        end = text.find("\n", pos)
        end = size if end < 0 else end
        line_text = text[pos:end]
        if '"' not in line_text:
            cells = line_text.split(delimiter)
            if cells[-1].endswith("\r"):
                cells[-1] = cells[-1][:-1]
            yield CsvRow(line, cells)
            pos, line = end + 1, line + 1
            continue
        plain = _plain_quoted_line(line_text, strict)
        if plain is not None:
            yield CsvRow(line, plain)
            pos, line = end + 1, line + 1
            continue
        cells, stop, problem = _quoted_row(text, pos, delimiter, unquoted, line)
        if problem is None:
            yield CsvRow(line, cells)
            line += text.count("\n", pos, stop)
            pos = stop
        else:
            yield CsvRow(line, [], problem)
            pos, line = end + 1, line + 1


class _StrictReader:
    """One strict `csv.reader` for every line of a file, fed one line at a time: a reader
    starts each row afresh, and making one per line took half the time of reading a quoted
    line's cells (reading the 10,000 x 10 bench's answers, 9,000 such lines: 63 ms of CPU
    instead of 75, medians of 9)."""

    def __init__(self, delimiter: str) -> None:
        self._feed = _OneLine()
        self._reader = csv.reader(self._feed, delimiter=delimiter, strict=True)

    def cells(self, line: str) -> list[str]:
        """The cells of `line` (`csv.Error` or StopIteration when it has none to give)."""
        self._feed.line = line
        try:
            return next(self._reader)
        finally:
            self._feed.line = None


class _OneLine:
    """The input of a `_StrictReader`: the line it is given, then the end of the input."""

    def __init__(self) -> None:
        self.line: str | None = None

    def __iter__(self) -> _OneLine:
        return self

    def __next__(self) -> str:
        line, self.line = self.line, None
        if line is None:
            raise StopIteration
        return line


def _plain_quoted_line(line: str, strict: _StrictReader) -> list[str] | None:
    """The cells of a line with quotes that `csv` reads strictly, where `_quoted_row` reads
    the same cells (a quoted cell ends on its line and is followed by the delimiter or the
    line's end); None for any other line (`csv` raises), which `_quoted_row` reads or
    reports. 9,000 of the 10,000 rows of the 10,000 x 10 bench have a quoted answer: they
    were read in 0.035 s less of CPU (0.118 s for the whole file, was 0.153)."""
    body = line[:-1] if line.endswith("\r") else line  # a CRLF line end
    if "\r" in body:  # which `csv` reads as a line end
        return None
    try:
        return strict.cells(body)
    except (csv.Error, StopIteration):
        return None


def _quoted_row(text: str, start: int, delimiter: str, unquoted: re.Pattern[str], line: int
                ) -> tuple[list[str], int, str | None]:
    """The row that starts at `start` (on `line`), which has quotes: its cells and where the
    next row starts, or a problem."""
    cells: list[str] = []
    size, pos = len(text), start

    def at(i: int) -> int:
        return line + text.count("\n", start, i)

    while True:
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            if match is None:
                return cells, size, (f"the quote that opens a cell on line {line} is never "
                                     "closed")
            cells.append(match.group(1).replace('""', '"'))
            pos = match.end()
            if text.startswith(delimiter, pos):
                pos += 1
                continue
            for ending in ("\n", "\r\n"):
                if text.startswith(ending, pos):
                    return cells, pos + len(ending), None
            if pos >= size or text[pos:] == "\r":
                return cells, size, None
            return cells, pos, (f"a quoted cell must be followed by {delimiter!r} or the end "
                                f"of the line (line {at(pos)})")
        match = unquoted.match(text, pos)
        assert match is not None  # the pattern matches the empty string
        pos = match.end()
        cell = match.group()
        if text.startswith(delimiter, pos):
            cells.append(cell)
            pos += 1
            continue
        cells.append(cell[:-1] if cell.endswith("\r") else cell)
        return cells, min(size, pos + 1), None
