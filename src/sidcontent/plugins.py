"""The plugin manager: discovery, registration through hooks, fault isolation.

Built-in exporters are plugins like any other: modules listed in
``BUILTIN_PLUGINS`` that register through the same hooks a third party uses.
Loading order follows tox 4: internal plugins first, then the ``sidcontent``
entry-point group, then drop-in ``.py`` files from ``SIDCONTENT_PLUGINS_DIR``;
``SIDCONTENT_DISABLE_PLUGINS`` blocks names before they load.

A plugin that fails to import, implements a hook that does not exist or
breaks the ``register`` contract costs only itself: it is recorded as
``failed`` with the reason (``/plugins`` shows it, the log has the
traceback) and the rest loads. ``SIDCONTENT_STRICT_PLUGINS=1`` turns those
into start-up errors. Two plugins claiming one exporter name always stop
start-up: which one wins would otherwise depend on install order.

One ``PluginHost`` per app (in ``app.extensions``), never a global.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from marshmallow import Schema

from sidcontent import __version__, exporting, hookspecs
from sidcontent.exporting import (
    BundleLoader,
    ContentBundle,
    ContentEvent,
    ExportContext,
    Exporter,
    SocialPlatform,
)
from sidcontent.plugin_settings import (
    ENV_PREFIX,
    PluginSettings,
    Setting,
    SettingError,
    check_setting,
    config_name,
    given_settings,
    resolve,
)

BUILTIN_PLUGINS: tuple[str, ...] = (
    "sidcontent.exporters.social",
    "sidcontent.exporters.poster",
    "sidcontent.exporters.newsletter",
)


class PluginError(Exception):
    """A plugin broke the contract (wrong type, duplicate name, ...)."""


# (BUILTIN_PLUGINS above lists the modules of the built-in exporters; each
# registers through the same hooks a third party uses.)
log = logging.getLogger("sidcontent.plugins")

ENTRY_POINT_GROUP = "sidcontent"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MEDIA_TYPE_RE = re.compile(r"^[\w.+-]+/[\w.+-]+(\s*;.*)?$")
MAX_ERROR_LENGTH = 1000


class PluginLoadError(Exception):
    """Start-up cannot go on: a name conflict, or any failure in strict mode."""


class PluginFault(Exception):
    """A plugin's hook implementation failed while the host called it."""

    def __init__(self, plugin: str, hook: str, message: str, kind: str = "plugin-failed") -> None:
        super().__init__(f"plugin {plugin!r} failed in {hook}: {message}")
        self.plugin = plugin
        self.hook = hook
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin came from, enough to load it again in a worker process."""

    name: str
    kind: str  # "builtin", "entry-point" or "plugins-dir"
    target: str  # a module name, an entry point's "module:attr", or a file path
    version: str | None = None


@dataclass
class PluginInfo:
    """What ``/plugins`` says about one plugin."""

    source: PluginSource
    status: str = "loaded"  # "loaded", "disabled" or "failed"
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    exporters: list[str] = field(default_factory=list)
    social_platforms: list[str] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def version(self) -> str | None:
        return self.source.version

    def payload(self) -> dict[str, Any]:
        """What ``/plugins`` and ``sidcontent plugins list --json`` show: a contract."""
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source.kind,
            "status": self.status,
            "error": self.error,
            "hooks": list(self.hooks),
            "exporters": list(self.exporters),
            "social_platforms": list(self.social_platforms),
            "settings": [dict(s) for s in self.settings],
        }


@dataclass(frozen=True)
class Registered:
    """An exporter or platform and the plugin that gave it."""

    item: Any
    plugin: str
    plugin_version: str | None = None
    #: For an exporter: whether ``export`` takes ``context`` (decided at registration).
    takes_context: bool = True


def describe(exc: BaseException) -> str:
    """``ValueError: boom``, cut to a length that fits a record and a response."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


