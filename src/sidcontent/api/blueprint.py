"""The flask-smorest Blueprint every resource family uses."""

from __future__ import annotations

from typing import Any

import flask_smorest

from sidcontent.api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA
from sidcontent.api.params import StrictParser


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = StrictParser()

    def problems(self, *statuses: int) -> Any:
        """Document problem+json error responses for a view."""

        def decorator(func: Any) -> Any:
            for status in statuses:
                func = self.alt_response(
                    status,
                    schema=PROBLEM_SCHEMA,
                    content_type=PROBLEM_MEDIA_TYPE,
                    description=_DESCRIPTIONS.get(status, "Error"),
                )(func)
            return func

        return decorator


_DESCRIPTIONS = {
    400: "Bad request: a query parameter is missing, repeated or malformed.",
    401: "Missing, malformed, expired or revoked token.",
    403: "The token lacks the role this needs.",
    404: "No such item (or not visible to this caller).",
    409: "Conflict with the current state.",
    412: "If-Match does not match the current ETag.",
    413: "Body too large.",
    415: "Unsupported media type.",
    422: "The body breaks a validation rule.",
    428: "If-Match is required.",
}
