"""structlog setup: readable on a terminal, JSON lines otherwise; secrets never logged."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog

from acd.ami.client import quiet_library_logs

_SECRET_KEYS = frozenset({"secret", "password", "token", "authorization"})


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in event:
        if key.lower() in _SECRET_KEYS:
            event[key] = "***"
    return event


def configure_logging(fmt: str = "auto", level: str = "info") -> None:
    """Our own events go straight from structlog to stderr; the standard library's
    (the AMI library, aiohttp) through a logging handler rendering the same way."""
    use_console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
        # `log.exception(...)`: the traceback as text in the event.
        structlog.processors.format_exc_info,
    ]
    foreign_renderer: Any
    if use_console:
        own_renderer: Any = structlog.dev.ConsoleRenderer()
        foreign_renderer = own_renderer
        logger_factory: Any = structlog.WriteLoggerFactory(sys.stderr)
    else:
        # The call flow logs every state change at info: orjson and a bytes logger
        # (no logging.Handler, no lock, no str round trip) keep each line cheap.
        own_renderer = structlog.processors.JSONRenderer(serializer=orjson.dumps)
        foreign_renderer = structlog.processors.JSONRenderer()
        logger_factory = structlog.BytesLoggerFactory(sys.stderr.buffer)
    structlog.configure(
        processors=[*shared, own_renderer],
        logger_factory=logger_factory,
        # Calls below the level return at once, before any processor runs: the call
        # flow must not pay for its info lines at warning.
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                foreign_renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_library_logs()
