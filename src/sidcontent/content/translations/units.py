"""A campaign's translatable fields, and when each item's source last changed.

One *unit* per translatable field of the campaign, its messages and its
resources. A unit's id names the item, the item's revision at export time
and the field: ``message/12/r5/headline``; the revision lets an import tell
that the item changed after the file was made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidcontent.content import queries
from sidcontent.content.models import Campaign, Message, Resource, Status
from sidcontent.content.revisions import Revision

# The fields translators translate, per item type, with their length limits
# (the same as the write schemas').
FIELDS: dict[str, tuple[tuple[str, int | None], ...]] = {
    "campaign": (("name", 120), ("tagline", 200), ("description", None)),
    "message": (("headline", 120), ("body", 2000), ("call_to_action", 80)),
    "resource": (("title", 200), ("description", None)),
}
REQUIRED = {"campaign": "name", "message": "headline", "resource": "title"}
UNIT_ID = re.compile(
    r"^(campaign|message|resource)/([a-z0-9-]{1,80})/r([0-9]{1,9})/([a-z_]{1,40})$"
)


@dataclass(frozen=True)
class Item:
    """A translatable item as coverage and files see it."""

    type: str  # "campaign", "message" or "resource"
    key: str  # the slug or the id, as text
    revision: int
    row: Any
    translations: dict[str, dict[str, str | None]]

    @property
    def label(self) -> str:
        return f"{self.type} {self.key}"


@dataclass(frozen=True)
class UnitId:
    type: str
    key: str
    revision: int
    field: str

    def __str__(self) -> str:
        return f"{self.type}/{self.key}/r{self.revision}/{self.field}"

    @classmethod
    def parse(cls, text: str) -> UnitId | None:
        match = UNIT_ID.match(text or "")
        if not match or match.group(4) not in dict(FIELDS[match.group(1)]):
            return None
        return cls(match.group(1), match.group(2), int(match.group(3)), match.group(4))


def _texts(item_type: str, translation: Any) -> dict[str, str | None]:
    return {name: getattr(translation, name) for name, _ in FIELDS[item_type]}


def campaign_row(session: Session, slug: str) -> Campaign | None:
    """The campaign, drafts included (translators work before publication)."""
    stmt = queries._select(Campaign).where(
        Campaign.slug == slug, Campaign.status != Status.deleted.value
    )
    return session.scalars(stmt).first()


def items(session: Session, campaign: Campaign) -> list[Item]:
    """The campaign, then its messages and resources by id; deleted ones left out."""
    found = [_item("campaign", campaign.slug, campaign)]
    for model, item_type in ((Message, "message"), (Resource, "resource")):
        stmt = (
            queries._select(model)
            .where(model.campaign_id == campaign.id, model.status != Status.deleted.value)
            .order_by(model.id)
        )
        found += [_item(item_type, str(row.id), row) for row in session.scalars(stmt)]
    return found


def _item(item_type: str, key: str, row: Any) -> Item:
    return Item(
        type=item_type,
        key=key,
        revision=row.revision,
        row=row,
        translations={t.locale: _texts(item_type, t) for t in row.translations},
    )


def last_changes(
    session: Session, found: Sequence[Item], locales: Iterable[str]
) -> dict[tuple[str, int], dict[str, int]]:
    """For each item, the last revision that changed each locale's text.

    ``{(type, id): {locale: revision}}`` from the revision log: a revision
    whose ``changed`` paths include ``translations.<locale>.<field>``.
    Items never edited through the API have no log (their texts date from
    the same load), so they have no entry.
    """
    wanted = set(locales)
    ids: dict[str, list[int]] = {}
    for item in found:
        ids.setdefault(item.type, []).append(item.row.id)
    out: dict[tuple[str, int], dict[str, int]] = {}
    for item_type, item_ids in ids.items():
        fields = {name for name, _ in FIELDS[item_type]}
        stmt = (
            select(Revision.item_id, Revision.number, Revision.changed)
            .where(Revision.item_type == item_type, Revision.item_id.in_(item_ids))
            .order_by(Revision.number)
        )
        for item_id, number, changed in session.execute(stmt):
            for path in changed or ():
                parts = path.split(".")
                if len(parts) >= 3 and parts[0] == "translations" and parts[2] in fields:
                    locale = parts[1]
                    if locale in wanted:
                        out.setdefault((item_type, item_id), {})[locale] = number
                elif len(parts) == 2 and parts[0] == "translations" and parts[1] in wanted:
                    out.setdefault((item_type, item_id), {})[parts[1]] = number
    return out
