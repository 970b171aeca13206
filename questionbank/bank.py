"""The question bank: template files found in the built-in folder and in instructors' folders.

A template's id is its path below its bank folder without ``.yaml`` (``metrics/confusion-
matrix``). Extra folders come from ``extra_dirs`` and the ``MLQUIZ_BANK`` path list; an extra
template with the id of a built-in one replaces it, so an instructor can adapt a question.
Files are read when first needed, so showing one question does not parse the whole bank.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from questionbank.errors import QuizError, TemplateError
from questionbank.schema import Template, validate_template
from questionbank.yamlsafe import load_yaml

__all__ = ["BUILTIN_BANK", "Bank", "load_bank", "load_template_file"]

BUILTIN_BANK = Path(__file__).resolve().parent / "bank"
MAX_TEMPLATE_BYTES = 256 * 1024


def load_template_file(path: Path, template_id: str, shown_path: str | None = None) -> Template:
    """Read, parse and validate one template file."""
    from questionbank.solvers import solver_outputs

    shown = shown_path or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise TemplateError(f"file is larger than {MAX_TEMPLATE_BYTES // 1024} KiB",
                                path=shown)
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                            path=shown) from None
    except OSError as exc:
        raise TemplateError(f"cannot read the file: {exc.strerror}", path=shown) from None
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
    """Templates by id. Iterating yields ids in sorted order; `get` loads on first use."""

    def __init__(self, files: dict[str, tuple[Path, str]]) -> None:
        self._files = dict(sorted(files.items()))
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
        return self._files[template_id][0]

    def get(self, template_id: str) -> Template:
        """The template with this id; a `QuizError` with close matches when there is none."""
        if template_id not in self._files:
            import difflib

            close = difflib.get_close_matches(template_id, self._files, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                " (run 'mlquiz list' to see the ids)"
            raise QuizError(f"no template {template_id!r} in the bank{hint}")
        if template_id not in self._loaded:
            path, shown = self._files[template_id]
            self._loaded[template_id] = load_template_file(path, template_id, shown)
        return self._loaded[template_id]

    def topic_of(self, template_id: str) -> str | None:
        """A template's topic, read without validating the file (None when unreadable), so
        choosing by topic loads only the chosen templates."""
        if template_id in self._loaded:
            return self._loaded[template_id].topic
        if template_id not in self._topics:
            path, shown = self._files[template_id]
            try:
                doc = load_yaml(path.read_text(encoding="utf-8"), shown)
            except (QuizError, OSError, UnicodeDecodeError):
                doc = None
            topic = doc.get("topic") if isinstance(doc, dict) else None
            self._topics[template_id] = topic if isinstance(topic, str) else None
        return self._topics[template_id]

    def templates(self, topics: Iterable[str] = ()) -> list[Template]:
        """All templates, or only those of some topics (only those files are validated)."""
        wanted = set(topics)
        ids = [i for i in self._files if not wanted or self.topic_of(i) in wanted]
        return [self.get(i) for i in ids]

    def topics(self) -> list[str]:
        return sorted({t.topic for t in self.templates()})


def _scan(folder: Path, shown_root: str | None) -> dict[str, tuple[Path, str]]:
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted(folder.rglob("*.yaml")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        rel = path.relative_to(folder).with_suffix("")
        template_id = "/".join(rel.parts)
        shown = f"{shown_root}/{rel.as_posix()}.yaml" if shown_root else str(path)
        found[template_id] = (path, shown)
    return found


def load_bank(extra_dirs: Iterable[str | os.PathLike[str]] = (), *, builtin: bool = True,
              use_env: bool = True) -> Bank:
    """The built-in bank plus `extra_dirs` and the folders in ``MLQUIZ_BANK`` (later wins)."""
    files = _scan(BUILTIN_BANK, "bank") if builtin else {}
    dirs: list[str | os.PathLike[str]] = []
    if use_env and os.environ.get("MLQUIZ_BANK"):
        dirs.extend(p for p in os.environ["MLQUIZ_BANK"].split(os.pathsep) if p)
    dirs.extend(extra_dirs)
    for d in dirs:
        folder = Path(d).expanduser()
        if not folder.is_dir():
            raise QuizError(f"bank folder not found: {d}")
        files.update(_scan(folder, None))
    return Bank(files)
