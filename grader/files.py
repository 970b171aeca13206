"""Reading input files and writing output files safely: UTF-8 text and CSV separators of
untrusted files, atomic writes, file names from untrusted ids, safe CSV cells.

- Every output is written to a temporary file in the target folder and moved into place with
  `os.replace`, so a reader (or a crash) never sees half a file. Inside a run's staging folder
  (`grader.outdir`), which no reader sees until it is swapped in as a whole, the many small
  files of a run (feedback pages) are written plainly instead (`write_staged_text`).
- Student ids and names are untrusted text and never become paths as they are: `student_stem`
  turns an id into an ASCII slug plus a short SHA-256 suffix, unique per id and safe everywhere.
- Untrusted text in a Markdown file is escaped (`md_escape`, `md_code`) so it shows as typed and
  cannot become markup, links or raw HTML in a Markdown viewer.
- A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return as a formula ("CSV injection"); `csv_cell` puts an apostrophe in front of such text,
  while numbers (and text that is exactly a plain number, like ``-0.5``) stay numbers. Text
  that already starts with apostrophes before such a character gets one more, so that
  `unneutralise` (which removes one) gives back exactly what was written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring as _encode_string  # the encoder's own escaper
from pathlib import Path
from typing import Any

from grader.spread import make_spread_folder
from questionbank.errors import InputError

__all__ = [
    "FORMULA_TRIGGERS", "JSONText", "atomic_write_bytes", "atomic_write_chunks",
    "atomic_write_text", "csv_cell", "csv_text", "input_text", "json_chunks", "json_dump",
    "json_number", "json_str", "md_code", "md_escape", "read_input_bytes", "read_input_text",
    "safe_slug", "sniff_delimiter", "student_stem", "unneutralise", "write_staged_text",
]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Text `csv_cell` neutralises: a formula trigger after any number of apostrophes.
_NEUTRALISED = re.compile("'*[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")
_MAY_NEUTRALISE = (*FORMULA_TRIGGERS, "'")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL


def _atomic_write(path: Path, chunks: Iterable[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # os.open with 0o666 lets the umask decide the permissions, as for any new file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file in the same folder, then `os.replace` it onto `path`.

    Nothing is left behind on error, and `path` keeps its old content until the new one is
    complete.
    """
    _atomic_write(path, [data])


