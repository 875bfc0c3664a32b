"""`sidcontent webhooks`: create, list, change, rotate and delete endpoints."""

from __future__ import annotations

import click

from sidcontent.cli.common import fail, friendly_errors, iso, migrated_session
from sidcontent.content.events import EVENT_TYPES
from sidcontent.content.models import utcnow
from sidcontent.webhooks import endpoints


@click.group()
def webhooks() -> None:
    """Webhook endpoints (Standard Webhooks). Secrets are shown once."""


@webhooks.command("create")
@click.option("--url", required=True, help="Where to POST events (http or https).")
@click.option(
    "--event",
    "events",
    multiple=True,
    type=click.Choice(EVENT_TYPES),
    help="An event type to send (repeat it); none means every type.",
)
@click.option("--description", default="", help="What it is for.")
@click.option("--disabled", is_flag=True, help="Create it switched off.")
@friendly_errors
def webhooks_create(url: str, events: tuple[str, ...], description: str, disabled: bool) -> None:
    """Create an endpoint and print its signing secret (shown only this once)."""
    with migrated_session() as session:
        try:
            endpoint = endpoints.create(session, url, events, description, not disabled, utcnow())
        except endpoints.EndpointError as exc:
            fail(str(exc))
        endpoint_id, secret = endpoint.id, endpoint.secret
    click.echo(f"created webhook {endpoint_id} -> {url}")
    click.echo(secret)
    click.echo("Keep the secret now: it is not shown again (rotate to get a new one).", err=True)


@webhooks.command("list")
@friendly_errors
def webhooks_list() -> None:
    """List endpoints (never their secrets)."""
    with migrated_session() as session:
        rows = [endpoints.describe(e) for e in endpoints.listing(session)]
    if not rows:
        click.echo("no webhooks (create one with `sidcontent webhooks create`)")
        return
    for row in rows:
        state = (
            "enabled" if row["enabled"] else f"disabled ({row['disabled_reason'] or 'by admin'})"
        )
        kinds = ",".join(row["events"]) or "all events"
        click.echo(f"{row['id']}  {state:<10}  {row['url']}  [{kinds}]  {iso(row['created_at'])}")


def _endpoint(session, endpoint_id: str):  # type: ignore[no-untyped-def]
    endpoint = endpoints.get(session, endpoint_id)
    if endpoint is None:
        fail(f"no webhook {endpoint_id!r} (see `sidcontent webhooks list`)")
    return endpoint


@webhooks.command("rotate")
@click.argument("endpoint_id")
@friendly_errors
def webhooks_rotate(endpoint_id: str) -> None:
    """A new secret for ENDPOINT_ID; the old one signs beside it for 24 hours."""
    with migrated_session() as session:
        secret = endpoints.rotate(session, _endpoint(session, endpoint_id), utcnow())
    click.echo(secret)


@webhooks.command("enable")
@click.argument("endpoint_id")
@friendly_errors
def webhooks_enable(endpoint_id: str) -> None:
    """Switch ENDPOINT_ID on (again)."""
    with migrated_session() as session:
        endpoints.change(session, _endpoint(session, endpoint_id), {"enabled": True}, utcnow())
    click.echo(f"enabled webhook {endpoint_id}")


@webhooks.command("disable")
@click.argument("endpoint_id")
@friendly_errors
def webhooks_disable(endpoint_id: str) -> None:
    """Switch ENDPOINT_ID off: nothing more is sent to it."""
    with migrated_session() as session:
        endpoints.change(session, _endpoint(session, endpoint_id), {"enabled": False}, utcnow())
    click.echo(f"disabled webhook {endpoint_id}")


@webhooks.command("delete")
@click.argument("endpoint_id")
@friendly_errors
def webhooks_delete(endpoint_id: str) -> None:
    """Delete ENDPOINT_ID and its delivery log."""
    with migrated_session() as session:
        session.delete(_endpoint(session, endpoint_id))
    click.echo(f"deleted webhook {endpoint_id}")
