"""Rendered responses, validators and conditional requests.

Serialising content costs far more than sending it (marshmallow is ~12 us an
object), so every GET body is rendered once per content generation and kept
with its strong ETag. The generation lives in the database, so one write on
any server invalidates every process's cache; entries also expire when the
next scheduled item goes live, since that changes what is visible without a
write.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from flask import Response, current_app, g, request
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from werkzeug.http import http_date

from sidcontent.api import context, read_connections
from sidcontent.api.read_connections import ReadConnections
from sidcontent.content import queries, rendering

VARY = "Accept-Language, Authorization, Origin"
JSON = "application/json"


@dataclass(frozen=True)
class Rendered:
    payload: object
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # An item's revision: its ETag then starts "r<revision>-", so a writer
    # checks If-Match against the revision column alone (see api/editing.py).
    version: int | None = None
    # The payload already encoded (assembled from rendered fragments); when
    # given, ``payload`` is not encoded again.
    body: bytes | None = None


@dataclass(frozen=True)
class Entry:
    """A rendered response and the headers of its 200 and 304 forms.

    Headers are built once per rendering, not per request: on a cache hit
    formatting dates and quoting ETags was half the cost of a 304.
    """

    generation: int
    valid_until: datetime | None
    body: bytes
    etag: str
    last_modified: datetime | None
    ok_headers: tuple[tuple[str, str], ...]
    not_modified_headers: tuple[tuple[str, str], ...]

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


def make_entry(
    generation: int,
    valid_until: datetime | None,
    rendered: Rendered,
    *,
    private: bool,
    max_age: int,
) -> Entry:
    body, etag = encode(rendered)
    scope = "private" if private else "public"
    validators = [
        ("ETag", f'"{etag}"'),
        ("Cache-Control", f"{scope}, max-age={max_age}" if max_age > 0 else f"{scope}, no-cache"),
        ("Vary", VARY),
    ]
    if rendered.last_modified is not None:
        validators.append(("Last-Modified", http_date(rendered.last_modified)))
    return Entry(
        generation=generation,
        valid_until=valid_until,
        body=body,
        etag=etag,
        last_modified=rendered.last_modified,
        ok_headers=(*validators, *rendered.headers.items()),
        not_modified_headers=tuple(validators),
    )


class ResponseCache:
    """A small thread-safe LRU of rendered bodies."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, generation: int, now: datetime) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.generation != generation or (
                entry.valid_until is not None and now >= entry.valid_until
            ):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def contains(self, key: Hashable) -> bool:
        return key in self._entries

    def put(self, key: Hashable | None, entry: Entry) -> None:
        if self.size <= 0 or key is None:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def etag_for(body: bytes, version: int | None = None) -> str:
    """A strong ETag: the body's hash, led by the item's revision if it has one.

    The hash keeps representations apart (each locale has its own ETag, so
    If-None-Match never answers 304 for the wrong one); the revision lets
    If-Match be checked without rendering anything.
    """
    digest = hashlib.sha256(body).hexdigest()
    if version is None:
        return digest[:32]
    return f"r{version}-{digest[:20]}"


def encode(rendered: Rendered) -> tuple[bytes, str]:
    """The body and ETag of ``rendered``, exactly as a GET would send them."""
    body = rendered.body if rendered.body is not None else orjson.dumps(rendered.payload)
    return body, etag_for(body, rendered.version)


def respond(
    key: Hashable, build: Callable[[datetime], Rendered], *, private: bool = False
) -> Response:
    """Answer a GET from the cache or ``build``, honouring conditional headers.

    ``build(now)`` reads through :func:`renderer` (this thread's kept read
    connection) or opens the request's ORM session itself if it needs one;
    nothing here opens a session per request (that was a twentieth of an
    uncached read).
    """
    cache: ResponseCache = current_app.extensions["sidcontent.response_cache"]
    now = context.now()
    # Read the generation before building: a write that lands meanwhile
    # leaves this entry tagged with the older generation, so it is rebuilt.
    # A hit costs this one primary-key read and no ORM session.
    generation = context.database().generation()
    # Entries carry their Cache-Control, so a token's (private) answer and an
    # anonymous (public) one are kept apart even when their bodies agree.
    key = (key, private)
    entry = cache.get(key, generation, now)
    if entry is None:
        g.sid_generation = generation
        try:
            rendered = build(now)
        except DBAPIError:
            reads: ReadConnections | None = g.pop("sid_reads", None)
            if reads is None:
                raise
            # A kept connection the server dropped (a restart, a failover):
            # once more on a new one; a second failure propagates.
            reads.drop()
            rendered = build(now)
        entry = make_entry(
            generation,
            _schedule().next_change(generation, now),
            rendered,
            private=private,
            max_age=int(current_app.config["CACHE_MAX_AGE"]),
        )
        cache.put(key, entry)
        if not private:
            cache.put(_request_key(), entry)
    return _conditional(entry)