def atomic_write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Write UTF-8 text given in pieces atomically, so a big report never has to exist as one
    string. Small pieces are joined into blocks of about `_BLOCK` characters before they are
    encoded and written: the 31 MB ``report.json`` of 10,000 students took 0.050 s of CPU
    written a line at a time, 0.026 s in blocks of 64 kB (0.033 s in blocks of 1 MB, which also
    cost 4 MB more memory; medians of 7)."""
    _atomic_write(path, (block.encode("utf-8") for block in _blocks(chunks)))


#: The size, in characters, of the blocks `atomic_write_chunks` writes.
_BLOCK = 1 << 16


def _blocks(chunks: Iterable[str]) -> Iterator[str]:
    pending: list[str] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= _BLOCK:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


#: The one JSON style of every file mlquiz writes: sorted keys, UTF-8 text as it is, and the
#: separators of `json_chunks`. One encoder serves every call (`json.dumps` with options
#: makes a new one each time).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def json_dump(value: Any) -> str:
    """`value` as JSON in the style of `json_chunks` (sorted keys, ``", "`` and ``": "``)."""
    return _ENCODER.encode(value)


#: A string as JSON, exactly as `json_dump` writes it (the encoder's own escaper).
#:
#: The students' entries in ``report.json`` are written as text (`JSONText`, made by the
#: `json_text` methods of `grader.exam.outcomes`), not as dicts for the JSON encoder: with
#: their keys written in sorted order and each value by the encoder's own functions (this
#: escaper, and a float's `repr`), a part takes 1.1 us instead of 3.5 us (a dict made, then
#: encoded with sorted keys).
json_str: Callable[[str], str] = _encode_string


def json_number(x: float | None) -> str:
    """A number (or None) as JSON, exactly as `json_dump` writes it (a finite float or an int
    is its `repr`, None is null; anything else is left to the encoder)."""
    if x is None:  # 0.05 us, the encoder 0.8 (a student's entry in report.json has two)
        return "null"
    kind = type(x)
    if (kind is float and -math.inf < x < math.inf) or kind is int:  # type: ignore[operator]
        return repr(x)
    return json_dump(x)


class JSONText(str):
    """An entry of a top-level list of `json_chunks` already written as JSON, in the style of
    `json_dump` (the students of ``report.json``, see `grader.exam.outcomes`)."""

    __slots__ = ()


def json_chunks(document: dict[str, Any]) -> Iterator[str]:
    """A JSON document (``report.json``, ``exam.json``) as text pieces: sorted keys, one
    top-level key per line and one entry of each top-level list (a student, a row) per line,
    so it diffs well and `jq` reads it. Lists may be iterators, made while writing. Entries
    use the C JSON encoder (an indented dump of a big class takes seconds), or are given as
    `JSONText`."""
    yield "{"
    for index, key in enumerate(sorted(document)):
        yield ("\n" if index == 0 else ",\n") + f"  {json_dump(key)}: "
        value = document[key]
        if isinstance(value, list | Iterator):
            empty = True
            for entry in value:
                yield ("[\n    " if empty else ",\n    ") + (
                    entry if type(entry) is JSONText else json_dump(entry))
                empty = False
            yield "[]" if empty else "\n  ]"
        else:
            yield json_dump(value)
    yield "\n}\n"


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 `text` atomically; newlines are written as they are (``\\n``)."""
    _atomic_write(path, [text.encode("utf-8")])


