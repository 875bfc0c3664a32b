"""What goes into a newsletter, decided once for every output format.

:func:`build` picks the messages and resources for the layout, cleans the
text, makes every link safe and tracked, and fixes the subject, preheader,
greeting and colours. The HTML, plain-text and Markdown renderers only
render this :class:`Newsletter`, so the three parts always say the same
thing and hold the same links.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sidcontent.exporters.newsletter.colours import Colours, colours_for
from sidcontent.exporters.newsletter.links import safe_url, tracked
from sidcontent.exporters.newsletter.strings import AUDIENCES, Strings
from sidcontent.exporting import ContentBundle, ExportError, Message, Resource

_KIND_ORDER = ("key-message", "tip", "fact", "question", "pledge")
_LANG_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_ZWSP = "\u200b"
# Merge-tag and template delimiters of the tools partners paste into:
# Mailchimp *|...|*, Django/Jinja/Liquid/Handlebars {{ }}, {% %}, {# #}.
_MERGE_SYNTAX = re.compile(r"\*\||\|\*|\{\{|\}\}|\{%|%\}|\{#|#\}")
# Unicode category Cc (C0 and C1 controls) and the bidi embedding/override/isolate marks.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PREHEADER_WIDTH = 110


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Entry:
    """A message."""

    kind: str
    headline: str
    paragraphs: tuple[str, ...]
    action: Link | None
    lang: str | None
    id: int | None = None  # the message's, for the export's per-item locales


@dataclass(frozen=True)
class Listing:
    """A resource."""

    type: str
    title: str
    paragraphs: tuple[str, ...]
    when: str | None
    link: Link
    lang: str | None
    id: int | None = None  # the resource's


@dataclass(frozen=True)
class Section:
    heading: str | None
    entries: tuple[Entry, ...]
    listings: tuple[Listing, ...]


@dataclass(frozen=True)
class Greeting:
    word: str
    merge_tag: str | None
    flavour: str

    @property
    def text(self) -> str:
        return f"{self.word} {self.merge_tag}," if self.merge_tag else f"{self.word},"


@dataclass(frozen=True)
class Image:
    url: str
    alt: str


@dataclass(frozen=True)
class Newsletter:
    layout: str
    locale: str
    direction: str
    subject: str
    preheader: str
    greeting: Greeting
    title: str
    tagline: str | None
    date: str
    intro: tuple[str, ...]
    sections: tuple[Section, ...]
    button: Link | None
    footer_link: Link | None
    hashtags: tuple[str, ...]
    image: Image | None
    colours: Colours
    resources_heading: str
    links_heading: str
    slug: str

    def links(self) -> Iterator[Link]:
        """Every link, in reading order (the text part numbers them this way)."""
        for section in self.sections:
            for entry in section.entries:
                if entry.action:
                    yield entry.action
            for listing in section.listings:
                yield listing.link
        if self.button:
            yield self.button
        if self.footer_link:
            yield self.footer_link


def build(bundle: ContentBundle, options: Mapping[str, Any]) -> Newsletter:
    """The newsletter for ``bundle`` and the exporter's validated ``options``."""
    if not _LANG_TAG.fullmatch(bundle.locale):
        # It goes into lang="" and a Content-Language header.
        raise ExportError(f"{bundle.locale!r} is not a language tag", field="locale")
    strings = Strings(bundle.locale)
    campaign = bundle.campaign
    source, utm_campaign = options["utm_source"], options.get("utm_campaign") or campaign.slug

    def link(url: str, label: str, field: str, content: str) -> Link:
        safe = safe_url(url, field)
        if not options["tracking"]:
            return Link(safe, label)
        return Link(tracked(safe, source=source, campaign=utm_campaign, content=content), label)

    def entry(message: Message, index: int) -> Entry:
        # A call to action without a link of its own points at the campaign;
        # a message with neither gets no link at all.
        url = message.link or (campaign.url if message.call_to_action else None)
        action = None
        if url:
            label = clean(message.call_to_action) or strings["read_more"]
            field = f"messages[{index}].link" if message.link else "campaign.url"
            action = link(url, label, field, f"message-{message.id}")
        return Entry(
            kind=clean(strings.label("kind", message.kind)),
            headline=clean(message.headline),
            paragraphs=paragraphs(message.body),
            action=action,
            lang=_lang(message.locale, bundle.locale),
            id=message.id,
        )

    def listing(resource: Resource, index: int) -> Listing:
        return Listing(
            type=clean(strings.label("type", resource.type)),
            title=clean(resource.title),
            paragraphs=paragraphs(resource.description),
            when=strings.when(resource.starts_at) if resource.starts_at else None,
            link=link(
                resource.url,
                clean(resource.title),
                f"resources[{index}].url",
                f"resource-{resource.id}",
            ),
            lang=_lang(resource.locale, bundle.locale),
            id=resource.id,
        )

    messages = {m.id: i for i, m in enumerate(bundle.messages)}
    resources = {r.id: i for i, r in enumerate(bundle.resources)}
    if options["layout"] == "spotlight":
        message, picked = _spotlight(bundle, options)
        sections: tuple[Section, ...] = (
            Section(
                heading=None,
                entries=(entry(message, messages[message.id]),),
                listings=tuple(listing(r, resources[r.id]) for r in picked),
            ),
        )
        subject = clean(message.headline)
        preheader = _shorten(" ".join(paragraphs(message.body))) or clean(campaign.tagline)
    else:
        groups = _digest(bundle, options)
        sections = tuple(
            Section(
                heading=clean(strings.label("audience", audience)),
                entries=tuple(entry(m, messages[m.id]) for m in group_messages),
                listings=tuple(listing(r, resources[r.id]) for r in group_resources),
            )
            for audience, group_messages, group_resources in groups
        )
        edition = [clean(strings.label("audience", a)) for a in options["audiences"]]
        tagline = clean(campaign.tagline)
        subject = f"{clean(campaign.name)} – {' · '.join(edition) if edition else tagline}"
        if not edition and not tagline:
            subject = clean(campaign.name)
        preheader = (
            tagline if tagline and tagline not in subject else _shorten(clean(campaign.description))
        )
    date = strings.day(campaign.day)
    campaign_link = (
        link(campaign.url, clean(campaign.name), "campaign.url", "campaign")
        if campaign.url
        else None
    )
    return Newsletter(
        layout=options["layout"],
        locale=bundle.locale,
        direction=strings.direction,
        subject=one_line(options.get("subject") or subject),
        preheader=one_line(options.get("preheader") or preheader or date),
        greeting=_greeting(strings, options),
        title=clean(campaign.name),
        tagline=clean(campaign.tagline) or None,
        date=date,
        intro=paragraphs(campaign.description) if options["layout"] == "digest" else (),
        sections=sections,
        button=(
            Link(campaign_link.url, strings["campaign_link"])
            if campaign_link and options["layout"] == "digest"
            else None
        ),
        footer_link=campaign_link,
        hashtags=tuple(f"#{clean(tag).lstrip('#')}" for tag in campaign.hashtags if clean(tag)),
        image=_image(options),
        colours=colours_for(bundle.theme.palette if bundle.theme else None),
        resources_heading=strings["resources"],
        links_heading=strings["links"],
        slug=campaign.slug,
    )