class PluginHost:
    """Loads plugins, collects what they register and calls their hooks."""

    def __init__(
        self,
        builtins: Iterable[str] = BUILTIN_PLUGINS,
        *,
        entry_points: bool = False,
        plugins_dir: str | Path | None = None,
        disabled: Iterable[str] = (),
        strict: bool = False,
        sources: Iterable[PluginSource] | None = None,
        plugin_settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.strict = strict
        self.disabled = frozenset(disabled)
        self.plugins: dict[str, PluginInfo] = {}
        self.exporters: dict[str, Registered] = {}
        self.social_platforms: dict[str, Registered] = {}
        self.settings: dict[str, PluginSettings] = {}
        # ``PLUGIN_<NAME>_<KEY>`` values; a host built without them (a worker
        # process, say) reads the environment like the app did.
        self._given = dict(
            given_settings(os.environ, {}) if plugin_settings is None else plugin_settings
        )
        self._modules: dict[str, Any] = {}
        self._preloaded: set[str] = set()  # exporters whose preload() has run here
        for name in self.disabled:
            self.pm.set_blocked(name)
        if sources is None:
            sources = [*_builtin_sources(builtins)]
            if entry_points:
                sources += _entry_point_sources()
            if plugins_dir:
                sources += _dir_sources(Path(plugins_dir))
        for source in sources:
            self._load(source)
        unknown = self.disabled - self.plugins.keys()
        if unknown:
            log.warning("SIDCONTENT_DISABLE_PLUGINS names no such plugin: %s", sorted(unknown))
        self._collect_settings()
        self._collect()

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> PluginHost:
        """The host an app gets: built-ins, entry points, the plugins dir.

        Plugin settings come from ``SIDCONTENT_PLUGIN_*`` in ``environ``
        (default ``os.environ``), overridden by ``PLUGIN_*`` keys in ``config``.
        """
        return cls(
            BUILTIN_PLUGINS,
            entry_points=True,
            plugins_dir=config.get("PLUGINS_DIR") or None,
            disabled=config.get("DISABLE_PLUGINS") or (),
            strict=bool(config.get("STRICT_PLUGINS")),
            plugin_settings=given_settings(os.environ if environ is None else environ, config),
        )

    def register(self, plugin: ModuleType | object, name: str) -> None:
        """Register an already-imported plugin object before anything uses the host.

        Its ``register_*`` hooks are not collected again: pass plugins to the
        constructor (``sources``) when they register exporters.
        """
        self.pm.register(plugin, name=name)
        info = PluginInfo(PluginSource(name, "object", repr(plugin)))
        info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
        self.plugins[name] = info

    # --- loading ----------------------------------------------------------

    def _load(self, source: PluginSource) -> None:
        info = PluginInfo(source)
        if source.name in self.plugins:
            self._fail(
                info,
                f"the name {source.name!r} is already used by "
                f"{self.plugins[source.name].source.target}",
            )
            return
        self.plugins[source.name] = info
        if source.name in self.disabled:
            info.status = "disabled"
            return
        try:
            plugin = _import(source)
        except BaseException as exc:  # a plugin's import may raise anything, even SystemExit
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._fail(info, f"import failed: {describe(exc)}", exc)
            return
        try:
            self.pm.register(plugin, name=source.name)
            # check_pending (tox 4): a misspelt hook name would otherwise be
            # silently never called. It checks every plugin; checking after
            # each registration pins the fault on this one.
            self.pm.check_pending()
        except (pluggy.PluginValidationError, ValueError) as exc:
            unknown = [c.name for c in self.pm.get_hookcallers(plugin) or [] if not c.has_spec()]
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            if unknown:
                reason = f"implements hooks that do not exist: {', '.join(sorted(unknown))}"
            else:
                # pluggy's message spans lines: which hook, the definition, what is wrong.
                reason = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            self._fail(info, f"refused: {reason}")
            return
        declared = getattr(plugin, "__version__", None)
        if source.kind == "plugins-dir" and isinstance(declared, str) and declared:
            info.source = replace(source, version=declared)
        self._modules[source.name] = plugin
        info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def _fail(self, info: PluginInfo, error: str, exc: BaseException | None = None) -> None:
        info.status = "failed"
        info.error = error
        self.plugins.setdefault(info.name, info)
        message = f"plugin {info.name!r} ({info.source.target}): {error}"
        if exc is not None:
            log.error(
                "%s\n%s", message, "".join(traceback.format_exception(exc)).rstrip()
            )  # the traceback goes to the log, never to a response
        else:
            log.error("%s", message)
        if self.strict:
            raise PluginLoadError(message + " (SIDCONTENT_STRICT_PLUGINS is on)") from exc

    # --- registration -------------------------------------------------------

    def _collect_settings(self) -> None:
        """Declared settings first: a plugin whose settings are bad registers nothing."""
        for impl in self.pm.hook.register_settings.get_hookimpls():
            info = self.plugins[impl.plugin_name]
            if info.status != "loaded":
                continue
            got: list[Any] = []
            try:
                impl.function(register=got.append)
                declared: dict[str, Setting] = {}
                for item in got:
                    check_setting(item)
                    if item.key in declared:
                        raise PluginError(f"declared setting {item.key!r} more than once")
                    declared[item.key] = item
            except Exception as exc:
                self._fail(info, f"register_settings failed: {describe(exc)}", exc)
                continue
            info.settings = [item.describe(info.name) for item in declared.values()]
            try:
                self.settings[info.name] = resolve(info.name, declared, self._given)
            except SettingError as exc:
                self._fail(info, f"bad setting: {exc}")
        used = {
            config_name(plugin, key)
            for plugin, values in self.settings.items()
            for key in values.declared
        }
        for name in sorted(self._given.keys() - used):
            log.warning("%s%s is set, but no loaded plugin declares it", ENV_PREFIX, name)

    def settings_for(self, plugin: str) -> PluginSettings:
        """``plugin``'s settings, typed (empty when it declares none)."""
        return self.settings.get(plugin) or PluginSettings.empty(plugin)

    def _collect(self) -> None:
        platforms = self.social_platforms
        for kind, hook, into, check in (
            ("exporters", "register_exporters", self.exporters, check_exporter),
            ("social_platforms", "register_social_platforms", platforms, check_platform),
        ):
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                info = self.plugins[impl.plugin_name]
                if info.status != "loaded":
                    continue
                got: list[Any] = []

                def register(item: Any, _got: list[Any] = got) -> None:
                    _got.append(item)

                try:
                    impl.function(register=register)
                    for item in got:
                        check(item, info.name)
                    names = [item.name for item in got]
                    twice = sorted({n for n in names if names.count(n) > 1})
                    if twice:
                        raise PluginError(f"registered {', '.join(twice)} more than once")
                except Exception as exc:
                    # All or nothing: half a plugin's exporters would be a
                    # stranger state to explain than none.
                    self._fail(info, f"{hook} failed: {describe(exc)}", exc)
                    continue
                for item in got:
                    taken = into.get(item.name)
                    if taken is not None:
                        raise PluginLoadError(
                            f"{kind[:-1].replace('_', ' ')} name {item.name!r} is claimed by "
                            f"both {taken.plugin!r} and {info.name!r}; disable one with "
                            "SIDCONTENT_DISABLE_PLUGINS"
                        )
                    into[item.name] = Registered(
                        item,
                        info.name,
                        info.version,
                        takes_context=kind != "exporters" or export_takes_context(item),
                    )
                    getattr(info, kind).append(item.name)

    # --- calling hooks ------------------------------------------------------

    def loaded(self) -> list[PluginInfo]:
        return [info for info in self.plugins.values() if info.status == "loaded"]

    def sources(self) -> tuple[PluginSource, ...]:
        """The loaded plugins, so a worker process can load the same set."""
        return tuple(info.source for info in self.loaded())

    def implementations(self, hook: str) -> list[tuple[str, Callable[..., Any]]]:
        """(plugin name, call) for each implementation of ``hook``, in call order.

        pluggy would call them all in one go and lose which plugin raised;
        calling them one by one lets the host attribute every failure.
        """
        calls = []
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):

            def call(_impl: Any = impl, **kwargs: Any) -> Any:
                # Each plugin gets its own settings, if it asks for them.
                kwargs["settings"] = self.settings_for(_impl.plugin_name)
                return _impl.function(**{name: kwargs[name] for name in _impl.argnames})

            calls.append((impl.plugin_name, call))
        return calls

    def preload_exporters(self, names: Iterable[str] | None = None) -> list[str]:
        """Run the ``preload`` of every exporter (or those ``names``d), once each.

        For a process about to run many exports of them. Returns the exporters
        whose preload failed. A failure is logged against the plugin and
        changes nothing else: its exports load what they need themselves, and
        fail there, with the export record saying why.
        """
        failed = []
        wanted = self.exporters.keys() if names is None else names
        for name in wanted:
            registered = self.exporters.get(name)
            if registered is None or name in self._preloaded:
                continue
            self._preloaded.add(name)
            try:
                registered.item.preload()
            except Exception as exc:
                failed.append(name)
                log.warning(
                    "plugin %r: preloading exporter %r failed: %s\n%s",
                    registered.plugin,
                    name,
                    describe(exc),
                    "".join(traceback.format_exception(exc)).rstrip(),
                )
        return failed

    def export_context(self, registered: Registered, media_type: str) -> ExportContext:
        """What an exporter's ``export`` gets besides the content and its options."""
        return ExportContext(
            media_type=media_type,
            social_platforms={name: reg.item for name, reg in self.social_platforms.items()},
            settings=self.settings_for(registered.plugin),
        )

    def call_export(
        self,
        registered: Registered,
        bundle: ContentBundle,
        options: Mapping[str, Any],
        media_type: str,
    ) -> Any:
        """Call a registered exporter's ``export`` in the shape it was written in.

        Returns what it returned (the caller checks it is an ``Artifact``) and
        lets its exceptions through.
        """
        exporter = registered.item
        if registered.takes_context:
            return exporter.export(bundle, options, self.export_context(registered, media_type))
        return exporter.export(bundle, options)

    def prepare_bundle(
        self, bundle: exporting.ContentBundle, exporter: str, options: Mapping[str, Any]
    ) -> exporting.ContentBundle:
        """Run the ``prepare_bundle`` chain; a failing plugin fails the export."""
        for plugin, call in self.implementations("prepare_bundle"):
            try:
                result = call(bundle=bundle, exporter=exporter, options=options)
            except Exception as exc:
                raise PluginFault(plugin, "prepare_bundle", describe(exc)) from exc
            if result is None:
                continue
            if not isinstance(result, exporting.ContentBundle):
                raise PluginFault(
                    plugin,
                    "prepare_bundle",
                    f"returned {type(result).__name__}, not a ContentBundle or None",
                )
            bundle = result
        return bundle

    def export_finished(self, record: exporting.ExportRecord) -> list[str]:
        """Tell every plugin; failures are logged and returned, never raised."""
        failures = []
        for plugin, call in self.implementations("export_finished"):
            try:
                call(export=record)
            except Exception as exc:
                log.exception("plugin %r failed in export_finished", plugin)
                failures.append(f"plugin {plugin!r} failed in export_finished: {describe(exc)}")
        return failures

    def content_changed(self, event: Any, bundles: BundleLoader | None = None) -> list[str]:
        """Tell every plugin about a committed change; failures are logged, never raised.

        ``event`` is the host's event (id, type, timestamp, data); plugins get a
        read-only :class:`~sidcontent.exporting.ContentEvent`, whose ``bundle()``
        uses ``bundles``.
        """
        calls = self.implementations("content_changed")
        if not calls:
            return []
        view = ContentEvent.of(event, bundles)
        failures = []
        for plugin, call in calls:
            try:
                call(event=view)
            except Exception as exc:
                log.exception(
                    "plugin %r failed in content_changed on %s (%s)", plugin, view.type, view.id
                )
                failures.append(f"plugin {plugin!r} failed in content_changed: {describe(exc)}")
        return failures

    def prepare_plugins(self) -> list[tuple[str, str | None]]:
        """Plugins that can change a bundle: they are part of an export's identity."""
        return [
            (impl.plugin_name, self.plugins[impl.plugin_name].version)
            for impl in self.pm.hook.prepare_bundle.get_hookimpls()
        ]


