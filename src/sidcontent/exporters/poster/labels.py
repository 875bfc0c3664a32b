"""The few words the poster adds itself, in the content's language, and its date."""

from __future__ import annotations

from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from sidcontent.exporting import closest_locale

LABELS: dict[str, dict[str, str]] = {
    "en": {"supported_by": "Supported by {partner}", "scan": "Scan for more"},
    "fr": {"supported_by": "Avec le soutien de {partner}", "scan": "Scannez pour en savoir plus"},
    "de": {"supported_by": "Unterstützt von {partner}", "scan": "Scannen und mehr erfahren"},
    "es": {"supported_by": "Con el apoyo de {partner}", "scan": "Escanea para saber más"},
    "cy": {"supported_by": "Gyda chefnogaeth {partner}", "scan": "Sganiwch i gael gwybod mwy"},
}


def label(locale: str, key: str, **values: str) -> str:
    # The API's matcher: a "no" poster gets Bokmål labels, a "da" one English.
    table = LABELS[closest_locale(locale, LABELS) or "en"]
    return table[key].format(**values)


def long_date(day: date, locale: str) -> str:
    """``7 février 2017`` for fr: the campaign day as people write it in that language."""
    try:
        return format_date(day, format="long", locale=Locale.parse(locale, sep="-"))
    except (UnknownLocaleError, ValueError):
        return format_date(day, format="long", locale="en")
