"""The Markdown version, for newsletter tools that take Markdown.

Markdown passes raw HTML through, so content is escaped for it: every
character that can start markup (``<``, ``&``, brackets, emphasis, code,
attribute braces, pipes, ...) gets a backslash, and so does anything that
would open a block (a heading, list or quote) at the start of a line. The
rendered result shows the content's characters and nothing else.
"""

from __future__ import annotations

import re

from sidcontent.exporters.newsletter.document import Greeting, Link, Newsletter

_ALWAYS = re.compile(r"([\\`*_\[\]<>&|~{}#!()])")
_LINE_START_MARK = re.compile(r"^([-+=])", re.MULTILINE)
_LINE_START_NUMBER = re.compile(r"^(\d+)([.)])", re.MULTILINE)


def escape(text: str) -> str:
    """``text`` as literal Markdown: renders as exactly these characters."""
    text = _ALWAYS.sub(r"\\\1", text)
    text = _LINE_START_MARK.sub(r"\\\1", text)
    return _LINE_START_NUMBER.sub(r"\1\\\2", text)


def _link(link: Link) -> str:
    # Link URLs are already percent-encoded (no spaces, quotes, <>, or parentheses).
    return f"[{escape(link.label)}]({link.url})"


def _greeting(greeting: Greeting) -> str:
    word = escape(greeting.word)
    if greeting.merge_tag is None:
        return f"{word},"
    if greeting.flavour == "django":
        # Left as it is: the tool fills it in before it renders the Markdown,
        # and it holds nothing Markdown would take for markup.
        return f"{word} {greeting.merge_tag},"
    # *|FNAME|* escaped renders as *|FNAME|* in the HTML the tool merges into.
    return f"{word} {escape(greeting.merge_tag)},"


def render_markdown(newsletter: Newsletter) -> str:
    n = newsletter
    blocks = [f"# {escape(n.title)}"]
    if n.tagline:
        blocks.append(f"**{escape(n.tagline)}**")
    blocks.append(escape(n.date))
    blocks.append(_greeting(n.greeting))
    blocks.extend(escape(p) for p in n.intro)
    level = "###" if any(s.heading for s in n.sections) else "##"
    for section in n.sections:
        if section.heading:
            blocks.append(f"## {escape(section.heading)}")
        for entry in section.entries:
            blocks.append(f"{level} {escape(entry.headline)}")
            blocks.append(f"*{escape(entry.kind)}*")
            blocks.extend(escape(p) for p in entry.paragraphs)
            if entry.action:
                blocks.append(f"**{_link(entry.action)}**")
        if section.listings:
            blocks.append(f"{level}# {escape(n.resources_heading)}")
            items = []
            for listing in section.listings:
                detail = listing.type + (f", {listing.when}" if listing.when else "")
                item = f"- **{_link(listing.link)}** ({escape(detail)})"
                for paragraph in listing.paragraphs:
                    item += f"  \n  {escape(paragraph)}"
                items.append(item)
            blocks.append("\n".join(items))
    if n.button:
        blocks.append(f"**{_link(n.button)}**")
    footer = []
    if n.footer_link:
        footer.append(_link(n.footer_link))
    if n.hashtags:
        footer.append(escape(" ".join(n.hashtags)))
    if footer:
        blocks.append("---")
        blocks.append("  \n".join(footer))
    return "\n\n".join(blocks) + "\n"
