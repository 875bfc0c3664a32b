"""Generated messages, bulk-inserted with SQLAlchemy Core into the real schema.

The ORM would take minutes for 100,000 messages; Core ``executemany`` over the
models' own tables takes seconds and writes exactly the rows the app reads
(messages, message_translations, message_tags). Every message is derived from
its id alone, so the first 1,000 rows of a 100,000-row database are the same
as those of a 1,000-row one, and the two are comparable.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from sidcontent.content import queries
from sidcontent.content.models import (
    AUDIENCES,
    MESSAGE_KINDS,
    Campaign,
    Message,
    MessageTag,
    MessageTranslation,
    Status,
)

BATCH = 5_000
TAGS = [
    "privacy",
    "respect",
    "cyberbullying",
    "scams",
    "hacking",
    "online-identity",
    "communication",
    "support",
    "education",
    "wellbeing",
    "misinformation",
    "gaming",
]
HEADLINES = [
    "Think before you share",
    "Check who can see your posts",
    "Talk to someone you trust",
    "Spot the signs of a scam",
    "Be kind in the comments",
    "Keep your passwords to yourself",
    "Question what you see online",
    "Take a break from the screen",
]
# (status, publish_at offset from now or None, weight): mostly published, some
# rows the visibility filter has to skip.
STATUS_MIX = [
    (Status.published.value, None, 90),
    (Status.draft.value, None, 5),
    (Status.scheduled.value, timedelta(days=-30), 3),
    (Status.scheduled.value, timedelta(days=365), 1),
    (Status.archived.value, None, 1),
]
OPTIONAL_LOCALES = [("fr", 0.5), ("de", 0.25), ("es", 0.1)]
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def message_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Message.__table__)) or 0)


def fill_messages(engine: Engine, total: int) -> int:
    """Add generated messages until the table holds ``total``; return how many."""
    with engine.connect() as conn:
        campaign_ids = list(conn.scalars(select(Campaign.id).order_by(Campaign.id)))
        start = int(conn.scalar(select(func.max(Message.id))) or 0) + 1
        existing = int(conn.scalar(select(func.count()).select_from(Message.__table__)) or 0)
    wanted = total - existing
    if wanted <= 0:
        return 0
    now = datetime.now(UTC).replace(microsecond=0)
    statuses = [(s, offset) for s, offset, _ in STATUS_MIX]
    weights = [w for _, _, w in STATUS_MIX]
    for first in range(start, start + wanted, BATCH):
        last = min(first + BATCH, start + wanted)
        messages, translations, tags = [], [], []
        for message_id in range(first, last):
            _one(message_id, campaign_ids, statuses, weights, now, messages, translations, tags)
        with engine.begin() as conn:
            conn.execute(insert(Message.__table__), messages)
            conn.execute(insert(MessageTranslation.__table__), translations)
            conn.execute(insert(MessageTag.__table__), tags)
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('messages', 'id'), max(id)) FROM messages"
                )
            )
        # As any write would: tells response caches that content changed.
        queries.bump_generation(session)
    return wanted


def _one(
    message_id: int,
    campaign_ids: list[int],
    statuses: list[tuple[str, timedelta | None]],
    weights: list[int],
    now: datetime,
    messages: list[dict[str, Any]],
    translations: list[dict[str, Any]],
    tags: list[dict[str, Any]],
) -> None:
    rng = random.Random(message_id)
    status, offset = rng.choices(statuses, weights)[0]
    stamp = BASE_TIME + timedelta(seconds=message_id)
    messages.append(
        {
            "id": message_id,
            "campaign_id": rng.choice(campaign_ids),
            "audience": rng.choice(AUDIENCES),
            "kind": rng.choice(MESSAGE_KINDS),
            "link": None if rng.random() < 0.6 else f"https://example.org/m/{message_id}",
            "hashtags": ["SaferInternetDay"],
            "status": status,
            "publish_at": None if offset is None else now + offset,
            "created_at": stamp,
            "updated_at": stamp,
            "revision": 1,
            "default_locale": "en",
        }
    )
    headline = rng.choice(HEADLINES)
    locales = ["en"] + [loc for loc, share in OPTIONAL_LOCALES if rng.random() < share]
    for locale in locales:
        translations.append(
            {
                "message_id": message_id,
                "locale": locale,
                "headline": f"{headline} ({locale} {message_id})",
                "body": f"Generated message {message_id} for the benchmark, in {locale}. " * 3,
                "call_to_action": None if rng.random() < 0.3 else "Find out more",
            }
        )
    for position, tag in enumerate(rng.sample(TAGS, rng.randint(1, 2))):
        tags.append({"message_id": message_id, "tag": tag, "position": position})
