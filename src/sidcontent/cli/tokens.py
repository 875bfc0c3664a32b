"""`sidcontent tokens`: create, list and revoke API tokens."""

from __future__ import annotations

import click

from sidcontent.cli.common import friendly_errors, iso, migrated_session
from sidcontent.content import tokens as api_tokens
from sidcontent.content.models import utcnow


@click.group()
def tokens() -> None:
    """API tokens: create, list, revoke. Secrets are shown once, stored as hashes."""


@tokens.command("create")
@click.option("--name", required=True, help="A unique name; revisions record it as the author.")
@click.option("--role", required=True, type=click.Choice(api_tokens.ROLES), help="What it may do.")
@click.option("--expires", "expires_days", type=int, help="Expire after this many days.")
@click.option("--quiet", is_flag=True, help="Print only the secret, on one line.")
@friendly_errors
def tokens_create(name: str, role: str, expires_days: int | None, quiet: bool) -> None:
    """Create a token and print its secret (shown only this once)."""
    with migrated_session() as session:
        token, secret = api_tokens.create(session, name, role, expires_days)
    if quiet:
        click.echo(secret)
        return
    click.echo(f"created token {token.name!r} ({token.role}), expires {iso(token.expires_at)}")
    click.echo(secret)
    click.echo("Keep it now: only its hash is stored, so it cannot be shown again.", err=True)


@tokens.command("list")
@friendly_errors
def tokens_list() -> None:
    """List tokens (names, roles, states; never secrets)."""
    now = utcnow()
    with migrated_session() as session:
        rows = api_tokens.list_tokens(session)
    if not rows:
        click.echo("no tokens (create one with `sidcontent tokens create`)")
        return
    click.echo(f"{'NAME':<24} {'ROLE':<10} {'STATE':<8} {'HINT':<10} {'CREATED':<21} EXPIRES")
    for t in rows:
        click.echo(
            f"{t.name:<24} {t.role:<10} {t.state(now):<8} {t.hint:<10} "
            f"{iso(t.created_at):<21} {iso(t.expires_at)}"
        )


@tokens.command("revoke")
@click.argument("name")
@friendly_errors
def tokens_revoke(name: str) -> None:
    """Revoke the token NAME: it stops working at once."""
    with migrated_session() as session:
        api_tokens.revoke(session, name)
    click.echo(f"revoked token {name!r}")
