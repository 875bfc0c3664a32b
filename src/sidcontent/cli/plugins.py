"""`sidcontent plugins`: what is installed and what it provides."""

from __future__ import annotations

from pathlib import Path

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


@plugins.command("check")
@click.argument("target")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds each trial export may run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def plugins_check(target: str, timeout: float, as_json: bool) -> None:
    """Load one plugin on its own and try it as the host would.

    TARGET is a plugin's .py file, an installed distribution's name, or the
    folder of a distribution (its pyproject.toml names it; install it
    first). Reports what it registers, whether every hook implementation
    matches a hookspec, whether each options schema converts to JSON Schema,
    and runs one export per media type against the sample bundle. Exits 1
    on any problem.
    """
    import orjson

    from sidcontent import plugin_check

    report = plugin_check.check(target, timeout=timeout)
    if as_json:
        click.echo(orjson.dumps(report.payload(), option=orjson.OPT_INDENT_2).decode())
    else:
        for line in report.lines:
            click.echo(line)
    if not report.ok:
        count = len(report.problems)
        raise click.ClickException(f"{count} problem{'s' if count != 1 else ''} in {target}")
    if not as_json:
        click.echo(f"ok: {target} passes every check")


@plugins.command("new")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Where to create the sidcontent-NAME folder (default: here).",
)
def plugins_new(name: str, directory: Path) -> None:
    """Write a complete plugin distribution into ./sidcontent-NAME/.

    One exporter with its options schema and a setting, tests that use
    sidcontent.testing and `plugins check`, pyproject.toml with the entry
    point, README, .gitignore and ruff settings. Never overwrites.
    """
    from sidcontent import scaffold

    try:
        target = scaffold.create(name, directory)
    except (scaffold.ScaffoldError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {target}")
    click.echo(f"next: cd {target} && pip install -e '.[test]' && pytest")
