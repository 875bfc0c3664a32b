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
    """A built-in network, with the optional rules spelled out."""

    #: How ``count`` counts, in words, for the JSON output and the docs.
    counting: ClassVar[str] = "UTF-16 code units"
    #: At most this many hashtags in a post (None: no rule).
    max_hashtags: ClassVar[int | None] = None
    #: Longer hashtags are not linked (None: no rule).
    max_hashtag_length: ClassVar[int | None] = None
    #: False where links in a post are plain text (the link goes to a
    #: "link in bio" line instead).
    links_clickable: ClassVar[bool] = True
    #: Whether a long text may become a thread of replies.
    supports_threads: ClassVar[bool] = True
    #: Whether posts carry rich-text facets (byte ranges of links and tags).
    has_facets: ClassVar[bool] = False
    #: A second limit, in UTF-8 bytes (None: no such limit).
    max_bytes: ClassVar[int | None] = None
    #: Whether the limit differs per server, so callers may raise it.
    limit_configurable: ClassVar[bool] = False

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
    """Read a platform's rules, with defaults for what it does not define."""
    return Rules(
        platform=platform,
        limit=limit if limit is not None else platform.limit,
        counting=getattr(platform, "counting", "as the platform's count() says"),
        max_hashtags=getattr(platform, "max_hashtags", None),
        max_hashtag_length=getattr(platform, "max_hashtag_length", None),
        links_clickable=getattr(platform, "links_clickable", True),
        supports_threads=getattr(platform, "supports_threads", True),
        has_facets=bool(getattr(platform, "has_facets", False))
        and callable(getattr(platform, "facets", None)),
        max_bytes=getattr(platform, "max_bytes", None),
    )
