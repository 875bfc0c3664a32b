"""The newsletter's own words (greeting, section headings, labels) per language.

Content arrives translated; these few fixed strings do not, so they live
here, for the languages the seed campaigns are written in. Any other
language falls back to English, the way content does. Dates and times come
from Babel (CLDR), which knows every locale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from sidcontent.exporters.newsletter.options import AUDIENCES as AUDIENCES
from sidcontent.exporting import closest_locale

_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hello",
        "resources": "Resources",
        "read_more": "Find out more",
        "campaign_link": "Visit the campaign website",
        "links": "Links",
        "audience.general": "For everyone",
        "audience.parents-carers": "Parents and carers",
        "audience.educators": "Educators",
        "audience.ages-3-7": "Children aged 3-7",
        "audience.ages-7-11": "Children aged 7-11",
        "audience.ages-11-14": "Young people aged 11-14",
        "audience.ages-14-18": "Young people aged 14-18",
        "kind.key-message": "Key message",
        "kind.tip": "Tip",
        "kind.fact": "Fact",
        "kind.question": "Question",
        "kind.pledge": "Pledge",
        "type.education-pack": "Education pack",
        "type.guide": "Guide",
        "type.video": "Video",
        "type.webinar": "Webinar",
        "type.competition": "Competition",
        "type.lesson-plan": "Lesson plan",
        "type.assembly": "Assembly",
        "type.poster": "Poster",
        "type.quiz": "Quiz",
        "type.report": "Report",
    },
    "de": {
        "greeting": "Hallo",
        "resources": "Materialien",
        "read_more": "Mehr erfahren",
        "campaign_link": "Zur Kampagnenseite",
        "links": "Links",
        "audience.general": "Für alle",
        "audience.parents-carers": "Eltern und Erziehungsberechtigte",
        "audience.educators": "Lehrkräfte",
        "audience.ages-3-7": "Kinder von 3 bis 7 Jahren",
        "audience.ages-7-11": "Kinder von 7 bis 11 Jahren",
        "audience.ages-11-14": "Jugendliche von 11 bis 14 Jahren",
        "audience.ages-14-18": "Jugendliche von 14 bis 18 Jahren",
        "kind.key-message": "Kernbotschaft",
        "kind.tip": "Tipp",
        "kind.fact": "Fakt",
        "kind.question": "Frage",
        "kind.pledge": "Versprechen",
        "type.education-pack": "Bildungspaket",
        "type.guide": "Leitfaden",
        "type.video": "Video",
        "type.webinar": "Webinar",
        "type.competition": "Wettbewerb",
        "type.lesson-plan": "Unterrichtsentwurf",
        "type.assembly": "Schulversammlung",
        "type.poster": "Poster",
        "type.quiz": "Quiz",
        "type.report": "Bericht",
    },
    "fr": {
        "greeting": "Bonjour",
        "resources": "Ressources",
        "read_more": "En savoir plus",
        "campaign_link": "Voir le site de la campagne",
        "links": "Liens",
        "audience.general": "Pour tous",
        "audience.parents-carers": "Parents et responsables",
        "audience.educators": "Enseignants et éducateurs",
        "audience.ages-3-7": "Enfants de 3 à 7 ans",
        "audience.ages-7-11": "Enfants de 7 à 11 ans",
        "audience.ages-11-14": "Jeunes de 11 à 14 ans",
        "audience.ages-14-18": "Jeunes de 14 à 18 ans",
        "kind.key-message": "Message clé",
        "kind.tip": "Conseil",
        "kind.fact": "Le saviez-vous ?",
        "kind.question": "Question",
        "kind.pledge": "Engagement",
        "type.education-pack": "Kit pédagogique",
        "type.guide": "Guide",
        "type.video": "Vidéo",
        "type.webinar": "Webinaire",
        "type.competition": "Concours",
        "type.lesson-plan": "Séquence pédagogique",
        "type.assembly": "Rassemblement scolaire",
        "type.poster": "Affiche",
        "type.quiz": "Quiz",
        "type.report": "Rapport",
    },
    "es": {
        "greeting": "Hola",
        "resources": "Recursos",
        "read_more": "Más información",
        "campaign_link": "Visita la web de la campaña",
        "links": "Enlaces",
        "audience.general": "Para todos",
        "audience.parents-carers": "Familias y cuidadores",
        "audience.educators": "Docentes",
        "audience.ages-3-7": "Niños de 3 a 7 años",
        "audience.ages-7-11": "Niños de 7 a 11 años",
        "audience.ages-11-14": "Jóvenes de 11 a 14 años",
        "audience.ages-14-18": "Jóvenes de 14 a 18 años",
        "kind.key-message": "Mensaje clave",
        "kind.tip": "Consejo",
        "kind.fact": "Dato",
        "kind.question": "Pregunta",
        "kind.pledge": "Compromiso",
        "type.education-pack": "Paquete educativo",
        "type.guide": "Guía",
        "type.video": "Vídeo",
        "type.webinar": "Seminario web",
        "type.competition": "Concurso",
        "type.lesson-plan": "Plan de clase",
        "type.assembly": "Asamblea escolar",
        "type.poster": "Póster",
        "type.quiz": "Cuestionario",
        "type.report": "Informe",
    },
    "cy": {
        "greeting": "Helo",
        "resources": "Adnoddau",
        "read_more": "Dysgwch fwy",
        "campaign_link": "Ewch i wefan yr ymgyrch",
        "links": "Dolenni",
        "audience.general": "I bawb",
        "audience.parents-carers": "Rhieni a gofalwyr",
        "audience.educators": "Addysgwyr",
        "audience.ages-3-7": "Plant 3-7 oed",
        "audience.ages-7-11": "Plant 7-11 oed",
        "audience.ages-11-14": "Pobl ifanc 11-14 oed",
        "audience.ages-14-18": "Pobl ifanc 14-18 oed",
        "kind.key-message": "Neges allweddol",
        "kind.tip": "Awgrym",
        "kind.fact": "Ffaith",
        "kind.question": "Cwestiwn",
        "kind.pledge": "Addewid",
        "type.education-pack": "Pecyn addysg",
        "type.guide": "Canllaw",
        "type.video": "Fideo",
        "type.webinar": "Gweminar",
        "type.competition": "Cystadleuaeth",
        "type.lesson-plan": "Cynllun gwers",
        "type.assembly": "Gwasanaeth ysgol",
        "type.poster": "Poster",
        "type.quiz": "Cwis",
        "type.report": "Adroddiad",
    },
}


class Strings:
    """Fixed strings and date formats for one locale (``de-AT`` uses ``de``)."""

    def __init__(self, locale: str) -> None:
        # The API's matcher, so labels follow the same rules as the content.
        self.language = closest_locale(locale.replace("_", "-"), _STRINGS) or "en"
        self._table = _STRINGS[self.language]
        try:
            self.locale = Locale.parse(locale.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            self.locale = Locale.parse("en")

    def __getitem__(self, key: str) -> str:
        return self._table.get(key) or _STRINGS["en"][key]

    def label(self, group: str, value: str) -> str:
        """A label for an audience, kind or type; an unknown value shows as itself."""
        key = f"{group}.{value}"
        return self._table.get(key) or _STRINGS["en"].get(key) or value

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)

    def when(self, value: datetime) -> str:
        """A UTC date and time, said to be UTC: readers are in many time zones."""
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        time = format_time(value, "short", tzinfo=UTC, locale=self.locale)
        return f"{self.day(value.astimezone(UTC).date())}, {time} UTC"