# --- discovery ----------------------------------------------------------------


def _builtin_sources(modules: Iterable[str]) -> list[PluginSource]:
    return [PluginSource(name, "builtin", name, __version__) for name in modules]


def _entry_point_sources() -> list[PluginSource]:
    found = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        version = ep.dist.version if ep.dist is not None else None
        found.append(PluginSource(ep.name, "entry-point", ep.value, version))
    return sorted(found, key=lambda s: s.name)


def _dir_sources(directory: Path) -> list[PluginSource]:
    if not directory.is_dir():
        raise PluginLoadError(f"SIDCONTENT_PLUGINS_DIR {str(directory)!r} is not a directory")
    return [
        PluginSource(path.stem, "plugins-dir", str(path.resolve()), file_version(path))
        for path in sorted(directory.glob("*.py"))
        if not path.name.startswith(("_", "."))
    ]


def file_version(path: Path) -> str | None:
    """A drop-in's version until its module declares ``__version__``: a digest
    of the file, so editing it changes the version (and an identical export
    request runs again instead of reusing the old artifact)."""
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return None  # unreadable: the import reports why


def _import(source: PluginSource) -> Any:
    if source.kind == "builtin":
        return importlib.import_module(source.target)
    if source.kind == "entry-point":
        module_name, _, attr = source.target.partition(":")
        obj: Any = importlib.import_module(module_name.strip())
        for part in attr.strip().split(".") if attr.strip() else ():
            obj = getattr(obj, part)
        return obj
    return _import_file(Path(source.target))


