"""Checks on newsletter output, written independently of the exporter's code.

Parsing is html5lib in strict mode (any parse error raises) and markdown-it;
contrast is the WCAG 2.x formula, computed here rather than borrowed from the
exporter, so a bug there cannot hide itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
from markdown_it import MarkdownIt

from sidcontent.exporting import Artifact, ContentBundle, ExportContext
from sidcontent.plugins import PluginHost

NS = "{http://www.w3.org/1999/xhtml}"
MAX_WIDTH = 600


@cache
def exporter() -> Any:
    """The exporter as a host registers it, through the register_exporters hook."""
    host = PluginHost(builtins=("sidcontent.exporters.newsletter",))
    return host.exporters["newsletter"].item


def export(bundle: ContentBundle, media_type: str = "application/json", **options: Any) -> Artifact:
    item = exporter()
    return item.export(bundle, item.options_schema().load(options), ExportContext(media_type))


def parse_strict(html: str) -> Element:
    """The document tree; raises html5lib.html5parser.ParseError on any parse error."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)


def tag(element: Element) -> str:
    return element.tag.replace(NS, "") if isinstance(element.tag, str) else ""


def elements(root: Element, name: str | None = None) -> Iterator[Element]:
    for element in root.iter():
        if isinstance(element.tag, str) and (name is None or tag(element) == name):
            yield element


def text_of(element: Element) -> str:
    return "".join(element.itertext())


def declarations(style: str) -> dict[str, str]:
    result = {}
    for part in style.split(";"):
        if ":" in part:
            key, value = part.split(":", 1)
            result[key.strip().lower()] = value.strip()
    return result


def strip_media_blocks(css: str) -> str:
    """``css`` without its @media { ... } blocks (braces matched, not regex-guessed)."""
    out, i = [], 0
    while i < len(css):
        start = css.find("@media", i)
        if start < 0:
            out.append(css[i:])
            break
        out.append(css[i:start])
        depth, j = 0, css.index("{", start)
        while True:
            if css[j] == "{":
                depth += 1
            elif css[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    return "".join(out)


def media_rules(css: str, condition: str) -> dict[str, dict[str, str]]:
    """Class name -> declarations inside the @media block whose condition holds ``condition``."""
    rules: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"@media([^{]*)\{((?:[^{}]*\{[^{}]*\})*)\s*\}", css):
        if condition not in match.group(1):
            continue
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", match.group(2)):
            for selector in selectors.split(","):
                name = selector.strip().lstrip(".")
                rules.setdefault(name, {}).update(
                    {k: v.replace("!important", "").strip() for k, v in declarations(body).items()}
                )
    return rules


def luminance(colour: str) -> float:
    colour = colour.strip().lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_pairs(root: Element, dark: bool = False) -> list[tuple[str, str, str]]:
    """(text, colour, background) for every visible element that sets a text colour,
    with the background taken from the nearest element that paints one."""
    dark_rules: dict[str, dict[str, str]] = {}
    if dark:
        for style in elements(root, "style"):
            dark_rules.update(media_rules(text_of(style), "prefers-color-scheme: dark"))
    parents = {child: parent for parent in root.iter() for child in parent}

    def style(element: Element) -> dict[str, str]:
        result = declarations(element.get("style", ""))
        for name in element.get("class", "").split():
            result.update(dark_rules.get(name, {}))
        return result

    def hidden(element: Element | None) -> bool:
        while element is not None:
            if style(element).get("display") == "none":
                return True
            element = parents.get(element)
        return False

    pairs = []
    for element in elements(root):
        colour = style(element).get("color")
        if not colour or hidden(element) or not text_of(element).strip():
            continue
        node: Element | None = element
        background = None
        while node is not None and background is None:
            background = style(node).get("background-color")
            node = parents.get(node)
        pairs.append((text_of(element).strip()[:40], colour, background or "#ffffff"))
    return pairs


def pixel_widths(html: str) -> list[int]:
    """Every width in px in the raw HTML: attributes, CSS, and Outlook-only comments."""
    found = [int(w) for w in re.findall(r'\bwidth="(\d+)"', html)]
    found += [int(w) for w in re.findall(r"(?:^|[;\s{\"])(?:max-|min-)?width:\s*(\d+)px", html)]
    return found


def markdown_to_html(markdown: str) -> str:
    """Markdown as a CommonMark tool renders it, raw HTML allowed (the default)."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