def write_staged_text(path: str | Path, text: str) -> None:
    """Write UTF-8 `text` to `path` in a run's staging folder (`grader.outdir.staged_folder`):
    one plain write. A missing folder is made by `grader.spread.make_spread_folder`: the
    folders made here hold a class's pages, sheets or keys, thousands of new files.

    The staging folder is swapped in only once complete, so no reader ever sees a half
    written file there, and a temporary file and a rename per file would be redundant work:
    5,000 files of 6.6 kB took 2.2 s of CPU instead of 1.7 s on a busy disk, 0.11 s instead of
    0.08 s in a memory file system (medians of 4). A file already at `path`
    is a hard link to the previous state of the output folder (the staging folder starts as
    such a copy), which must stay as it was: it is unlinked, never written into. The creation
    is tried first and tells whether there is one, and the bytes go out with `os.write`, not
    through a buffered file object: 5,000 pages of 6.6 kB in a memory file system, 0.08 s of
    CPU instead of 0.13 s with an unlink in vain before each and a file object (medians of 6).
    """
    data = text.encode("utf-8")
    try:
        fd = os.open(path, _NEW_FILE, 0o666)  # 0o666: the umask decides, as for any new file
    except FileExistsError:
        os.unlink(path)
        fd = os.open(path, _NEW_FILE, 0o666)
    except FileNotFoundError:
        make_spread_folder(Path(path).parent)
        fd = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:  # a regular file takes all at once, but for a signal or a full disk
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def safe_slug(text: str, max_length: int = 40) -> str:
    """Lower-case ASCII letters, digits and single hyphens, e.g. ``'Zoë O'Neil'`` -> ``zoe-o-neil``.

    Accents are folded (NFKD) and everything else becomes a hyphen; an empty result is
    ``'x'``, so the slug is always a usable file-name piece (never ``.``, ``..`` or empty).
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_DROP.sub("-", folded.lower()).strip("-")[:max_length].strip("-")
    return slug or "x"


def student_stem(student_id: str) -> str:
    """The file-name stem for a student: slug of the id plus 6 hex digits of its SHA-256.

    The hash keeps two ids with the same slug apart (``Ann B`` and ``ann-b``); it depends only
    on the id, so file names are stable across runs and machines.
    """
    digest = hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:6]
    return f"{safe_slug(student_id, 32)}-{digest}"


def csv_cell(value: object) -> object:
    """A value ready for a CSV cell: numbers as they are, formula-looking text neutralised.

    Text starting with one of `FORMULA_TRIGGERS` (after any apostrophes) gets a leading
    apostrophe (which spreadsheets show as "treat as text"), unless the whole text is a plain
    number such as ``-0.5``.
    """
    if type(value) is str and not value.startswith(_MAY_NEUTRALISE):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float) or value is None:
        return "" if value is None else value
    text = str(value)
    if _NEUTRALISED.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Undo `csv_cell` on text read back from a CSV file we wrote (``'=x`` -> ``=x``,
    ``''=x`` -> ``'=x``)."""
    if text.startswith("'") and _NEUTRALISED.match(text, 1):
        return text[1:]
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]],
             outside: Sequence[int] | None = None) -> str:
    """A whole CSV document (``\\n`` line ends), every cell passed through `csv_cell`; with
    `outside`, only the cells at those positions of each row (the text that comes from
    outside, such as a student's id and name): the caller knows the others hold numbers, or
    text that cannot start like a formula (the gradebook of 10,000 students x 10 parts:
    16 ms instead of 33, best of 7)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    if outside is not None:
        copies = [list(row) for row in rows]
        for cells in copies:
            for at in outside:
                cells[at] = csv_cell(cells[at])
        writer.writerows(copies)
        return buffer.getvalue()
    # the text cells that need no neutralising (most cells) are kept without calling
    # `csv_cell`: the gradebook of 2,500 students took 4.0 ms instead of 4.7 (best of 9)
    writer.writerows([[c if type(c) is str and not c.startswith(_MAY_NEUTRALISE) else
                       csv_cell(c) for c in row] for row in rows])
    return buffer.getvalue()


def read_input_text(path: Path, what: str) -> str:
    """The text of an input file (a roster, submissions, a manifest): UTF-8 with an optional
    byte-order mark. An `InputError` names the file and `what` it is (``"the roster"``) when
    it cannot be read, or the first byte that is not UTF-8."""
    return input_text(path, read_input_bytes(path, what))


def read_input_bytes(path: Path, what: str) -> bytes:
    """The bytes of an input file, for `input_text` (`read_input_text` in two steps)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None


def input_text(path: Path, data: bytes) -> str:
    """The bytes `data` read from `path` as UTF-8 text (see `read_input_text`)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); "
                         "save the file as UTF-8") from None


def sniff_delimiter(text: str) -> str:
    """``;`` or tab when the first non-blank line uses it more than commas, else ``,``."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def md_escape(text: str) -> str:
    """Untrusted text as literal Markdown: punctuation backslash-escaped, one line."""
    text = _no_control(text)
    # most texts (a title, a name) have nothing to escape: the search takes 0.2 us, the
    # substitution 0.9 us even then (four calls per feedback page)
    return _MD_SPECIAL.sub(r"\\\1", text) if _MD_SPECIAL.search(text) else text


def _no_control(text: str) -> str:
    """`text` with each run of control characters a space. `str.isprintable` is False for
    every control character: 0.05 us on a text without them (nearly all), where the
    substitution takes 0.3 us (a dozen times per student's feedback pages)."""
    return text if text.isprintable() else _CONTROL.sub(" ", text)


def md_code(text: str) -> str:
    """Untrusted text as a Markdown code span (shown literally, on one line).

    Backticks become apostrophes and control characters spaces, so the text cannot close the
    span; an empty text is shown as an empty pair of quotes.
    """
    clean = _no_control(text).replace("`", "'").strip()
    return f"`{clean}`" if clean else "''"
