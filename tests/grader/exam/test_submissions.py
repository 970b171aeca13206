"""Reading submissions files (`grader.exam.submissions`): CSV, JSON and YAML, values as typed,
bad rows kept apart, unreadable files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.exam.submissions import read_submissions
from questionbank.errors import InputError

# --------------------------------------------------------------------------- reading CSV


def test_csv_with_bom_semicolons_and_values_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes("\ufeff student ; Q1.a ;Q1.b\n s1 ; 012 ; NO\n\n'@x;1e-3;\n".encode())
    subs = read_submissions(path, ["Q1.a", "Q1.b"])
    assert [(r.line, r.student, r.cells, r.problem) for r in subs.rows] == [
        (2, "s1", {"student": " s1 ", "Q1.a": " 012 ", "Q1.b": " NO"}, None),
        (4, "@x", {"student": "'@x", "Q1.a": "1e-3", "Q1.b": ""}, None)]
    assert subs.notes == ()


def test_csv_ragged_rows_multiline_cells_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('student,Q1.a,extra\ns1,"two\nlines",x\ns2,1\ns3,1,2,3\ns4,1,2,,\n',
                    encoding="utf-8")
    subs = read_submissions(path, ["Q1.a", "Q1.b"])
    assert [(r.line, r.student, r.problem) for r in subs.rows] == [
        (2, "s1", None), (4, "s2", "2 cells where the header has 3"),
        (5, "s3", "4 cells where the header has 3"), (6, "s4", None)]
    assert subs.rows[0].cells["Q1.a"] == "two\nlines"
    assert subs.rows[0].missing == ("Q1.b",)
    assert subs.notes == ("ignored columns that are not part of the exam: extra",
                          "the file has no column for Q1.b: those answers count as blank")


def test_csv_cell_too_long_is_that_answers_problem(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("student,Q1.a\ns1," + "x" * 200_000 + "\ns2,ok\n", encoding="utf-8")
    rows = read_submissions(path, ["Q1.a"]).rows
    assert [(r.line, r.student, r.problem) for r in rows] == [(2, "s1", None), (3, "s2", None)]
    assert rows[0].invalid == (("Q1.a", "The answer is too long (200000 characters; at most "
                                        "100000)."),)
    assert rows[0].cells["Q1.a"] == "x" * 200 + "..."


def test_csv_rows_read_whole_and_cell_by_cell_agree(tmp_path: Path) -> None:
    """A line whose cells are all fine is read at once (`_Rows.plain_csv_row`), any other
    cell by cell; a header with an unnamed column has every row read cell by cell. The same
    lines under both headers give the same rows (the unnamed column's cells aside)."""
    lines = ["s1, 1 ,x\n", "'=s2,2,\n", " ,3,\n", "s4,\x1b[2J,\n", "s5,ok,\x00\n",
             "s6,1,2,,\n", "s1,late,\n", "zz,9,\n"]
    rows = {}
    for header in ("student,Q1.a,extra\n", "student,Q1.a,\n"):
        path = tmp_path / "s.csv"
        path.write_text(header + "".join(lines), encoding="utf-8")
        subs = read_submissions(path, ["Q1.a", "Q1.b"], {"s1", "=s2", "s4", "s5", "s6"})
        rows[header] = [(r.line, r.student, {k: v for k, v in r.cells.items() if k != "extra"},
                         r.problem, r.missing, r.invalid) for r in subs.rows]
    assert rows["student,Q1.a,extra\n"] == rows["student,Q1.a,\n"]
    assert [r[1:3] for r in rows["student,Q1.a,\n"]] == [
        ("s1", {}), ("=s2", {"student": "'=s2", "Q1.a": "2"}), (None, {}),
        ("s4", {"student": "s4", "Q1.a": "\\u001b[2J"}), ("s5", {"student": "s5", "Q1.a": "ok"}),
        ("s6", {"student": "s6", "Q1.a": "1"}), ("s1", {"student": "s1", "Q1.a": "late"}),
        ("zz", {})]


@pytest.mark.parametrize(("content", "message"), [
    ("name,Q1.a\nx,1\n", ":1: the header has no 'student' column (found 'name', 'Q1.a')"),
    ("\n\n", "the file is empty (expected a header line 'student,Q1...')"),
    ("student,Q1.a,Q1.a\n", ":1: the header repeats the column 'Q1.a'"),
])
def test_unreadable_csv_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_submissions(path, ["Q1.a"])
    assert message in str(info.value)


def test_missing_and_non_utf8_submission_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the submissions: No such file"):
        read_submissions(tmp_path / "none.csv", [])
    (tmp_path / "latin.csv").write_bytes(b"student\n\xe9\n")
    with pytest.raises(InputError, match=r"latin\.csv: not UTF-8 text"):
        read_submissions(tmp_path / "latin.csv", [])


# --------------------------------------------------------------------------- reading JSON


def test_json_values_arrive_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("""[
  {"student": "s1", "Q1.a": 0.50, "Q1.b": 1e-3, "Q1.c": true, "Q1.d": null,
   "Q1.e": [2, 0, 4.50], "Q1.f": {"x": 1}},
  5,
  {"student": "s2", "Q1.a": "8/13", "Q1.a": "x"},
  {"id": "s3", "more": "1"}
]
""", encoding="utf-8")
    subs = read_submissions(path, ["Q1.a", "Q1.b"])
    rows = subs.rows
    assert rows[0].line == 2 and rows[0].student == "s1"
    assert rows[0].cells == {"student": "s1", "Q1.a": "0.50", "Q1.b": "1e-3", "Q1.c": "true",
                             "Q1.d": "", "Q1.e": "[2, 0, 4.50]", "Q1.f": "{x: 1}"}
    assert (rows[1].line, rows[1].problem) == (4, "the record is not a JSON object")
    assert (rows[2].line, rows[2].student, rows[2].problem) == (5, "s2",
                                                                "the key 'Q1.a' appears twice")
    assert (rows[3].student, rows[3].missing) == ("s3", ("Q1.a", "Q1.b"))
    assert subs.notes == ("ignored keys that are not part of the exam: Q1.c, Q1.d, Q1.e, Q1.f, "
                          "more",)


@pytest.mark.parametrize(("content", "message"), [
    ('{"student": "s1"}', ":1: expected a JSON list of records"),
    ('[{"student": "s1"},\n {"student": }]', ":2: record 2: not valid JSON (Expecting value)"),
    ('[{"student": "s1"} {"student": "s2"}]', ":1: expected ',' or ']' between records"),
    ('[{"student": "s1"}]\n[]', ":2: unexpected text after the list of records"),
])
def test_unreadable_json_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_submissions(path, [])
    assert message in str(info.value)


# --------------------------------------------------------------------------- reading YAML


def test_yaml_values_arrive_as_typed_and_tags_do_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("""# submissions
- student: s1
  Q1.a: NO
  Q1.b: 012
  Q1.c: 1e-3
  Q1.d: !!python/object/apply:os.system ["touch PWNED"]
  Q1.e: [2, 0, 4.5]
  Q1.f:
- just text
- student: 7
  Q1.a: ~
""", encoding="utf-8")
    subs = read_submissions(path, ["Q1.a"])
    assert subs.rows[0].line == 2
    assert subs.rows[0].cells == {"student": "s1", "Q1.a": "NO", "Q1.b": "012", "Q1.c": "1e-3",
                                  "Q1.d": "[touch PWNED]", "Q1.e": "[2, 0, 4.5]", "Q1.f": ""}
    assert (subs.rows[1].line, subs.rows[1].problem) == (9, "the record is not a mapping")
    assert (subs.rows[2].student, subs.rows[2].cells["Q1.a"]) == ("7", "~")
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.parametrize(("content", "message"), [
    ("student: s1\n", ":1: expected a YAML list of records"),
    ("- a: &x [1, 2]\n  b: *x\n", ":2: YAML aliases (*name) are not allowed in submissions"),
    ("- student: [1\n", "not valid YAML"),
    ("- student: s1\n---\n- student: s2\n", "not valid YAML"),
])
def test_unreadable_yaml_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_submissions(path, [])
    assert message in str(info.value)
