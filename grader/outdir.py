"""Output folders that change as a whole: `staged_folder` (``generate --out``, ``grade --out``).

A run never writes into its output folder directly. It works in a *staging* folder next to it,
``.NAME.staging``, which starts as a copy of the folder (hard links, so it is cheap and files
the run does not write are kept as they were), and the staging folder is swapped in at the
end. A reader, a crash (``kill -9`` at any moment) or a failed run therefore only ever sees
the complete previous state or the complete new one:

1. the run takes an exclusive lock, ``.NAME.lock`` next to the folder (`fcntl.flock`: the
   operating system drops it when the process dies, so a killed run never leaves a lock
   that blocks the next one); a second run on the same folder fails at once with
   `OutputError` naming the folder;
2. leftovers of a killed run are cleaned up (`_recover`): a half-written staging folder is
   deleted, a finished one (``.NAME.ready``) is swapped in;
3. the run writes into ``.NAME.staging``, which is renamed ``.NAME.ready`` once complete;
4. the ready folder is swapped with the folder in one step (Linux ``renameat2`` with
   ``RENAME_EXCHANGE``), and the old state, now at ``.NAME.ready``, is renamed
   ``.NAME.old``; where the exchange is not available, by two renames (the folder to
   ``.NAME.old``, the ready folder to NAME), whose interruption step 2 completes;
5. ``.NAME.old`` is deleted and the lock released. (A run killed between the exchange and
   the rename leaves the complete old state in ``.NAME.ready``: the next run puts it back,
   which is one complete state again.)

Any `OSError` while writing (a full disk, a read-only folder) ends the run with an
`OutputError` that names the file and the reason; the folder keeps its previous state.
The folder must not be the current folder or contain it (it is replaced by another one).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from questionbank.errors import InputError

__all__ = ["OutputError", "bind_to_run", "relocated", "staged_folder"]

T = TypeVar("T")


class OutputError(InputError):
    """The output folder cannot be written (locked by another run, read-only, disk full)."""


def _sibling(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}"


@contextlib.contextmanager
def staged_folder(folder: str | Path, rewritten: Sequence[str] = ()) -> Iterator[Path]:
    """Lock `folder`, yield a staging folder that holds a copy of it, and swap the staging
    folder in when the block ends without an exception (else delete it: `folder` is left as
    it was). Raises `OutputError` when another run holds the lock or a write fails.

    The subfolders named in `rewritten` (``feedback``), whose files the run writes anew and
    never reads, are copied at the end instead, only the files the run did not write: the
    result is the same, without linking thousands of old pages into the staging folder only
    to replace each of them."""
    target = Path(os.path.realpath(folder))
    _check_target(target, Path(folder))
    with _locked(target, Path(folder)):
        staging = _sibling(target, "staging")
        try:
            _recover(target)
            _copy_folder(target, staging, skip=rewritten)
            yield staging
            for name in rewritten:
                _copy_folder(target / name, staging / name, unwritten=True)
            ready = _sibling(target, "ready")
            os.rename(staging, ready)
            _swap_in(ready, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                _recover(target, roll_back=True)
            raise _write_error(exc, staging, Path(folder)) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _check_target(target: Path, shown: Path) -> None:
    """Refuse a folder that cannot be replaced: a file, the current folder or one above it, a
    read-only folder."""
    if target.exists() and not target.is_dir():
        raise OutputError(f"{shown} is a file, not a folder; choose another --out")
    cwd = Path(os.path.abspath(os.getcwd()))
    if target == cwd or target in cwd.parents:
        raise OutputError(f"--out {shown} is the current folder or contains it; choose a "
                          "folder inside it (e.g. --out results)")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"cannot write to {shown}: the folder is read-only")


@contextlib.contextmanager
def _locked(target: Path, shown: Path) -> Iterator[None]:
    """Hold the exclusive lock of `target` (see the module docstring, step 1)."""
    lock = _sibling(target, "lock")
    while True:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise _write_error(exc, None, shown) from None
        if not _try_lock(fd):
            os.close(fd)
            raise OutputError(
                f"another mlquiz run is writing to {shown} (it holds {lock.name} next to it); "
                "wait until it has finished, or choose another --out")
        try:  # the lock file may have been removed by the run that held it: lock the new one
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on the open file `fd` without waiting; False if it is held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (no advisory locks: the swap is still whole)
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _recover(target: Path, roll_back: bool = False) -> None:
    """Finish or undo what a killed run left (under the lock): a half-written staging folder
    is deleted; a complete state in ``.ready`` is swapped in (deleted instead with
    `roll_back`, after a failed swap); an old state in ``.old`` is put back if it is all
    there is, else deleted."""
    ready, old = _sibling(target, "ready"), _sibling(target, "old")
    shutil.rmtree(_sibling(target, "staging"), ignore_errors=True)
    if not target.exists() and old.exists() and (roll_back or not ready.is_dir()):
        os.rename(old, target)
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
    if ready.is_dir() and not roll_back:
        _swap_in(ready, target)
    for leftover in (ready, old):
        shutil.rmtree(leftover, ignore_errors=True)


def _copy_folder(source: Path, copy: Path, skip: Sequence[str] = (),
                 unwritten: bool = False) -> None:
    """`copy` holds what `source` holds (hard links where possible) but its top-level entries
    named in `skip`; an empty folder if `source` does not exist. Every write of mlquiz
    replaces a file (`grader.files`), never changes one in place, so the linked files of
    `source` stay as they were. With `unwritten`, `copy` may exist already: only the files
    that it does not hold are added (the run's own files win, see `_add_unwritten`)."""
    if unwritten:
        if source.is_dir():
            _add_unwritten(os.fspath(source), os.fspath(copy))
        return
    if not source.is_dir():
        copy.mkdir()
        return
    shutil.copytree(source, copy, symlinks=True, copy_function=_link,
                    ignore=lambda folder, names: set(skip) if folder == os.fspath(source)
                    else set())


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _add_unwritten(source: str, copy: str) -> None:
    """Add to the folder `copy` what `source` holds and `copy` does not, recursively into the
    subfolders both hold; anything `copy` holds under a name stays as it is.

    The file types come from the folder listing (`os.scandir`), not from a `stat` of each
    name: after a re-run on the same ``--out`` all 5,000 old feedback pages are written anew,
    and a stat of each took 21 ms of that run."""
    if not os.path.isdir(copy):
        shutil.copytree(source, copy, symlinks=True, copy_function=_link)
        return
    written = set(os.listdir(copy))
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                target = os.path.join(copy, entry.name)
                if entry.name not in written or os.path.isdir(target):
                    _add_unwritten(entry.path, target)
            elif entry.name not in written:
                target = os.path.join(copy, entry.name)
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), target)
                else:
                    _link(entry.path, target)


