"""Per-plugin settings: declared by the plugin, set by the operator, typed on the way in.

A plugin declares what it reads with the ``register_settings`` hook; the
operator sets ``SIDCONTENT_PLUGIN_<NAME>_<KEY>`` (``NAME`` is the plugin's
name, ``KEY`` the setting's, both upper-cased with every other character
turned into ``_``), or passes ``PLUGIN_<NAME>_<KEY>`` to ``create_app``. Values
are converted once, when the plugins load, so a bad value is a clear error
at start-up and the plugin only ever sees the type it declared.

This module imports nothing from the rest of sidcontent: plugins reach it
through :mod:`sidcontent.exporting`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ENV_PREFIX = "SIDCONTENT_"
CONFIG_PREFIX = "PLUGIN_"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

SettingType = Literal["str", "int", "float", "bool", "list", "path"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingError(ValueError):
    """A setting's value cannot be converted to its declared type, or is missing."""


@dataclass(frozen=True)
class Setting:
    """One setting a plugin reads.

    ``type`` says what the plugin receives: ``"str"``, ``"int"``, ``"float"``,
    ``"bool"`` (1/0, true/false, yes/no, on/off), ``"list"`` (comma-separated
    strings) or ``"path"`` (a :class:`pathlib.Path`). ``default`` is used when
    the setting is not set (``None`` unless given); ``required=True`` makes a
    missing value an error instead.
    """

    key: str
    type: SettingType = "str"
    default: Any = None
    required: bool = False
    description: str = ""

    def describe(self, plugin: str) -> dict[str, Any]:
        """What ``/plugins`` shows: the declaration, never a value."""
        return {
            "key": self.key,
            "env": env_name(plugin, self.key),
            "type": self.type,
            "required": self.required,
            "description": self.description,
        }


def _upper(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", text.upper())


def config_name(plugin: str, key: str) -> str:
    """``PLUGIN_<NAME>_<KEY>``: the ``create_app`` override for a setting."""
    return f"{CONFIG_PREFIX}{_upper(plugin)}_{_upper(key)}"


def env_name(plugin: str, key: str) -> str:
    """``SIDCONTENT_PLUGIN_<NAME>_<KEY>``: the environment variable for a setting."""
    return ENV_PREFIX + config_name(plugin, key)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError("expected an integer") from None


def _float(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise ValueError("expected a number") from None


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


_FROM_TEXT: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "list": _list,
    "path": lambda value: Path(value).expanduser(),
}

# Values already of the declared type (from create_app overrides) pass as they are.
_ACCEPTS: dict[str, tuple[type[Any], ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "path": (Path,),
}


def convert(setting: Setting, raw: Any) -> Any:
    """``raw`` (text from the environment, or a value from overrides) as ``setting.type``."""
    if isinstance(raw, str):
        return _FROM_TEXT[setting.type](raw)
    accepted = _ACCEPTS[setting.type]
    value: Any = raw
    # bool is an int to Python, never to an operator.
    if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
        raise ValueError(f"expected {setting.type}")
    if setting.type == "float":
        return float(value)
    if setting.type == "list":
        return [str(item) for item in value]
    return value


def check_setting(item: Any) -> None:
    """Refuse a declaration the host could not honour (raises ``ValueError``)."""
    if not isinstance(item, Setting):
        raise ValueError(
            f"registered a {type(item).__qualname__}, which is not a sidcontent.exporting.Setting"
        )
    if not isinstance(item.key, str) or not KEY_RE.match(item.key):
        raise ValueError(
            f"setting key {item.key!r}: use a lowercase letter, then letters, digits or _"
        )
    if item.type not in _FROM_TEXT:
        raise ValueError(
            f"setting {item.key!r} has type {item.type!r}: use one of {', '.join(_FROM_TEXT)}"
        )
    if item.default is not None:
        try:
            convert(item, item.default)
        except ValueError as exc:
            raise ValueError(f"setting {item.key!r} has a bad default: {exc}") from None


class PluginSettings(Mapping[str, Any]):
    """One plugin's settings, converted to their declared types.

    ``settings["feed_dir"]`` or ``settings.get("feed_dir")``; asking for a key
    the plugin did not declare raises ``KeyError`` naming the declared ones,
    so a typo fails loudly instead of reading ``None``.
    """

    def __init__(
        self, plugin: str, declared: Mapping[str, Setting], values: Mapping[str, Any]
    ) -> None:
        self.plugin = plugin
        self.declared = dict(declared)
        self._values = dict(values)

    @classmethod
    def empty(cls, plugin: str = "") -> PluginSettings:
        return cls(plugin, {}, {})

    def __getitem__(self, key: str) -> Any:
        if key not in self.declared:
            known = ", ".join(sorted(self.declared)) or "none"
            raise KeyError(
                f"plugin {self.plugin!r} declares no setting {key!r} (it declares: {known}); "
                "declare it with register_settings"
            )
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        value = self[key]
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self.declared)

    def __len__(self) -> int:
        return len(self.declared)

    def __repr__(self) -> str:
        # Keys only: a repr ends up in logs, and values may be secrets.
        return f"PluginSettings({self.plugin!r}, keys={sorted(self.declared)})"


def resolve(
    plugin: str, declared: Mapping[str, Setting], given: Mapping[str, Any]
) -> PluginSettings:
    """Read each declared setting from ``given`` (config names, ``PLUGIN_...``).

    Raises :class:`SettingError` naming the environment variable when a value
    does not convert or a required one is missing.
    """
    values: dict[str, Any] = {}
    for key, setting in declared.items():
        name = config_name(plugin, key)
        raw = given.get(name)
        if raw is None or raw == "":
            if setting.required:
                raise SettingError(f"{ENV_PREFIX}{name} is required: {setting.description or key}")
            values[key] = None if setting.default is None else convert(setting, setting.default)
            continue
        try:
            values[key] = convert(setting, raw)
        except ValueError as exc:
            shown = raw if isinstance(raw, str) else type(raw).__name__
            raise SettingError(f"{ENV_PREFIX}{name}: {exc}, not {shown!r}") from None
    return PluginSettings(plugin, declared, values)


def given_settings(environ: Mapping[str, str], config: Mapping[str, Any]) -> dict[str, Any]:
    """Every ``PLUGIN_*`` value: the environment's, then ``create_app``'s on top."""
    found: dict[str, Any] = {
        name[len(ENV_PREFIX) :]: value
        for name, value in environ.items()
        if name.startswith(ENV_PREFIX + CONFIG_PREFIX)
    }
    found.update({k: v for k, v in config.items() if k.startswith(CONFIG_PREFIX)})
    return found
