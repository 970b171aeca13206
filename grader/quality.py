"""What students see of a template over many seeds, beyond whether its keys are right.

`mlquiz validate` feeds every generated instance to a `QualityStats` and adds its warnings to
the template's report (they fail the run under ``--strict``). Each check names the template
part and the figure, so that a pack written by someone else gets the same scrutiny as the
built-in bank:

- a choice part whose right option is the strictly longest in more than 60% of seeds (the
  length gives the answer away);
- a part whose right answer never varies (the same number, shape or right-option text on every
  seed), or a choice part whose right option always sits at the same letter;
- more than 30% of instances identical to an earlier one;
- a declared mistake whose answer equals the key on more than 5% of the seeds where it applies
  (a mistake *within tolerance* of the key is already a failure of validation: this catches
  the mistakes that are simply the right answer for many params, and so teach nothing there);
- a number with more than `SHOWN_FIGURES` significant figures in a key as shown to people or in
  a mistake's feedback (float noise such as 0.664732082602 is unreadable: use ``num``).

Shares are judged only from `MIN_SEEDS` seeds on: below that they say nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from questionbank.values import NUMBER_TOKEN, SHOWN_FIGURES, readable_answer, significant_figures

__all__ = [
    "DUPLICATE_SHARE",
    "LONGEST_SHARE",
    "MIN_SEEDS",
    "MISTAKE_EQUALS_KEY_SHARE",
    "QualityStats",
]

LONGEST_SHARE = 0.6
DUPLICATE_SHARE = 0.3
MISTAKE_EQUALS_KEY_SHARE = 0.05
MIN_SEEDS = 20
#: Float noise comes from how a template writes a value, the same on every seed: the first 50
#: instances show it (rendering every mistake's feedback on all seeds cost 20% of validate).
NOISE_SEEDS = 50
_CHOICE_TYPES = ("choice", "choices")


@dataclass(slots=True)
class QualityStats:
    """Counts gathered over the instances of one template (mutable while validating)."""

    instances: int = 0
    #: part id -> instances where the part was asked
    asked: Counter[str] = field(default_factory=Counter)
    #: part id -> instances where the right option was the strictly longest
    longest: Counter[str] = field(default_factory=Counter)
    #: part id -> the distinct right answers seen (texts; at most two are kept)
    answers: dict[str, set[str]] = field(default_factory=dict)
    #: part id -> the distinct letters of the right option seen (choice parts)
    letters: dict[str, set[str]] = field(default_factory=dict)
    #: (part id, mistake id) -> instances where the mistake applied / equalled the key
    applied: Counter[tuple[str, str]] = field(default_factory=Counter)
    equal_to_key: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: part id -> the first over-long number seen in its shown key or a mistake's feedback
    long_numbers: dict[str, str] = field(default_factory=dict)

    def add(self, instance: Any) -> None:
        """Count one generated instance."""
        self.instances += 1
        for part in instance.parts:
            self.asked[part.id] += 1
            if part.type in _CHOICE_TYPES:
                self._add_choice(part)
            else:
                _keep_two(self.answers.setdefault(part.id, set()), part.answer_text)
                for mistake in part.mistakes:
                    self.applied[(part.id, mistake.id)] += 1
                    if mistake.answer == part.answer:
                        self.equal_to_key[(part.id, mistake.id)] += 1
            if self.instances <= NOISE_SEEDS and part.id not in self.long_numbers:
                self._add_long_number(instance.seed, part)

    def _add_long_number(self, seed: int, part: Any) -> None:
        texts = [("the key", readable_answer(part.type, part.answer_text))]
        texts += [(f"the feedback of mistake {m.id!r}", m.feedback) for m in part.mistakes]
        for where, text in texts:
            for token in NUMBER_TOKEN.findall(text):
                if "/" not in token and significant_figures(token) > SHOWN_FIGURES and (
                        "." in token or "e" in token):
                    self.long_numbers[part.id] = f"{where} shows {token} (seed {seed})"
                    return

    def _add_choice(self, part: Any) -> None:
        right = [o for o in part.options if o.correct]
        _keep_two(self.answers.setdefault(part.id, set()),
                  " | ".join(sorted(o.text for o in right)))
        if part.type == "choice" and right:
            _keep_two(self.letters.setdefault(part.id, set()), right[0].letter)
            longest = max(len(o.text) for o in part.options if not o.correct)
            if len(right[0].text) > longest:
                self.longest[part.id] += 1

    def warnings(self, duplicate_share: float) -> list[str]:
        """The problems found, one line each, naming the part and the figure."""
        if self.instances < MIN_SEEDS:
            return []
        found = []
        for part_id, asked in self.asked.items():
            share = self.longest[part_id] / asked
            if share > LONGEST_SHARE:
                found.append(f"part {part_id}: the right option is the strictly longest in "
                             f"{share:.0%} of seeds (at most {LONGEST_SHARE:.0%}): the length "
                             "gives the answer away")
            if len(self.answers.get(part_id, ())) == 1:
                found.append(f"part {part_id}: the right answer never varies over "
                             f"{asked} seeds ({next(iter(self.answers[part_id]))[:60]!r})")
            if len(self.letters.get(part_id, ())) == 1:
                found.append(f"part {part_id}: the right option is always "
                             f"{next(iter(self.letters[part_id]))} over {asked} seeds")
        for part_id, example in self.long_numbers.items():
            found.append(f"part {part_id}: {example}: more than {SHOWN_FIGURES} significant "
                         "figures; write computed numbers with the 'num' filter")
        for (part_id, mistake_id), applied in self.applied.items():
            share = self.equal_to_key[(part_id, mistake_id)] / applied
            if share > MISTAKE_EQUALS_KEY_SHARE:
                found.append(f"part {part_id}: mistake {mistake_id!r} equals the key on "
                             f"{share:.0%} of the seeds where it applies (at most "
                             f"{MISTAKE_EQUALS_KEY_SHARE:.0%}); constrain the params or add "
                             "'when:'")
        if duplicate_share > DUPLICATE_SHARE:
            found.append(f"{duplicate_share:.0%} of instances repeat an earlier one (at most "
                         f"{DUPLICATE_SHARE:.0%}); widen the params or add scenarios")
        return found


def _keep_two(seen: set[str], value: str) -> None:
    """Remember `value` while fewer than two distinct values are known (that is all the
    never-varies check needs, and it keeps memory flat over thousands of seeds)."""
    if len(seen) < 2:
        seen.add(value)
