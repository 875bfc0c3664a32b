"""`sidcontent openapi`: the contract generated from the code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sidcontent.cli.common import friendly_errors, load_app


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@friendly_errors
def openapi(output: Path | None, fmt: str) -> None:
    """Print (or write) the OpenAPI document generated from the code."""
    import orjson

    from sidcontent.api.meta import openapi_document, openapi_yaml

    app = load_app()
    api = app.extensions["sidcontent.api"]
    if fmt == "yaml":
        text = openapi_yaml(api)
    else:
        text = orjson.dumps(openapi_document(api), option=orjson.OPT_INDENT_2).decode() + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
