"""The question bank: template files found in the built-in folder and in instructors' folders.

A template's id is its path below its bank folder without ``.yaml`` (``metrics/confusion-
matrix``). Templates come from packs, in this order: the built-in bank, the installed packs
(`questionbank.packs`), the ``MLQUIZ_BANK`` folders and ``extra_dirs``. An id found in two packs
is an error naming both files, unless ``allow_override`` lets the later replace the earlier (so
an instructor can adapt a built-in question on purpose, never by accident).
Files are read when first needed, so showing one question does not parse the whole bank.

A bank folder may come from a colleague, so every read is bounded (`read_template_source`):
only regular files, at most `MAX_TEMPLATE_BYTES`, never through a symbolic link that leads
outside the folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from questionbank.errors import QuizError, TemplateError
from questionbank.schema import Template, validate_template
from questionbank.yamlsafe import load_yaml

__all__ = ["BUILTIN_BANK", "BUILTIN_PACK", "MAX_TEMPLATE_BYTES", "Bank", "load_bank",
           "load_template_file", "read_template_source"]

BUILTIN_BANK = Path(__file__).resolve().parent / "bank"
BUILTIN_PACK = "builtin"
MAX_TEMPLATE_BYTES = 256 * 1024


class _Entry(NamedTuple):
    """Where a template's file is, how errors name it, and the folder it must stay inside."""

    path: Path
    shown: str
    root: Path | None
    pack: str = BUILTIN_PACK  # where it comes from: "builtin", a folder, a distribution's name


def read_template_source(path: Path, shown: str, root: Path | None = None) -> str:
    """The text of a template file, read safely: a `TemplateError` at `shown` when the file
    resolves outside `root` (a resolved folder), is not a regular file (a FIFO would block, a
    device never end), is larger than `MAX_TEMPLATE_BYTES` or is not UTF-8."""
    # os.path.realpath, not Path.resolve: that raises RuntimeError on a symlink loop (3.11)
    if root is not None and not Path(os.path.realpath(path)).is_relative_to(root):
        raise TemplateError("a symbolic link that leads outside the bank folder (not followed)",
                            path=shown)
    limit = MAX_TEMPLATE_BYTES
    try:
        # O_NONBLOCK: opening a FIFO that no one writes to returns at once instead of waiting
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise TemplateError("not a regular file (not read)", path=shown)
            if info.st_size > limit:
                raise TemplateError(f"file is larger than {limit // 1024} KiB", path=shown)
            data = _read_at_most(fd, limit + 1)
        finally:
            os.close(fd)
        if len(data) > limit:  # it grew after fstat
            raise TemplateError(f"file is larger than {limit // 1024} KiB", path=shown)
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                            path=shown) from None
    except OSError as exc:
        raise TemplateError(f"cannot read the file: {exc.strerror}", path=shown) from None


