"""Hand-built bundles for the social exporter's tests (content the seed lacks)."""

from __future__ import annotations

from datetime import date

from sidcontent.exporting import Campaign, ContentBundle, Message, Palette, Theme

PALETTE = Palette(
    primary="#1F5FA8", secondary="#12A3A3", accent="#F28C28", background="#FFFFFF", text="#1A1A2E"
)


def make_bundle(
    *messages: Message,
    hashtags: tuple[str, ...] = ("SaferInternetDay", "SID2017"),
    palette: Palette | None = PALETTE,
    name: str = "Safer Internet Day 2017",
) -> ContentBundle:
    """A hand-built bundle, for content the seed does not have."""
    campaign = Campaign(
        slug="sid-2017",
        name=name,
        tagline=None,
        description=None,
        day=date(2017, 2, 7),
        edition=14,
        url="https://www.saferinternetday.org/",
        hashtags=hashtags,
        default_locale="en",
        locale="en",
    )
    theme = (
        Theme(slug="t", name="T", description=None, palette=palette, locale="en")
        if palette
        else None
    )
    return ContentBundle(
        campaign=campaign, theme=theme, messages=messages, resources=(), locale="en"
    )


def make_message(
    id: int = 1,
    headline: str = "Be kind online",
    body: str | None = None,
    call_to_action: str | None = None,
    link: str | None = None,
    hashtags: tuple[str, ...] = (),
    locale: str = "en",
) -> Message:
    return Message(
        id=id,
        audience="general",
        kind="tip",
        headline=headline,
        body=body,
        call_to_action=call_to_action,
        link=link,
        hashtags=hashtags,
        tags=(),
        locale=locale,
    )
