"""The plain-text part: wrapped at 72 columns, links as numbered references.

Mail clients that cannot show HTML, screen readers set to text and spam
filters read this part; it says what the HTML says and holds every one of
its links, listed at the end as ``[n] https://...``.
"""

from __future__ import annotations

import textwrap

from sidcontent.exporters.newsletter.document import Link, Newsletter

WIDTH = 72


class _References:
    """Numbers links in order of first appearance; the same URL keeps its number."""

    def __init__(self) -> None:
        self.urls: dict[str, int] = {}

    def __call__(self, link: Link) -> str:
        number = self.urls.setdefault(link.url, len(self.urls) + 1)
        return f"{link.label} [{number}]"


def _wrap(text: str, indent: str = "") -> str:
    # Never break a word (or URL) apart: a line is longer than 72 only when a
    # single word is.
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _heading(text: str, underline: str) -> str:
    wrapped = _wrap(text)
    longest = max(len(line) for line in wrapped.splitlines())
    return f"{wrapped}\n{underline * min(longest, WIDTH)}"


def render_text(newsletter: Newsletter) -> str:
    n = newsletter
    ref = _References()
    blocks: list[str] = [_heading(n.title, "=")]
    if n.tagline:
        blocks[-1] += "\n" + _wrap(n.tagline)
    blocks[-1] += "\n" + _wrap(n.date)
    blocks.append(_wrap(n.greeting.text))
    blocks.extend(_wrap(p) for p in n.intro)
    for section in n.sections:
        if section.heading:
            blocks.append(_heading(section.heading, "-"))
        for entry in section.entries:
            blocks.append(_wrap(f"{entry.kind}: {entry.headline}"))
            blocks.extend(_wrap(p) for p in entry.paragraphs)
            if entry.action:
                blocks.append(_wrap(f"→ {ref(entry.action)}"))
        if section.listings:
            items = [n.resources_heading + ":"]
            for listing in section.listings:
                lines = [_wrap(f"* {ref(listing.link)}", "")]
                detail = listing.type + (f", {listing.when}" if listing.when else "")
                lines.append(_wrap(detail, "  "))
                lines.extend(_wrap(p, "  ") for p in listing.paragraphs)
                items.append("\n".join(lines))
            blocks.append("\n\n".join(items))
    if n.button:
        blocks.append(_wrap(ref(n.button)))
    footer = []
    if n.footer_link:
        footer.append(_wrap(ref(n.footer_link)))
    if n.hashtags:
        footer.append(_wrap(" ".join(n.hashtags)))
    if footer:
        blocks.append("-" * WIDTH + "\n" + "\n".join(footer))
    if ref.urls:
        references = "\n".join(f"[{number}] {url}" for url, number in ref.urls.items())
        blocks.append(f"{n.links_heading}:\n{references}")
    return "\n\n".join(blocks) + "\n"
