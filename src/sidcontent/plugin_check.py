"""``sidcontent plugins check``: one plugin, loaded on its own, tried as the host would.

It loads a drop-in file or an installed distribution's entry points into a
host with nothing else (no built-ins, no other distributions), then reports
what each plugin registers, whether its hook implementations match the
hookspecs, whether each exporter's options schema converts to JSON Schema,
and runs one export per media type against the sample bundle of
:mod:`sidcontent.testing`, in a worker process under a time limit, as the
server would. Every problem is listed; any problem makes the command fail.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from sidcontent import plugins
from sidcontent.exporting import options_json_schema
from sidcontent.exports import sandbox
from sidcontent.plugins import PluginHost, PluginLoadError, PluginSource, describe

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Report:
    """What was found: lines to show, and the problems among them."""

    target: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    plugins: list[dict[str, Any]] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, line: str) -> None:
        self.problems.append(line)
        self.lines.append(f"problem: {line}")

    @property
    def ok(self) -> bool:
        return not self.problems

    def payload(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "problems": self.problems,
            "plugins": self.plugins,
        }


def sources_for(target: str) -> list[PluginSource]:
    """The plugins ``target`` names: a ``.py`` file, a project folder or a distribution.

    Raises ``LookupError`` saying what is missing.
    """
    path = Path(target)
    if path.is_file():
        if path.suffix != ".py":
            raise LookupError(f"{target} is not a .py file")
        return [PluginSource(path.stem, "plugins-dir", str(path.resolve()))]
    if path.is_dir():
        pyproject = path / "pyproject.toml"
        if not pyproject.is_file():
            raise LookupError(f"{target} is a folder without a pyproject.toml")
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        if not name:
            raise LookupError(f"{pyproject} has no [project] name")
        return _distribution_sources(name, hint=f" (pip install -e {target})")
    return _distribution_sources(target)


def _distribution_sources(name: str, hint: str = "") -> list[PluginSource]:
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise LookupError(
            f"no installed distribution named {name!r}{hint}; or pass a plugin's .py file"
        ) from None
    found = [
        PluginSource(ep.name, "entry-point", ep.value, dist.version)
        for ep in dist.entry_points
        if ep.group == plugins.ENTRY_POINT_GROUP
    ]
    if not found:
        raise LookupError(
            f"distribution {name!r} declares no entry point in the "
            f"{plugins.ENTRY_POINT_GROUP!r} group ([project.entry-points.sidcontent])"
        )
    return sorted(found, key=lambda s: s.name)


def check(
    target: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> Report:
    """Load ``target`` alone and try everything it registers."""
    from sidcontent.testing import make_bundle

    report = Report(target)
    try:
        sources = sources_for(target)
    except LookupError as exc:
        report.problem(str(exc))
        return report
    try:
        host = PluginHost((), sources=sources)
    except PluginLoadError as exc:
        report.problem(str(exc))
        return report
    bundle = make_bundle()
    for info in host.plugins.values():
        entry = info.payload()
        report.plugins.append(entry)
        where = f"{info.source.kind} {info.source.target}"
        report.say(f"plugin {info.name} {info.version or '-'} ({where}): {info.status}")
        if info.status != "loaded":
            report.problem(f"plugin {info.name}: {info.error}")
            continue
        if info.hooks:
            report.say(f"  hooks: {', '.join(info.hooks)}: each matches a hookspec")
        else:
            report.problem(f"plugin {info.name} implements no hook: it can do nothing")
        for setting in info.settings:
            need = "required" if setting["required"] else "optional"
            report.say(f"  setting {setting['key']} ({setting['type']}, {need}): {setting['env']}")
        for name in info.social_platforms:
            report.say(f"  social platform {name}")
        entry["checks"] = []
        for name in info.exporters:
            entry["checks"] += _check_exporter(report, host, name, bundle, timeout, max_bytes)
    if not host.plugins:
        report.problem("nothing to load")
    return report


def _check_exporter(
    report: Report, host: PluginHost, name: str, bundle: Any, timeout: float, max_bytes: int
) -> list[dict[str, Any]]:
    registered = host.exporters[name]
    item = registered.item
    results: list[dict[str, Any]] = []
    shape = "bundle, options, context" if registered.takes_context else "bundle, options"
    report.say(f"  exporter {name} ({item.title}): export({shape})")
    try:
        schema = options_json_schema(item.options_schema)
    except Exception as exc:
        report.problem(f"exporter {name}: options schema does not convert: {describe(exc)}")
        return results
    properties = sorted(schema.get("properties", {}))
    report.say(f"    options schema -> JSON Schema: {', '.join(properties) or 'no options'}")
    try:
        options = item.options_schema().load({})
    except ValidationError as exc:
        report.problem(
            f"exporter {name}: its options have no working defaults, "
            f"so a request without options is refused: {exc.messages}"
        )
        return results
    for media_type in item.media_types:
        job = sandbox.Job(name, registered.plugin, bundle, options, media_type, max_bytes)
        result = sandbox.run(job, host, timeout)
        if isinstance(result, sandbox.Produced):
            artifact = result.artifact
            results.append(
                {
                    "exporter": name,
                    "media_type": media_type,
                    "ok": True,
                    "filename": artifact.filename,
                    "bytes": len(artifact.content),
                }
            )
            report.say(
                f"    export {media_type} against the sample bundle: {artifact.filename}, "
                f"{len(artifact.content):,} bytes in {result.seconds * 1000:.0f} ms"
            )
        else:
            results.append(
                {"exporter": name, "media_type": media_type, "ok": False, "error": result.message}
            )
            report.problem(
                f"exporter {name}: export {media_type} failed ({result.kind}): {result.message}"
            )
    return results
