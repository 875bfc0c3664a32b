"""Links in a newsletter: only http(s), tracked with ``utm_*`` parameters.

Autoescaping makes an ``href`` well-formed but not safe: ``javascript:`` is a
perfectly escaped URL. So every URL is parsed, its scheme checked, and
rebuilt with characters that mean something to HTML, Markdown or a mail
client (spaces, quotes, angle brackets, parentheses) percent-encoded. A URL
that fails is an ExportError naming the content field, not a silently
dropped link.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from sidcontent.exporting import ExportError

SCHEMES = ("http", "https")
# RFC 3986 reserved and unreserved characters, plus '%' for existing escapes;
# everything else (spaces, quotes, <>, (), backslash, non-ASCII) is encoded.
_SAFE_PATH = "/:@!$&*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


def safe_url(url: str, field: str) -> str:
    """``url`` normalised and percent-encoded, or an ExportError if it is not http(s)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except (ValueError, AttributeError) as exc:
        raise ExportError(f"{url!r} is not a valid URL", field=field) from exc
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise ExportError(f"{url!r} is not an http(s) URL", field=field)
    if parts.username is not None:
        # https://trusted.example@elsewhere.example/ reads as one site and opens another.
        raise ExportError(f"{url!r} has a user name in it", field=field)
    try:
        host = parts.netloc.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(parts.netloc, safe=":@[]")
    return urlunsplit(
        (
            parts.scheme.lower(),
            host.lower(),
            quote(parts.path, safe=_SAFE_PATH).replace("(", "%28").replace(")", "%29"),
            quote(parts.query, safe=_SAFE_QUERY).replace("(", "%28").replace(")", "%29"),
            quote(parts.fragment, safe=_SAFE_QUERY).replace("(", "%28").replace(")", "%29"),
        )
    )


def tracked(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` set in its query string (replacing the same keys).

    ``url`` must come from :func:`safe_url`; the result is safe in the same way.
    """
    if not params:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    encoded = urlencode(query, safe=_SAFE_PATH.replace("&", "").replace("=", ""), quote_via=quote)
    return urlunsplit(parts._replace(query=encoded.replace("(", "%28").replace(")", "%29")))
