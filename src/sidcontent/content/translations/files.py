"""Units to and from XLIFF 1.2 and Gettext PO, with translate-toolkit.

One unit per translatable field that has source text: its id (see
:class:`~.units.UnitId`), the source (the campaign's default locale), the
current target (empty when untranslated) and notes for the translator: the
item, its audience and kind, the field's character limit and, for texts that
become social posts, each platform's limit for the whole post.

Which campaign a file belongs to travels with it: XLIFF's ``<file
original="sidcontent:campaign/<slug>">``, PO's ``X-Sidcontent-Campaign``
header, plus the locales. Files are plain data: no entity or DTD is ever
resolved on reading (translate-toolkit parses with lxml's safe defaults and
we refuse a DOCTYPE before that).

translate-toolkit (with lxml, about 8 MB per process) is imported by the
functions that read or write a file, not by this module: the API and the
CLI import this module for its formats and errors, and a web worker that
never serves a translation file should not carry the toolkit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from sidcontent.content.translations.units import FIELDS, Item, UnitId, campaign_row, items

if TYPE_CHECKING:
    from translate.storage import xliff

FORMATS = {"xliff": "application/x-xliff+xml", "po": "text/x-gettext-translation"}
EXTENSIONS = {"xliff": "xlf", "po": "po"}
ORIGINAL_PREFIX = "sidcontent:campaign/"
XLIFF_12 = "urn:oasis:names:tc:xliff:document:1.2"


class FileError(ValueError):
    """A file that is not a translation file we can read."""


@functools.cache
def _xliff12_file() -> type[xliff.xlifffile]:  # type: ignore[type-arg]
    """translate-toolkit's XLIFF store, writing version 1.2 (it defaults to 1.1).

    Made on first use, since it subclasses the toolkit's classes (see the
    module doc for why they are not imported with the module).
    """
    from translate.storage import xliff

    class Xliff12Unit(xliff.xliffunit):
        namespace = XLIFF_12

    class Xliff12File(xliff.xlifffile):  # type: ignore[type-arg]
        namespace = XLIFF_12
        UnitClass = Xliff12Unit
        XMLskeleton = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<xliff version="1.2" xmlns="{XLIFF_12}">\n'
            '<file original="NoName" source-language="en" datatype="plaintext">\n'
            "<body>\n</body>\n</file>\n</xliff>"
        )

    return Xliff12File


@dataclass(frozen=True)
class Unit:
    id: str
    source: str
    target: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    format: str
    campaign: str | None
    source_locale: str | None
    target_locale: str | None
    units: tuple[Unit, ...]


def units_for(
    found: Sequence[Item],
    source: str,
    target: str,
    platform_limits: Mapping[str, int],
) -> list[Unit]:
    """The units of ``found`` items, from ``source`` into ``target``."""
    posts = ", ".join(f"{name} {limit}" for name, limit in platform_limits.items())
    out = []
    for item in found:
        texts = item.translations.get(source)
        if texts is None:
            continue
        current = item.translations.get(target, {})
        for name, limit in FIELDS[item.type]:
            text = texts.get(name)
            if not text:
                continue
            notes = [f"{item.label}, field {name}"]
            if item.type == "message":
                notes.append(f"audience: {item.row.audience}; kind: {item.row.kind}")
            elif item.type == "resource":
                notes.append(f"type: {item.row.type}")
            if limit:
                notes.append(f"at most {limit} characters")
            if item.type == "message" and posts:
                notes.append(
                    "becomes a social post with the other texts, link and hashtags; "
                    f"post limits: {posts}"
                )
            out.append(
                Unit(
                    id=str(UnitId(item.type, item.key, item.revision, name)),
                    source=text,
                    target=current.get(name) or "",
                    notes=tuple(notes),
                )
            )
    return out


class NoCampaign(LookupError):
    pass


def export_campaign(
    session: Session, slug: str, locale: str, fmt: str, platform_limits: Mapping[str, int]
) -> tuple[bytes, str]:
    """Campaign ``slug``'s file for translating into ``locale``, and its file name."""
    campaign = campaign_row(session, slug)
    if campaign is None:
        raise NoCampaign(f"No campaign {slug[:80]!r}.")
    source = campaign.default_locale
    if locale.lower() == source.lower():
        raise FileError(
            f"{locale} is the campaign's source locale; ask for a locale to translate into"
        )
    units = units_for(items(session, campaign), source, locale, platform_limits)
    content = write(fmt, campaign.slug, source, locale, units)
    return content, f"{campaign.slug}-{locale}.{EXTENSIONS[fmt]}"