# --- text ---------------------------------------------------------------------


def defuse(text: str) -> str:
    """Break merge-tag and template delimiters in content with a zero-width space,
    so content can never become a live ``*|UNSUB|*`` or ``{% ... %}`` in a mail tool."""
    return _MERGE_SYNTAX.sub(lambda m: m.group(0)[0] + _ZWSP + m.group(0)[1], text)


def _visible(text: str) -> str:
    # Control characters and bidi overrides (which can make text read backwards,
    # e.g. a spoofed file name) become spaces; joiners in emoji sequences stay.
    return _INVISIBLE.sub(" ", text)


def clean(text: str | None) -> str:
    """Content text on one line: whitespace collapsed, control characters gone."""
    if not text:
        return ""
    return defuse(" ".join(_visible(text).split()))


def one_line(text: str) -> str:
    """For headers and the preheader: no line breaks, no control characters."""
    return " ".join(_visible(text).split())


def paragraphs(text: str | None) -> tuple[str, ...]:
    """Content split at blank lines into cleaned paragraphs."""
    if not text:
        return ()
    blocks = re.split(r"\n[ \t\r\f\v]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return tuple(p for p in (clean(b) for b in blocks) if p)


def _shorten(text: str) -> str:
    return textwrap.shorten(text, PREHEADER_WIDTH, placeholder=" …") if text else ""


def _lang(item_locale: str, locale: str) -> str | None:
    """The ``lang`` an item needs when fallback served it in another language."""
    if item_locale.lower() == locale.lower() or not _LANG_TAG.fullmatch(item_locale):
        return None
    return item_locale


# --- choices ------------------------------------------------------------------


def _greeting(strings: Strings, options: Mapping[str, Any]) -> Greeting:
    flavour = options["merge_tags"]
    word = one_line(options.get("greeting") or strings["greeting"])
    if flavour == "mailchimp":
        tag = f"*|{options.get('merge_field') or 'FNAME'}|*"
    elif flavour == "django":
        tag = "{{ " + (options.get("merge_field") or "subscriber.metadata.first_name") + " }}"
    else:
        tag = None
    return Greeting(word=word, merge_tag=tag, flavour=flavour)


def _image(options: Mapping[str, Any]) -> Image | None:
    if not options.get("image_url"):
        return None
    url = safe_url(options["image_url"], "image_url")
    return Image(url=url, alt=one_line(options["image_alt"]))


def _by_kind(messages: Sequence[Message]) -> list[Message]:
    """Key messages first, then tips, facts, ...; otherwise in the bundle's order."""
    rank = {kind: i for i, kind in enumerate(_KIND_ORDER)}
    return sorted(messages, key=lambda m: rank.get(m.kind, len(rank)))


def _digest(
    bundle: ContentBundle, options: Mapping[str, Any]
) -> list[tuple[str, list[Message], list[Resource]]]:
    """Sections of (audience, messages, resources), each resource in one section only."""
    present = [m.audience for m in bundle.messages] + [
        a for r in bundle.resources for a in r.audiences
    ]
    chosen = list(dict.fromkeys(options["audiences"]))
    if chosen:
        if options["include_general"] and "general" not in chosen:
            chosen.append("general")
    else:
        extra = [a for a in dict.fromkeys(present) if a not in AUDIENCES]
        chosen = [a for a in AUDIENCES if a in present] + extra
        if not options["include_general"]:
            chosen = [a for a in chosen if a != "general"]
    used: set[int] = set()
    groups = []
    for audience in chosen:
        messages = _by_kind([m for m in bundle.messages if m.audience == audience])
        resources = [r for r in bundle.resources if audience in r.audiences and r.id not in used]
        messages = messages[: options["max_messages"]]
        resources = resources[: options["max_resources"]]
        used.update(r.id for r in resources)
        if messages or resources:
            groups.append((audience, messages, resources))
    if not groups:
        wanted = ", ".join(chosen) or "any audience"
        raise ExportError(f"the campaign has no published content for {wanted}", field="audiences")
    return groups


def _spotlight(bundle: ContentBundle, options: Mapping[str, Any]) -> tuple[Message, list[Resource]]:
    """The message to spotlight and its resources, most relevant first."""
    if options.get("message") is not None:
        found = [m for m in bundle.messages if m.id == options["message"]]
        if not found:
            raise ExportError(
                f"message {options['message']} is not among the campaign's published messages",
                field="message",
            )
        message = found[0]
    else:
        audiences = options["audiences"]
        candidates = [m for m in bundle.messages if not audiences or m.audience in audiences]
        if not candidates:
            raise ExportError(
                "the campaign has no published message"
                + (f" for {', '.join(audiences)}" if audiences else ""),
                field="audiences" if audiences else "message",
            )
        message = _by_kind(candidates)[0]

    def score(resource: Resource) -> int:
        audience = message.audience in resource.audiences or "general" in resource.audiences
        everyone = message.audience == "general"
        return 2 * (audience or everyone) + len(set(message.tags) & set(resource.tags))

    ranked = sorted((r for r in bundle.resources if score(r) > 0), key=score, reverse=True)
    return message, ranked[: options["max_resources"]]
