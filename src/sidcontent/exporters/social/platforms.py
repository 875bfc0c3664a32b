"""The seven built-in networks and the rules the exporter reads from them.

The contract (:class:`sidcontent.exporting.SocialPlatform`) asks only for
``name``, ``title``, ``limit``, ``alt_text_limit`` and ``count``. The rules
below are optional attributes: a third party's platform may define any of
them (subclassing :class:`Platform` or not); :func:`rules_for` fills in the
defaults for the ones it leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sidcontent.exporting import SocialPlatform

from . import counting, facets


class Platform(SocialPlatform):
    """A built-in network: UTF-16 counting unless it says otherwise.

    The optional rules (hashtag limits, clickable links, threads, facets,
    byte limits) and their defaults are declared on ``SocialPlatform``.
    """

    counting: ClassVar[str] = "UTF-16 code units"

    def count(self, text: str) -> int:
        return counting.utf16_length(text)

    def count_alt_text(self, text: str) -> int:
        return counting.utf16_length(text)

    def facets(self, text: str) -> list[dict[str, Any]]:
        return []


class X(Platform):
    name = "x"
    title = "X"
    limit = 280
    alt_text_limit = 1000
    counting = "twitter-text v3 weighted length: most scripts 2, Latin 1, emoji 2, URLs 23"

    def count(self, text: str) -> int:
        return counting.x_weighted_length(text)


class Mastodon(Platform):
    name = "mastodon"
    title = "Mastodon"
    limit = 500
    alt_text_limit = 1500
    counting = "grapheme clusters, URLs 23, remote mentions as @user"
    limit_configurable = True

    def count(self, text: str) -> int:
        return counting.mastodon_length(text)

    def count_alt_text(self, text: str) -> int:
        return counting.grapheme_count(text)


class Bluesky(Platform):
    name = "bluesky"
    title = "Bluesky"
    limit = 300
    alt_text_limit = 2000
    counting = "grapheme clusters, URLs in full; at most 3,000 UTF-8 bytes"
    has_facets = True
    max_bytes = 3000
    max_hashtag_length = facets.MAX_TAG_LENGTH

    def count(self, text: str) -> int:
        return counting.grapheme_count(text)

    def count_alt_text(self, text: str) -> int:
        return counting.grapheme_count(text)

    def facets(self, text: str) -> list[dict[str, Any]]:
        return facets.detect(text)


class LinkedIn(Platform):
    name = "linkedin"
    title = "LinkedIn"
    limit = 3000
    supports_threads = False


class Instagram(Platform):
    name = "instagram"
    title = "Instagram"
    limit = 2200
    max_hashtags = 5
    links_clickable = False
    supports_threads = False


class Threads(Platform):
    name = "threads"
    title = "Threads"
    limit = 500
    max_hashtags = 1


class Facebook(Platform):
    name = "facebook"
    title = "Facebook"
    limit = 63206
    supports_threads = False


BUILTIN_PLATFORMS: tuple[type[Platform], ...] = (
    X,
    Mastodon,
    Bluesky,
    LinkedIn,
    Instagram,
    Threads,
    Facebook,
)


@dataclass(frozen=True)
class Rules:
    """One platform's rules for one export (the limit may be overridden)."""

    platform: SocialPlatform
    limit: int
    counting: str
    max_hashtags: int | None
    max_hashtag_length: int | None
    links_clickable: bool
    supports_threads: bool
    has_facets: bool
    max_bytes: int | None

    @property
    def name(self) -> str:
        return self.platform.name

    def count(self, text: str) -> int:
        return self.platform.count(text)

    def count_alt_text(self, text: str) -> int:
        counter = getattr(self.platform, "count_alt_text", None)
        return counter(text) if counter else counting.utf16_length(text)

    def facets(self, text: str) -> list[dict[str, Any]]:
        return list(self.platform.facets(text)) if self.has_facets else []  # type: ignore[attr-defined]

    def fits(self, text: str) -> bool:
        if self.max_bytes is not None and counting.utf8_length(text) > self.max_bytes:
            return False
        return self.count(text) <= self.limit


def rules_for(platform: SocialPlatform, limit: int | None = None) -> Rules:
    """A platform's rules; ``SocialPlatform`` gives the defaults."""
    return Rules(
        platform=platform,
        limit=limit if limit is not None else platform.limit,
        counting=platform.counting,
        max_hashtags=platform.max_hashtags,
        max_hashtag_length=platform.max_hashtag_length,
        links_clickable=platform.links_clickable,
        supports_threads=platform.supports_threads,
        has_facets=platform.has_facets and callable(getattr(platform, "facets", None)),
        max_bytes=platform.max_bytes,
    )
