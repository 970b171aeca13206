"""Safe files (`grader.files`): file names from untrusted ids, CSV cells that never run as
formulas, atomic writes, Markdown and TeX escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.files import (
    JSONText,
    atomic_write_chunks,
    atomic_write_text,
    csv_cell,
    csv_text,
    json_chunks,
    json_dump,
    json_number,
    json_str,
    md_code,
    md_escape,
    read_input_text,
    safe_slug,
    student_stem,
    unneutralise,
    write_staged_text,
)
from questionbank.errors import InputError
from questionbank.render import tex_escape

# --------------------------------------------------------------------------- files


@given(st.text(max_size=60))
def test_student_stems_are_safe_file_names(student_id: str) -> None:
    """Whatever the id holds, its file stem is lower-case ASCII letters, digits and hyphens,
    ends in 6 hex digits of the id's hash, and is never '.', '..' or a path."""
    stem = student_stem(student_id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{6}", stem)
    assert safe_slug(student_id) != ""


@given(st.text(max_size=40), st.text(max_size=40))
def test_different_ids_get_different_stems(a: str, b: str) -> None:
    """Two different ids never share a file (up to a 24-bit hash collision, which these
    examples do not reach)."""
    if a != b:
        assert student_stem(a) != student_stem(b)


#: What a spreadsheet runs as a formula when a cell starts with it (OWASP's CSV injection
#: list), written out here rather than taken from the module under test.
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", re.IGNORECASE)


@given(st.text(alphabet="'=+-@\t\r0123456789.eEax ,\"", max_size=12) | st.text(max_size=40))
def test_csv_cells_never_start_a_formula(text: str) -> None:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe (also
    when apostrophes come before the formula, so none is lost on reading back), plain numbers
    stay as they are, and `unneutralise` gives back exactly the original text."""
    cell = csv_cell(text)
    assert isinstance(cell, str)
    plain = PLAIN_NUMBER.fullmatch(text) is not None
    if text.lstrip("'").startswith(SPREADSHEET_TRIGGERS) and not plain:
        assert cell == "'" + text
    else:
        assert cell == text
    assert plain or not cell.startswith(SPREADSHEET_TRIGGERS)
    assert unneutralise(cell) == text


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-0.5", "-0.5"), ("+3", "+3"), ("1e-3", "1e-3"), (0.25, 0.25), (3, 3), (None, ""),
    ("s001", "s001"), ("'x", "'x"),
    ("'=x", "''=x"), ("''+1", "'''+1"), ("'-0.5", "''-0.5"),
])
def test_csv_cell_table(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


def test_csv_text_and_atomic_write(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "t.csv"
    atomic_write_text(path, csv_text(["student", "score"], [["=1+1", 1.5], ["a,b", "x\"y"]]))
    assert path.read_text() == "student,score\n'=1+1,1.5\n\"a,b\",\"x\"\"y\"\n"
    assert [p.name for p in path.parent.iterdir()] == ["t.csv"]


def test_csv_text_neutralises_only_the_cells_from_outside_when_told_which() -> None:
    """The header and the cells at the `outside` positions are neutralised; the caller vouches
    for the others (which are left as they are), and the rows given are not changed."""
    rows = [["=1+1", "@x", "-0.5", "=kept"]]
    assert csv_text(["=h", "b", "c", "d"], rows, outside=(0, 1)) == \
        "'=h,b,c,d\n'=1+1,'@x,-0.5,=kept\n"
    assert rows == [["=1+1", "@x", "-0.5", "=kept"]]


def test_json_chunks_written_in_blocks(tmp_path: Path) -> None:
    """A document of several blocks, with a list given as an iterator, is written whole."""
    entries = [{"n": i, "text": "é" * 50} for i in range(30_000)]
    document = {"b": entries, "a": iter(entries), "c": 1}
    path = tmp_path / "report.json"
    atomic_write_chunks(path, json_chunks(document))
    text = path.read_text(encoding="utf-8")
    assert len(text) > 2 << 20
    assert text == "".join(json_chunks({"a": entries, "b": entries, "c": 1}))
    assert text.splitlines()[1:3] == ['  "a": [', '    {"n": 0, "text": "' + "é" * 50 + '"},']


@given(st.text(), st.one_of(st.none(), st.booleans(), st.integers(), st.floats()))
def test_json_values_written_by_hand_as_the_encoder_writes_them(text: str, number: object
                                                                ) -> None:
    """`json_str` and `json_number` (the students' entries of report.json) give exactly
    `json_dump`'s text: escapes, non-ASCII text, NaN, infinities, -0.0, ints, None, bools."""
    assert json_str(text) == json_dump(text)
    assert json_number(number) == json_dump(number)  # type: ignore[arg-type]


def test_json_text_entries_are_written_as_they_are() -> None:
    entry = JSONText('{"a": 1}')
    text = "".join(json_chunks({"list": [entry, {"b": 2}, "c"]}))
    assert text == '{\n  "list": [\n    {"a": 1},\n    {"b": 2},\n    "c"\n  ]\n}\n'


def test_a_staged_write_never_changes_a_hard_linked_previous_state(tmp_path: Path) -> None:
    """A staging folder starts with hard links to the previous files (`grader.outdir`): a
    staged write replaces the link and leaves the previous file as it was."""
    old, staged = tmp_path / "old.md", tmp_path / "staging" / "feedback" / "a.md"
    old.write_text("previous", encoding="utf-8")
    write_staged_text(staged, "new ü")  # the folder is made when missing
    staged.unlink()
    staged.hardlink_to(old)
    write_staged_text(staged, "new ü")
    assert staged.read_text(encoding="utf-8") == "new ü"
    assert old.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in staged.parent.iterdir()) == ["a.md"]


@pytest.mark.parametrize(("data", "text"), [
    (b"id,name\n1,Zo\xc3\xab\n", "id,name\n1,Zoë\n"),
    (b"\xef\xbb\xbfid\n", "id\n"),  # the byte-order mark is dropped
    (b"", ""),
])
def test_read_input_text(tmp_path: Path, data: bytes, text: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    assert read_input_text(path, "the roster") == text


@pytest.mark.parametrize(("data", "message"), [
    (None, r"in\.csv: cannot read the roster: No such file"),
    (b"id\nZo\xeb\n", r"in\.csv: not UTF-8 text \(invalid byte at offset 5\); save the file"),
])
def test_read_input_text_names_the_file_and_the_problem(
        tmp_path: Path, data: bytes | None, message: str) -> None:
    path = tmp_path / "in.csv"
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_input_text(path, "the roster")


def test_markdown_escaping() -> None:
    assert md_escape("<script>*x*</script> [a](b) | `c`") == \
        r"\<script\>\*x\*\</script\> \[a\](b) \| \`c\`"
    assert md_code("a`b\n\nc") == "`a'b c`"
    assert md_code("  ") == "''"
    assert tex_escape("x_i^2 & 50% #1 ~ {a}") == \
        r"x\_i\textasciicircum{}2 \& 50\% \#1 \textasciitilde{} \{a\}"
    assert tex_escape("∂f/∂Xᵢⱼ") == r"$\partial$f/$\partial$X$_{ij}$"