def _read_at_most(fd: int, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def load_template_file(path: Path, template_id: str, shown_path: str | None = None,
                       root: Path | None = None) -> Template:
    """Read (`read_template_source`), parse and validate one template file."""
    from questionbank.solvers import solver_outputs

    shown = shown_path or str(path)
    source = read_template_source(path, shown, root)
    doc = load_yaml(source, shown)
    template = validate_template(doc, template_id, shown, source, solver_outputs())
    _check_text_syntax(template)
    return template


def _check_text_syntax(template: Template) -> None:
    """Jinja syntax errors are reported at load time with the template's line."""
    from questionbank.render import check_syntax

    texts = [("prompt", template.prompt, template.text_lines.get("prompt", 0)),
             ("solution", template.solution, template.text_lines.get("solution", 0))]
    for part in template.parts:
        texts.append((f"parts.{part.id}.prompt", part.prompt, part.prompt_line or part.line))
        texts.extend((f"parts.{part.id}.hints", h, part.line) for h in part.hints)
        if not isinstance(part.mistakes, str):
            texts.extend((f"parts.{part.id}.mistakes.{m.id}.feedback", m.feedback, m.line)
                         for m in part.mistakes)
        texts.extend((f"parts.{part.id}.options", o.text, o.line) for o in part.options)
        texts.extend((f"parts.{part.id}.options", o.feedback, o.line) for o in part.options)
        if part.solution:
            texts.append((f"parts.{part.id}.solution", part.solution, part.line))
    for key, text, line in texts:
        problem = check_syntax(text)
        if problem:
            offset, message = problem
            raise TemplateError(f"template syntax error: {message}", path=template.path,
                                line=line + offset - 1 if line else None, key=key)


class Bank:
    """Templates by id. Iterating yields ids in sorted order; `get` loads on first use.
    `problems` are the installed packs that could not be loaded (their templates are left out)."""

    def __init__(self, files: dict[str, _Entry], problems: Iterable[QuizError] = ()) -> None:
        self._files = dict(sorted(files.items()))
        self._problems = list(problems)
        self._loaded: dict[str, Template] = {}
        self._topics: dict[str, str | None] = {}

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, template_id: object) -> bool:
        return template_id in self._files

    def ids(self) -> list[str]:
        return list(self._files)

    def path(self, template_id: str) -> Path:
        return self._files[template_id].path

    def pack_of(self, template_id: str) -> str:
        """Which pack a template comes from: ``builtin``, a bank folder as it was given, or an
        installed pack's distribution name."""
        return self._files[template_id].pack

    def problems(self) -> list[QuizError]:
        """The installed packs that could not be loaded: their template folders, and (this
        loads the solvers) their solver modules."""
        from questionbank.solvers import solver_problems

        return [*self._problems, *solver_problems()]

    def get(self, template_id: str) -> Template:
        """The template with this id; a `QuizError` with close matches when there is none."""
        if template_id not in self._files:
            import difflib

            close = difflib.get_close_matches(template_id, self._files, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                " (run 'mlquiz list' to see the ids)"
            raise QuizError(f"no template {template_id!r} in the bank{hint}")
        if template_id not in self._loaded:
            entry = self._files[template_id]
            self._loaded[template_id] = load_template_file(entry.path, template_id, entry.shown,
                                                           entry.root)
        return self._loaded[template_id]

    def topic_of(self, template_id: str) -> str | None:
        """A template's topic, read without validating the file (None when unreadable), so
        choosing by topic loads only the chosen templates."""
        if template_id in self._loaded:
            return self._loaded[template_id].topic
        if template_id not in self._topics:
            path, shown, root, _ = self._files[template_id]
            try:
                doc = load_yaml(read_template_source(path, shown, root), shown)
            except QuizError:
                doc = None
            topic = doc.get("topic") if isinstance(doc, dict) else None
            self._topics[template_id] = topic if isinstance(topic, str) else None
        return self._topics[template_id]

    def templates(self, topics: Iterable[str] = ()) -> list[Template]:
        """All templates, or only those of some topics (only those files are validated)."""
        wanted = set(topics)
        ids = [i for i in self._files if not wanted or self.topic_of(i) in wanted]
        return [self.get(i) for i in ids]

    def templates_and_errors(self, topics: Iterable[str] = ()
                             ) -> tuple[list[Template], list[QuizError]]:
        """Like `templates`, but a broken file does not stop the others: the templates that
        load, and the error of each file that does not (its message names the file)."""
        wanted = set(topics)
        loaded: list[Template] = []
        errors: list[QuizError] = []
        for template_id in self._files:
            if wanted and self.topic_of(template_id) not in wanted:
                continue
            try:
                loaded.append(self.get(template_id))
            except QuizError as exc:
                errors.append(exc)
        return loaded, errors

    def topics(self) -> list[str]:
        return sorted({t.topic for t in self.templates()})


def _scan(folder: Path, shown_root: str | None, pack: str) -> dict[str, _Entry]:
    found: dict[str, _Entry] = {}
    root = folder.resolve()
    for path in sorted(folder.rglob("*.yaml")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        rel = path.relative_to(folder).with_suffix("")
        template_id = "/".join(rel.parts)
        shown = f"{shown_root}/{rel.as_posix()}.yaml" if shown_root else str(path)
        found[template_id] = _Entry(path, shown, root, pack)
    return found


def _add(files: dict[str, _Entry], more: dict[str, _Entry], allow_override: bool) -> None:
    """Add a pack's templates; an id already there is an error naming both files, unless
    `allow_override` (then the later file replaces the earlier)."""
    for template_id, entry in more.items():
        old = files.get(template_id)
        if old is not None and not allow_override:
            raise QuizError(
                f"template id {template_id!r} is in two packs: {old.shown} ({old.pack}) and "
                f"{entry.shown} ({entry.pack}); rename one, or pass --allow-override to let "
                "the later replace the earlier")
        files[template_id] = entry


def load_bank(extra_dirs: Iterable[str | os.PathLike[str]] = (), *, builtin: bool = True,
              use_env: bool = True, allow_override: bool = False) -> Bank:
    """The built-in bank, the installed packs, the folders in ``MLQUIZ_BANK`` and `extra_dirs`
    (`use_env` False leaves out the installed packs and ``MLQUIZ_BANK``). A template id in two
    of them is a `QuizError` naming both files, unless `allow_override`: the later replaces the
    earlier. A pack that cannot be loaded is left out and reported in `Bank.problems`."""
    files = _scan(BUILTIN_BANK, "bank", BUILTIN_PACK) if builtin else {}
    problems: list[QuizError] = []
    sources: list[tuple[str, Path]] = []
    dirs: list[str | os.PathLike[str]] = []
    if use_env:
        from questionbank.packs import installed_banks

        banks, errors = installed_banks()
        problems.extend(errors)
        sources.extend((b.pack, b.folder) for b in banks)
        if os.environ.get("MLQUIZ_BANK"):
            dirs.extend(p for p in os.environ["MLQUIZ_BANK"].split(os.pathsep) if p)
    dirs.extend(extra_dirs)
    for d in dirs:
        folder = Path(d).expanduser()
        if not folder.is_dir():
            raise QuizError(f"bank folder not found: {d}")
        sources.append((str(d), folder))
    seen = {BUILTIN_BANK} if builtin else set()
    for pack, folder in sources:
        if folder.resolve() not in seen:  # the same folder twice is one pack, not a collision
            seen.add(folder.resolve())
            _add(files, _scan(folder, None, pack), allow_override)
    return Bank(files, problems)
