"""A new folder for many new files, placed where the file system can create them quickly:
`make_spread_folder` (the folder of a class's feedback pages).

Why: on ext4 without a journal (the file system of the machines mlquiz is measured on), a new
file does not take the number (inode) of a file deleted in the last minute or more if it can
help it, and looks for a free one by checking the free numbers of its folder's block group one
by one, from the start, on every creation. A folder whose group holds thousands of recently
deleted files (the previous output of the same command, deleted when a new run replaced it;
other programs' temporary files) makes each creation cost 0.2-0.5 ms of system time instead of
about 20 us: 5,000 feedback pages took 2.3 s of system time instead of 0.12 s.

ext4's "top directory" hint (``chattr +T``) tells its allocator that the folders made inside a
folder are unrelated and are to be spread over the disk: each goes to a group that holds few
folders and more free space than average. It is set on the parent for the one ``mkdir``. The
folder is made under a random name, then renamed, since among equally good groups the
allocator takes the first from one chosen by the hash of the name. Files are created in it
(`_PROBES`, each kept until the last is made, then deleted); when they become slow to
create, the group is one of those above (a group that held the files of the run before last,
say, once they are deleted, is again one with the fewest folders), and another folder is made
while that one still exists, which puts it elsewhere. The files must be kept while the next
ones are made: a group's first free numbers are often fine, and the slow ones come after them
(in groups where 5,000 pages took 2.3-2.9 s of system time instead of 0.08 s, the first 16-24
files took 10-60 us each and the next ones over 100 us; in good groups 9-13 us each). With 24
probes 3 folders in 28 made after a few grading runs were still slow (their slow numbers came
after the 24th), with 64 none in 24. Probing takes 1.2-1.9 ms, and 0.7 ms more for each slow
group avoided (it stops once the creations are slow). Deleted within the second, the probes'
numbers are taken again by the first files written.
Where the hint cannot be set (another file system, another system) the folder is made as usual.
Only where the files are placed changes, never what they hold.
"""

from __future__ import annotations

import array
import contextlib
import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["make_spread_folder"]

# Linux <linux/fs.h>: FS_IOC_GETFLAGS / FS_IOC_SETFLAGS (_IOR/_IOW('f', 1 | 2, long)) and
# FS_TOPDIR_FL (``chattr +T``)
_GET_FLAGS, _SET_FLAGS, _TOPDIR = 0x80086601, 0x40086602, 0x00020000
#: Folders tried at most; files created to time a folder's group; the median time of one of
#: the last `_TIMED` creations above which the group is avoided (9-13 us in a group without
#: recently deleted files, 54-118 us in the groups where 5,000 pages took 2.3-2.9 s of system
#: time instead of 0.08 s: see the module docstring)
_ATTEMPTS, _PROBES, _TIMED, _SLOW = 4, 64, 16, 30e-6


def make_spread_folder(folder: Path) -> None:
    """Make `folder` (and its missing parents) if it does not exist, spread over the disk by
    ext4's allocator where it can be (see the module docstring). Made in one process at a
    time (another one's folder could be replaced while still empty)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux"):
        folder.mkdir(exist_ok=True)
        return
    avoided: list[Path] = []
    try:
        for attempt in range(_ATTEMPTS):
            fresh = folder.parent / f".{folder.name}.{secrets.token_hex(8)}"
            if not _spread_mkdir(fresh):
                break
            avoided.append(fresh)  # removed at the end unless it becomes `folder`
            if attempt + 1 < _ATTEMPTS and _slow_to_fill(fresh):
                continue  # kept until the next one is made: see the docstring
            try:
                os.rename(fresh, folder)
            except OSError:  # the folder exists already: made as usual below
                break
            avoided.pop()
            return
    finally:
        for path in avoided:
            with contextlib.suppress(OSError):
                os.rmdir(path)
    folder.mkdir(exist_ok=True)


def _spread_mkdir(path: Path) -> bool:
    """Make the folder `path` with the hint; False when the hint cannot be set."""
    with _top_directory(path.parent) as marked:
        if marked:
            os.mkdir(path)
    return marked


def _slow_to_fill(folder: Path) -> bool:
    """Whether creating files in `folder` is slow (see the module docstring): up to `_PROBES`
    files are created, and slow it is as soon as the median time of the last `_TIMED` is over
    `_SLOW` (each creation checks the group's free numbers from the start, so once they are
    slow, the next ones are too); then they are deleted."""
    times: list[float] = []
    made: list[str] = []
    try:
        for index in range(_PROBES):
            probe = os.path.join(folder, f"probe{index}")
            start = time.perf_counter()
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            times.append(time.perf_counter() - start)
            made.append(probe)
            if len(times) >= _TIMED and sorted(times[-_TIMED:])[_TIMED // 2] > _SLOW:
                return True
    finally:
        for probe in made:
            with contextlib.suppress(OSError):
                os.unlink(probe)
    return False


@contextlib.contextmanager
def _top_directory(parent: Path) -> Iterator[bool]:
    """`parent` marked as a top directory while the block runs, where the file system
    supports it (yields whether it is); its flags are then set back as they were."""
    import fcntl

    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("l", [0])
        try:
            fcntl.ioctl(fd, _GET_FLAGS, flags, True)
            if not flags[0] & _TOPDIR:
                fcntl.ioctl(fd, _SET_FLAGS, array.array("l", [flags[0] | _TOPDIR]), True)
        except OSError:  # not ext4 (or a similar file system)
            yield False
            return
        try:
            yield True
        finally:
            if not flags[0] & _TOPDIR:
                with contextlib.suppress(OSError):
                    fcntl.ioctl(fd, _SET_FLAGS, flags, True)
    finally:
        os.close(fd)
