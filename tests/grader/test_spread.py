"""`make_spread_folder`: the folder is made (with its parents) whatever the file system, under
its own name, with nothing left beside it; an existing folder and its files are kept; the
parent's attributes are as they were."""

from __future__ import annotations

import array
import fcntl
import os
import sys
from pathlib import Path

import pytest

from grader import spread
from grader.spread import make_spread_folder


def _flags(folder: Path) -> int | None:
    """The folder's inode flags (``lsattr``), or None where the file system has none."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(fd, spread._GET_FLAGS, flags, True)
        return flags[0]
    except OSError:
        return None
    finally:
        os.close(fd)


def test_the_folder_is_made_and_the_parent_is_as_it_was(tmp_path: Path) -> None:
    before = _flags(tmp_path)
    make_spread_folder(tmp_path / "a" / "feedback")
    assert (tmp_path / "a" / "feedback").is_dir()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["feedback"]
    assert _flags(tmp_path) == before
    if before is not None:  # the hint is only ever on while the folder is made
        assert _flags(tmp_path / "a") == _flags(tmp_path / "a" / "feedback") == before


def test_an_existing_folder_and_its_files_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "feedback"
    folder.mkdir()
    (folder / "kept.md").write_text("kept", encoding="utf-8")
    make_spread_folder(folder)
    assert [p.name for p in folder.iterdir()] == ["kept.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback"]


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "feedback").write_text("a file", encoding="utf-8")
    with pytest.raises(FileExistsError):
        make_spread_folder(tmp_path / "feedback")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback"]


def test_elsewhere_the_folder_is_made_as_usual(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(os, "rename", None)  # never used there
    make_spread_folder(tmp_path / "feedback")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback"]


def test_slow_folders_are_avoided_and_removed(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every folder tried is slow to fill: the last one is used; none is left behind."""
    tried: list[Path] = []

    def slow(folder: Path) -> bool:
        tried.append(folder)
        assert list(folder.iterdir()) == []
        return True

    monkeypatch.setattr(spread, "_slow_to_fill", slow)
    make_spread_folder(tmp_path / "feedback")
    if _flags(tmp_path) is not None:
        assert len(tried) == spread._ATTEMPTS - 1 and len(set(tried)) == len(tried)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback"]


def test_the_probe_files_are_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    assert spread._slow_to_fill(folder) in (True, False)
    assert list(folder.iterdir()) == []


def test_without_the_hint_the_folder_is_made_as_usual(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_flags(*args: object) -> None:
        raise OSError(25, "Inappropriate ioctl for device")

    monkeypatch.setattr(fcntl, "ioctl", no_flags)
    make_spread_folder(tmp_path / "feedback")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback"]
