"""What the tests of grader.judge.parse share: the refused answer's error, and its check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from questionbank.errors import AnswerError


def error_of(parser: Callable[..., Any], text: str, *args: Any) -> AnswerError:
    """The AnswerError that `parser(text, *args)` raises (fails the test if it returns)."""
    with pytest.raises(AnswerError) as info:
        parser(text, *args)
    error = info.value
    assert error.text == text
    assert str(error)  # renders, whatever the characters
    return error


def check_error(error: AnswerError, fragment: str, position: int | None) -> None:
    """The message contains `fragment` and the caret is at `position` (None: not checked)."""
    assert fragment in error.message, error.message
    if position is not None:
        assert error.position == position, (error.position, str(error))
