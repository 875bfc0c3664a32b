"""Running an export end to end, for the HTTP API and the CLI alike.

resolve content -> validate options -> reuse an identical earlier export, or
run the ``prepare_bundle`` chain and the exporter in a worker process (time
limit) -> check the artifact (media type, size) -> store it -> record the
export -> ``export_finished``.

Kept apart from :mod:`sidcontent.exporting`, which plugins import: that one
stays free of the database so plugin code (and its tests) never load it.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from sidcontent.content import events, locales, queries, representation
from sidcontent.content.models import utcnow
from sidcontent.content.schemas import SLUG_RE
from sidcontent.db import Database
from sidcontent.exporting import ContentBundle, ExportRecord, base_media_type
from sidcontent.exports import options as option_rules
from sidcontent.exports import sandbox
from sidcontent.exports import store as export_store
from sidcontent.exports.queue import Queue, limits
from sidcontent.exports.store import ArtifactStore, ExportRow, FileStore
from sidcontent.plugins import PluginHost, Registered, describe

log = logging.getLogger("sidcontent.exports")

# Seconds a record may stay queued before the reaper queues it again (once),
# and twice that before it fails it: SIDCONTENT_EXPORT_QUEUE_DEADLINE.
QUEUE_DEADLINE = 900.0


@dataclass(frozen=True)
class ExportRequest:
    exporter: str
    campaign: str
    locale: str | None = None  # None: the campaign's default locale
    media_type: str | None = None  # None: the exporter's first media type
    options: Mapping[str, Any] = field(default_factory=dict)
    message_ids: tuple[int, ...] | None = None  # None: every published message
    resource_ids: tuple[int, ...] | None = None
    requested_by: str | None = None


class ExportRejected(Exception):
    """The request cannot run as asked; nothing ran and nothing is recorded."""

    def __init__(
        self, detail: str, errors: Mapping[str, Any] | None = None, status: int = 422
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors) if errors else None
        self.status = status


def _is_option(registered: Registered, field: str | None) -> bool:
    if not field:
        return False
    root = field.split(".", 1)[0].split("[", 1)[0]
    return root in registered.item.options_schema().fields


class ExportFailed(Exception):
    """The export ran and failed; ``record`` is the stored failed export."""

    # How each failure reads over HTTP: the caller's fault (422) or the
    # plugin's (502, the plugin being the "upstream"), or too slow (504).
    STATUS = {
        "export-error": 422,
        "timeout": 504,
        "artifact-store-failed": 503,  # our storage, not the plugin: try again later
    }

    def __init__(
        self, record: ExportRecord, field: str | None = None, *, option: bool = False
    ) -> None:
        super().__init__(record.error)
        self.record = record
        self.field = field
        self.option = option

    @property
    def errors(self) -> dict[str, Any] | None:
        """Per-field errors shaped like option validation's: an exporter that
        refuses one of its options reports it under ``options``, as the
        schema would have; a content field (``messages[0].link``) stands alone."""
        if not self.field:
            return None
        if self.option:
            return {"options": {self.field: [self.record.error]}}
        return {self.field: [self.record.error]}

    @property
    def status(self) -> int:
        return self.STATUS.get(self.record.error_type or "", 502)


@dataclass(frozen=True)
class Done:
    record: ExportRecord
    reused: bool
    queued: bool = False  # accepted for a queue worker; poll the record


@dataclass(frozen=True)
class Plan:
    """A validated request with its content resolved: what an export runs."""

    request: ExportRequest
    registered: Registered
    media_type: str
    loaded: dict[str, Any]  # the options as the exporter's schema loaded them
    options: Any  # their JSON form, as stored
    bundle: ContentBundle
    key: str  # what makes two requests identical
    created: datetime
    bundle_payload: dict[str, Any] | None  # the bundle's JSON form, where it was resolved


def content_revision(payload: Mapping[str, Any]) -> str:
    """A digest of exactly the content an exporter would see.

    The payload carries every included item's ``revision`` and
    ``updated_at`` as well as its text, so any change to included content
    (or to which items are included) gives a new revision.
    """
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def _json(value: Any) -> Any:
    # Loaded options may hold dates, decimals, sets: store their JSON form.
    return orjson.loads(
        orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    )


class Exports:
    """One app's export service: its plugins, database, artifact store, limits."""

    def __init__(
        self,
        host: PluginHost,
        database: Database,
        store: ArtifactStore,
        *,
        timeout: float,
        max_bytes: int,
        queue: Queue | None = None,
        queue_deadline: float = QUEUE_DEADLINE,
    ) -> None:
        self.host = host
        self.database = database
        self.store = store
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.queue = queue  # None: exports run inline, in the caller's process
        self.queue_deadline = queue_deadline

    # --- checks that need no content -----------------------------------------

    def exporter(self, name: str) -> Registered:
        registered = self.host.exporters.get(name)
        if registered is None:
            available = ", ".join(sorted(self.host.exporters)) or "none"
            raise ExportRejected(
                f"Unknown exporter {name[:64]!r}.",
                {"exporter": [f"Unknown exporter {name[:64]!r}; available: {available}."]},
            )
        return registered

    def media_type(self, registered: Registered, wanted: str | None) -> str:
        declared = registered.item.media_types
        if wanted is None:
            return str(declared[0])
        for media_type in declared:
            if base_media_type(media_type) == base_media_type(wanted):
                return str(media_type)
        raise ExportRejected(
            f"Exporter {registered.item.name!r} does not produce {wanted[:100]!r}.",
            {"media_type": [f"Must be one of: {', '.join(declared)}."]},
        )

    def options(self, registered: Registered, options: Mapping[str, Any]) -> dict[str, Any]:
        try:
            loaded = option_rules.load(registered.item.options_schema(), options)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
            raise ExportRejected(
                f"Invalid options for exporter {registered.item.name!r}.", {"options": messages}
            ) from None
        except Exception as exc:  # the schema is plugin code too
            raise ExportRejected(
                f"plugin {registered.plugin!r}: the options schema of exporter "
                f"{registered.item.name!r} failed: {describe(exc)}",
                status=502,
            ) from exc
        return loaded

    # --- content -----------------------------------------------------------------

    def bundle(
        self,
        campaign: str,
        locale: str | None,
        message_ids: Sequence[int] | None = None,
        resource_ids: Sequence[int] | None = None,
        now: datetime | None = None,
    ) -> ContentBundle:
        """The published content an export of ``campaign`` would see."""
        payload = self.bundle_payload(campaign, locale, message_ids, resource_ids, now)
        return ContentBundle.from_api(payload, revision=content_revision(payload))

    def bundle_payload(
        self,
        campaign: str,
        locale: str | None,
        message_ids: Sequence[int] | None = None,
        resource_ids: Sequence[int] | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """:meth:`bundle` in its JSON form (what a queued job carries)."""
        requested: tuple[str, ...] = ()
        if locale is not None:
            try:
                requested = (locales.normalize(locale),)
            except locales.LocaleError as exc:
                raise ExportRejected(str(exc), {"locale": [str(exc)]}) from None
        now = now or utcnow()
        with self.database.session() as session:
            rows = (
                queries.get_bundle(session, campaign, now) if SLUG_RE.fullmatch(campaign) else None
            )
            if rows is None:
                detail = f"No published campaign {campaign[:80]!r}."
                raise ExportRejected(detail, {"campaign": [detail]})
            payload = representation.bundle(rows, requested)
        # What was asked for, so exporters can tell (and say) which items fell back.
        payload["requested_locale"] = (
            requested[0] if requested else payload["campaign"]["default_locale"]
        )
        errors: dict[str, list[str]] = {}
        for key, ids in (("messages", message_ids), ("resources", resource_ids)):
            if ids is None:
                continue
            present = {item["id"] for item in payload[key]}
            missing = [i for i in ids if i not in present]
            if missing:
                errors[key[:-1] + "_ids"] = [
                    f"Not published in campaign {campaign!r}: " + ", ".join(str(i) for i in missing)
                ]
            wanted = set(ids)
            payload[key] = [item for item in payload[key] if item["id"] in wanted]
        if errors:
            raise ExportRejected("Some ids are not in this campaign.", errors)
        return payload

    def available_locales(self, campaign: str) -> list[str]:
        with self.database.session() as session:
            row = None
            if SLUG_RE.fullmatch(campaign):
                row = queries.get_campaign(session, campaign, utcnow())
            if row is None:
                detail = f"No published campaign {campaign[:80]!r}."
                raise ExportRejected(detail, {"campaign": [detail]})
            return [t.locale for t in row.translations]

    # --- running ---------------------------------------------------------------

    def plan(self, request: ExportRequest, now: datetime | None = None) -> Plan:
        """Validate ``request`` and resolve its content; nothing runs yet.

        Raises :class:`ExportRejected`.
        """
        registered = self.exporter(request.exporter)
        media_type = self.media_type(registered, request.media_type)
        loaded = self.options(registered, request.options)
        created = now or utcnow()
        payload = self.bundle_payload(
            request.campaign, request.locale, request.message_ids, request.resource_ids, created
        )
        bundle = ContentBundle.from_api(payload, revision=content_revision(payload))
        options = _json(loaded)
        key = self._request_key(registered, media_type, options, bundle, request)
        return Plan(request, registered, media_type, loaded, options, bundle, key, created, payload)

    def plan_of(self, row: ExportRow, options: Mapping[str, Any], bundle: ContentBundle) -> Plan:
        """The plan of a stored (queued) record, on a worker.

        The options are the request's own, validated again by this process's
        plugin; the content is the bundle resolved when the request came in.
        """
        registered = self.exporter(row.exporter)
        loaded = self.options(registered, options)
        request = _request_of(row, options)
        return Plan(
            request,
            registered,
            row.media_type,
            loaded,
            row.options,
            bundle,
            row.request_key,
            row.created_at,
            None,
        )

    def submit(self, request: ExportRequest) -> Done:
        """Export inline (no queue), or accept the job for a queue worker.

        Validation and reuse are the same either way; with a queue an
        identical request already queued or running is that same job.
        """
        if self.queue is None:
            return self.run(request)
        plan = self.plan(request)
        earlier = self.reusable(plan)
        if earlier is not None:
            return Done(earlier, reused=True)
        row = self.new_row(plan, status="queued")
        try:
            with self.database.session() as session:
                active = export_store.find_active(session, plan.key)
                if active is not None:
                    return Done(active.record(), reused=False, queued=True)
                session.add(row)
        except IntegrityError:
            # An identical request was accepted between our look and our write.
            with self.database.session() as session:
                active = export_store.find_active(session, plan.key)
                if active is None:
                    raise
                return Done(active.record(), reused=False, queued=True)
        try:
            self.queue.enqueue(row.id, plan)
        except Exception as exc:
            error = f"the export queue could not be reached: {describe(exc)}"
            self.fail(row, "queue-unavailable", error, status="queued")
            raise ExportRejected(
                "The export queue is unavailable; try again later.", status=503
            ) from exc
        return Done(row.record(), reused=False, queued=True)

    def reusable(self, plan: Plan) -> ExportRecord | None:
        """An earlier identical export whose artifact is still stored."""
        with self.database.session() as session:
            earlier = export_store.find_reusable(session, plan.key)
            if earlier is not None and self.store.has(
                earlier.artifact_sha256 or "", earlier.artifact_size
            ):
                return earlier.record()
        return None

    def run(self, request: ExportRequest) -> Done:
        """Export now, in this process, or reuse an identical earlier export.

        Raises :class:`ExportRejected` before anything runs, or
        :class:`ExportFailed` with the stored failed record.
        """
        plan = self.plan(request)
        earlier = self.reusable(plan)
        if earlier is not None:
            return Done(earlier, reused=True)
        row = self.new_row(plan, status="running")
        row.started_at = utcnow()
        record = self.execute(plan, row)
        if record.status == "failed":
            field_name = row.error_field
            raise ExportFailed(record, field_name, option=_is_option(plan.registered, field_name))
        return Done(record, reused=False)

    def new_row(self, plan: Plan, status: str) -> ExportRow:
        """The record of ``plan``, not yet stored."""
        request, bundle = plan.request, plan.bundle
        return ExportRow(
            id=uuid.uuid4().hex,
            request_key=plan.key,
            exporter=plan.registered.item.name,
            plugin=plan.registered.plugin,
            plugin_version=plan.registered.plugin_version,
            campaign=bundle.campaign.slug,
            locale=bundle.locale,
            requested_locale=request.locale,
            media_type=plan.media_type,
            options=plan.options,
            message_ids=list(request.message_ids) if request.message_ids is not None else None,
            resource_ids=list(request.resource_ids) if request.resource_ids is not None else None,
            content_revision=bundle.revision,
            requested_by=request.requested_by,
            created_at=plan.created,
            status=status,
            warnings=[],
            attempts=0,
        )

    def execute(self, plan: Plan, row: ExportRow, claimed: int | None = None) -> ExportRecord:
        """Run ``plan`` in the sandbox and store the outcome on ``row``.

        The same code runs inline (``run``: ``row`` is new) and on a queue
        worker (``row`` is stored, ``running`` on attempt ``claimed``); it
        returns the stored record, failed or succeeded, and never raises for
        a plugin's failure.
        """
        clock = time.perf_counter()
        job = sandbox.Job(
            exporter=plan.registered.item.name,
            plugin=plan.registered.plugin,
            bundle=plan.bundle,
            options=plan.loaded,
            media_type=plan.media_type,
            max_bytes=self.max_bytes,
        )
        result = sandbox.run(job, self.host, self.timeout)
        row.finished_at = utcnow()
        row.duration_ms = round((time.perf_counter() - clock) * 1000, 1)
        stored: str | OSError | None = None
        if isinstance(result, sandbox.Produced):
            try:
                stored = self.store.put(result.artifact.content)
            except OSError as exc:  # read-only folder, disk full: a failed export, told why
                stored = exc
        if isinstance(result, sandbox.Produced) and isinstance(stored, str):
            artifact = result.artifact
            row.status = "succeeded"
            row.artifact_sha256 = stored
            row.artifact_size = len(artifact.content)
            row.artifact_filename = artifact.filename
            row.artifact_media_type = artifact.media_type
            row.artifact_metadata = dict(artifact.metadata)
            row.warnings = list(artifact.warnings)
        elif isinstance(stored, OSError):
            row.status = "failed"
            row.error_type = "artifact-store-failed"
            row.error = (
                "the artifact could not be stored: "
                f"{stored.strerror or type(stored).__name__} (the artifact store is not writable)"
            )
        else:
            assert isinstance(result, sandbox.Failed)
            row.status = "failed"
            row.error_type = result.kind
            row.failed_plugin = result.plugin
            row.error = _failure_text(result)
            row.error_field = result.field
        if not self.settle(row, None if claimed is None else "running", claimed):
            # The reaper or another delivery finished it first; theirs stands.
            log.warning("export %s: its outcome was recorded elsewhere first", row.id)
            first = self.get(row.id)
            return first if first is not None else row.record()
        record = row.record()
        self.host.export_finished(record)
        return record

    def settle(self, row: ExportRow, status: str | None, attempts: int | None = None) -> bool:
        """Store a finished ``row`` with its ``export.*`` event in one commit.

        ``status`` None: ``row`` is new (inline). Otherwise the stored
        record must still be ``status`` (and on attempt ``attempts``): each
        record finishes, and its event is written, exactly once, whichever
        of a worker, a redelivery and the reaper gets there first.
        """
        with self.database.session() as session:
            if status is None:
                session.merge(row)
            elif not export_store.settle(session, row, status, attempts):
                return False
            events.record(session, [export_event(row)])  # the outbox, in the same commit
        return True

    def fail(
        self,
        row: ExportRow,
        error_type: str,
        error: str,
        status: str = "running",
        attempts: int | None = None,
    ) -> bool:
        """Fail a stored record that is still ``status`` (see :meth:`settle`)."""
        row.status = "failed"
        row.error_type = error_type
        row.error = error
        row.finished_at = utcnow()
        return self.settle(row, status, attempts)

    def _request_key(
        self,
        registered: Registered,
        media_type: str,
        options: Any,
        bundle: ContentBundle,
        request: ExportRequest,
    ) -> str:
        identity = {
            "exporter": registered.item.name,
            "plugin": registered.plugin,
            "version": registered.plugin_version,
            # A bundle-changing plugin added, removed or upgraded changes the output.
            "prepare": self.host.prepare_plugins(),
            "media_type": base_media_type(media_type),
            "options": options,
            "campaign": bundle.campaign.slug,
            "locale": bundle.locale,
            "messages": request.message_ids,
            "resources": request.resource_ids,
            "revision": bundle.revision,
        }
        return hashlib.sha256(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()

    # --- reading ----------------------------------------------------------------

    def get(self, export_id: str) -> ExportRecord | None:
        return self.find(export_id)[0]

    def find(self, export_id: str) -> tuple[ExportRecord | None, int | None]:
        """A record and, while it is queued, its place in the queue."""
        record, position = self._find(export_id)
        # Polling an unfinished record is what notices a lost job.
        if record is not None and record.status in export_store.ACTIVE and self.reap():
            record, position = self._find(export_id)
        return record, position

    def _find(self, export_id: str) -> tuple[ExportRecord | None, int | None]:
        with self.database.session() as session:
            row = export_store.get(session, export_id)
            if row is None:
                return None, None
            position = export_store.queue_position(session, row) if row.status == "queued" else None
            return row.record(), position

    def page(
        self, filters: dict[str, str], after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[ExportRecord], bool]:
        """One page of records, newest first (see :func:`store.page`)."""
        self.reap()
        with self.database.session() as session:
            rows, more = export_store.page(session, filters, after, limit)
            return [row.record() for row in rows], more

    def reap(self) -> int:
        """Settle exports nobody will finish; returns how many records changed.

        - ``running`` past the queue's hard limit: its worker was lost
          (failed, ``error_type`` lost);
        - ``queued`` for ``queue_deadline`` seconds: its message was
          probably lost, so it is queued again, once; still ``queued`` at
          twice the deadline: failed as lost, naming the missing worker.

        Each failed record gets its ``export.failed`` event in the same commit.
        """
        now = utcnow()
        with self.database.session() as session:
            failed = export_store.reap_lost(session, limits(self.timeout).hard, now)
            failed += export_store.reap_unclaimed(
                session, self.queue_deadline, now, requeued=self.queue is not None
            )
            events.record(session, [export_event(row) for row in failed])
            again = []
            if self.queue is not None:
                again = export_store.mark_requeued(session, self.queue_deadline, now)
        for row in again:
            self._requeue(row)
        return len(failed) + len(again)

    def _requeue(self, row: ExportRow) -> None:
        """Send the job of a queued record again, exactly as it was accepted."""
        assert self.queue is not None
        try:
            # The content as it was when the request came in (schedules
            # included), and the options as stored: the same request key, or
            # the export is no longer the one that was asked for.
            plan = self.plan(_request_of(row, row.options), now=row.created_at)
            if plan.key != row.request_key:
                raise ExportRejected(
                    "its content, options or exporter changed while it waited; request it again"
                )
        except ExportRejected as exc:
            error = f"no export worker took it within {self.queue_deadline:g} s: {exc.detail}"
            self.fail(row, "lost", error, status="queued")
            return
        try:
            self.queue.enqueue(row.id, plan)
        except Exception as exc:  # the broker is down: the second deadline fails it
            log.warning("export %s: could not be queued again: %s", row.id, describe(exc))
            return
        log.warning("export %s: still queued after %g s, queued again", row.id, self.queue_deadline)

    def artifact_stored(self, record: ExportRecord) -> bool:
        """Whether the record's artifact is still stored, whole."""
        artifact = record.artifact
        return artifact is not None and self.store.has(artifact["sha256"], artifact["size"])

    def artifact_path(self, record: ExportRecord) -> Path | None:
        """The stored file (the files store only), if it is still there whole."""
        if not isinstance(self.store, FileStore) or not self.artifact_stored(record):
            return None
        assert record.artifact is not None
        return self.store.path(record.artifact["sha256"])

    def artifact_chunks(self, record: ExportRecord) -> Iterator[bytes] | None:
        """The artifact's bytes, streamed from whichever store holds them."""
        if not self.artifact_stored(record):
            return None
        assert record.artifact is not None
        return self.store.stream(record.artifact["sha256"])


def _request_of(row: ExportRow, options: Mapping[str, Any]) -> ExportRequest:
    """The request a stored record answers, with ``options`` as given."""
    return ExportRequest(
        exporter=row.exporter,
        campaign=row.campaign,
        locale=row.requested_locale,
        media_type=row.media_type,
        options=options,
        message_ids=tuple(row.message_ids) if row.message_ids is not None else None,
        resource_ids=tuple(row.resource_ids) if row.resource_ids is not None else None,
        requested_by=row.requested_by,
    )


def export_event(row: ExportRow) -> events.Event:
    """``export.succeeded`` or ``export.failed`` for a finished run."""
    data: dict[str, Any] = {
        "id": row.id,
        "exporter": row.exporter,
        "campaign": row.campaign,
        "locale": row.locale,
        "media_type": row.media_type,
        "status": row.status,
    }
    if row.status == "failed":
        data["error_type"] = row.error_type
        data["failed_plugin"] = row.failed_plugin
    return events.Event(
        type="export.succeeded" if row.status == "succeeded" else "export.failed",
        timestamp=row.finished_at or utcnow(),
        data=data,
    )


def _failure_text(result: sandbox.Failed) -> str:
    if result.kind == "export-error":
        return f"exporter refused the content: {result.message}"
    return f"plugin {result.plugin!r} failed: {result.message}"