def write(fmt: str, campaign: str, source: str, target: str, units: Sequence[Unit]) -> bytes:
    if fmt == "xliff":
        return _write_xliff(campaign, source, target, units)
    if fmt == "po":
        return _write_po(campaign, source, target, units)
    raise FileError(f"unknown format {fmt!r}; use xliff or po")


def _write_xliff(campaign: str, source: str, target: str, units: Sequence[Unit]) -> bytes:
    store = _xliff12_file()(sourcelanguage=source, targetlanguage=target)
    store.body.getparent().set("original", ORIGINAL_PREFIX + campaign)
    for unit in units:
        tu = store.addsourceunit(unit.source, filename=ORIGINAL_PREFIX + campaign)
        tu.setid(unit.id)
        if unit.target:
            tu.target = unit.target
        for note in unit.notes:
            tu.addnote(note, origin="developer")
    return bytes(store)


def _write_po(campaign: str, source: str, target: str, units: Sequence[Unit]) -> bytes:
    from translate.storage import po  # lazy: see the module doc

    store = po.pofile()
    store.updateheader(
        add=True,
        Language=target,
        Project_Id_Version=f"sidcontent {campaign}",
        X_Sidcontent_Campaign=campaign,
        X_Sidcontent_Source_Language=source,
    )
    for unit in units:
        pu = store.addsourceunit(unit.source)
        pu.setcontext(unit.id)
        if unit.target:
            pu.target = unit.target
        for note in unit.notes:
            pu.addnote(note, origin="developer")
    return bytes(store)


def detect(content: bytes) -> str:
    head = content.lstrip()[:200]
    if head.startswith(b"<?xml") or head.startswith(b"<xliff"):
        return "xliff"
    return "po"


def read(content: bytes, fmt: str | None = None) -> Parsed:
    fmt = fmt or detect(content)
    if fmt == "xliff":
        return _read_xliff(content)
    if fmt == "po":
        return _read_po(content)
    raise FileError(f"unknown format {fmt!r}; use xliff or po")


def _read_xliff(content: bytes) -> Parsed:
    if b"<!DOCTYPE" in content[:4096].upper() or b"<!ENTITY" in content.upper():
        raise FileError("XLIFF files with a DOCTYPE or entities are refused")
    from translate.storage import xliff  # lazy: see the module doc

    try:
        store = xliff.xlifffile.parsestring(content)
    except Exception as exc:  # lxml and the toolkit raise many kinds
        raise FileError(f"not a readable XLIFF file: {_short(exc)}") from None
    names = [n for n in store.getfilenames() if n]
    campaign = None
    for name in names:
        if name.startswith(ORIGINAL_PREFIX):
            campaign = name[len(ORIGINAL_PREFIX) :]
    units = tuple(
        Unit(id=tu.getid().split("\x04")[-1], source=tu.source or "", target=tu.target or "")
        for tu in store.units
        if not tu.isheader()
    )
    return Parsed(
        "xliff", campaign, store.getsourcelanguage(), store.gettargetlanguage(), _strip(units)
    )


def _read_po(content: bytes) -> Parsed:
    from translate.storage import po  # lazy: see the module doc

    try:
        store = po.pofile.parsestring(content)
    except Exception as exc:
        raise FileError(f"not a readable PO file: {_short(exc)}") from None
    header = store.parseheader()
    units = tuple(
        Unit(id=pu.getcontext() or "", source=pu.source or "", target=pu.target or "")
        for pu in store.units
        if not pu.isheader() and not pu.isobsolete()
    )
    return Parsed(
        "po",
        header.get("X-Sidcontent-Campaign") or None,
        header.get("X-Sidcontent-Source-Language") or None,
        header.get("Language") or None,
        units,
    )


def _strip(units: tuple[Unit, ...]) -> tuple[Unit, ...]:
    # The toolkit prefixes ids of units in a named <file> with "<original>\x04".
    return tuple(
        Unit(u.id.split(ORIGINAL_PREFIX, 1)[-1].split("\x04")[-1], u.source, u.target)
        for u in units
    )


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
