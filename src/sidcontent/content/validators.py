"""Validators shared by the content schemas and by plugins' option schemas.

Kept free of the models so that :mod:`sidcontent.exporting`, which plugins
import, can re-export them without loading the database layer.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from marshmallow import ValidationError, validate


class _Pattern(Protocol):
    """A compiled pattern: ``re``'s, or the ``regex`` package's (for ``\\p{L}``)."""

    @property
    def pattern(self) -> Any: ...

    def fullmatch(self, string: str) -> object | None: ...


# Patterns are published in the OpenAPI document and in /exporters (ECMA
# syntax, where ``$`` is the end of the string) and matched whole here with
# ``fullmatch``: Python's ``$`` also matches before a final newline, so
# ``validate.Regexp`` (which calls ``match``) lets "sid-2027\n" through.


class FullMatch(validate.Validator):
    """Like ``validate.Regexp``, but the pattern must match the whole string.

    ``regex`` is a pattern string or a compiled pattern; ``error`` may use
    ``{input}`` and ``{regex}``. apispec publishes any validator's ``regex``
    as the field's JSON Schema ``pattern``.
    """

    default_message = "String does not match expected pattern."

    def __init__(
        self, regex: str | re.Pattern[str] | _Pattern, flags: int = 0, error: str | None = None
    ) -> None:
        self.regex: _Pattern = re.compile(regex, flags) if isinstance(regex, str) else regex
        self.error: str = error or self.default_message

    def _repr_args(self) -> str:
        return f"regex={self.regex!r}"

    def _format_error(self, value: Any) -> str:
        return self.error.format(input=value, regex=self.regex.pattern)

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value
