"""The ``sidcontent`` command.

Every command reads ``SIDCONTENT_DATABASE_URL`` (default: SQLite in the
instance folder). Errors are one line on stderr and a non-zero exit; a
traceback is a bug. Each command group lives in its own module here and is
added to :func:`main` below.
"""

from __future__ import annotations

import click

from sidcontent import __version__
from sidcontent.cli import (
    database,
    export,
    exports,
    fixtures,
    info,
    openapi,
    plugins,
    serve,
    tokens,
    webhooks,
    worker,
)
from sidcontent.cli import translations as translations_cli
from sidcontent.cli.common import setup_logging


@click.group()
@click.version_option(__version__, prog_name="sidcontent")
@click.option(
    "-v", "--verbose", is_flag=True, help="Show log details, such as a failed plugin's traceback."
)
def main(verbose: bool) -> None:
    """sidcontent: campaign content as an API, and exporters for it."""
    setup_logging(verbose)


main.add_command(database.db)
main.add_command(fixtures.fixtures)
main.add_command(tokens.tokens)
main.add_command(serve.serve)
main.add_command(openapi.openapi)
main.add_command(plugins.plugins)
main.add_command(export.export)
main.add_command(worker.worker)
main.add_command(exports.exports)
main.add_command(translations_cli.translations)
main.add_command(webhooks.webhooks)
main.add_command(info.info)
