"""An exam's identity: its secret seed, the version codes printed on sheets, the content hash
of ``exam.json`` and the short exam id that binds a submissions file to its exam.

- **Secret seed.** Without ``--seed``, `generate` draws a 128-bit seed from the operating
  system (`new_secret_seed`) and stores it in ``exam.json``. Every question's seed is derived
  from it with SHA-256, so knowing one's own questions reveals nothing about it. A seed typed
  by hand is short and guessable: with it and the bank anyone can regenerate every key, so
  `seed_warning` says so.
- **Version codes** are an HMAC of the student id keyed by the exam seed: without the seed a
  code tells nothing, and a code reveals nothing about the seed.
- **Content hash**: SHA-256 of ``exam.json`` as written, with the hash's own value set to
  `PLACEHOLDER` (`seal`). `content_intact` checks it. The hash detects a manifest edited by
  hand or by another tool (a changed key, a reformatted file); it is not a signature: whoever
  can write the file can also recompute it. ``grade --verify-keys`` rebuilds every key from
  the templates and trusts nothing stored.
- **Exam id**: 10 hex digits of an HMAC of the content hash keyed by the seed
  (`exam_id`), written into every row of ``answers.csv`` (column ``exam``); `grade` refuses
  answers of another exam (`check_submissions_exam`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from questionbank.errors import InputError

if TYPE_CHECKING:
    from grader.exam.submissions import SubmissionRow

__all__ = ["EXAM_COLUMN", "GUESSABLE_BELOW", "MAX_EXAM_SEED", "NAME_COLUMN", "PLACEHOLDER",
           "SECRET_BITS", "ContentCheck", "check_submissions_exam", "content_intact", "exam_id",
           "new_secret_seed", "seal", "seed_warning", "version_code"]

SECRET_BITS = 128
MAX_EXAM_SEED = 2**SECRET_BITS - 1
#: A seed below this (fewer than 64 bits) is treated as chosen by hand, hence guessable.
GUESSABLE_BELOW = 2**64
#: The submission columns that are not answers: the exam id and the student's name.
EXAM_COLUMN = "exam"
NAME_COLUMN = "name"
PLACEHOLDER = "0" * 64
#: How the hash's line starts in ``exam.json`` (a top-level key, see `grader.files.json_chunks`;
#: no nested value holds a newline, so this occurs only there).
_HASH_MARK = '\n  "content_hash": "'


def new_secret_seed() -> int:
    """A fresh 128-bit exam seed from the operating system's random source."""
    return secrets.randbits(SECRET_BITS)


def seed_warning(seed: int) -> str | None:
    """The warning for an exam seed chosen by hand (below `GUESSABLE_BELOW`), else None."""
    if seed >= GUESSABLE_BELOW:
        return None
    return (f"the exam seed {seed} was chosen by hand: anyone who knows or guesses it can "
            "regenerate every student's questions and answer keys with mlquiz. Leave out "
            "--seed for a random secret seed (stored in exam.json)")


def _mac(seed: int, message: str) -> str:
    return hmac.new(str(seed).encode(), message.encode(), hashlib.sha256).hexdigest()


def version_code(exam_seed: int, student_id: str) -> str:
    """A short code printed on a sheet to tell its version apart (6 hex digits, upper case),
    keyed by the exam seed."""
    return _mac(exam_seed, f"mlquiz-version:{student_id}")[:6].upper()


def exam_id(exam_seed: int, content_hash: str) -> str:
    """The exam's short id (10 hex digits, lower case) from its seed and content hash."""
    return _mac(exam_seed, f"mlquiz-exam:{content_hash}")[:10]


def seal(text: str) -> tuple[str, str]:
    """``exam.json`` text written with `PLACEHOLDER` as its hash -> (the text with the real
    hash in its place, the hash)."""
    mark = _HASH_MARK + PLACEHOLDER + '"'
    if text.count(mark) != 1:
        raise ValueError("the manifest text has no content_hash placeholder")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return text.replace(mark, _HASH_MARK + digest + '"', 1), digest


def content_intact(text: str, stored: str) -> bool:
    """Whether ``exam.json`` text holds the content hash `stored` on its line, as written, and
    matches it (a reformatted file does not: its keys can no longer be trusted as stored)."""
    return ContentCheck(text.encode("utf-8")).intact(stored)


class ContentCheck:
    """`content_intact` of ``exam.json`` given as the UTF-8 bytes read from the file (a byte
    order mark first is left out, as the decoder leaves it out), worked out in a thread while
    the caller goes on: `intact` waits for it.

    Hashing a 36 MB manifest takes 0.07 s of CPU, and hashlib lets other threads run
    meanwhile: reading it (decoding the JSON, making the records) goes on on another
    processor; hashing the bytes read also saves encoding the text again (0.03 s).
    The caller should drop its own reference to the bytes: the thread drops its one when
    done, so they are not alive while the rest of the manifest is read."""

    def __init__(self, data: bytes) -> None:
        import threading

        self._found: tuple[bytes, str] | None = None
        self._thread = threading.Thread(target=self._hash, args=(data,), daemon=True)
        self._thread.start()

    def _hash(self, data: bytes) -> None:
        # The mark is ASCII: in UTF-8 it is found at the bytes of its first place in the text
        view = memoryview(data)[3:] if data.startswith(b"\xef\xbb\xbf") else memoryview(data)
        mark = _HASH_MARK.encode("ascii")
        at = data.find(mark, len(data) - len(view))
        if at < 0:
            return
        start = at + len(mark) - (len(data) - len(view))
        digest = hashlib.sha256(view[:start])
        digest.update(PLACEHOLDER.encode())
        digest.update(view[start + 64:])
        self._found = bytes(view[start:start + 65]), digest.hexdigest()

    def intact(self, stored: str) -> bool:
        """Whether the bytes hold the content hash `stored` on its line, and match it."""
        self._thread.join()
        if self._found is None or not (len(stored) == 64 and stored.isascii()):
            return False
        written, digest = self._found
        return written == stored.encode() + b'"' and hmac.compare_digest(digest, stored)


def check_submissions_exam(rows: Sequence[SubmissionRow], path: str, expected: str | None
                           ) -> list[str]:
    """Refuse answers of another exam; the notes to show when the file cannot be checked.

    Every non-blank ``exam`` cell must be `expected` (the manifest's exam id): the first that
    is not raises `InputError` naming the file, the line and both ids. A file without the
    column (typed by hand, or from an older mlquiz) is graded with a note."""
    if expected is None:
        return ["exam.json has no content hash (made by an older mlquiz): the submissions "
                "cannot be checked to belong to this exam"]
    present = False
    blank = 0
    for row in rows:
        if EXAM_COLUMN not in row.cells:
            continue
        present = True
        given = row.cells[EXAM_COLUMN].strip()
        if not given:
            blank += 1
        elif given != expected:
            shown = given if len(given) <= 40 else given[:40] + "..."
            raise InputError(
                f"{path}:{row.line}: these answers are for exam {shown!r}, but the manifest is "
                f"exam {expected!r}; grade them with the exam.json they were made for")
    if not present:
        return [f"the submissions have no '{EXAM_COLUMN}' column, so they cannot be checked to "
                "belong to this exam; the answers.csv written by 'mlquiz generate' has it"]
    if blank:
        return [f"{blank} row{'s' * (blank != 1)} with a blank '{EXAM_COLUMN}' cell could not "
                "be checked to belong to this exam"]
    return []