def _import_file(path: Path) -> ModuleType:
    # A unique module name per file: two apps (or tests) may load different
    # files with the same stem, and dataclasses need the module in sys.modules.
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", path.stem)
    module_name = f"_sidcontent_dropin_{digest}_{stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


# --- contract checks --------------------------------------------------------------


def _check_name(kind: str, item: Any) -> None:
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise PluginError(
            f"{kind} {type(item).__qualname__} has name {name!r}: "
            "use 1-64 lowercase letters, digits, - or _"
        )


EXPORT_SIGNATURES = "export(self, bundle, options) or export(self, bundle, options, context)"


def export_takes_context(item: Exporter, plugin: str | None = None) -> bool:
    """Whether ``item.export`` takes a context; refuse any other shape.

    Decided once, at registration (pluggy inspects hook implementations the
    same way), so a wrong signature fails the plugin at start-up, never a
    caller's export.
    """
    export = getattr(item, "export", None)
    whose = f"exporter {getattr(item, 'name', type(item).__qualname__)!r}"
    if plugin:
        whose += f" of plugin {plugin!r}"
    try:
        signature = inspect.signature(export)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PluginError(f"{whose}: export is not a method; write {EXPORT_SIGNATURES}") from None
    probe = (object(), object(), object())
    for takes_context, args in ((True, probe), (False, probe[:2])):
        try:
            signature.bind(*args)
        except TypeError:
            continue
        return takes_context
    raise PluginError(f"{whose}: export{signature} takes neither shape; write {EXPORT_SIGNATURES}")


