"""Rebuilding a question from the params stored in the manifest, and checking it against the
stored key: the result is a state (`Rebuilt`) that the grading loop inspects.

A question is rebuilt from its stored seed and params (which fix every value; option shuffles
come from the seed alone), so this does not depend on numpy's random streams. Its reference
answers must equal the stored ones, else the item is ``key-changed``: a different key is never
used. The states:

- ``ok``: the rebuilt question gives the stored key (and, where asked, the stored mistakes);
- ``stale``: it gives the stored key but other declared mistakes than those stored (the
  template changed them since the exam was made): the item is graded from the rebuilt
  question, as ``--verify-keys`` grades it;
- ``changed``: the template is missing, of another version, gives another key, or could not
  be rebuilt: the item is not graded, `Rebuilt.status` and `Rebuilt.message` say why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.exam.manifest import Item, Manifest, StoredPart, same_mistakes
from questionbank.errors import QuizError
from questionbank.instance import Instance, Mistake, generate
from questionbank.schema import Template
from questionbank.tolerance import Tolerance

__all__ = ["ItemRebuild", "Rebuilder", "Rebuilt", "first_items"]

State = Literal["ok", "stale", "changed"]


@dataclass(slots=True, frozen=True)
class Rebuilt:
    """An item's question rebuilt from the manifest: `state` (see the module docstring), the
    instance (ok, stale), and the item's status and message (changed)."""

    state: State
    instance: Instance | None = None
    status: str = "graded"
    message: str = ""


@dataclass(slots=True, frozen=True)
class _TemplateCheck:
    """A template of the exam as the bank has it now: the template, its part ids and the rules
    of its parts by id (`StoredPart.template_rules`), or why it cannot be used (item status and
    message)."""

    template: Template | None
    status: str = "graded"
    message: str = ""
    part_ids: tuple[str, ...] = ()
    rules: Mapping[str, tuple[Tolerance, bool]] = field(default_factory=dict)


def first_items(manifest: Manifest) -> dict[str, Item]:
    """The first item of each template in the roster: the one `Rebuilder.probe` rebuilds."""
    first: dict[str, Item] = {}
    for student in manifest.students:
        for item in student.items:
            first.setdefault(item.template, item)
    return first


class Rebuilder:
    """Rebuilds items for one grading process; templates are looked up and checked once,
    and each template's first item is probed once (`probe`)."""

    def __init__(self, templates: dict[str, int], bank: Any, first: dict[str, Item]) -> None:
        self.versions = templates
        self.bank = bank
        self.first = first
        self._templates: dict[str, _TemplateCheck] = {}
        self._probes: dict[str, bool] = {}
        #: by template: its check when its items can be graded from their stored keys, else
        #: None (`stored`: one look-up per item instead of two calls)
        self._stored: dict[str, _TemplateCheck | None] = {}

    def template(self, template_id: str) -> _TemplateCheck:
        """The template of the exam's version, or why it cannot be used."""
        if template_id not in self._templates:
            self._templates[template_id] = self._check_template(template_id)
        return self._templates[template_id]

    def _check_template(self, template_id: str) -> _TemplateCheck:
        want = self.versions.get(template_id)
        try:
            template = self.bank.get(template_id)
        except QuizError as exc:
            return _TemplateCheck(None, "template-missing",
                                  f"template {template_id} cannot be loaded ({exc}); add its "
                                  "folder with --bank to grade this question")
        if want is not None and template.version != want:
            return _TemplateCheck(None, "key-changed",
                                  f"template {template_id} is now version {template.version}, "
                                  f"the exam was made with version {want}; not graded against "
                                  "a different key (restore that version with --bank and "
                                  "--allow-override to grade it)")
        return _TemplateCheck(template, part_ids=tuple(p.id for p in template.parts),
                              rules={p.id: StoredPart.template_rules(p) for p in template.parts})

    def rebuild(self, item: Item) -> Rebuilt:
        """The item's question rebuilt and its key checked: ``ok`` or ``changed``."""
        check = self.template(item.template)
        if check.template is None:
            return Rebuilt("changed", None, check.status, check.message)
        try:
            instance = generate(check.template, item.seed, item.params, render_text=False)
        except QuizError as exc:
            return Rebuilt("changed", None, "key-changed",
                           f"cannot rebuild the question from the stored params: {exc}")
        except Exception as exc:  # a bug in a solver must not stop the batch either
            return Rebuilt("changed", None, "error",
                           f"internal error of mlquiz while rebuilding the question "
                           f"({type(exc).__name__}: {exc}); please report it")
        return _compare_keys(item, instance)

    def probe(self, template_id: str) -> bool:
        """Whether the template still gives the stored key and mistakes for the first item of
        the exam that uses it (rebuilt once per process, the same item in every worker). When
        it does not, the template has changed since the exam was made, and every item of it
        is rebuilt and checked against its stored key before grading."""
        if template_id not in self._probes:
            first = self.first[template_id]
            rebuilt = self.rebuild(first)
            self._probes[template_id] = rebuilt.instance is not None and all(
                same_mistakes(rebuilt.instance.part(p.id).mistakes, p.mistake_answers)
                for p in first.parts if p.mistake_answers is not None)
        return self._probes[template_id]

    def stored(self, item: Item) -> ItemRebuild | None:
        """The item to grade from its stored key, or None when it must be rebuilt first
        (its template is unusable, has changed, or has other parts)."""
        template_id = item.template
        if template_id in self._stored:
            check = self._stored[template_id]
        else:
            check = self.template(template_id)
            if check.template is None or not self.probe(template_id):
                check = None
            self._stored[template_id] = check
        if check is None or tuple([p.id for p in item.parts]) != check.part_ids:
            return None
        return ItemRebuild(self, item, check.rules)


