"""`sidcontent plugins`: what is installed and what it provides."""

from __future__ import annotations

import click

from sidcontent.cli.common import friendly_errors, load_app


@click.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/v1/plugins serves.")
@friendly_errors
def plugins_list(as_json: bool) -> None:
    """List plugins: loaded, disabled and failed, with what they provide."""
    import orjson

    host = load_app().extensions["sidcontent.plugins"]
    rows = [info.payload() for info in host.plugins.values()]
    if as_json:
        click.echo(orjson.dumps({"data": rows}, option=orjson.OPT_INDENT_2).decode())
        return
    if not rows:
        click.echo("no plugins")
    for row in rows:
        provides = ", ".join(
            [f"exporter {n}" for n in row["exporters"]]
            + [f"platform {n}" for n in row["social_platforms"]]
        )
        line = f"{row['name']} {row['version'] or '-'} [{row['source']}] {row['status']}"
        if provides:
            line += f": {provides}"
        if row["error"]:
            line += f" ({row['error']})"
        click.echo(line)
