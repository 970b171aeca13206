"""The HTTP server of ``mlquiz serve``: the standard library's `wsgiref`, one thread per
connection (a browser keeps idle connections open, which would stall a single-threaded
server), quiet logs, and a clean stop on Ctrl-C."""

from __future__ import annotations

import ipaddress
import socket
import socketserver
from collections.abc import Callable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from grader.web.app import ServeOptions, WebApp
from questionbank.errors import InputError

__all__ = ["WebServer", "check_host", "make_server", "url_of"]


class _QuietHandler(WSGIRequestHandler):
    """No log line per request (the terminal shows the URL and problems only); a closed
    connection ends the request silently."""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            return


class WebServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref's server with a thread per connection; the threads stop with the server."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _QuietHandler)


def check_host(host: str) -> str:
    """`host` as an address to bind to: an IP address or ``localhost``, never a wildcard
    (the server answers only requests for its own address, so it must have one)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise InputError(f"--host must be an IP address such as 127.0.0.1, got {host!r}"
                         ) from None
    if address.is_unspecified:
        raise InputError(f"--host {host} would listen on every address; give the one address "
                         "to serve on (e.g. this machine's address in the local network)")
    return str(address)


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def make_server(host: str, port: int, bank: Any, db: Path, save: bool
                ) -> tuple[WebServer, WebApp]:
    """Bind to `host`:`port` (0: a free port), and the app that answers for that address."""
    server = WebServer((host, port))
    bound_port = int(server.server_address[1])
    app = WebApp(ServeOptions(bank=bank, db=db, save=save, host=host, port=bound_port))
    server.set_app(app)
    return server, app


def serve(server: WebServer, app: WebApp, ready: Callable[[], None] | None = None) -> None:
    """Serve until Ctrl-C, then close the server and end every run (recording it)."""
    try:
        if ready is not None:
            ready()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()
