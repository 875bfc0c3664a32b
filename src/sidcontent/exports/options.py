"""Loading an exporter's options the way the host promises every plugin.

The plugin's marshmallow schema decides what its options mean; the host
adds two rules no plugin has to remember:

- every ``validate.Regexp`` in the schema matches the whole string, as the
  ``pattern`` that ``/exporters`` publishes for it means (Python's ``$``
  also matches before a final newline, so ``^[a-z]+$`` would take "x\\n");
- no string in the options, key or value at any depth, holds a control
  character other than tab and line breaks, or a lone surrogate (stored
  options must survive PostgreSQL, logs and the exporter's output).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from sidcontent.content.schemas import check_text
from sidcontent.content.validators import FullMatch


def load(schema: Schema, options: Mapping[str, Any]) -> dict[str, Any]:
    """``schema.load(options)`` under the host's rules; raises ValidationError."""
    problems = _text_problems(options)
    if problems:
        raise ValidationError(problems)
    for field in schema.fields.values():
        _whole_patterns(field)
    loaded: dict[str, Any] = schema.load(dict(options))
    return loaded


def _whole_patterns(field: fields.Field[Any]) -> None:
    # Each Schema() deep-copies its declared fields, so this changes the
    # plugin's schema for this one load only.
    field.validators = [_whole(check) for check in field.validators]
    children: list[fields.Field[Any] | None] = [
        getattr(field, "inner", None),
        getattr(field, "key_field", None),
        getattr(field, "value_field", None),
        *getattr(field, "tuple_fields", ()),
    ]
    for child in children:
        if child is not None:
            _whole_patterns(child)
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        for nested in field.schema.fields.values():
            _whole_patterns(nested)


def _whole(check: Any) -> Any:
    # Only Regexp itself: a subclass may mean something of its own.
    if type(check) is validate.Regexp and isinstance(check.regex.pattern, str):
        return FullMatch(check.regex, error=check.error)
    return check


def _text_problems(value: Any) -> Any:
    """Errors shaped like marshmallow's ({field: [...]}, lists by index), or None."""
    if isinstance(value, str):
        try:
            check_text(value)
        except ValidationError as exc:
            return exc.messages
        return None
    if isinstance(value, Mapping):
        found: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and _text_problems(key):
                found[key] = ["Control characters are not allowed in a name."]
            elif (problem := _text_problems(item)) is not None:
                found[key] = problem
        return found or None
    if isinstance(value, (list, tuple)):
        listed = {i: p for i, item in enumerate(value) if (p := _text_problems(item)) is not None}
        return listed or None
    return None
