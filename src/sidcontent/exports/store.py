"""Where exports are kept: a row per export, artifact bytes in a store.

Two artifact stores, chosen by ``SIDCONTENT_ARTIFACT_STORE``:

- ``files`` (default): files named by the SHA-256 of their content under
  ``SIDCONTENT_ARTIFACT_DIR`` (default: ``artifacts/`` in the instance
  folder). Cheapest for one host: streamed with ``Range`` and conditional
  requests, and the database, its WAL and its backups stay small. For
  several hosts they need a shared volume.
- ``database``: the same content-addressed artifacts as rows in the
  content's own database, in 1 MiB chunks, so every app server and worker
  sees every artifact with nothing else to run; a download streams chunk by
  chunk, never the whole artifact in memory.

Naming by hash makes writes idempotent and stores identical artifacts once.
The export row keeps the hash and size, so a lost or truncated artifact is
detected, never served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from sidcontent.content.models import Base, UTCDateTime, utcnow
from sidcontent.db import Database
from sidcontent.exporting import ExportRecord

ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed")


class ExportRow(Base):
    __tablename__ = "exports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # What makes two requests identical (exporter and version, options,
    # locale, media type, content revision): the reuse lookup key.
    request_key: Mapped[str] = mapped_column(String(64))
    exporter: Mapped[str] = mapped_column(String(64))
    plugin: Mapped[str] = mapped_column(String(200))
    plugin_version: Mapped[str | None] = mapped_column(String(64), default=None)
    campaign: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(35))
    requested_locale: Mapped[str | None] = mapped_column(String(35), default=None)
    media_type: Mapped[str] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    resource_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    content_revision: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    error_type: Mapped[str | None] = mapped_column(String(32), default=None)
    failed_plugin: Mapped[str | None] = mapped_column(String(200), default=None)
    # The request field an exporter's refusal names (``options.size``).
    error_field: Mapped[str | None] = mapped_column(String(200), default=None)
    # Runs started: more than one means a queue worker was lost mid-export.
    attempts: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    duration_ms: Mapped[float | None] = mapped_column(Float, default=None)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    artifact_size: Mapped[int | None] = mapped_column(default=None)
    artifact_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    artifact_media_type: Mapped[str | None] = mapped_column(String(255), default=None)
    artifact_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    __table_args__ = (
        Index("ix_exports_request_key_status", "request_key", "status"),
        # ux_exports_active_request_key: see declare_active_request_index().
        Index("ix_exports_created_at_id", "created_at", "id"),
        Index("ix_exports_status_created_at", "status", "created_at"),
    )

    def record(self) -> ExportRecord:
        artifact = None
        if self.artifact_sha256 is not None:
            artifact = {
                "filename": self.artifact_filename,
                "media_type": self.artifact_media_type,
                "size": self.artifact_size,
                "sha256": self.artifact_sha256,
                "metadata": self.artifact_metadata or {},
            }
        return ExportRecord(
            id=self.id,
            exporter=self.exporter,
            plugin=self.plugin,
            plugin_version=self.plugin_version,
            campaign=self.campaign,
            locale=self.locale,
            media_type=self.media_type,
            options=self.options,
            content_revision=self.content_revision,
            status=self.status,
            error=self.error,
            created_at=self.created_at,
            duration_ms=self.duration_ms,
            artifact=artifact,
            warnings=tuple(self.warnings or ()),
            requested_locale=self.requested_locale,
            message_ids=tuple(self.message_ids) if self.message_ids is not None else None,
            resource_ids=tuple(self.resource_ids) if self.resource_ids is not None else None,
            error_type=self.error_type,
            started_at=self.started_at,
            finished_at=self.finished_at,
            requested_by=self.requested_by,
            failed_plugin=self.failed_plugin,
        )


ACTIVE_REQUEST_INDEX = "ux_exports_active_request_key"


def declare_active_request_index() -> Index:
    """One job per identical request while it is queued or running: a unique
    index on ``request_key`` over active rows only (migration 0004 makes it).

    Declared on demand, by what compares the models with a database
    (migrations/env.py), not with the table: an index's ``sqlite_where`` and
    ``postgresql_where`` each import their dialect with its drivers, so every
    web worker carried the one it does not use (PostgreSQL's is 2 MB on
    SQLite). Nothing at run time needs the declaration; the database has
    the index. Idempotent.
    """
    table = cast(Table, ExportRow.__table__)
    for index in table.indexes:
        if index.name == ACTIVE_REQUEST_INDEX:
            return index
    active = text("status IN ('queued', 'running')")
    return Index(
        ACTIVE_REQUEST_INDEX,
        table.c.request_key,
        unique=True,
        sqlite_where=active,
        postgresql_where=active,
    )


def get(session: Session, export_id: str) -> ExportRow | None:
    return session.get(ExportRow, export_id) if len(export_id) <= 32 else None


def find_reusable(session: Session, request_key: str) -> ExportRow | None:
    stmt = (
        select(ExportRow)
        .where(ExportRow.request_key == request_key, ExportRow.status == "succeeded")
        .order_by(ExportRow.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def find_active(session: Session, request_key: str) -> ExportRow | None:
    stmt = select(ExportRow).where(
        ExportRow.request_key == request_key, ExportRow.status.in_(ACTIVE)
    )
    return session.scalars(stmt).first()


STATUSES = ("queued", "running", "succeeded", "failed")


def page(
    session: Session,
    filters: dict[str, str],
    after: tuple[datetime, str] | None,
    limit: int,
) -> tuple[list[ExportRow], bool]:
    """Newest first, keyset on (created_at, id); ``filters`` by column."""
    stmt = select(ExportRow)
    for name in ("exporter", "campaign", "status", "requested_by"):
        if name in filters:
            stmt = stmt.where(getattr(ExportRow, name) == filters[name])
    if after is not None:
        created, last_id = after
        stmt = stmt.where(
            (ExportRow.created_at < created)
            | ((ExportRow.created_at == created) & (ExportRow.id < last_id))
        )
    stmt = stmt.order_by(ExportRow.created_at.desc(), ExportRow.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    return rows[:limit], len(rows) > limit


def queue_position(session: Session, row: ExportRow) -> int:
    """1 for the next queued export to start, 2 for the one after, ..."""
    ahead = session.scalar(
        select(func.count())
        .select_from(ExportRow)
        .where(ExportRow.status == "queued", ExportRow.created_at < row.created_at)
    )
    return int(ahead or 0) + 1


# What a finished run sets on its record (see :func:`settle`).
OUTCOME = (
    "status",
    "error",
    "error_type",
    "failed_plugin",
    "error_field",
    "warnings",
    "finished_at",
    "duration_ms",
    "artifact_sha256",
    "artifact_size",
    "artifact_filename",
    "artifact_media_type",
    "artifact_metadata",
)


def claim(session: Session, row: ExportRow, now: datetime) -> bool:
    """Mark ``row`` running for one more attempt, if it is still as it was read.

    Two deliveries of one job (a redelivered message and a requeued one),
    or a delivery and the reaper, can meet on a record: only one of them
    changes it, the others see ``False``.
    """
    result = session.execute(
        update(ExportRow)
        .where(
            ExportRow.id == row.id,
            ExportRow.status == row.status,
            ExportRow.attempts == row.attempts,
        )
        .values(status="running", started_at=now, attempts=row.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


def settle(session: Session, row: ExportRow, status: str, attempts: int | None = None) -> bool:
    """Store ``row``'s outcome while the stored record is still ``status``
    (and on attempt ``attempts``, for a run): a record the reaper failed, or
    that another delivery re-claimed, keeps what it has and ``False`` is
    returned, so each record finishes, and is announced, once."""
    stmt = update(ExportRow).where(ExportRow.id == row.id, ExportRow.status == status)
    if attempts is not None:
        stmt = stmt.where(ExportRow.attempts == attempts)
    values = {name: getattr(row, name) for name in OUTCOME}
    result = session.execute(stmt.values(values).execution_options(synchronize_session=False))
    return _changed(result) == 1


def reap_lost(session: Session, hard_limit: float, now: datetime) -> list[ExportRow]:
    """Fail every export ``running`` for longer than ``hard_limit`` seconds.

    Nothing runs that long (the sandbox stops an exporter at its time limit,
    Celery kills a task at its hard limit), so its worker was lost. Returns
    the records failed here, as stored.
    """
    return _fail_where(
        session,
        now,
        f"the export worker was lost: still running after {hard_limit:g} s",
        ExportRow.status == "running",
        ExportRow.started_at < now - timedelta(seconds=hard_limit),
    )


def reap_unclaimed(
    session: Session, deadline: float, now: datetime, *, requeued: bool = True
) -> list[ExportRow]:
    """Fail every export still ``queued`` twice ``deadline`` seconds after it
    was accepted although it was queued again (or at ``deadline`` when nothing
    can queue it again, ``requeued`` false): no worker will take it."""
    conditions: tuple[Any, ...]
    if requeued:
        waited = 2 * deadline
        conditions = (ExportRow.attempts >= 1,)
        detail = f"no export worker took it within {waited:g} s, though it was queued again"
    else:
        waited, conditions = deadline, ()
        detail = f"no export worker took it within {waited:g} s and no queue is configured"
    return _fail_where(
        session,
        now,
        f"{detail} (is `sidcontent worker` running against this broker?)",
        ExportRow.status == "queued",
        ExportRow.created_at < now - timedelta(seconds=waited),
        *conditions,
    )


def mark_requeued(session: Session, deadline: float, now: datetime) -> list[ExportRow]:
    """Records ``queued`` for ``deadline`` seconds that were never queued
    again: marked (``attempts`` 1, which a run's claim counts on from) so
    that one reaper alone sends each again. Its message was probably lost
    (Redis flushed or failed over before a worker took it)."""
    stmt = (
        update(ExportRow)
        .where(
            ExportRow.status == "queued",
            ExportRow.attempts == 0,
            ExportRow.created_at < now - timedelta(seconds=deadline),
        )
        .values(attempts=1)
        .returning(ExportRow)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(stmt))


def _fail_where(session: Session, now: datetime, error: str, *conditions: Any) -> list[ExportRow]:
    stmt = (
        update(ExportRow)
        .where(*conditions)
        .values(status="failed", error_type="lost", error=error, finished_at=now)
        .returning(ExportRow)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(stmt))


def _changed(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def prune(
    database: Database, store: ArtifactStore, older_than: timedelta, now: datetime | None = None
) -> tuple[int, int]:
    """Delete finished export records older than ``older_than``, then every
    artifact no remaining record points to. Returns (records, artifacts)."""
    now = now or utcnow()
    with database.session() as session:
        records = session.execute(
            delete(ExportRow)
            .where(ExportRow.status.in_(FINISHED), ExportRow.created_at < now - older_than)
            .execution_options(synchronize_session=False)
        )
    with database.session() as session:
        kept = {
            digest
            for digest in session.scalars(
                select(ExportRow.artifact_sha256).where(ExportRow.artifact_sha256.is_not(None))
            )
            if digest
        }
    # An artifact stored in the last hour may belong to an export being
    # recorded right now: leave it for the next prune.
    removed = store.remove_unreferenced(kept, stored_before=now - timedelta(hours=1))
    return _changed(records), removed


class ArtifactStore(Protocol):
    """Content-addressed artifact bytes."""

    kind: str

    def put(self, content: bytes) -> str:
        """Store ``content``; return its SHA-256 (hex). Idempotent."""

    def has(self, sha256: str, size: int | None) -> bool:
        """Whether the artifact is stored whole."""

    def stream(self, sha256: str) -> Iterator[bytes]:
        """The artifact's bytes in chunks."""

    def remove_unreferenced(self, kept: set[str], stored_before: datetime) -> int:
        """Delete artifacts not in ``kept`` stored before ``stored_before``."""


class FileStore:
    """Content-addressed files: ``<root>/ab/abcdef...``."""

    kind = "files"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(content):
            os.utime(target)  # stored again now: prune keeps it a while
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def has(self, sha256: str, size: int | None) -> bool:
        path = self.path(sha256)
        return path.is_file() and (size is None or path.stat().st_size == size)

    def stream(self, sha256: str) -> Iterator[bytes]:
        with self.path(sha256).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def remove_unreferenced(self, kept: set[str], stored_before: datetime) -> int:
        removed = 0
        if not self.root.is_dir():
            return 0
        limit = stored_before.timestamp()
        for path in self.root.glob("??/*"):
            if path.name.startswith(".") or path.name in kept:
                continue
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


CHUNK = 1024 * 1024


class ArtifactRow(Base):
    __tablename__ = "artifacts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArtifactChunk(Base):
    __tablename__ = "artifact_chunks"

    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("artifacts.sha256", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DatabaseStore:
    """Content-addressed artifacts as rows: one per artifact, its bytes in chunks."""

    kind = "database"

    def __init__(self, database: Database) -> None:
        self.database = database

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        with self.database.session() as session:
            stored = session.get(ArtifactRow, digest)
            if stored is not None and stored.size == len(content):
                stored.stored_at = utcnow()
                return digest
        try:
            with self.database.session() as session:
                # The parent row last: a reader sees the artifact only whole.
                session.execute(
                    insert(ArtifactRow),
                    [{"sha256": digest, "size": len(content), "stored_at": utcnow()}],
                )
                session.execute(
                    insert(ArtifactChunk),
                    [
                        {"sha256": digest, "seq": n, "data": content[at : at + CHUNK]}
                        for n, at in enumerate(range(0, max(len(content), 1), CHUNK))
                    ],
                )
        except IntegrityError:
            pass  # another process stored the same bytes first
        return digest

    def has(self, sha256: str, size: int | None) -> bool:
        with self.database.session() as session:
            stored = session.get(ArtifactRow, sha256)
            return stored is not None and (size is None or stored.size == size)

    def stream(self, sha256: str) -> Iterator[bytes]:
        # One short query per chunk: a slow download holds no transaction
        # or connection between chunks, and at most one chunk in memory.
        seq = 0
        while True:
            with self.database.session() as session:
                data = session.scalar(
                    select(ArtifactChunk.data).where(
                        ArtifactChunk.sha256 == sha256, ArtifactChunk.seq == seq
                    )
                )
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def remove_unreferenced(self, kept: set[str], stored_before: datetime) -> int:
        removed = 0
        with self.database.session() as session:
            candidates = session.scalars(
                select(ArtifactRow.sha256).where(ArtifactRow.stored_at < stored_before)
            ).all()
            for digest in candidates:
                if digest in kept:
                    continue
                session.execute(delete(ArtifactChunk).where(ArtifactChunk.sha256 == digest))
                session.execute(delete(ArtifactRow).where(ArtifactRow.sha256 == digest))
                removed += 1
        return removed


def open_store(kind: str, database: Database, directory: str) -> ArtifactStore:
    if kind == "database":
        return DatabaseStore(database)
    if kind == "files":
        return FileStore(directory)
    raise ValueError(f"SIDCONTENT_ARTIFACT_STORE: expected files or database, not {kind!r}")
