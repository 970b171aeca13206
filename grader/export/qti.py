"""Canvas QTI 1.2: a zip with ``imsmanifest.xml``, one assessment and its
``assessment_meta.xml``; one question group (``<section>`` with ``selection_number`` 1 and
``points_per_item``) per template, or per slot of a template with several answers.

Numbers are ``numerical_question`` items with an exact answer and a margin (``<or><varequal/>
<and><vargte/><varlte/></and></or>``, the window of `accepted_window`); choices are
``multiple_choice_question`` / ``multiple_answers_question``, shapes ``short_answer_question``.
The QTI document follows the IMS QTI 1.2.1 DTD (no namespace); ``points_per_item`` is Canvas's
element in the DTD's ``selection_extension`` extension point.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from grader.export.moodle import number_text, xml_text
from grader.export.slots import Slot, SlotGroup, slot_groups, split_notes
from grader.export.variant import ChoiceGap, NumericGap, ShapeGap

__all__ = ["assessment_xml", "format_notes", "item_xml", "render"]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same export gives the same bytes


def format_notes(pool: Any) -> list[str]:
    """What Canvas cannot carry for this template."""
    notes = []
    if any(m for v in pool.variants for p in v.parts for g in p.gaps
           for m in getattr(g, "mistakes", ())):
        notes.append("Canvas has no feedback for a wrong number or short answer: the "
                     "mistakes' feedback is left out")
    if any(p.type == "choices" for v in pool.variants for p in v.parts):
        notes.append("Canvas scores multiple answers its own way (its partial credit, not "
                     "mlquiz's)")
    return notes + split_notes(pool)


def _ident(*parts: object) -> str:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:20]
    return f"mlq{digest}"


def _field(label: str, entry: str) -> str:
    return (f"<qtimetadatafield><fieldlabel>{xml_text(label)}</fieldlabel>"
            f"<fieldentry>{xml_text(entry)}</fieldentry></qtimetadatafield>")


def _mattext(html: str) -> str:
    return f'<material><mattext texttype="text/html">{xml_text(html)}</mattext></material>'


def _feedback(ident: str, html: str) -> str:
    return f'<itemfeedback ident="{ident}"><flow_mat>{_mattext(html)}</flow_mat></itemfeedback>'


def _score(condition: str) -> str:
    return (f'<respcondition continue="No"><conditionvar>{condition}</conditionvar>'
            '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')


def _show(condition: str, ident: str) -> str:
    return (f'<respcondition continue="Yes"><conditionvar>{condition}</conditionvar>'
            f'<displayfeedback feedbacktype="Response" linkrefid="{ident}"/></respcondition>')


def _eq(value: str) -> str:
    return f'<varequal respident="response1">{xml_text(value)}</varequal>'


def _numeric(gap: NumericGap) -> tuple[str, str, list[str], list[str]]:
    w = gap.window
    fib = '<response_str ident="response1" rcardinality="Single"><render_fib ' \
          'fibtype="Decimal"><response_label ident="answer1"/></render_fib></response_str>'
    condition = (f"<or>{_eq(number_text(w.center))}<and>"
                 f'<vargte respident="response1">{number_text(w.lo)}</vargte>'
                 f'<varlte respident="response1">{number_text(w.hi)}</varlte></and></or>')
    return "numerical_question", fib, [_score(condition)], []


def _shape(gap: ShapeGap) -> tuple[str, str, list[str], list[str]]:
    fib = '<response_str ident="response1" rcardinality="Single"><render_fib>' \
          '<response_label ident="answer1"/></render_fib></response_str>'
    condition = "".join(_eq(s) for s in gap.spellings)
    return "short_answer_question", fib, [_score(condition)], []


def _choice(gap: ChoiceGap, item: str) -> tuple[str, str, list[str], list[str]]:
    idents = [f"{item}o{i}" for i in range(len(gap.options))]
    labels = "".join(f'<response_label ident="{ident}">'
                     f"{_mattext(f'{o.letter}) {o.text}')}</response_label>"
                     for ident, o in zip(idents, gap.options, strict=True))
    cardinality = "Multiple" if gap.multiple else "Single"
    lid = (f'<response_lid ident="response1" rcardinality="{cardinality}"><render_choice>'
           f"{labels}</render_choice></response_lid>")
    conditions, feedbacks = [], []
    for ident, option in zip(idents, gap.options, strict=True):
        if option.feedback:
            conditions.append(_show(_eq(ident), f"{ident}_fb"))
            feedbacks.append(_feedback(f"{ident}_fb", option.feedback))
    if gap.multiple:
        parts = "".join(_eq(i) if o.correct else f"<not>{_eq(i)}</not>"
                        for i, o in zip(idents, gap.options, strict=True))
        conditions.append(_score(f"<and>{parts}</and>"))
        return "multiple_answers_question", lid, conditions, feedbacks
    right = next(i for i, o in zip(idents, gap.options, strict=True) if o.correct)
    conditions.append(_score(_eq(right)))
    return "multiple_choice_question", lid, conditions, feedbacks


def item_xml(slot: Slot, points: float) -> str:
    """One <item>: metadata (type, points, template id, seed), presentation, scoring."""
    variant = slot.variant
    ident = _ident(variant.template_id, variant.seed, slot.index)
    gap = slot.gap
    if isinstance(gap, NumericGap):
        qtype, response, conditions, feedbacks = _numeric(gap)
    elif isinstance(gap, ShapeGap):
        qtype, response, conditions, feedbacks = _shape(gap)
    else:
        qtype, response, conditions, feedbacks = _choice(gap, ident)
    general = _show("<other/>", "general_fb") if variant.solution else ""
    if variant.solution:
        feedbacks.append(_feedback("general_fb", variant.solution))
    title = f"{variant.template_id} seed {variant.seed} {slot.key}"
    meta = "".join([_field("question_type", qtype), _field("points_possible", number_text(points)),
                    _field("mlquiz_template", variant.template_id),
                    _field("mlquiz_seed", str(variant.seed)), _field("mlquiz_answer", slot.key)])
    return (f'<item ident="{ident}" title="{xml_text(title)}">'
            f"<itemmetadata><qtimetadata>{meta}</qtimetadata></itemmetadata>"
            f"<presentation>{_mattext(slot.text)}{response}</presentation>"
            '<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" '
            f'vartype="Decimal"/></outcomes>{general}{"".join(conditions)}</resprocessing>'
            f"{''.join(feedbacks)}</item>\n")


def _section(group: SlotGroup) -> str:
    ident = _ident("group", group.template_id, group.key)
    items = "".join(item_xml(slot, group.points) for slot in group.slots)
    return (f'<section ident="{ident}" title="{xml_text(group.title)}"><selection_ordering>'
            "<selection><selection_number>1</selection_number><selection_extension>"
            f"<points_per_item>{number_text(group.points)}</points_per_item>"
            f"</selection_extension></selection></selection_ordering>\n{items}</section>\n")


def assessment_xml(ident: str, title: str, groups: Iterable[SlotGroup]) -> str:
    sections = "".join(_section(g) for g in groups)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop>'
            f'<assessment ident="{ident}" title="{xml_text(title)}">'
            f"<qtimetadata>{_field('cc_maxattempts', '1')}</qtimetadata>"
            f'<section ident="root_section">\n{sections}</section></assessment>'
            "</questestinterop>\n")


def _meta_xml(ident: str, title: str, points: float) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<quiz identifier="{ident}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">'
            f"<title>{xml_text(title)}</title><description></description>"
            "<shuffle_answers>false</shuffle_answers><scoring_policy>keep_highest"
            "</scoring_policy><quiz_type>assignment</quiz_type>"
            f"<points_possible>{number_text(points)}</points_possible>"
            "<allowed_attempts>1</allowed_attempts></quiz>\n")


def _manifest_xml(ident: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest identifier="{ident}_manifest" '
            'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">'
            "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion>"
            "</metadata><organizations/><resources>"
            f'<resource identifier="{ident}" type="imsqti_xmlv1p2">'
            f'<file href="{ident}/{ident}.xml"/><dependency identifierref="{ident}_meta"/>'
            "</resource>"
            f'<resource identifier="{ident}_meta" type="associatedcontent/imscc_xmlv1p1/'
            f'learning-application-resource" href="{ident}/assessment_meta.xml">'
            f'<file href="{ident}/assessment_meta.xml"/></resource></resources></manifest>\n')


def render(pools: Sequence[Any], *, points: float | None = None) -> bytes:
    """The zip (bytes) of one assessment holding every pool's question groups."""
    groups = [g for pool in pools for g in slot_groups(pool, points)]
    ident = _ident("assessment", *(f"{v.template_id}:{v.seed}" for p in pools
                                   for v in p.variants))
    title = "mlquiz: " + ", ".join(p.template_id for p in pools[:3]) + \
        (f" and {len(pools) - 3} more" if len(pools) > 3 else "")
    files = {"imsmanifest.xml": _manifest_xml(ident),
             f"{ident}/{ident}.xml": assessment_xml(ident, title, groups),
             f"{ident}/assessment_meta.xml": _meta_xml(ident, title,
                                                      sum(g.points for g in groups))}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"),
                             zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
