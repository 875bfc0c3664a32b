"""`sidcontent serve`: the API under gunicorn (threaded workers).

Settings (``SIDCONTENT_WEB_*``) give the defaults; the options override
them. See :mod:`sidcontent.serving` for the worker model and docs/deploy.md
for sizing it.
"""

from __future__ import annotations

from typing import Any

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated

# gunicorn's largest request line (0 would mean unlimited): a 512-character
# cursor with every filter and a 200-character multibyte q (percent-encoded,
# up to 12 bytes a character) fits in well under half of it.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELD_SIZE = 8190
LIMIT_REQUEST_FIELDS = 100


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Processes (default: SIDCONTENT_WEB_WORKERS, 2)."
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    help="Threads per process (default: SIDCONTENT_WEB_THREADS, 8).",
)
@friendly_errors
def serve(host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Serve the API with gunicorn."""
    from gunicorn.app.base import BaseApplication

    from sidcontent.serving import worker_class

    _check_port_free(host, port)  # before the app loads, so a busy port fails at once
    app = load_app()
    require_migrated(app)
    # Nothing opened here may reach a worker: close the migration check's
    # connections before gunicorn forks (each worker also drops whatever it
    # inherits, see sidcontent.db).
    app.extensions["sidcontent.db"].dispose()
    config = app.config
    settings: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers or int(config["WEB_WORKERS"]),
        "threads": threads or int(config["WEB_THREADS"]),
        "worker_class": worker_class(float(config["WEB_READ_TIMEOUT"])),
        "keepalive": int(config["WEB_KEEPALIVE"]),
        # An inline export may run for SIDCONTENT_EXPORT_TIMEOUT seconds inside
        # a request: gunicorn must not kill the worker before that limit does.
        "timeout": int(config["WEB_TIMEOUT"] or max(30, int(config["EXPORT_TIMEOUT"]) + 15)),
        "graceful_timeout": 10,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        # One list of proxies for gunicorn (X-Forwarded-Proto) and the app
        # (client address for rate limits, X-Request-Id); empty: none.
        "forwarded_allow_ips": ",".join(config["TRUSTED_PROXIES"]),
        "accesslog": "-",
        # gunicorn's default line plus the request id, to match app log lines.
        "access_log_format": (
            '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
        ),
        # gunicorn's control socket lives at one path per user: two servers on
        # one host would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in settings.items():
                self.cfg.set(name, value)

        # Any: the stubs type the WSGI callable more narrowly than Flask declares it.
        def load(self) -> Any:
            return app

    click.echo(
        f"serving on http://{host}:{port} "
        f"({settings['workers']} workers x {settings['threads']} threads)",
        err=True,
    )
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
