"""``mlquiz list``, ``show`` and ``check``: what the question bank holds, one instance of a
template, and the verdict on one answer (the work is in `grader.listing`,
`questionbank.instance` and `grader.judge`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from grader.cli import EPILOG_EXIT, bank_option, open_bank, param_option, parse_params
from questionbank.errors import QuizError

__all__ = ["check_command", "list_command", "show_command"]


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# --------------------------------------------------------------------------- list


@click.command("list", epilog=EPILOG_EXIT)
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="Only templates of this topic (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@bank_option
def list_command(topics: tuple[str, ...], as_json: bool, bank_dirs: tuple[str, ...]) -> None:
    """List the templates in the question bank.

    Templates of an installed pack or a --bank folder name their pack at the end of the line
    (--json: the "pack" key, "builtin" for the built-in bank). A template file or an installed
    pack that cannot be loaded does not stop the listing: the others are listed, each problem
    is reported on standard error with its path or pack, and the exit code is then 1 (0 when
    everything loads).

    \b
    Examples:
      mlquiz list
      mlquiz list --topic optimizers
      mlquiz list --json | jq '.[].id'
    """
    from grader.listing import list_templates

    problems: list[QuizError] = []
    bank = open_bank(bank_dirs, report_problems=False)
    rows = list_templates(bank, topics, problems)
    _list_rows(rows, as_json)
    broken_packs = bank.problems()
    for problem in [*problems, *broken_packs]:
        click.echo(f"error: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} template file(s) could not be loaded", err=True)
    if broken_packs:
        click.echo(f"{len(broken_packs)} pack(s) could not be loaded", err=True)
    if problems or broken_packs:
        sys.exit(1)


def _list_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    from questionbank.bank import BUILTIN_PACK

    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no templates match", err=True)
        return
    from grader.terminal import safe_terminal_text

    width = max(len(r["id"]) for r in rows)
    for r in rows:
        parts = ", ".join(p["id"] for p in r["parts"])
        pack = "" if r["pack"] == BUILTIN_PACK else f"  (pack: {r['pack']})"
        click.echo(safe_terminal_text(f"{r['id']:<{width}}  {r['title']}  [{parts}]{pack}",
                                      1000))
    noun = "template" if len(rows) == 1 else "templates"
    packs = sorted({r["pack"] for r in rows}, key=lambda p: (p != BUILTIN_PACK, p))
    others = f"; packs: {', '.join(packs)}" if packs != [BUILTIN_PACK] else ""
    click.echo(f"\n{len(rows)} {noun}; topics: {', '.join(sorted({r['topic'] for r in rows}))}"
               f"{others}", err=True)


# --------------------------------------------------------------------------- show


@click.command("show", epilog=EPILOG_EXIT)
@click.argument("template_id", metavar="ID")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True,
              help="Which random version of the question.")
@param_option
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]),
              default="text", show_default=True, help="Output format.")
@click.option("--solution", is_flag=True, help="Include the answers and the worked solution.")
@bank_option
def show_command(template_id: str, seed: int, params: tuple[str, ...], fmt: str, solution: bool,
                 bank_dirs: tuple[str, ...]) -> None:
    """Show one randomized instance of a template.

    \b
    Examples:
      mlquiz show metrics/confusion-matrix --seed 7
      mlquiz show metrics/confusion-matrix --param tp=80 --param fp=80 \\
          --param fn=20 --param tn=820 --solution
      mlquiz show dropout/apply-mask --param a="[2.0, 5.0, 7.12, 4.5, 6.0]" \\
          --param m="[1, 0, 0, 1, 1]" --format json
    """
    from questionbank.instance import generate

    instance = generate(open_bank(bank_dirs).get(template_id), seed, parse_params(params))
    if fmt == "json":
        _echo_json(instance.to_dict())
        return
    from grader.pages import render_instance
    from grader.terminal import safe_terminal_block

    # a question pack's text is shown as text: control characters (ESC ...) escaped
    click.echo(safe_terminal_block(render_instance(instance, fmt, solution=solution)),
               nl=False)


# --------------------------------------------------------------------------- check


@click.command("check", epilog=EPILOG_EXIT)
@click.argument("template_id", metavar="ID")
@click.argument("answer", nargs=-1, required=False)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True,
              help="The instance the answer is for (as in 'mlquiz show').")
@click.option("--part", "part_id", metavar="PART",
              help="Which part to grade (may be left out when the template has one part).")
@param_option
@click.option("--json", "as_json", is_flag=True,
              help="Print {status, score, correct, feedback, mistake} as JSON.")
@click.option("--show-answer", is_flag=True, help="Also print the reference answer.")
@bank_option
def check_command(template_id: str, answer: tuple[str, ...], seed: int, part_id: str | None,
                  params: tuple[str, ...], as_json: bool, show_answer: bool,
                  bank_dirs: tuple[str, ...]) -> None:
    """Grade one answer to one part of an instance.

    Put the answer after `--` so that answers starting with '-' are not read as options;
    several words are joined with spaces. With no ANSWER, it is read from standard input.
    The exit code is 0 whatever the verdict; the verdict is in the output.

    The examples fix the params with --param, so their verdicts hold whatever the seed: with
    tp=80, fp=80, fn=20, tn=820 the precision is 1/2, the recall 4/5 and F1 8/13.

    \b
    Examples:
      mlquiz check metrics/confusion-matrix --seed 7 --part f1 --show-answer -- 0.5
      mlquiz check metrics/confusion-matrix --part f1 --param tp=80 --param fp=80 \\
          --param fn=20 --param tn=820 -- 8/13                    # Correct
      mlquiz check metrics/confusion-matrix --part precision --param tp=80 \\
          --param fp=80 --param fn=20 --param tn=820 -- 0.8       # Incorrect: that is recall
      mlquiz check metrics/confusion-matrix --part recall --json --param tp=80 \\
          --param fp=80 --param fn=20 --param tn=820 -- 80%       # Correct
      mlquiz check dropout/apply-mask --param a="[2.0, 5.0, 7.12, 4.5, 6.0]" \\
          --param m="[1, 0, 0, 1, 1]" -- "[2, 0, 0, 4.5, 6]"      # Correct
      mlquiz check gradients/matrix-calculus --part grad --param form=aTXb \\
          --param n=3 --param m=4 --param k=2 -- "a*b^T"          # Correct
    """
    from grader.judge.check import check
    from questionbank.instance import generate

    instance = generate(open_bank(bank_dirs).get(template_id), seed, parse_params(params))
    if part_id is None:
        if len(instance.parts) != 1:
            ids = ", ".join(p.id for p in instance.parts)
            raise click.UsageError(f"{template_id} has several parts; choose one with --part "
                                   f"({ids})")
        part_id = instance.parts[0].id
    text = " ".join(answer) if answer else sys.stdin.read(1_000_000)
    result = check(instance, part_id, text)
    if as_json:
        data = result.to_dict()
        if show_answer:
            data["answer_text"] = instance.part(part_id).answer_text
        _echo_json(data)
        return
    from grader.judge.feedback import render_result, use_colour

    click.echo(render_result(instance, result, "text", show_answer=show_answer,
                             colour=use_colour()), nl=False)
