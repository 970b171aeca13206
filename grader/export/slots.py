"""Questions of one answer each, for formats without cloze (Canvas QTI, GIFT).

A variant with several answers (parts, or the entries of a vector or matrix) is split into one
question per answer, its *slot* (``precision``, ``output entry 2``). The variants' questions
of one slot form one group, so that "pick one question from each group" gives a student one
question per slot, each a whole, consistent variant. A template with a single slot keeps one
group.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from grader.export.variant import ExportPart, Gap, Variant

__all__ = ["Slot", "SlotGroup", "slot_groups", "split_notes"]


@dataclass(slots=True, frozen=True)
class Slot:
    """One answer of one variant, with the text that asks for it."""

    variant: Variant
    part: ExportPart
    gap: Gap
    key: str
    index: int  # position of the slot in its variant (for unique identifiers)

    @property
    def text(self) -> str:
        """The variant's prompt, the part's prompt and which entry is asked for (HTML)."""
        pieces = [self.variant.prompt, self.part.prompt]
        label = getattr(self.gap, "label", "")
        if label:
            pieces.append(f"<p>Give only <strong>{html.escape(label)}</strong> of the answer "
                          f"to part {html.escape(self.part.id)} (entries count from 1).</p>")
        return "\n".join(pieces)


@dataclass(slots=True, frozen=True)
class SlotGroup:
    """The questions of one slot over the variants of a template."""

    template_id: str
    key: str
    title: str
    points: float
    slots: tuple[Slot, ...]


def _slots(variant: Variant) -> list[Slot]:
    slots: list[Slot] = []
    for part in variant.parts:
        for gap in part.gaps:
            label = getattr(gap, "label", "")
            key = f"{part.id} {label}" if label else part.id
            slots.append(Slot(variant, part, gap, key, len(slots)))
    return slots


def slot_groups(pool: Any, points: float | None = None) -> list[SlotGroup]:
    """The groups of a template's pool, in the order of their first slot.

    A part's points are shared by its entries (with the longest array of the pool when the
    length varies); `points` rescales every variant to that many points in all.
    """
    by_key: dict[str, list[Slot]] = {}
    for variant in pool.variants:
        for slot in _slots(variant):
            by_key.setdefault(slot.key, []).append(slot)
    entries: dict[str, int] = {}
    part_points: dict[str, float] = {}
    for slots in by_key.values():
        part = slots[0].part
        entries[part.id] = max(entries.get(part.id, 0), max(len(s.part.gaps) for s in slots))
        part_points[part.id] = part.points
    scale = 1.0
    if points is not None and sum(part_points.values()) > 0:
        scale = points / sum(part_points.values())
    single = len(by_key) == 1
    groups = []
    for key, slots in by_key.items():
        part_id = slots[0].part.id
        title = pool.template_id if single else f"{pool.template_id} · {key}"
        share = part_points[part_id] / entries[part_id] * scale
        groups.append(SlotGroup(pool.template_id, key, title, share, tuple(slots)))
    return groups


def split_notes(pool: Any) -> list[str]:
    """The summary note of a template whose variants are split into one question per slot."""
    if any(len(p.gaps) > 1 or len(v.parts) > 1 for v in pool.variants for p in v.parts):
        return ["one question per answer (part or entry), each answer its own group"]
    return []
