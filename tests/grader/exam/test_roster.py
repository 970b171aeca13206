"""Class lists (`grader.exam.roster`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.exam.roster import Student, count_roster, read_roster
from questionbank.errors import InputError

# --------------------------------------------------------------------------- rosters


def test_roster_with_bom_semicolons_whitespace_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_bytes("\ufeff ID ; Name \n s01 ; Ada Lovelace \n\n s02;  \n s03 ;Zoë O'Neil\n"
                     .encode())
    assert read_roster(path) == [Student("s01", "Ada Lovelace", 2), Student("s02", "", 4),
                                 Student("s03", "Zoë O'Neil", 5)]


def test_roster_without_names_and_with_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_text("email,student,group\na@x.org,7,B\nb@x.org,012,A\n", encoding="utf-8")
    assert [s.id for s in read_roster(path)] == ["7", "012"]


@pytest.mark.parametrize(("content", "message"), [
    ("id\ns1\ns2\ns1\ns3\ns2\ns1\n",
     "duplicate student ids: 's1' on lines 2, 4, 7; 's2' on lines 3, 6"),
    ("name\nAda\n", ":1: the header has no 'id' column (found 'name')"),
    ("id,name\ns1,A\n,B\n", ":3: the id is empty"),
    ("id,name\n", ":1: the roster lists no students"),
    ("", "the roster lists no students"),
    ("id\n" + "x" * 101 + "\n", ":2: the id is longer than 100 characters"),
    ("id,name\ns1,\"A\x07\"\n", ":2: the id or name contains control characters"),
])
def test_bad_rosters_are_refused_with_their_lines(tmp_path: Path, content: str,
                                                  message: str) -> None:
    path = tmp_path / "class.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_roster(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_roster_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_bytes(b"id,name\ns1,Zo\xeb\n")
    with pytest.raises(InputError, match=r"not UTF-8 text \(invalid byte at offset 13\); "
                                         "save the file as UTF-8"):
        read_roster(path)


def test_missing_roster_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the roster: No such file"):
        read_roster(tmp_path / "nope.csv")


def test_count_roster_ids() -> None:
    assert [s.id for s in count_roster(3)] == ["s001", "s002", "s003"]
    assert count_roster(1000)[-1].id == "s1000"
    assert count_roster(1000)[0].id == "s0001"
    with pytest.raises(InputError, match="from 1 to 100000, got 0"):
        count_roster(0)
