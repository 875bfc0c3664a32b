"""The plugin contract: every hook sidcontent calls, documented.

This module holds only markers and empty hook functions; their docstrings
are the reference (``docs/plugins.md`` is generated from them by
``python -m sidcontent.plugin_docs``, so they are Markdown). Plugins
implement hooks with ``from sidcontent import hookimpl``.

Hooks that add things are ``register_*`` and receive a ``register``
callback, so the host can check each item's type, refuse duplicate names
and remember which plugin gave it. Hooks that change things are
``prepare_*``. Hooks that observe are ``*_finished`` and ``*_changed``.

pluggy calls an implementation with only the arguments it names, so a
hook may gain an argument without breaking anyone; ``settings`` (the
plugin's own, see ``register_settings``) is one every non-``register``
hook offers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sidcontent.exporting import (
        ContentBundle,
        ContentEvent,
        Exporter,
        ExportRecord,
        PluginSettings,
        Setting,
        SocialPlatform,
    )

PROJECT = "sidcontent"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register exporters by calling `register(exporter)` once for each.

    `exporter` is an instance of a `sidcontent.exporting.Exporter` subclass:

    - `name`: unique, 1-64 lowercase letters, digits, `-` or `_` (`"calendar"`);
    - `title` and `description`: what `/exporters` shows people;
    - `media_types`: a tuple of media types it can produce; the first is the
      default, and a caller may ask for any of them;
    - `options_schema`: a marshmallow `Schema` class (default: no options).
      The host validates a request's `options` with it (a 422 lists the
      field errors) and publishes it as JSON Schema in `/exporters`;
    - `export(bundle, options, context) -> Artifact`, or
      `export(bundle, options)` when it needs no context: `options` as the
      schema loaded them, `context.media_type` the type asked for,
      `context.settings` the plugin's settings. The host inspects `export`
      once, at registration: any other shape fails the plugin there, with a
      message naming it and both shapes, never a caller's export.

    - `preload()`, optional: load ahead of time what `export` needs (see
      below).

    Every server process imports your module and calls this hook, the ones
    that only serve reads included, and they use only the attributes above
    `export`: keep the module light and import the libraries `export` uses
    inside `export` (or in a module that `export` imports), so that they load
    only where exports run. An export worker (`sidcontent worker`) calls each
    exporter's `preload()` once before it takes jobs, so the child it forks
    for each export inherits them loaded; a `preload()` that raises is
    logged against your plugin and costs only that head start.

    `export` runs in a separate process under a time limit
    (`SIDCONTENT_EXPORT_TIMEOUT`) and must return an `Artifact` of the media
    type asked for, no larger than `SIDCONTENT_MAX_ARTIFACT_BYTES`. Raise
    `sidcontent.exporting.ExportError(message, field=...)` when the content
    cannot be exported as asked (the caller gets a 422); any other exception
    is recorded as this plugin's failure (502) and the server carries on.

    The host refuses an object of another type or with a bad attribute (the
    plugin is marked failed), and stops start-up when two plugins register
    one name, naming both.
    """


@hookspec
def register_social_platforms(register: Callable[[SocialPlatform], None]) -> None:
    """Register social networks by calling `register(platform)` for each.

    `platform` is an instance of a `sidcontent.exporting.SocialPlatform`
    subclass: `name`, `title`, `limit` (a positive integer) and
    `alt_text_limit`, and `count(text)`, which counts text the way the
    network does. Exporters receive every registered platform in
    `context.social_platforms`, so a plugin adds a network without touching
    the social exporter. Names are unique, as for exporters.

    `count` (and `count_alt_text`, `facets`) run only during exports: a
    counting library they need belongs inside them, as for `export`.
    """


@hookspec
def register_settings(register: Callable[[Setting], None]) -> None:
    """Declare the settings your plugin reads, calling `register(setting)` for each.

    `setting` is a `sidcontent.exporting.Setting(key, type="str",
    default=None, required=False, description="")`; `type` is one of `str`,
    `int`, `float`, `bool`, `list` (comma-separated) or `path`. The operator
    sets `SIDCONTENT_PLUGIN_<NAME>_<KEY>` (your plugin's name and the key,
    upper-cased, other characters as `_`), or passes `PLUGIN_<NAME>_<KEY>`
    to `create_app`. Values are converted when plugins load: a value that
    does not convert, or a required one that is missing, marks your plugin
    failed with a message naming the variable (start-up stops with
    `SIDCONTENT_STRICT_PLUGINS=1`).

    Your plugin reads them, typed, as `context.settings[key]` in `export`,
    or through a `settings` argument in any other hook; a key you did not
    declare raises `KeyError`. `/plugins` lists what each plugin declares,
    never a value.
    """


@hookspec
def prepare_bundle(
    bundle: ContentBundle, exporter: str, options: Mapping[str, Any], settings: PluginSettings
) -> ContentBundle | None:
    """Change the content before an exporter sees it, or return `None`.

    Called once per export with the resolved bundle (frozen dataclasses in
    one locale), the exporter's name and its validated options. Return a new
    bundle (`dataclasses.replace`) to co-brand, add tracking parameters or
    filter content; the next plugin receives your result. Return `None` to
    leave the bundle as it is.

    Runs in the export's worker process, inside its time limit. Raising, or
    returning anything but a `ContentBundle` or `None`, fails the export with
    an error naming your plugin. Installing, removing or upgrading a plugin
    that implements this hook changes which earlier exports can be reused.
    """


@hookspec
def export_finished(export: ExportRecord, settings: PluginSettings) -> None:
    """Observe a finished export, succeeded or failed, e.g. to notify.

    `export` is a read-only `sidcontent.exporting.ExportRecord`: `id`,
    `exporter`, `plugin`, `status` (`"succeeded"` or `"failed"`), `error`,
    `error_type`, timings and `artifact` metadata. Called in the server
    process after the record is stored; not called when an identical earlier
    export is reused. An exception here is logged against your plugin and
    never changes the export's outcome.
    """


@hookspec
def content_changed(event: ContentEvent, settings: PluginSettings) -> None:
    """React to a change of published content, or a finished export, after it is committed.

    `event` is a read-only `sidcontent.exporting.ContentEvent`, the same
    events webhooks carry: `type` (`content.published`, `content.unpublished`,
    `content.updated`, `content.deleted`, `export.succeeded`,
    `export.failed`), `id`, `timestamp` and `data` (for content: the item's
    `type`, `id`, `campaign`, `action`, `revision`, `changed`; for exports:
    `id`, `exporter`, `campaign`, `locale`, `status`). `event.campaign` is the
    campaign's slug when there is one, and `event.bundle(locale=None)` reads
    that campaign's published content as an export would see it (`None` once
    it is not published). Drafts are nobody's business: editing one is no
    event.

    Called in the process that made the change, once its transaction has
    committed, on the writer's thread: keep it quick (write a file, queue a
    job), and leave slow or remote work to a webhook. An exception is logged
    against your plugin and never affects the write, which has happened.
    """
