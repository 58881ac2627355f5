"""Logging set-up: plain text or one JSON object per line (LOG_FORMAT=json).

Third-party loggers that would print secrets or what people wrote are quietened here; each
platform names its own (httpx logs every request URL at INFO, and Telegram's carry the token).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

# Loggers that would print request lines or SQL parameters holding answers and comments (the
# database drivers) at DEBUG or INFO. Each platform adds its libraries' (Platform.quiet_loggers).
QUIET = (
    "aiohttp.access",
    "aiohttp.client",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "fontTools",  # the debrief pack's font subsetting: a line per table, hundreds per PDF
)


class JsonFormatter(logging.Formatter):
    """One line of JSON per record: time, level, logger, message, and any `extra` fields."""

    RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in self.RESERVED}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO", fmt: str = "text", quiet: Sequence[str] = ()) -> None:
    """Configure the root logger once, at start-up; `quiet` loggers (and QUIET) never log
    below WARNING."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in (*QUIET, *quiet):  # never below WARNING, whatever LOG_LEVEL says
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
