"""``mlquiz export``: the command; the work is in `grader.export`."""

from __future__ import annotations

import os

import click

from grader.cli import EPILOG_EXIT, bank_option, open_bank, param_option, parse_params


@click.command("export", epilog=EPILOG_EXIT)
@click.argument("ids", nargs=-1, metavar="[IDS]...")
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="Every template of this topic (repeatable). With no IDS and no --topic: "
                   "the whole bank.")
@click.option("--variants", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Seeded variants per template (one category / question group each).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), metavar="N",
              help="The variants' seeds are derived from it and the template id. Default: a "
                   "fresh random seed, printed.")
@param_option
@click.option("--format", "fmt", type=click.Choice(["moodle", "qti", "gift"]),
              help="moodle (XML), qti (Canvas QTI 1.2 zip) or gift. Default: from the "
                   "extension of --out (.xml, .zip, .gift).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The file to write.")
@click.option("--points", type=click.FloatRange(0, 1e6, min_open=True), metavar="P",
              help="Points of every question (default: the sum of its parts' points; GIFT "
                   "has no points).")
@bank_option
def export_command(ids: tuple[str, ...], topics: tuple[str, ...], variants: int,
                   seed: int | None, params: tuple[str, ...], fmt: str | None, out: str,
                   points: float | None, bank_dirs: tuple[str, ...]) -> None:
    """Export seeded variants of templates as a question pool for Moodle or Canvas.

    Each template becomes one category (Moodle, GIFT) or question group (Canvas) of
    variants; add "a random question" from it to a quiz. Each question carries its
    template id and seed: `mlquiz show ID --seed SEED` shows it again. Parts a format
    cannot grade (expressions) are skipped with a warning.

    \b
    Examples:
      mlquiz export metrics/confusion-matrix --variants 100 --seed 1 --out cm.xml
      mlquiz export --topic optimizers --format qti --out optimizers.zip
      mlquiz export dropout/apply-mask gradients/shape --format gift --out quiz.gift
    """
    from grader.export import export_questions

    result = export_questions(out, fmt, ids=ids, topics=topics, variants=variants, seed=seed,
                              params=parse_params(params), points=points,
                              bank=open_bank(bank_dirs))
    for summary in result.templates:
        if not summary.mapped:
            reasons = ", ".join(f"{pid}: {why}" for pid, why in summary.skipped)
            click.echo(f"warning: {summary.template_id} left out ({reasons})", err=True)
            continue
        click.echo(summary.line())
        for part_id, why in summary.skipped:
            click.echo(f"  warning: part {part_id} skipped: {why}")
        for note in summary.notes:
            click.echo(f"  note: {note}")
    exported = result.exported
    click.echo(f"Wrote {sum(s.variants for s in exported)} variants of {len(exported)} "
               f"template{'s' * (len(exported) != 1)} to {os.fspath(result.path)} "
               f"({result.format}, seed {result.seed})")
