"""A form from an exporter's options JSON Schema, and the options back from it.

Any exporter, a third party's included, gets a form with no UI code of its
own: enums become selects (or checkboxes for arrays of enums), booleans
checkboxes, integers and numbers number fields with their range, objects a
JSON text area, descriptions help text. Values are only converted here;
the exporter's own schema validates them (``Exports.options``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from werkzeug.datastructures import MultiDict

PREFIX = "opt."


@dataclass
class OptionField:
    name: str
    input_name: str
    label: str
    widget: str  # select, checkboxes, checkbox, number, list, json, text
    type: str
    help: str = ""
    choices: list[str] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    step: str = "1"
    default: Any = None
    item_type: str = "string"


def _base_type(schema: dict[str, Any]) -> str:
    declared = schema.get("type", "string")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "string")
    return str(declared)


def fields_for(json_schema: dict[str, Any]) -> list[OptionField]:
    out = []
    for name, prop in (json_schema.get("properties") or {}).items():
        kind = _base_type(prop)
        label = str(prop.get("title") or name.replace("_", " ").capitalize())
        f = OptionField(
            name=name,
            input_name=PREFIX + name,
            label=label,
            widget="text",
            type=kind,
            help=str(prop.get("description") or ""),
            default=prop.get("default"),
        )
        if "enum" in prop:
            f.widget, f.choices = "select", [str(c) for c in prop["enum"] if c is not None]
        elif kind == "boolean":
            f.widget = "checkbox"
        elif kind in ("integer", "number"):
            f.widget = "number"
            f.minimum, f.maximum = prop.get("minimum"), prop.get("maximum")
            f.step = "1" if kind == "integer" else "any"
        elif kind == "array":
            items = prop.get("items") or {}
            f.item_type = _base_type(items)
            if "enum" in items:
                f.widget, f.choices = "checkboxes", [str(c) for c in items["enum"]]
            else:
                f.widget = "list"
        elif kind == "object":
            f.widget = "json"
        out.append(f)
    return out


def _scalar(value: str, kind: str) -> Any:
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    return value


def options_from(
    form: MultiDict[str, str], specs: list[OptionField]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The options the form asks for, and per-field conversion errors.

    An empty field is left out, so the exporter's default applies.
    """
    options: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for f in specs:
        try:
            if f.widget == "checkbox":
                options[f.name] = f.input_name in form
            elif f.widget == "checkboxes":
                chosen = form.getlist(f.input_name)
                if chosen:
                    options[f.name] = [_scalar(c, f.item_type) for c in chosen]
            elif f.widget == "list":
                parts = [p.strip() for p in form.get(f.input_name, "").split(",") if p.strip()]
                if parts:
                    options[f.name] = [_scalar(p, f.item_type) for p in parts]
            elif f.widget == "json":
                raw = form.get(f.input_name, "").strip()
                if raw:
                    options[f.name] = orjson.loads(raw)
            else:
                raw = form.get(f.input_name, "").strip()
                if raw:
                    options[f.name] = _scalar(raw, f.type)
        except ValueError:  # int(), float() and orjson's decode error
            errors[f.name] = [f"Not a valid {f.item_type if f.widget == 'list' else f.type}."]
    return options, errors


def values_of(form: MultiDict[str, str] | None, specs: list[OptionField]) -> dict[str, Any]:
    """What each control shows: the submitted value, else the schema default."""
    values: dict[str, Any] = {}
    for f in specs:
        if form is None:
            default = f.default
            if f.widget == "checkbox":
                values[f.name] = bool(default)
            elif f.widget == "checkboxes":
                values[f.name] = [str(v) for v in default or []]
            elif f.widget == "list":
                values[f.name] = ", ".join(str(v) for v in default or [])
            elif f.widget == "json":
                values[f.name] = orjson.dumps(default).decode() if default else ""
            else:
                values[f.name] = "" if default is None else str(default)
        elif f.widget == "checkbox":
            values[f.name] = f.input_name in form
        elif f.widget == "checkboxes":
            values[f.name] = form.getlist(f.input_name)
        else:
            values[f.name] = form.get(f.input_name, "")
    return values
