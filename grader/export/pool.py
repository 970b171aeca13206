"""``export_questions``: N seeded variants of each chosen template, written as one LMS file.

Each template becomes one category (Moodle, GIFT) or question group (Canvas) of variants; an
instructor then draws "a random question" from it. Variant i of template T has the seed
``derive_seed(seed, T, i)`` (as an exam derives a student's), so ``mlquiz show T --seed S``
shows it again; the seed travels with every exported question.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.export.variant import Variant, build_variant
from grader.files import atomic_write_bytes
from grader.selection import split_ids, topic_ids
from questionbank.errors import InputError, QuizError

__all__ = ["FORMATS", "MAX_VARIANTS", "ExportResult", "Pool", "TemplateSummary",
           "export_questions", "guess_format", "make_pools"]

#: format -> (writer module, usual file extension)
FORMATS = {"moodle": ("grader.export.moodle", ".xml"), "qti": ("grader.export.qti", ".zip"),
           "gift": ("grader.export.gift", ".gift")}
MAX_VARIANTS = 1000


@dataclass(slots=True, frozen=True)
class Pool:
    """The variants of one template (all that a category or question group holds)."""

    template_id: str
    title: str
    topic: str
    variants: tuple[Variant, ...]


@dataclass(slots=True, frozen=True)
class TemplateSummary:
    """What became of one template: the summary line `mlquiz export` prints."""

    template_id: str
    variants: int
    mapped: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]

    def line(self) -> str:
        text = (f"{self.template_id}: {self.variants} variant{'s' * (self.variants != 1)}, "
                f"{len(self.mapped)} part{'s' * (len(self.mapped) != 1)} mapped")
        if self.mapped:
            text += f" ({', '.join(self.mapped)})"
        if self.skipped:
            text += f", {len(self.skipped)} skipped"
        return text


@dataclass(slots=True, frozen=True)
class ExportResult:
    path: Path
    format: str
    seed: int
    templates: tuple[TemplateSummary, ...]

    @property
    def exported(self) -> tuple[TemplateSummary, ...]:
        return tuple(t for t in self.templates if t.mapped)


def guess_format(path: str | Path) -> str | None:
    """The format a file name asks for (.xml: moodle, .zip: qti, .gift or .txt: gift)."""
    suffix = Path(path).suffix.lower()
    for name, (_, ext) in FORMATS.items():
        if suffix == ext:
            return name
    return "gift" if suffix == ".txt" else None


def _template_ids(bank: Any, ids: Iterable[str], topics: Iterable[str]) -> list[str]:
    chosen = split_ids(ids)
    topics = list(topics)
    if topics:
        chosen += topic_ids(bank, topics)
    if not chosen:
        chosen = list(bank.ids())
    return list(dict.fromkeys(chosen))


def make_pools(bank: Any, template_ids: Sequence[str], variants: int, seed: int,
               params: Mapping[str, Any] | None = None) -> list[Pool]:
    """`variants` instances of each template, seeds derived from `seed` and the id."""
    from questionbank.instance import generate
    from questionbank.sampling import derive_seed

    pools = []
    for template_id in template_ids:
        template = bank.get(template_id)
        built = []
        for number in range(1, variants + 1):
            variant_seed = derive_seed(seed, template_id, number)
            try:
                # (text is rendered once, as HTML, by build_variant: not also as Markdown)
                built.append(build_variant(generate(template, variant_seed, params,
                                                    render_text=False)))
            except QuizError as exc:
                raise QuizError(f"{template_id} (seed {variant_seed}): {exc}") from None
        pools.append(Pool(template_id, template.title, template.topic, tuple(built)))
    return pools


def _summary(pool: Pool, extra_notes: Callable[[Pool], list[str]]) -> TemplateSummary:
    """Mapped and skipped parts, and each note with the number of variants it applies to."""
    mapped: dict[str, None] = {}
    skipped: dict[tuple[str, str], None] = {}
    counts: dict[str, int] = {}
    for variant in pool.variants:
        mapped.update(dict.fromkeys(p.id for p in variant.parts))
        skipped.update(dict.fromkeys(variant.skipped))
        for note in dict.fromkeys(variant.notes):
            counts[note] = counts.get(note, 0) + 1
    total = len(pool.variants)
    notes = [note if n == total else f"{note} in {n} of {total} variants"
             for note, n in counts.items()]
    if mapped:
        notes += extra_notes(pool)
    return TemplateSummary(pool.template_id, total if mapped else 0, tuple(mapped),
                           tuple(skipped), tuple(notes))


def export_questions(out: str | Path, fmt: str | None = None, *, ids: Iterable[str] = (),
                     topics: Iterable[str] = (), variants: int = 20, seed: int | None = None,
                     params: Mapping[str, Any] | None = None, points: float | None = None,
                     bank: Any = None) -> ExportResult:
    """Write `variants` variants of each chosen template to `out` as Moodle XML, a Canvas
    QTI 1.2 zip or GIFT (`fmt`; by default from the file's extension).

    Templates: `ids` (comma-separated entries allowed) and every template of `topics`; with
    neither, the whole bank. `params` fixes parameters (one template only). `points` gives
    every question that many points (default: the sum of its parts' points). Parts an LMS
    cannot grade are skipped and reported; a template with nothing left is left out, and an
    `InputError` is raised (and nothing written) when nothing at all can be exported.
    """
    import importlib

    from questionbank.api import default_bank
    from questionbank.instance import MAX_SEED

    fmt = fmt or guess_format(out)
    if fmt not in FORMATS:
        raise InputError(f"choose the format with --format ({', '.join(FORMATS)}): "
                         f"{Path(out).name!r} does not say it")
    if not 1 <= variants <= MAX_VARIANTS:
        raise InputError(f"the number of variants must be from 1 to {MAX_VARIANTS}")
    if points is not None and not 0 < points < 1e6:
        raise InputError(f"the points must be a positive number, got {points:g}")
    if seed is None:
        seed = secrets.randbelow(10**9)
    if isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"the seed must be a whole number from 0 to {MAX_SEED}")
    bank = bank if bank is not None else default_bank()
    template_ids = _template_ids(bank, ids, topics)
    if params and len(template_ids) != 1:
        raise InputError("--param fixes the parameters of one template: choose exactly one")
    writer = importlib.import_module(FORMATS[fmt][0])
    pools = make_pools(bank, template_ids, variants, seed, params)
    summaries = tuple(_summary(p, writer.format_notes) for p in pools)
    kept = [p for p, s in zip(pools, summaries, strict=True) if s.mapped]
    if not kept:
        reasons = "; ".join(f"{s.template_id}: " + ", ".join(f"{pid} ({why})"
                                                              for pid, why in s.skipped)
                            for s in summaries)
        raise InputError(f"nothing could be exported to {fmt}: {reasons}")
    path = Path(out)
    data = writer.render(kept, points=points)
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise InputError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
    return ExportResult(path, fmt, seed, summaries)
