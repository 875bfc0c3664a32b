"""Test helpers for plugin authors: a pytest plugin, active once sidcontent is installed.

Fixtures (prefixed so they never clash with a project's own ``app`` or
``client``):

- ``sidcontent_app``: a sidcontent app on a fresh SQLite database in
  ``tmp_path``, migrated and loaded with seed content (Safer Internet Day
  2026 in five locales, with two webinars), with every installed plugin.
- ``sidcontent_client``: a Flask test client for it that sends a
  ``marketer`` token (``sidcontent_token``) on every request, so exports
  work; ``sidcontent_app.test_client()`` is an anonymous one.
- ``sidcontent_bundle``: a factory of :class:`~sidcontent.exporting.ContentBundle`
  objects, no database needed: ``sidcontent_bundle(locale="fr")``, or
  ``sidcontent_bundle(messages=[...])`` to replace parts.
- ``run_exporter``: runs an exporter the way the host does (options
  validated by its schema, the ``prepare_bundle`` chain, the artifact
  checked for type, declared media type and size), in this process so a
  debugger works: ``run_exporter("calendar", bundle, {"reminder_minutes": 30})``.

Override ``sidcontent_plugins_dir`` (a folder of drop-in modules) or
``sidcontent_settings`` (extra settings, your plugin's own included as
``PLUGIN_<NAME>_<KEY>``) in your ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from sidcontent.exporting import Artifact, ContentBundle, Exporter
    from sidcontent.plugins import PluginHost

SEED = Path(__file__).parent / "testing_seed"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def sample_bundle_data(locale: str = "en") -> dict[str, Any]:
    """A small bundle in the shape of ``GET /campaigns/{slug}/bundle``'s ``data``."""
    return {
        "locale": locale,
        "campaign": {
            "slug": "sid-2026",
            "name": "Safer Internet Day 2026",
            "tagline": "Smart tech, safe choices",
            "description": "Exploring the safe and responsible use of AI.",
            "day": date(2026, 2, 10),
            "edition": 23,
            "url": "https://www.saferinternetday.org/",
            "hashtags": ["SaferInternetDay", "SID2026"],
            "default_locale": "en",
            "locale": locale,
        },
        "theme": {
            "slug": "smart-tech-2026",
            "name": "Smart tech, safe choices",
            "description": None,
            "palette": {
                "primary": "#0B3D91",
                "secondary": "#F2A900",
                "accent": "#E4007C",
                "background": "#FFFFFF",
                "text": "#1A1A1A",
            },
            "locale": locale,
        },
        "messages": [
            {
                "id": 1,
                "audience": "ages-11-14",
                "kind": "key-message",
                "headline": "Check before you share",
                "body": "AI can make pictures and voices that look real. Pause and check.",
                "call_to_action": "Learn how",
                "link": "https://www.saferinternetday.org/",
                "hashtags": ["SID2026"],
                "tags": ["ai"],
                "locale": locale,
            }
        ],
        "resources": [
            {
                "id": 1,
                "type": "webinar",
                "title": "Talking to children about AI",
                "description": "A live session for parents and carers.",
                "url": "https://example.org/webinar",
                "audiences": ["parents-carers"],
                "starts_at": datetime(2026, 2, 10, 18, 30, tzinfo=UTC),
                "ends_at": datetime(2026, 2, 10, 19, 30, tzinfo=UTC),
                "tags": ["ai"],
                "locale": locale,
            },
            {
                "id": 2,
                "type": "guide",
                "title": "A parent's guide to AI chatbots",
                "description": None,
                "url": "https://example.org/guide",
                "audiences": ["parents-carers"],
                "starts_at": None,
                "ends_at": None,
                "tags": [],
                "locale": locale,
            },
        ],
    }


def make_bundle(
    locale: str = "en",
    *,
    campaign: Mapping[str, Any] | None = None,
    theme: Mapping[str, Any] | None | bool = True,
    messages: Sequence[Mapping[str, Any]] | None = None,
    resources: Sequence[Mapping[str, Any]] | None = None,
    revision: str = "test",
) -> ContentBundle:
    """A bundle from the sample, with parts replaced (``theme=None`` for none).

    Item dicts may leave out fields: the sample's first item fills them.
    """
    from sidcontent.exporting import ContentBundle

    data = sample_bundle_data(locale)
    if campaign:
        data["campaign"] = {**data["campaign"], **campaign}
    if theme is None or theme is False:
        data["theme"] = None
    elif isinstance(theme, Mapping):
        data["theme"] = {**data["theme"], **theme}
    for key, given in (("messages", messages), ("resources", resources)):
        if given is not None:
            template = data[key][0]
            data[key] = [{**template, "id": i + 1, **item} for i, item in enumerate(given)]
    return ContentBundle.from_api(data, revision=revision)


