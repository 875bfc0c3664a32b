"""The few words the poster adds itself, in the content's language, and its date."""

from __future__ import annotations

from datetime import date

import icu
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

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
    """``7 février 2017`` for fr, ``٧ فبراير ٢٠١٧`` for ar-EG: the campaign day as people
    write it in that language, in its own digits."""
    try:
        parsed = Locale.parse(locale, sep="-")
    except (UnknownLocaleError, ValueError):
        return format_date(day, format="long", locale="en")
    return native_digits(format_date(day, format="long", locale=parsed), parsed)


def native_digits(text: str, locale: Locale) -> str:
    """ASCII digits in ``text`` as the locale's default numbering system writes them.

    Babel knows each locale's default system (CLDR: ``arab`` for ar-EG, ``beng`` for
    bn) but formats with ASCII digits; ICU has the digits of each system."""
    system = locale.default_numbering_system
    if system == "latn":
        return text
    digits = str(icu.NumberingSystem.createInstanceByName(system).getDescription())
    if len(digits) != 10:
        return text  # an algorithmic system (Roman, Hebrew letters): keep ASCII digits
    return text.translate(str.maketrans("0123456789", digits))


def number(value: int, locale: str) -> str:
    """``value`` in the locale's own digits (Arabic-Indic for ar-EG, say)."""
    try:
        parsed = Locale.parse(locale, sep="-")
    except (UnknownLocaleError, ValueError):
        return str(value)
    return native_digits(format_decimal(value, locale=parsed), parsed)
