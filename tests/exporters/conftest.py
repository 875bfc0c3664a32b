"""Fixtures for exporter tests: the plugin host, and bundles to export.

Exporters are called the way the host calls them: found through the hooks,
options validated by their own schema, platforms from the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from poster_kit import Poster

from sidcontent.exporting import Artifact, ContentBundle, ExportContext
from sidcontent.plugins import PluginHost

ExportFn = Callable[..., Artifact]


@pytest.fixture(scope="session")
def host() -> PluginHost:
    return PluginHost(builtins=("sidcontent.exporters.social",))


@pytest.fixture(scope="session")
def social(host: PluginHost) -> Any:
    return host.exporters["social"].item


@pytest.fixture(scope="session")
def platforms(host: PluginHost) -> dict[str, Any]:
    return {name: registered.item for name, registered in host.social_platforms.items()}


@pytest.fixture(scope="session")
def export(social: Any, platforms: dict[str, Any]) -> ExportFn:
    """Run the social exporter as the host does: options through its schema."""

    def run(
        bundle: ContentBundle,
        options: Mapping[str, Any] | None = None,
        media_type: str = "application/json",
    ) -> Artifact:
        loaded = social.options_schema().load(dict(options or {}))
        return social.export(bundle, loaded, ExportContext(media_type, platforms))

    return run


@pytest.fixture(scope="session")
def seed_bundle(app: Any) -> Callable[..., ContentBundle]:
    """A seed campaign's bundle, read through the HTTP API."""
    cache: dict[tuple[str, str], ContentBundle] = {}

    def get(slug: str = "sid-2017", locale: str = "en") -> ContentBundle:
        if (slug, locale) not in cache:
            response = app.test_client().get(f"/api/v1/campaigns/{slug}/bundle?locale={locale}")
            assert response.status_code == 200, response.get_data(as_text=True)
            cache[slug, locale] = ContentBundle.from_api(
                response.get_json()["data"], revision=response.headers.get("ETag", "")
            )
        return cache[slug, locale]

    return get


@pytest.fixture(scope="session")
def export_poster() -> ExportFn:
    """``export_poster(bundle, media_type=..., **options)``, found through the hooks."""
    registered = PluginHost(builtins=("sidcontent.exporters.poster",)).exporters["poster"]
    schema = registered.item.options_schema

    def run(bundle: ContentBundle, media_type: str = "application/pdf", **options: Any) -> Artifact:
        loaded = schema().load(options)
        return registered.item.export(bundle, loaded, ExportContext(media_type=media_type))

    return run


@pytest.fixture(scope="session")
def read_poster() -> Callable[[bytes], Poster]:
    return Poster
