"""`sidcontent info`: which database, folders, queue and plugins are in use."""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import make_url

from sidcontent import __version__
from sidcontent.cli.common import friendly_errors, load_app


def _safe_url(url: str | None) -> str | None:
    """A URL fit to print: any password replaced by ***."""
    if not url:
        return None
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a SQLAlchemy URL (a broker's): drop what precedes "@"
        scheme, sep, rest = url.partition("://")
        if sep and "@" in rest:
            credentials, _, host = rest.rpartition("@")
            user = credentials.partition(":")[0]
            return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
        return url


def _migration(app: Flask) -> str:
    database = app.extensions["sidcontent.db"]
    try:
        current = database.current_revision()
    except Exception as exc:  # unreachable server, bad credentials: say so, keep going
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"not reachable ({detail[0] if detail else type(exc).__name__})"
    head = database.head_revision()
    if current is None:
        return f"empty (run `sidcontent db upgrade`; latest is {head})"
    if current != head:
        return f"{current}, behind {head} (run `sidcontent db upgrade`)"
    return f"{current} (latest)"


def describe(app: Flask) -> dict[str, Any]:
    """What ``sidcontent info`` prints, as data (``--json``)."""
    config = app.config
    from_env = os.environ.get("SIDCONTENT_INSTANCE_PATH")
    store = config.get("ARTIFACT_STORE") or "files"
    artifact_dir = config.get("ARTIFACT_DIR") or os.path.join(app.instance_path, "artifacts")
    broker = config.get("BROKER_URL")
    host = app.extensions["sidcontent.plugins"]
    return {
        "version": __version__,
        "instance_path": app.instance_path,
        "instance_path_from": "SIDCONTENT_INSTANCE_PATH" if from_env else "default",
        "database": _safe_url(config["DATABASE_URL"]),
        "database_from": (
            "SIDCONTENT_DATABASE_URL"
            if os.environ.get("SIDCONTENT_DATABASE_URL")
            else "the instance folder"
        ),
        "migration": _migration(app),
        "artifact_store": store,
        "artifact_dir": artifact_dir if store == "files" else None,
        "broker": _safe_url(broker),
        "plugins_dir": config.get("PLUGINS_DIR") or None,
        "plugins": [
            {"name": p.name, "version": p.version, "status": p.status, "source": p.source.kind}
            for p in host.plugins.values()
        ],
    }


@click.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print the same as JSON.")
@friendly_errors
def info(as_json: bool) -> None:
    """Say which database, instance folder, artifact store, broker and plugins are in use."""
    facts = describe(load_app())
    if as_json:
        import orjson

        click.echo(orjson.dumps(facts, option=orjson.OPT_INDENT_2).decode())
        return
    store = facts["artifact_store"]
    if facts["artifact_dir"]:
        store += f" in {facts['artifact_dir']}"
    plugins = ", ".join(
        f"{p['name']} {p['version'] or '-'}"
        + ("" if p["status"] == "loaded" else f" ({p['status']})")
        for p in facts["plugins"]
    )
    rows = [
        ("sidcontent", facts["version"]),
        ("instance folder", f"{facts['instance_path']} (from {facts['instance_path_from']})"),
        ("database", f"{facts['database']} (from {facts['database_from']})"),
        ("migration", facts["migration"]),
        ("artifact store", store),
        ("broker", facts["broker"] or "none: exports run inline"),
        ("plugins dir", facts["plugins_dir"] or "none (SIDCONTENT_PLUGINS_DIR)"),
        ("plugins", plugins or "none"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label + ':':<{width + 1}} {value}")
