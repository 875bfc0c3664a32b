"""Where exports are kept: a row per export, artifact bytes as files.

Artifacts are files named by the SHA-256 of their content under
``SIDCONTENT_ARTIFACT_DIR`` (default: ``artifacts/`` in the instance folder),
not database blobs: they run to 20 MiB, a blob column would swell the
database, its WAL and every backup, and a file is streamed to the client
(with ``Range`` and conditional requests) without being read into memory.
Naming by hash makes writes idempotent and stores identical artifacts once.
For several servers, point the setting at a shared volume. The row keeps the
hash and size, so a lost or truncated file is detected, never served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sidcontent.content.models import Base, UTCDateTime
from sidcontent.exporting import ExportRecord


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
        Index("ix_exports_created_at", "created_at"),
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


class ArtifactStore:
    """Content-addressed files: ``<root>/ab/abcdef...``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(content):
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
