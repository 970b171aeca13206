"""The parsers' shortcuts for the common spellings read exactly what the full readers read.

`parse_numbers._read_common` (plain decimals, whole fractions) and `parse_arrays._plain_shape`
('3x4') are tried before the readers that handle every form and explain every problem; on
any text they accept they must give the same value, and they must leave the rest alone.
`parse_arrays.plain_vector_values` ('[7.5, 2, 61/9]') must give the values `parse_vector`
reads, and accept nothing it refuses.
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
_VECTORISH = st.text(alphabet="0123456789+-./, \t[]()e%;", max_size=40)


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


def _vector_values(text: str) -> Any:
    try:
        return [n.value for n in parse_arrays.parse_vector(text)]
    except Exception as exc:  # compared, not handled
        return ("error", str(exc))


def _same_floats(got: list[float], want: Any) -> bool:
    """The same values, and the same signs of zero (repr tells -0.0 from 0.0)."""
    return isinstance(want, list) and [repr(v) for v in got] == [repr(v) for v in want]


def _assert_plain_values_agree(text: str) -> None:
    """`plain_vector_values` of `text`, when it reads it, gives the vector reader's values."""
    values = parse_arrays.plain_vector_values(text)
    if values is not None:
        assert _same_floats(values, _vector_values(text)), text


@settings(max_examples=1000, deadline=None)
@given(_VECTORISH)
def test_plain_vector_values_agree_with_the_vector_reader(text: str) -> None:
    _assert_plain_values_agree(text)


@pytest.mark.parametrize("text", [
    "[7.5, 2, 1.2, 5.4]", "[61/9, 10/3, 7, 0]", "(1, 2)", "1, 2", "5", "[ 1 ,\t2 ]",
    "[-0, -0.0, -0/3, +5, 7.]", "[-8/13, 2/4]", "[12345678901234.12345678901234, 1]",
    "[" + "9" * 30 + "/" + "7" * 30 + ", 1]", "[1,5, 2,5]", "[1,2]", "[1, 2", "[1/0, 2]",
    "[" + "1" * 15 + ", 2]", "[1." + "1" * 15 + ", 2]", "[1e5, 2]", "[50%, 2]", "[]", " [1, 2]",
])
def test_plain_vectors_read_as_the_vector_reader_reads_them(text: str) -> None:
    _assert_plain_values_agree(text)


_ENTRY = st.builds(
    lambda sign, whole, point, frac, bottom: sign + whole + (
        "/" + bottom if bottom is not None else point + frac),
    st.sampled_from(["", "-", "+"]), st.text("0123456789", min_size=1, max_size=16),
    st.sampled_from(["", "."]), st.text("0123456789", max_size=16),
    st.none() | st.text("0123456789", min_size=1, max_size=3))
_PLAIN_VECTOR = st.builds(
    lambda entries, gaps, brackets: brackets[0] + "".join(
        e + (gaps[i % len(gaps)] if i < len(entries) - 1 else "")
        for i, e in enumerate(entries)) + brackets[1],
    st.lists(_ENTRY, min_size=1, max_size=6),
    st.lists(st.sampled_from([", ", ",  ", " , ", ",\t", ",", " ,"]), min_size=1),
    st.sampled_from([("", ""), ("[", "]"), ("(", ")"), ("[ ", " ]"), ("[", ")")]))


@settings(max_examples=1000, deadline=None)
@given(_PLAIN_VECTOR)
def test_plain_vector_values_agree_on_plainly_written_vectors(text: str) -> None:
    _assert_plain_values_agree(text)
