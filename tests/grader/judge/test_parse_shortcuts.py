"""The parsers' shortcuts for the common spellings read exactly what the full readers read.

`parse_numbers._read_common` (plain decimals, whole fractions) and `parse_arrays._plain_shape`
('3x4') are tried before the readers that handle every form and explain every problem; on
any text they accept they must give the same value, and they must leave the rest alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.judge import parse_arrays, parse_numbers
from grader.judge.parse_common import Problem, read_answer

_NUMBERISH = st.text(alphabet="0123456789+-./%eE x", max_size=40)
_SHAPEISH = st.text(alphabet="0123456789xX ,()", max_size=30)


def _full_number(text: str) -> Any:
    try:
        return parse_numbers._read_any(text, text, 0, len(text))
    except Problem as problem:
        return ("problem", problem.reason, problem.position)


@pytest.mark.parametrize("text", [
    "0", "-0", "-0.0", "7.", "0.50", "842/969", "-8/13", "10/4", "0/5", "3/0", "1/00",
    "000123.4500", "1" * 30, "1" * 31, "1" * 30 + ".5", "0." + "0" * 29, "1" * 31 + "/2",
    "2/" + "9" * 30, "2/" + "9" * 31, "+5", "+1/3",
])
def test_common_numbers_read_as_the_full_reader_reads_them(text: str) -> None:
    common = parse_numbers._read_common(text, text, 0, len(text))
    if common is not None:
        assert repr(common) == repr(_full_number(text))
    try:
        read = parse_numbers.read_number(text, text, 0, len(text))
    except Problem as problem:
        assert ("problem", problem.reason, problem.position) == _full_number(text)
    else:
        assert read == _full_number(text)


@settings(max_examples=500, deadline=None)
@given(_NUMBERISH)
def test_common_number_shortcut_agrees_with_the_full_reader(text: str) -> None:
    common = parse_numbers._read_common(text, text, 0, len(text)) if text else None
    if common is not None:
        full = _full_number(text)
        assert common == full
        assert type(common.value) is float and common.value == full.value


def _full_shape(text: str) -> Any:
    try:
        return read_answer(text, "Could not read the answer as a shape", 200,
                           "the shape is empty", parse_arrays._shape)
    except Exception as exc:  # compared, not handled
        return ("error", str(exc))


@settings(max_examples=500, deadline=None)
@given(_SHAPEISH)
def test_plain_shape_shortcut_agrees_with_the_scan(text: str) -> None:
    if parse_arrays._PLAIN_SHAPE_RE.fullmatch(text):
        dims = parse_arrays._plain_shape(text)
        if dims is not None:
            assert dims == _full_shape(text)
        else:
            assert _full_shape(text)[0] == "error"
    assert _outcome(parse_arrays.parse_shape, text) == _full_shape(text)


@pytest.mark.parametrize("text", ["237x461", "5", "007X3", "1x2x3x4x5x6x7x8", "999999999x1",
                                  "0x3", "3x0", "1x2x3x4x5x6x7x8x9", "1000000000x2", "3xX4"])
def test_plain_shapes_read_as_the_scan_reads_them(text: str) -> None:
    assert _outcome(parse_arrays.parse_shape, text) == _full_shape(text)


def _outcome(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except Exception as exc:  # compared, not handled
        return ("error", str(exc))