class Schedule:
    """When the next scheduled item goes live, read once per generation.

    Only a write can move it earlier (and a write bumps the generation); the
    moment itself passing moves it later, so it is read again then too.
    """

    def __init__(self) -> None:
        self._known: tuple[int, datetime | None] | None = None

    def next_change(self, generation: int, now: datetime) -> datetime | None:
        known = self._known
        if known is not None and known[0] == generation and (known[1] is None or now < known[1]):
            return known[1]
        value = queries.next_scheduled_change(context.session(), now)
        self._known = (generation, value)
        return value


def _schedule() -> Schedule:
    found: Schedule | None = current_app.extensions.get("sidcontent.schedule")
    if found is None:
        found = current_app.extensions.setdefault("sidcontent.schedule", Schedule())
    return found


def renderer(requested: Sequence[str], now: datetime) -> rendering.Renderer:
    """A fragment renderer for this request, on the app's fragment cache.

    Uses the generation :func:`respond` read before building, so the
    referents it reads belong to the same generation as the entry.
    """
    extensions = current_app.extensions
    cache = extensions.get("sidcontent.fragment_cache")
    if cache is None:
        size = int(current_app.config["FRAGMENT_CACHE_SIZE"])
        cache = extensions.setdefault("sidcontent.fragment_cache", rendering.FragmentCache(size))
        extensions.setdefault("sidcontent.referents", rendering.Referents())
    generation = g.get("sid_generation")
    if generation is None:
        generation = context.database().generation()
    return rendering.Renderer(
        _read_connection(),
        requested,
        now,
        generation,
        cache,
        extensions["sidcontent.referents"],
    )


def _read_connection() -> Connection:
    """This thread's kept read connection (see api/read_connections.py)."""
    reads = read_connections.for_app(current_app)
    if reads is None:
        return context.session().connection()
    g.sid_reads = reads
    return reads.get()


def _request_key() -> Hashable | None:
    """The request as it arrived, for the fast path below; None if it has a token."""
    # Straight from the WSGI environ: a cache hit is a few dozen microseconds,
    # and every ``request.headers`` lookup costs one of them.
    environ = request.environ
    if "HTTP_AUTHORIZATION" in environ:
        return None
    return (
        "request",
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT_LANGUAGE", ""),
    )


def serve_from_cache() -> Response | None:
    """Answer an anonymous GET that was answered before, before any parsing.

    The same path, query string and Accept-Language always lead to the same
    normalised request, so the rendered entry can be found by the raw
    request. Only successful renders are stored; everything else (a first
    request, errors, a changed generation) falls through to the view.
    """
    if request.environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return None
    key = _request_key()
    if key is None:
        return None
    cache: ResponseCache = current_app.extensions["sidcontent.response_cache"]
    if not cache.contains(key):
        return None
    entry = cache.get(key, context.database().generation(), context.now())
    if entry is None:
        return None
    return _conditional(entry)


def _conditional(entry: Entry) -> Response:
    environ = request.environ
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        # Clients send back exactly the ETag they got; parse only otherwise.
        not_modified = if_none_match == entry.quoted_etag or request.if_none_match.contains_weak(
            entry.etag
        )
    elif "HTTP_IF_MODIFIED_SINCE" in environ and entry.last_modified is not None:
        since = request.if_modified_since
        not_modified = since is not None and entry.last_modified.replace(microsecond=0) <= since
    else:
        not_modified = False
    if not_modified:
        # Said to be JSON, like the 200 it stands for, so it gets the API's
        # security policy (a 304 updates the stored response's headers);
        # werkzeug sends no Content-Type with a 304.
        return Response(status=304, headers=entry.not_modified_headers, mimetype=JSON)
    return Response(entry.body, headers=entry.ok_headers, mimetype=JSON)
