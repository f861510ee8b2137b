"""Logging, configured once by the entry point: every line the process writes goes through structlog, JSON lines
when not on a terminal and a readable console when on one.

Our own loggers are structlog's (`log = structlog.get_logger(__name__)`); the standard library's (aiohttp,
slack-bolt, asyncio, warnings) are routed through the same processors by `ProcessorFormatter`, so a deployed
daemon's output is all JSON. The console renderer formats exceptions itself; in JSON they are one field.
"""

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
    number = getattr(logging, level.upper())
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    rendering = ([structlog.processors.format_exc_info, structlog.processors.JSONRenderer()] if json
                 else [structlog.dev.ConsoleRenderer()])
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(number),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=cache,
    )
    handler = logging.StreamHandler(file)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
    ))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(number)
    logging.captureWarnings(False)  # (re)install the hook: something may have replaced it since the last call
    logging.captureWarnings(True)
