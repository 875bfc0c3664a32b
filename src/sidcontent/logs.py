"""Log lines: every one carries the request id; ``SIDCONTENT_LOG_FORMAT=json``
writes one JSON object per line for log collectors.

What never reaches a line: bearer tokens and their hashes (no code logs
them; the Authorization header is never logged), SQL parameters (engines
are built with ``hide_parameters``, see ``db.make_engine``).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson

from sidcontent.api.security import request_id

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Loggers whose lines are ours to format (gunicorn formats its own access log).
LOGGERS = ("sidcontent", "flask-limiter")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure(log_format: str, level: int = logging.INFO) -> logging.Handler:
    """Install our handler on our loggers, replacing one installed before."""
    if log_format not in FORMATS:
        raise ValueError(f"SIDCONTENT_LOG_FORMAT: {log_format!r} is not one of {FORMATS}")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler._sidcontent = True  # type: ignore[attr-defined]
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_sidcontent", False)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level)
    return handler