def check_exporter(item: Any, plugin: str | None = None) -> None:
    if not isinstance(item, Exporter):
        raise PluginError(
            f"registered a {type(item).__qualname__}, which is not a sidcontent.exporting.Exporter"
        )
    _check_name("exporter", item)
    export_takes_context(item, plugin)
    for attr in ("title", "description"):
        if not isinstance(getattr(item, attr, None), str):
            raise PluginError(f"exporter {item.name!r} needs a string {attr}")
    media_types = getattr(item, "media_types", None)
    if (
        not isinstance(media_types, (tuple, list))
        or not media_types
        or not all(isinstance(m, str) and MEDIA_TYPE_RE.fullmatch(m) for m in media_types)
    ):
        raise PluginError(
            f"exporter {item.name!r} needs media_types, a non-empty tuple like ('text/csv',)"
        )
    schema = getattr(item, "options_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        raise PluginError(f"exporter {item.name!r}: options_schema must be a marshmallow Schema")
    # A schema that cannot be built or described fails now, not on the first
    # export or on every GET /exporters.
    schema()
    exporting.options_json_schema(schema)


def check_platform(item: Any, plugin: str | None = None) -> None:
    if not isinstance(item, SocialPlatform):
        raise PluginError(
            f"registered a {type(item).__qualname__}, "
            "which is not a sidcontent.exporting.SocialPlatform"
        )
    _check_name("social platform", item)
    if not isinstance(getattr(item, "title", None), str):
        raise PluginError(f"social platform {item.name!r} needs a string title")
    limit = getattr(item, "limit", None)
    if not isinstance(limit, int) or limit <= 0:
        raise PluginError(f"social platform {item.name!r} needs a positive integer limit")
