"""`mlquiz validate`: lint templates and stress-test them over many seeds.

For each template: it must load (schema errors with file:line), and over N seeds the solver
never fails, constraints are met (the acceptance rate is reported), answers are finite, the
reference `answer_text` grades as correct, every declared mistake is distinguishable from the
answer under the part's tolerance (its own `answer_text` is recognised as that mistake, never
accepted as correct), choice answers are balanced over option positions, the share of duplicate
instances is reported, the template's own `tests:` pass, and the time per instance is measured.
What students see over many seeds (options that give the answer away, answers that never vary,
repeated instances, mistakes equal to the key) is checked by `grader.quality`.

Failures make the run fail; warnings (unbalanced positions, a mistake that is never active, a
low acceptance rate, a numeric template without tests) fail it only with ``--strict``.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.quality import QualityStats
from questionbank.bank import Bank, load_template_file
from questionbank.errors import QuizError
from questionbank.instance import Instance, generate
from questionbank.sampling import INSTANCE_SECONDS, budget_clock
from questionbank.schema import Template
from questionbank.selftest import run_template_tests

__all__ = ["TemplateReport", "validate_bank", "validate_paths", "validate_template"]

LOW_ACCEPTANCE = 0.05
MAX_LISTED = 5


@dataclass
class TemplateReport:
    """What validation found for one template."""

    id: str
    path: str
    seeds: int = 0
    generated: int = 0
    draws: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    mistakes_checked: int = 0
    tests_run: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def acceptance(self) -> float:
        return self.generated / self.draws if self.draws else 0.0

    @property
    def ms_per_instance(self) -> float:
        return 1000 * self.seconds / self.generated if self.generated else 0.0

    @property
    def duplicate_share(self) -> float:
        return self.duplicates / self.generated if self.generated else 0.0

    def status(self, strict: bool) -> str:
        if self.failures:
            return "FAIL"
        if self.warnings:
            return "FAIL" if strict else "warn"
        return "ok"

    def to_dict(self, strict: bool) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "status": self.status(strict),
                "seeds": self.seeds, "generated": self.generated,
                "acceptance": round(self.acceptance, 4),
                "duplicate_share": round(self.duplicate_share, 4),
                "ms_per_instance": round(self.ms_per_instance, 3),
                "mistakes_checked": self.mistakes_checked, "tests_run": self.tests_run,
                "failures": self.failures, "warnings": self.warnings}


def _note(messages: list[str], counter: Counter[str], key: str, text: str) -> None:
    """Record `text` once per kind of problem, counting repeats instead of listing them."""
    counter[key] += 1
    if counter[key] <= 1:
        messages.append(text)


def validate_template(template: Template, seeds: int = 200) -> TemplateReport:
    """Stress-test one loaded template over seeds 0..seeds-1."""
    from grader.judge.check import check

    report = TemplateReport(id=template.id, path=template.path, seeds=seeds)
    seen: set[str] = set()
    positions: dict[str, Counter[int]] = {}
    option_counts: dict[str, int] = {}
    active: Counter[tuple[str, str]] = Counter()
    repeats: Counter[str] = Counter()
    fail_counts: Counter[str] = Counter()
    failing = 0.0  # seconds spent on seeds that failed
    quality = QualityStats()
    for seed in range(seeds):
        start = time.perf_counter()
        cpu_start = budget_clock()
        try:
            instance = generate(template, seed)
        except QuizError as exc:
            _note(report.failures, fail_counts, "generate", f"seed {seed}: {exc}")
            # a template that fails slowly (an unsatisfiable constraint, the time budget)
            # would fail as slowly on every seed: stop rather than hang
            failing += budget_clock() - cpu_start
            if failing > INSTANCE_SECONDS:
                report.failures.append(f"stopped after seed {seed}: the failing seeds took "
                                       f"more than {INSTANCE_SECONDS:g} s")
                break
            continue
        report.seconds += time.perf_counter() - start
        report.generated += 1
        report.draws += instance.attempts
        key = json.dumps(instance.to_dict()["params"], sort_keys=True)
        if key in seen:
            report.duplicates += 1
        seen.add(key)
        quality.add(instance)
        for part in instance.parts:
            _check_part(instance, part, seed, report, fail_counts, active, check)
            if part.type == "choice":
                pos = positions.setdefault(part.id, Counter())
                pos["ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(part.answer)] += 1
                option_counts[part.id] = len(part.options)
    for kind, count in fail_counts.items():
        if count > 1:
            report.failures.append(f"({kind}: {count} times in all)")
    _warn_positions(report, positions, option_counts)
    _warn_mistakes(report, template, active)
    report.warnings.extend(quality.warnings(report.duplicate_share))
    if report.draws and report.acceptance < LOW_ACCEPTANCE:
        report.warnings.append(f"constraints accept only {report.acceptance:.1%} of samples; "
                               "widen the param ranges")
    numeric = any(p.type not in ("choice", "choices") for p in template.parts)
    if numeric and not template.tests:
        report.warnings.append("no tests: declare at least one hand-worked case under 'tests:'")
    failures = run_template_tests(template)
    report.tests_run = len(template.tests)
    report.failures.extend(f"test failed: {f}" for f in failures)
    del repeats
    return report


def _check_part(instance: Instance, part: Any, seed: int, report: TemplateReport,
                fail_counts: Counter[str], active: Counter[tuple[str, str]],
                check: Callable[..., Any]) -> None:
    if part.type in ("number", "vector", "matrix"):
        values = part.answer if isinstance(part.answer, list) else [part.answer]
        flat = [v for row in values for v in (row if isinstance(row, list) else [row])]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in flat):
            _note(report.failures, fail_counts, f"finite:{part.id}",
                  f"seed {seed}: part {part.id}: the answer is not finite ({part.answer_text})")
    result = check(instance, part.id, part.answer_text)
    if not result.correct:
        _note(report.failures, fail_counts, f"reference:{part.id}",
              f"seed {seed}: part {part.id}: its own answer_text {part.answer_text!r} grades "
              f"{result.status}: {result.feedback.splitlines()[0]}")
    for mistake in part.mistakes:
        active[(part.id, mistake.id)] += 1
        report.mistakes_checked += 1
        got = check(instance, part.id, mistake.answer_text)
        if got.correct:
            _note(report.failures, fail_counts, f"mistake:{part.id}:{mistake.id}",
                  f"seed {seed}: part {part.id}: mistake {mistake.id!r} ({mistake.answer_text})"
                  " is within tolerance of the answer; constrain the params or add 'when:'")
        elif got.mistake != mistake.id:
            _note(report.failures, fail_counts, f"mistake-id:{part.id}:{mistake.id}",
                  f"seed {seed}: part {part.id}: mistake {mistake.id!r} "
                  f"({mistake.answer_text}) is recognised as {got.mistake!r} instead")


def _warn_positions(report: TemplateReport, positions: dict[str, Counter[int]],
                    option_counts: dict[str, int]) -> None:
    for part_id, counter in positions.items():
        n_options = option_counts[part_id]
        total = sum(counter.values())
        expected = total / n_options
        if expected < 20:
            continue
        low = [i for i in range(n_options) if counter[i] < 0.5 * expected]
        high = [i for i in range(n_options) if counter[i] > 1.5 * expected]
        if low or high:
            shares = ", ".join(f"{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[i]}: {counter[i]}"
                               for i in range(n_options))
            report.warnings.append(f"part {part_id}: the right option's position is unbalanced"
                                   f" ({shares}; {expected:.0f} expected each)")


def _warn_mistakes(report: TemplateReport, template: Template,
                   active: Counter[tuple[str, str]]) -> None:
    for part in template.parts:
        if isinstance(part.mistakes, str):
            continue
        for m in part.mistakes:
            if report.generated and active[(part.id, m.id)] == 0:
                report.warnings.append(f"part {part.id}: mistake {m.id!r} is never active "
                                       "(its 'when' is never true)")


def validate_bank(bank: Bank, ids: Sequence[str] | None = None, seeds: int = 200,
                  progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
                  ) -> list[TemplateReport]:
    """Validate templates of a bank (all of them by default); load errors become failures."""
    chosen = list(ids) if ids is not None else bank.ids()
    reports = []
    for template_id in (progress(chosen) if progress else chosen):
        try:
            template = bank.get(template_id)
        except QuizError as exc:
            report = TemplateReport(id=template_id, path=str(bank.path(template_id)))
            report.failures.append(str(exc))
            reports.append(report)
            continue
        reports.append(validate_template(template, seeds))
    return reports


def validate_paths(paths: Sequence[str], seeds: int = 200) -> list[TemplateReport]:
    """Validate template files and folders given on the command line."""
    from questionbank.bank import load_bank

    reports: list[TemplateReport] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            bank = load_bank([path], builtin=False, use_env=False)
            if not len(bank):
                raise QuizError(f"no .yaml templates in {raw}")
            reports.extend(validate_bank(bank, seeds=seeds))
        elif path.is_file():
            template_id = "/".join(path.with_suffix("").parts[-2:])
            try:
                template = load_template_file(path, template_id)
            except QuizError as exc:
                report = TemplateReport(id=template_id, path=raw)
                report.failures.append(str(exc))
                reports.append(report)
                continue
            reports.append(validate_template(template, seeds))
        else:
            raise QuizError(f"no such file or folder: {raw}")
    return reports


def format_table(reports: Sequence[TemplateReport], strict: bool) -> str:
    """The per-template table and, below it, every failure and warning."""
    headers = ("template", "status", "seeds", "accept", "dup", "ms/inst", "mistakes", "tests")
    rows = [(r.id, r.status(strict), str(r.generated), f"{r.acceptance:.0%}",
             f"{r.duplicate_share:.0%}", f"{r.ms_per_instance:.2f}", str(r.mistakes_checked),
             str(r.tests_run)) for r in reports]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    for r in reports:
        for f in r.failures:
            lines.append(f"FAIL {r.id}: {f}")
        for w in r.warnings:
            lines.append(f"warn {r.id}: {w}")
    n_fail = sum(r.status(strict) == "FAIL" for r in reports)
    n_warn = sum(bool(r.warnings) for r in reports)
    noun = "template" if len(reports) == 1 else "templates"
    lines.append(f"{len(reports)} {noun}: {len(reports) - n_fail} passed, {n_fail} failed"
                 f", {n_warn} with warnings{' (strict)' if strict else ''}")
    return "\n".join(lines) + "\n"
