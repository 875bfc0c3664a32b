"""Which locales the reader asked for, from ``?locale=`` or Accept-Language."""

from __future__ import annotations

from flask import request

from sidcontent.content import locales

MAX_ACCEPT_LANGUAGE_TAGS = 10


def requested_locales(explicit: str | None) -> tuple[str, ...]:
    """Tags in order of preference; ``?locale=`` wins over the header."""
    if explicit:
        return (explicit,)
    # werkzeug parses and sorts by quality; invalid tags are ignored rather
    # than failing the request, as browsers send whatever the OS has.
    values = [value for value, quality in request.accept_languages if quality > 0]
    return locales.parse_requested(values[:MAX_ACCEPT_LANGUAGE_TAGS])
