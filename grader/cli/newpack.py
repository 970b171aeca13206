"""``mlquiz new-pack``: the command; the files are in `grader.scaffold`."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli import EPILOG_EXIT

__all__ = ["new_pack_command"]


@click.command("new-pack", epilog=EPILOG_EXIT)
@click.argument("name")
@click.option("--out", "parent", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="The folder to create the pack's folder NAME in.")
def new_pack_command(name: str, parent: Path) -> None:
    """Start a question pack: a Python package of templates and solvers.

    Writes the folder NAME with a pyproject.toml that declares the pack's entry points
    (mlquiz.banks: its template folder; mlquiz.solvers: its solver module), one template,
    one solver and one test. Install it (pip install -e NAME) and mlquiz finds its templates
    in every command; `mlquiz list` marks them with the pack's name. The folder must not exist.

    \b
    Examples:
      mlquiz new-pack intro-ml
      mlquiz new-pack intro-ml --out packs && ls packs/intro-ml
    """
    from grader.scaffold import pack_names, scaffold_pack
    from questionbank.errors import QuizError

    try:
        names = pack_names(name)
    except QuizError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    root, files = scaffold_pack(name, parent)
    for path in files:
        click.echo(f"wrote {path}")
    click.echo(f"\nNext:\n  pip install -e {root}\n"
               f"  mlquiz show {names.slug}/softmax-top --solution\n"
               f"  mlquiz validate --strict --template {names.slug}/softmax-top\n"
               f"  cd {root} && python -m pytest")
