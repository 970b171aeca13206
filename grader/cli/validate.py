"""``mlquiz validate``: the command; the work is in `grader.validate`."""

from __future__ import annotations

import json
import sys

import click

from grader.cli import EPILOG_EXIT, bank_option, open_bank


@click.command("validate", epilog=EPILOG_EXIT)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--seeds", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="How many seeds to stress-test each template with.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--template", "template_ids", multiple=True, metavar="ID",
              help="Only these bank templates (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@bank_option
def validate_command(paths: tuple[str, ...], seeds: int, strict: bool,
                     template_ids: tuple[str, ...], as_json: bool,
                     bank_dirs: tuple[str, ...]) -> None:
    """Lint templates and stress-test them over many seeds.

    With no PATH, checks the whole bank (built-in plus --bank folders); PATH may be template
    files or folders. Exits 1 when a template fails (or, with --strict, has warnings).

    \b
    Examples:
      mlquiz validate                     # the whole built-in bank, 200 seeds each
      mlquiz validate --strict --seeds 1000
      mlquiz validate my-bank/metrics/roc.yaml
      mlquiz validate --template optimizers/adam
    """
    from grader.validate import format_table, validate_bank, validate_paths

    if paths:
        reports = validate_paths(paths, seeds)
    else:
        bank = open_bank(bank_dirs)
        ids = list(template_ids) or None
        if ids:
            for template_id in ids:
                bank.get(template_id)  # an unknown id is a clear error, not an empty run
        if sys.stderr.isatty() and not as_json:
            with click.progressbar(length=len(ids or bank.ids()), label="validating",
                                   file=sys.stderr) as bar:
                def progress(items):  # type: ignore[no-untyped-def]
                    for item in items:
                        yield item
                        bar.update(1)
                reports = validate_bank(bank, ids, seeds, progress)
        else:
            reports = validate_bank(bank, ids, seeds)
    if as_json:
        click.echo(json.dumps([r.to_dict(strict) for r in reports], indent=2,
                              ensure_ascii=False))
    else:
        click.echo(format_table(reports, strict), nl=False)
    if any(r.status(strict) == "FAIL" for r in reports):
        sys.exit(1)
