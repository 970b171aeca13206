"""Where a practice session reads answers and writes text: a terminal, a pipe, or a script.

The session engine (`grader.practice.session`) knows nothing of click or terminals: it reads
lines from a `Console` and writes text to it. `StreamConsole` serves ``mlquiz practice``;
`ScriptConsole` lets tests and benchmarks drive whole sessions from a list of lines.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from typing import Protocol, TextIO

__all__ = ["Console", "ScriptConsole", "StreamConsole"]


class Console(Protocol):
    """Where a session reads answers and writes text."""

    def read(self, prompt: str) -> str:
        """One line without its newline; EOFError at the end of input."""
        ...

    def write(self, text: str) -> None:
        """Write `text` as it is (the caller adds newlines)."""
        ...


class StreamConsole:
    """A console on text streams. Interactive (a terminal): the prompt is shown and the line
    read with line editing. Otherwise lines are read one by one and echoed after the prompt, so
    a piped session's output reads like a transcript."""

    def __init__(self, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> None:
        self._in = stdin
        self._out = stdout
        self.interactive = interactive

    def read(self, prompt: str) -> str:
        if self.interactive and self._in is sys.stdin and self._out is sys.stdout:
            with contextlib.suppress(ImportError):  # line editing for input(), if available
                import readline  # noqa: F401
            self._out.flush()
            return input(prompt)
        self._out.write(prompt)
        line = self._in.readline()
        if not line:
            self._out.write("\n")
            self._out.flush()
            raise EOFError
        line = line.rstrip("\r\n")
        if not self.interactive:
            from grader.judge.feedback import safe_terminal_text

            self._out.write(safe_terminal_text(line, 200))
        self._out.write("\n")
        self._out.flush()
        return line

    def write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()


class ScriptConsole:
    """A console that answers from a list of lines and keeps what was written (for tests and
    benchmarks). Input is echoed after the prompt, as for piped input. A line that is the
    `INTERRUPT` marker raises KeyboardInterrupt, as Ctrl-C would."""

    INTERRUPT = "\x03"

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.chunks: list[str] = []

    @property
    def output(self) -> str:
        return "".join(self.chunks)

    def read(self, prompt: str) -> str:
        self.chunks.append(prompt)
        try:
            line = next(self._lines)
        except StopIteration:
            self.chunks.append("\n")
            raise EOFError from None
        if line == self.INTERRUPT:
            self.chunks.append("^C\n")
            raise KeyboardInterrupt
        self.chunks.append(line + "\n")
        return line

    def write(self, text: str) -> None:
        self.chunks.append(text)