def _compare_keys(item: Item, instance: Instance) -> Rebuilt:
    """``ok`` when the rebuilt instance has the stored parts, types and answers."""
    stored = {p.id: p for p in item.parts}
    now = {p.id: p for p in instance.parts}
    if list(stored) != list(now):
        return Rebuilt("changed", None, "key-changed",
                       f"the template's parts are now {', '.join(now)}; the exam has "
                       f"{', '.join(stored)}")
    for pid, part in now.items():
        if part.type != stored[pid].type or part.answer_text != stored[pid].answer_text:
            return Rebuilt("changed", None, "key-changed",
                           f"part {pid}: the template now gives the answer "
                           f"{part.answer_text!r}, the exam's key says "
                           f"{stored[pid].answer_text!r}; not graded against a different key")
    return Rebuilt("ok", instance)


class ItemRebuild:
    """An item graded from its stored key; its question is rebuilt only when a part needs it
    (`resolve`): the feedback of a declared mistake that a wrong answer matches (any wrong
    answer, for a manifest stored without the mistakes), or a choice or expression part. Most
    answers are right, blank, unreadable or wrong in a way no declared mistake explains, and
    need none of these.

    It is also the stored parts' `grader.judge.key.KeyRules`: their template's tolerance and
    partial-credit rule (found once per template), and their mistakes (stored, with the
    feedback from the rebuilt question). A stored part is judged as the manifest holds it:
    binding it to its rules made a new key for every answer (the grading of 10,000 x 10
    without pages took 1.04 s of CPU, was 1.08).

    `state` is None while nothing needed the rebuilt question, else the `Rebuilt` state that
    the grading loop acts on (a stored part's `mistakes_for` may turn ``ok`` into ``stale``).
    """

    __slots__ = ("item", "rebuilder", "rules", "state")

    def __init__(self, rebuilder: Rebuilder, item: Item,
                 rules: Mapping[str, tuple[Tolerance, bool]]) -> None:
        self.rebuilder = rebuilder
        self.item = item
        self.rules = rules  # the template's (tolerance, partial) by part id
        self.state: Rebuilt | None = None

    @property
    def seed(self) -> int:
        return self.item.seed

    # -- the stored parts' KeyRules

    def tolerance(self, key: StoredPart) -> Tolerance:
        return self.rules[key.id][0]

    def partial(self, key: StoredPart) -> bool:
        return self.rules[key.id][1]

    def mistake_values(self, key: StoredPart) -> tuple[tuple[str, Any], ...]:
        return key.mistake_values(self)

    def mistake_feedback(self, key: StoredPart, index: int) -> str:
        return key.mistake_feedback(self, index)

    def resolve(self) -> Rebuilt:
        """The rebuilt question, made once, with its key checked (``ok`` or ``changed``)."""
        if self.state is None:
            self.state = self.rebuilder.rebuild(self.item)
        return self.state

    def usable(self) -> bool:
        """Whether the verdicts so far stand: nothing rebuilt, or rebuilt and ``ok``."""
        return self.state is None or self.state.state == "ok"

    def mistakes_for(self, part: StoredPart) -> Sequence[Mistake] | None:
        """The rebuilt part's mistakes, which must be the stored ones (else the state becomes
        ``stale``); None when the rebuilt question cannot be used."""
        rebuilt = self.resolve()
        if rebuilt.state != "ok" or rebuilt.instance is None:
            return None
        mistakes = rebuilt.instance.part(part.id).mistakes
        if part.mistake_answers is not None and not same_mistakes(mistakes,
                                                                  part.mistake_answers):
            self.state = Rebuilt("stale", rebuilt.instance)
            return None
        return mistakes
