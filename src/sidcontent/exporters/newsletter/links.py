"""Links in a newsletter: only http(s), tracked with ``utm_*`` parameters.

Autoescaping makes an ``href`` well-formed but not safe: ``javascript:`` is a
perfectly escaped URL. The rules are the social exporter's, shared rather
than written twice (the poster uses them too): an absolute http(s) URL
without credentials, IDNA host, percent-encoded, ``utm_*`` values replacing
earlier ones and the rest of the query kept byte for byte. On top of them the
newsletter encodes parentheses, which end or nest a Markdown link
destination, and adds ``utm_content`` to tell the links of one email apart.
A URL that fails is an ExportError naming the content field, never a
silently dropped link.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from sidcontent.exporters import links
from sidcontent.exporting import ExportError

MEDIUM = "email"


def safe_url(url: str, field: str) -> str:
    """``url`` normalised and percent-encoded, or an ExportError naming ``field``."""
    try:
        normal = links.normalize(url)
    except links.LinkError as error:
        raise ExportError(str(error), field=field) from None
    return normal.replace("(", "%28").replace(")", "%29")


def tracked(url: str, *, source: str, campaign: str, content: str) -> str:
    """``url`` (from :func:`safe_url`) with utm_source, utm_medium=email,
    utm_campaign and utm_content set."""
    url = links.track(url, source=source, medium=MEDIUM, campaign=campaign)
    parts = urlsplit(url)
    kept = [p for p in parts.query.split("&") if unquote_plus(p.split("=", 1)[0]) != "utm_content"]
    query = "&".join([*kept, f"utm_content={quote(content, safe='')}"])
    return urlunsplit(parts._replace(query=query))
