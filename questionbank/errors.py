"""The one error hierarchy of mlquiz.

`QuizError` is the base of every error a *user* can cause (a bad template, an unreadable answer,
a malformed submission file). Anything else that escapes is a bug and keeps its traceback. Only
the CLI turns a `QuizError` into exit code 1.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AnswerError", "BudgetError", "InputError", "QuizError", "TemplateError"]

#: A template error's message is cut to this many characters, so a hostile file's content (a
#: 200 KB value quoted in "got ...") is never echoed beyond a short excerpt.
MAX_MESSAGE_CHARS = 400


class QuizError(Exception):
    """Base class of all user-level errors; `str(err)` is the complete message for the user."""


class TemplateError(QuizError):
    """A template (or bank folder) is invalid.

    Rendered as ``path:line: key.path: message`` so editors and terminals can jump to the spot.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            half = MAX_MESSAGE_CHARS // 2
            message = f"{message[:half]} ... ({len(message) - 2 * half} characters not shown)" \
                f" ... {message[-half:]}"
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class BudgetError(TemplateError):
    """A template went over a resource limit while generating an instance (the time budget):
    retrying other seeds would most likely fail the same way."""


class AnswerError(QuizError):
    """A submitted answer (or an expression) could not be read.

    Carries the offending text and the position of the problem so the message can show the input
    with a caret under it. `hint` is an optional extra sentence that helps the student fix it.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        self.hint = hint
        self._rendered: tuple[tuple[Any, ...], str] | None = None
        super().__init__(self.render())

    def render(self) -> str:
        """The message, then the input and a caret line when a position is known."""
        state = (self.message, self.text, self.position, self.hint)
        if self._rendered is None or self._rendered[0] != state:
            self._rendered = state, self._render()
        return self._rendered[1]

    def _render(self) -> str:
        lines = [self.message]
        if self.position is not None and self.text:
            shown, caret = _excerpt(self.text, self.position)
            lines.append("  " + shown)
            lines.append("  " + " " * caret + "^")
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class InputError(QuizError):
    """An input file or option given on the command line is unusable (roster, submissions, ...)."""


def _excerpt(text: str, position: int, width: int = 60) -> tuple[str, int]:
    """A one-line window of `text` around `position` with control characters made visible."""
    position = max(0, min(position, len(text)))
    start = max(0, position - width // 2)
    end = min(len(text), start + width)
    window = text[start:end]
    # (most answers have no control character: checked at once, about 1.5 us less for an
    # answer of 20 characters)
    shown = window if window.isprintable() else \
        "".join(ch if ch.isprintable() else "?" for ch in window)
    caret = position - start
    if start > 0:
        shown, caret = "..." + shown, caret + 3
    if end < len(text):
        shown += "..."
    return shown, caret