def _swap_in(ready: Path, target: Path) -> None:
    """Make `ready` the folder `target` in one step where possible; delete the old state."""
    if not target.exists():
        os.rename(ready, target)
        return
    old = _sibling(target, "old")
    if _exchange(ready, target):
        # `ready` now holds the old state: renamed before it is deleted, so that a run
        # killed while deleting it never leaves a partial folder that looks ready
        os.rename(ready, old)
    else:
        os.rename(target, old)
        os.rename(ready, target)
    _delete_old(old)


#: A folder of the old state with this many files or more has them unlinked by two threads.
_SPLIT_FROM = 1000


def _delete_old(old: Path) -> None:
    """Delete the old state `old` (as ``shutil.rmtree(old, ignore_errors=True)``).

    The files of a subfolder that holds many (the previous run's feedback pages) are unlinked
    first, half of them by a second thread: the time is the kernel's (freeing each file's
    inode and blocks), spent without Python's lock, so the other processor can share it. The
    5,000 pages of 2,500 students: 45 ms instead of 75 ms (best of 3 each)."""
    try:
        with os.scandir(old) as listing:
            folders = [entry.path for entry in listing if entry.is_dir(follow_symlinks=False)]
    except OSError:
        folders = []
    for folder in folders:
        _unlink_files(folder)
    shutil.rmtree(old, ignore_errors=True)


def _unlink_files(folder: str) -> None:
    """Unlink the files (not the folders) in `folder`, by two threads when there are many;
    errors are left for `shutil.rmtree` to ignore. `folder` is opened without following a
    symbolic link, and its files unlinked relative to it."""
    import threading

    if os.scandir not in os.supports_fd or os.unlink not in os.supports_dir_fd:
        return  # pragma: no cover (not on Linux or macOS)
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        with os.scandir(fd) as listing:
            names = [entry.name for entry in listing if not entry.is_dir(follow_symlinks=False)]
        if len(names) < _SPLIT_FROM:
            return

        def unlink(some: list[str]) -> None:
            for name in some:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=fd)

        helper = threading.Thread(target=unlink, args=(names[1::2],))
        try:
            helper.start()
            started = True
        except RuntimeError:  # no thread to be had: this one unlinks them all
            started = False
            unlink(names[1::2])
        unlink(names[::2])
        if started:
            helper.join()
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False when the
    system or file system cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(b))


def _write_error(exc: OSError, staging: Path | None, shown: Path) -> OutputError:
    """An `OutputError` for a failed write: the file (shown under the user's folder name, not
    the staging folder's) and the reason."""
    where = exc.filename or ""
    prefix = os.fspath(staging) if staging is not None else None
    if prefix and isinstance(where, str) and where.startswith(prefix):
        where = os.fspath(shown) + where[len(prefix):]
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason += " (free some space and run it again)"
    return OutputError(f"cannot write {where or shown}: {reason}; {shown} is unchanged")


def bind_to_run(run_pid: int) -> None:
    """Make this worker process of a run (a ``grade --jobs`` worker, which writes feedback
    pages into the run's staging folder) die with the run, ``kill -9`` included.

    An orphaned worker would otherwise wait for work forever, holding a copy of the folder's
    lock when it was forked (the next run on the folder would be refused), and could write
    into a staging folder that the next run has taken over. Linux
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere this does nothing (workers are spawned there).
    """
    import signal
    import sys

    if not sys.platform.startswith("linux"):  # pragma: no cover
        return
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        return
    pr_set_pdeathsig = 1
    prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != run_pid:  # the run died before the signal was asked for
        os._exit(1)


def relocated(record: T, staging: Path, folder: str | Path) -> T:
    """A copy of the frozen dataclass `record` (what a run wrote) whose paths inside
    `staging` point into `folder` instead, where the staging folder now is."""
    import dataclasses

    def move(value: Any) -> Any:
        if isinstance(value, Path):
            try:
                return Path(folder) / value.relative_to(staging)
            except ValueError:
                return value
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        return value

    assert dataclasses.is_dataclass(record) and not isinstance(record, type)
    return dataclasses.replace(record, **{  # type: ignore[type-var]
        f.name: move(getattr(record, f.name)) for f in dataclasses.fields(record)})
