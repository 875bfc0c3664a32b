"""The few words the poster adds itself, in the content's language, and its date."""

from __future__ import annotations

from datetime import date

import icu
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

LABELS: dict[str, dict[str, str]] = {
    "en": {"supported_by": "Supported by {partner}", "scan": "Scan for more"},
    "fr": {"supported_by": "Avec le soutien de {partner}", "scan": "Scannez pour en savoir plus"},
    "de": {"supported_by": "Unterstützt von {partner}", "scan": "Scannen und mehr erfahren"},
    "es": {"supported_by": "Con el apoyo de {partner}", "scan": "Escanea para saber más"},
    "cy": {"supported_by": "Gyda chefnogaeth {partner}", "scan": "Sganiwch i gael gwybod mwy"},
    # Our own translations (issue 16), like the seed content in these locales.
    "ar": {"supported_by": "بدعم من {partner}", "scan": "امسح الرمز لمعرفة المزيد"},
    "he": {"supported_by": "בתמיכת {partner}", "scan": "סרקו למידע נוסף"},
    "hi": {"supported_by": "{partner} के सहयोग से", "scan": "और जानने के लिए स्कैन करें"},
    "bn": {"supported_by": "{partner}-এর সহায়তায়", "scan": "আরও জানতে স্ক্যান করুন"},
    "ta": {"supported_by": "{partner} ஆதரவுடன்", "scan": "மேலும் அறிய ஸ்கேன் செய்யுங்கள்"},
    "th": {"supported_by": "สนับสนุนโดย {partner}", "scan": "สแกนเพื่อดูข้อมูลเพิ่มเติม"},
    "ja": {"supported_by": "協力：{partner}", "scan": "読み取って詳しく見る"},
    "ko": {"supported_by": "후원: {partner}", "scan": "스캔하고 더 알아보기"},
    "zh-Hans": {"supported_by": "支持单位：{partner}", "scan": "扫码了解更多"},
    "zh-Hant": {"supported_by": "支持單位：{partner}", "scan": "掃碼了解更多"},
    "el": {"supported_by": "Με την υποστήριξη του {partner}", "scan": "Σαρώστε για περισσότερα"},
    "ru": {"supported_by": "При поддержке {partner}", "scan": "Отсканируйте, чтобы узнать больше"},
    "uk": {"supported_by": "За підтримки {partner}", "scan": "Скануйте, щоб дізнатися більше"},
    "vi": {"supported_by": "Với sự hỗ trợ của {partner}", "scan": "Quét để tìm hiểu thêm"},
}


def _table(locale: str) -> dict[str, str]:
    """The labels for ``locale``: the exact tag, then Chinese by script (zh-TW and
    zh-HK write Traditional), then the language, then English."""
    if locale in LABELS:
        return LABELS[locale]
    parts = locale.replace("_", "-").split("-")
    language = parts[0].lower()
    if language == "zh":
        rest = {p.upper() for p in parts[1:]}
        return LABELS["zh-Hant" if rest & {"HANT", "TW", "HK", "MO"} else "zh-Hans"]
    return LABELS.get(language, LABELS["en"])


def label(locale: str, key: str, **values: str) -> str:
    return _table(locale)[key].format(**values)


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
