"""The bank listing behind ``mlquiz list``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from questionbank.bank import Bank
from questionbank.errors import QuizError

__all__ = ["bank_markdown", "list_templates"]


def list_templates(bank: Bank, topics: Iterable[str] = (),
                   problems: list[QuizError] | None = None) -> list[dict[str, Any]]:
    """One JSON-ready row per template (id, title, topic, tags, difficulty, version, parts,
    and the pack it comes from: ``builtin``, a bank folder, an installed pack's name).

    With a `problems` list, a file that does not load is added to it (its error names the
    file) and the others are still listed; without one, the first such file raises.
    """
    if problems is None:
        templates = bank.templates(topics)
    else:
        templates, errors = bank.templates_and_errors(topics)
        problems.extend(errors)
    return [
        {
            "id": t.id, "title": t.title, "topic": t.topic, "tags": list(t.tags),
            "difficulty": t.difficulty, "version": t.version,
            "parts": [{"id": p.id, "type": p.type, "points": p.points} for p in t.parts],
            "pack": bank.pack_of(t.id),
        }
        for t in templates
    ]


_NOTES_QUESTION = re.compile(r"course notes, questions? ([0-9][0-9 and,]*)")


def bank_markdown(bank: Bank) -> str:
    """``docs/bank.md``: every template by topic, with what it asks, its parts and answer types,
    and its conventions (its description). A test keeps the file equal to this output."""
    lines = [
        "# The built-in question bank",
        "",
        "Generated from the templates by `python -m grader.listing > docs/bank.md` (a test keeps",
        "it up to date). Each template states its conventions in its prompt; they are summarised",
        "here. `mlquiz show ID --solution` shows an instance with its worked solution.",
        "",
    ]
    templates = bank.templates()
    for topic in sorted({t.topic for t in templates}):
        lines += [f"## {topic}", ""]
        for t in (t for t in templates if t.topic == topic):
            parts = ", ".join(f"`{p.id}` ({p.type})" for p in t.parts)
            source = t.source.split("\n", 2)[0] if t.source.startswith("#") else ""
            found = _NOTES_QUESTION.search(source + " " + t.source[:400].replace("\n#", ""))
            lines.append(f"### `{t.id}`: {t.title}")
            lines.append("")
            if t.description:
                lines.append(" ".join(t.description.split()))
                lines.append("")
            lines.append(f"- Parts: {parts}")
            lines.append(f"- Difficulty {t.difficulty}; tags: {', '.join(t.tags) or 'none'}")
            if found:
                lines.append(f"- Course notes: question {found.group(1).strip()}")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    from questionbank.bank import load_bank

    print(bank_markdown(load_bank(use_env=False)), end="")
