"""Request bodies: the one way every route reads JSON.

Content writes and ``/exports`` read their bodies here, so each refuses the
same things the same way: another media type (415), bytes that are not
JSON, invalid UTF-8 or lone surrogates (400, from orjson), nesting deeper
than ``MAX_DEPTH`` and NUL anywhere, a key included (422). The size limit
is enforced before any of this, chunked bodies included (``limit_body``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import orjson
from flask import current_app, request

from sidcontent.api.errors import ApiError

JSON = "application/json"
MAX_DEPTH = 16  # the deepest document any route takes is 4 (translations.fr.headline)


def json_body(media_types: Sequence[str], *, optional: bool = False) -> Any:
    """The request's JSON body: 415 for other media types, 400 if not JSON."""
    raw = request.get_data(cache=True)
    if optional and not raw:
        return None
    if request.mimetype not in media_types:
        header = "Accept-Patch" if request.method == "PATCH" else "Accept-Post"
        raise ApiError(
            415,
            f"Send the body as {' or '.join(media_types)}, not {request.mimetype or 'nothing'}.",
            headers={header: ", ".join(media_types)},
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}.") from None
    check_document(data)
    return data


def check_document(data: Any) -> None:
    """422 for a document nested too deeply or holding a NUL character.

    Walked with a stack, not recursion, so hostile input cannot exhaust it.
    PostgreSQL stores no NUL in text or JSON; no field has a use for one.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, level = stack.pop()
        if level > MAX_DEPTH:
            raise ApiError(
                422,
                f"The body nests more than {MAX_DEPTH} levels deep.",
                errors={"_schema": ["Nested too deeply."]},
            )
        if isinstance(value, str):
            if "\x00" in value:
                raise ApiError(
                    422,
                    f"{path or 'The body'}: NUL characters are not allowed.",
                    errors={path or "_schema": ["NUL characters are not allowed."]},
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    raise ApiError(
                        422,
                        "A member name holds a NUL character.",
                        errors={path or "_schema": ["NUL characters are not allowed in names."]},
                    )
                stack.append((item, child, level + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}.{i}" if path else str(i), level + 1) for i, item in enumerate(value)
            )


def limit_body() -> None:
    """Hold a body without ``Content-Length`` (chunked) to MAX_CONTENT_LENGTH.

    werkzeug checks a declared ``Content-Length`` against the limit, but a
    chunked body it only cuts at the limit and hands over the first MiB, so
    a valid message followed by padding was parsed and stored. Read such a
    body here, before any view, up to one byte past the limit: over it is a
    413 and nothing is parsed; within it, the view reads it from memory.
    """
    environ = request.environ
    if (
        environ.get("CONTENT_LENGTH")  # declared: werkzeug refuses too much (413)
        or not environ.get("HTTP_TRANSFER_ENCODING")  # no body at all
        or "wsgi.input_terminated" not in environ  # werkzeug reads nothing
    ):
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stream = environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise ApiError(413, f"The body is over the limit of {limit} bytes.")
    # Still "terminated" (werkzeug reads it to its end), now from memory.
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
