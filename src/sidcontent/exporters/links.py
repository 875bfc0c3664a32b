"""Links in exports: checked, made safe to auto-link, and tagged for analytics.

Shared by the built-in exporters (social, poster, newsletter) and available
to third-party plugins, so every export tracks links the same way:
``track(normalize(url), source=..., medium="email", campaign=slug)``.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")

# Characters that stay as they are in each URL component; everything else
# (spaces, non-ASCII letters, quotes, angle brackets) is percent-encoded,
# because the networks' link detectors stop at them and the link breaks.
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


class LinkError(ValueError):
    """A link that cannot go into an export."""


def normalize(url: str) -> str:
    """An absolute http(s) URL that every network auto-links in full.

    Percent-encodes what link detectors stop at and converts an
    internationalised host name to its ASCII (IDNA) form.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise LinkError(f"{url!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise LinkError(f"{url!r} is not an absolute http(s) URL")
    if parts.username or parts.password:
        raise LinkError(f"{url!r} carries credentials; links in exports must not")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise LinkError(f"{url!r} has an invalid host name") from None
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path or "/", safe=_SAFE_PATH),
            quote(parts.query, safe=_SAFE_QUERY),
            quote(parts.fragment, safe=_SAFE_QUERY),
        )
    )


def track(url: str, *, source: str, campaign: str, medium: str = "social") -> str:
    """Add ``utm_source``, ``utm_medium`` and ``utm_campaign`` to ``url``.

    The existing query string is kept byte for byte, except for earlier
    values of those three keys, which ours replace; the fragment is kept.
    """
    parts = urlsplit(url)
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and unquote_plus(piece.split("=", 1)[0]) not in UTM_KEYS
    ]
    ours = [
        f"{key}={quote(value, safe='')}"
        for key, value in zip(UTM_KEYS, (source, medium, campaign), strict=True)
    ]
    return urlunsplit(parts._replace(query="&".join(kept + ours)))