def run_exporter_in(
    host: PluginHost,
    exporter: str | Exporter,
    bundle: ContentBundle | None = None,
    options: Mapping[str, Any] | None = None,
    media_type: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Artifact:
    """Run ``exporter`` (a name registered in ``host``, or an instance) in-process.

    Raises ``marshmallow.ValidationError`` for bad options,
    :class:`~sidcontent.exporting.ExportError` when the exporter refuses the
    content, and :class:`~sidcontent.plugins.PluginFault` when it breaks the
    contract (raises, returns the wrong type, an undeclared media type, too
    many bytes).
    """
    from sidcontent import plugins
    from sidcontent.exports import options as option_rules
    from sidcontent.exports import sandbox

    if isinstance(exporter, str):
        if exporter not in host.exporters:
            raise LookupError(f"no exporter {exporter!r}; registered: {sorted(host.exporters)}")
        registered = host.exporters[exporter]
    else:
        plugins.check_exporter(exporter)
        registered = plugins.Registered(
            exporter,
            f"<{type(exporter).__name__}>",
            takes_context=plugins.export_takes_context(exporter),
        )
    item = registered.item
    # The host's own option rules, so a plugin's tests refuse what the host would.
    loaded = option_rules.load(item.options_schema(), options or {})
    return sandbox.produce(
        host,
        registered,
        bundle if bundle is not None else make_bundle(),
        loaded,
        media_type or item.media_types[0],
        max_bytes,
    )


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture()
def sidcontent_plugins_dir() -> str | None:
    """Override to load drop-in plugin modules from a folder."""
    return None


@pytest.fixture()
def sidcontent_settings(sidcontent_plugins_dir: str | None) -> dict[str, Any]:
    """Settings for ``sidcontent_app``; override to add your own."""
    return {"PLUGINS_DIR": sidcontent_plugins_dir} if sidcontent_plugins_dir else {}


@pytest.fixture()
def sidcontent_app(tmp_path: Path, sidcontent_settings: dict[str, Any]) -> Iterator[Flask]:
    """An app with seed content on its own SQLite database."""
    from sidcontent import create_app
    from sidcontent.content import fixtures

    settings: dict[str, Any] = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sidcontent-test.sqlite3'}",
        "SECRET_KEY": "sidcontent-testing",
        "INSTANCE_PATH": str(tmp_path / "sidcontent-instance"),
        "TESTING": True,
        **sidcontent_settings,
    }
    app = create_app(settings)
    database = app.extensions["sidcontent.db"]
    database.upgrade()
    with database.session() as session:
        fixtures.load(session, SEED)
    yield app
    database.dispose()


@pytest.fixture()
def sidcontent_token(sidcontent_app: Flask) -> str:
    """The secret of a ``marketer`` token in ``sidcontent_app`` (exports need one)."""
    from sidcontent.content import tokens

    with sidcontent_app.extensions["sidcontent.db"].session() as session:
        _, secret = tokens.create(session, "sidcontent-testing", "marketer")
    return secret


@pytest.fixture()
def sidcontent_client(sidcontent_app: Flask, sidcontent_token: str) -> FlaskClient:
    client = sidcontent_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {sidcontent_token}"
    return client


@pytest.fixture()
def sidcontent_host(sidcontent_settings: dict[str, Any]) -> PluginHost:
    """The plugins an app would load (built-ins, installed, the plugins dir)."""
    from sidcontent.plugins import PluginHost

    return PluginHost.from_config(sidcontent_settings)


@pytest.fixture()
def sidcontent_bundle() -> Callable[..., ContentBundle]:
    """A factory: ``sidcontent_bundle(locale="fr", resources=[{...}])``."""
    return make_bundle


@pytest.fixture()
def run_exporter(sidcontent_host: PluginHost) -> Callable[..., Artifact]:
    """``run_exporter(name_or_instance, bundle=None, options=None, media_type=None)``."""

    def run(
        exporter: str | Exporter,
        bundle: ContentBundle | None = None,
        options: Mapping[str, Any] | None = None,
        media_type: str | None = None,
        **kwargs: Any,
    ) -> Artifact:
        return run_exporter_in(sidcontent_host, exporter, bundle, options, media_type, **kwargs)

    return run


__all__ = [
    "make_bundle",
    "run_exporter_in",
    "sample_bundle_data",
]
