"""``mlquiz serve``: option parsing and the terminal messages; the app is `grader.web`."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from grader.cli import EPILOG_EXIT, bank_option, open_bank

__all__ = ["serve_command"]


@click.command("serve", epilog=EPILOG_EXIT)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can reach 127.0.0.1.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
@click.option("--db", "db", type=click.Path(dir_okay=False), envvar="MLQUIZ_DB",
              show_envvar=True,
              help="Progress database (default: the one `mlquiz practice` uses).")
@click.option("--no-save", is_flag=True,
              help="Save no progress (an existing database is still read to choose questions).")
@bank_option
def serve_command(port: int, host: str, no_browser: bool, db: str | None, no_save: bool,
                  bank_dirs: tuple[str, ...]) -> None:
    """Practise and browse the question bank in a local web page.

    The Practice page asks one question at a time and grades each part at once, with hints
    and worked solutions; progress goes to the same database as `mlquiz practice`, so
    `mlquiz progress` shows it. The Bank page shows any template's instance for any seed,
    with its key, declared mistakes, hints, solution and validation figures.

    The server listens on this machine only (127.0.0.1) unless --host says otherwise, and
    answers only requests addressed to it. Stop it with Ctrl-C.

    \b
    Examples:
      mlquiz serve
      mlquiz serve --port 0 --no-browser --no-save
      mlquiz serve --bank my-templates --db class.sqlite3
    """
    from grader.practice.store import default_db_path
    from grader.web.server import check_host, make_server, serve, url_of

    address = check_host(host)
    path = Path(db).expanduser() if db else default_db_path()
    bank = open_bank(bank_dirs)
    try:
        server, app = make_server(address, port, bank, path, save=not no_save)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {address}:{port}: {exc.strerror}"
                                   ) from None
    url = url_of(address, server.server_address[1])

    def ready() -> None:
        click.echo(f"mlquiz serve: {url}")
        click.echo("Progress is saved to " + str(path) if not no_save else
                   "Progress is not saved.")
        if address not in ("127.0.0.1", "::1"):
            click.echo(f"warning: listening on {address}: other machines can reach it.",
                       err=True)
        click.echo("Press Ctrl-C to stop.")
        if not no_browser:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    serve(server, app, ready)
    click.echo("\nStopped.")
