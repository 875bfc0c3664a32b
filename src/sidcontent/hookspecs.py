"""The plugin contract: every hook sidcontent calls, documented.

This module holds only markers and empty hook functions; their docstrings
are the reference (``docs/plugins.md`` is generated from them). Plugins
implement hooks with ``from sidcontent import hookimpl``.

Hooks that add things are ``register_*`` and receive a ``register``
callback, so the host can check each item's type, refuse duplicate names
and remember which plugin gave it. Hooks that change things are
``prepare_*``. Hooks that observe are ``*_finished``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sidcontent.exporting import ContentBundle, Exporter, ExportRecord, SocialPlatform

PROJECT = "sidcontent"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register exporters by calling ``register(exporter)`` once for each.

    ``exporter`` is an instance of a :class:`sidcontent.exporting.Exporter`
    subclass with ``name`` (unique, lowercase, e.g. ``"calendar"``),
    ``title``, ``description``, ``media_types`` (the first is the default),
    ``options_schema`` (a marshmallow ``Schema`` class; ``/exporters``
    publishes it as JSON Schema) and
    ``export(bundle, options, context) -> Artifact``.

    The host refuses an object of another type, and refuses a second
    exporter with a name already taken, naming both plugins.
    """


@hookspec
def register_social_platforms(register: Callable[[SocialPlatform], None]) -> None:
    """Register social networks by calling ``register(platform)`` for each.

    ``platform`` is an instance of a
    :class:`sidcontent.exporting.SocialPlatform` subclass: ``name``,
    ``title``, ``limit`` and ``alt_text_limit``, and ``count(text)``, which
    counts text the way the network does. The social exporter offers every
    registered platform, so a plugin adds a network without touching it.
    """


@hookspec
def prepare_bundle(
    bundle: ContentBundle, exporter: str, options: Mapping[str, Any]
) -> ContentBundle | None:
    """Change the content before an exporter sees it, or return ``None``.

    Called once per export with the resolved bundle (frozen dataclasses in
    one locale), the exporter's name and its validated options. Return a new
    bundle (``dataclasses.replace``) to co-brand, add tracking parameters or
    filter content; the next plugin receives your result. Return ``None`` to
    leave the bundle as it is.
    """


@hookspec
def export_finished(export: ExportRecord) -> None:
    """Observe a finished export (succeeded or failed), e.g. to notify.

    ``export`` is a read-only record: id, exporter, plugin, status, error,
    timings, artifact metadata. An exception here is logged and recorded
    against the plugin; it never changes the export's outcome.
    """
