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


#: How long each probe took to create, and whether the group is then slow
_PROBE_CASES = [
    ([10e-6] * spread._PROBES, False),
    # a group's first free numbers fine, then slow
    ([10e-6] * (spread._PROBES - spread._TIMED) + [120e-6] * spread._TIMED, True),
    # the (upper) median of the last ones decides
    ([10e-6] * (spread._PROBES - spread._TIMED // 2 + 1) + [120e-6] * (spread._TIMED // 2 - 1),
     False),
    ([10e-6] * (spread._PROBES - spread._TIMED // 2) + [120e-6] * (spread._TIMED // 2), True),
]


@pytest.mark.parametrize(("durations", "slow"), _PROBE_CASES)
def test_a_group_is_slow_when_the_last_probes_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   durations: list[float], slow: bool) -> None:
    """Every probe is kept until the last one is made (the slow numbers of a group come after
    its first free ones), and the last `_TIMED` creations decide."""
    assert len(durations) == spread._PROBES
    clock = iter([t for d in durations for t in (0.0, d)])
    monkeypatch.setattr(spread.time, "perf_counter", lambda: next(clock))
    folder = tmp_path / "f"
    folder.mkdir()
    real_open = os.open
    present: list[int] = []

    def counting_open(path: str, flags: int, mode: int = 0o777) -> int:
        present.append(len(list(folder.iterdir())))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", counting_open)
    assert spread._slow_to_fill(folder) is slow
    assert present == list(range(len(present)))  # each probe kept while the next are made
    assert len(present) == spread._PROBES or slow  # (a slow group stops the probing early)
    assert list(folder.iterdir()) == []


def test_probing_stops_once_the_group_is_slow(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Slow from the start: the `_TIMED` first probes are enough (and deleted)."""
    clock = iter([t for _ in range(spread._TIMED) for t in (0.0, 120e-6)])
    monkeypatch.setattr(spread.time, "perf_counter", lambda: next(clock))
    folder = tmp_path / "f"
    folder.mkdir()
    assert spread._slow_to_fill(folder) is True
    assert next(clock, None) is None and list(folder.iterdir()) == []


def test_a_failing_probe_leaves_no_folder_behind(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while probing: the error reaches the caller, and neither the probes nor the
    hidden folder tried are left."""
    real_open = os.open
    made = []

    def full_after_three(path: str, flags: int, mode: int = 0o777) -> int:
        if "probe" in os.fspath(path) and len(made) == 3:
            raise OSError(28, "No space left on device")
        made.append(path)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", full_after_three)
    if _flags(tmp_path) is None:
        pytest.skip("the file system has no top-directory hint: nothing is probed")
    with pytest.raises(OSError, match="No space left"):
        make_spread_folder(tmp_path / "feedback")
    assert list(tmp_path.iterdir()) == []
