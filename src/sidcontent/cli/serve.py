"""`sidcontent serve`: the API under gunicorn."""

from __future__ import annotations

from typing import Any

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@friendly_errors
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API with gunicorn."""
    from gunicorn.app.base import BaseApplication

    _check_port_free(host, port)  # before the app loads, so a busy port fails at once
    app = load_app()
    require_migrated(app)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # An export may run for SIDCONTENT_EXPORT_TIMEOUT seconds inside a
            # request: gunicorn must not kill the worker before that limit does.
            self.cfg.set("timeout", max(30, int(app.config["EXPORT_TIMEOUT"]) + 15))

        # Any: the stubs type the WSGI callable more narrowly than Flask declares it.
        def load(self) -> Any:
            return app

    click.echo(f"serving on http://{host}:{port}", err=True)
    Server().run()


def _check_port_free(host: str, port: int) -> None:
    """Say at once that the port is taken (gunicorn retries for five seconds)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"cannot serve on {host}: {exc.strerror}")
        return
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # What gunicorn sets too, so a port left in TIME_WAIT is not "busy".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            fail(f"cannot serve on {host}:{port}: {exc.strerror} (another server? try --port)")
