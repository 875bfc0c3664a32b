"""Links in exports: checked, made safe to auto-link, and tagged for analytics.

Shared by the built-in exporters (social, poster, newsletter) and available
to third-party plugins, so every export tracks links the same way:
``track(normalize(url), source=..., medium="email", campaign=slug)``.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import idna
import regex

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")

# Characters that stay as they are in each URL component; everything else
# (spaces, non-ASCII letters, quotes, angle brackets) is percent-encoded,
# because the networks' link detectors stop at them and the link breaks.
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


class LinkError(ValueError):
    """A link that cannot go into an export."""


# Scripts a host label may be written in. A label's letters must come from
# one of them, or from one of UTS #39's "highly restrictive" combinations
# (Latin with Han and kana, Bopomofo or Hangul), as browsers require before
# they show a name in Unicode: "pаypal" with a Cyrillic "а" is refused.
_SCRIPTS = (
    "Latin Greek Cyrillic Armenian Georgian Hebrew Arabic Syriac Thaana Devanagari Bengali "
    "Gurmukhi Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala Thai Lao Tibetan Myanmar "
    "Khmer Ethiopic Mongolian Han Hiragana Katakana Bopomofo Hangul"
).split()
_SCRIPT_RES = tuple((name, regex.compile(rf"\p{{Script={name}}}")) for name in _SCRIPTS)
_COMMON = regex.compile(r"[\p{Script=Common}\p{Script=Inherited}]")
_ALLOWED_MIXES = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    if _COMMON.match(char):
        return None
    return next(
        (name for name, pattern in _SCRIPT_RES if pattern.match(char)), f"U+{ord(char):04X}"
    )


def _mixed_script(label: str) -> bool:
    scripts = {s for s in map(_script, label) if s is not None}
    if len(scripts) <= 1:
        return False
    return not any(scripts <= allowed for allowed in _ALLOWED_MIXES)


def encode_host(host: str) -> str:
    """A host name in ASCII, by UTS #46 and IDNA 2008 (``faß.de`` -> ``xn--fa-hia.de``).

    Python's own ``idna`` codec is IDNA 2003, which maps ``ß`` to ``ss``: a
    different domain. UTS #46 mapping first folds case and compatibility
    forms (``ﬁ.example`` -> ``fi.example``); then every label must be valid
    IDNA 2008 and written in one script (see ``_ALLOWED_MIXES``).
    """
    host = host.rstrip(".")
    if host.isascii():
        labels = host.lower().split(".")
    else:
        try:
            mapped = idna.uts46_remap(host, std3_rules=True, transitional=False)
        except idna.IDNAError as exc:
            raise LinkError(f"host {host!r} is not a valid domain name: {exc}") from None
        labels = mapped.split(".")
    for label in labels:
        if not label.isascii() or label.startswith("xn--"):
            unicode_label = label
            if label.startswith("xn--"):
                try:
                    unicode_label = idna.decode(label)
                except (idna.IDNAError, UnicodeError) as exc:
                    raise LinkError(f"host {host!r} is not a valid domain name: {exc}") from None
            if _mixed_script(unicode_label):
                raise LinkError(
                    f"host {host!r} mixes scripts in the label {unicode_label!r}; "
                    "browsers would not show it as written (a look-alike domain?)"
                )
    try:
        return idna.encode(".".join(labels), uts46=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise LinkError(f"host {host!r} is not a valid domain name: {exc}") from None


def normalize(url: str) -> str:
    """An absolute http(s) URL that every network auto-links in full.

    Percent-encodes what link detectors stop at and converts an
    internationalised host name to its ASCII form (:func:`encode_host`).
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
    host = _host(parts.hostname)
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


def _host(hostname: str) -> str:
    # IP literals are not domain names: keep them as they are.
    if regex.fullmatch(r"[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*", hostname):
        return f"[{hostname}]" if ":" in hostname else hostname
    return encode_host(hostname)


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
