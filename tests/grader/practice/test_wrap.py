"""Practice text is wrapped to the terminal at word boundaries; tables, code and lists keep
their layout."""

from __future__ import annotations

import pytest

from grader.practice.wrap import terminal_width, wrap_text

PROSE = ("A vision system flags parts on an assembly line as defective. On a test set of 313 "
         "cases it gives\nthis confusion matrix (rows are the predicted class;\nthe positive "
         "class is Defective):")
TABLE = "+----+----+\n| TP | FP |\n+====+====+\n| 130 | 119 |\n+----+----+"
CODE = "    a′ = [2×1, 5×0, 7.12×0, 4.5×1, 6×1] = [2, 0, 0, 4.5, 6]"


@pytest.mark.parametrize("width", [30, 50, 80])
def test_prose_is_rewrapped_without_breaking_words(width: int) -> None:
    wrapped = wrap_text(PROSE, width)
    assert all(len(line) <= width for line in wrapped.splitlines())
    assert wrapped.split() == PROSE.split()


def test_a_word_longer_than_the_width_stays_whole() -> None:
    assert wrap_text("see https://example.org/a/very/long/address here", 10).splitlines() == [
        "see", "https://example.org/a/very/long/address", "here"]


@pytest.mark.parametrize("block", [TABLE, CODE, "```\nx = 1    # keep   spacing\n```",
                                   "-----------------------------------"])
def test_tables_code_and_rules_are_kept_exactly(block: str) -> None:
    text = f"{PROSE}\n\n{block}\n\nAfter."
    assert wrap_text(text, 30).split("\n\n")[1] == block


def test_list_items_keep_their_marker_and_a_hanging_indent() -> None:
    text = "- Accuracy = (TP + TN) / total = (130 + 51) / 313\n- Precision = TP / (TP + FP)"
    assert wrap_text(text, 30) == ("- Accuracy = (TP + TN) / total\n  = (130 + 51) / 313\n"
                                   "- Precision = TP / (TP + FP)")


def test_the_width_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "64")
    assert terminal_width() == 64
    monkeypatch.setenv("COLUMNS", "5")
    assert terminal_width() == 20
