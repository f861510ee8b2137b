"""structlog, configured once by the entry point: JSON lines when not on a terminal, pretty when on one."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

SECRET_KEYS = {"access_token", "refresh_token", "code", "code_verifier", "client_secret", "signing_secret", "token"}


def _redact(_, __, event_dict: dict) -> dict:
    """A last line of defence: a secret passed as a log field by mistake is never written out."""
    for key in SECRET_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    return event_dict


def configure(level: str = "info", *, json: bool | None = None, file: TextIO | None = None,
              cache: bool = True) -> None:
    """Log to `file` (standard error by default): JSON lines unless it is a terminal. `cache=False` (tests) lets
    a later call reconfigure loggers that have already been used."""
    file = file or sys.stderr
    json = not file.isatty() if json is None else json
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=file),
        cache_logger_on_first_use=cache,
    )
