"""Every line the process writes is one JSON object when not on a terminal: our own events, the standard library's
loggers (aiohttp, slack-bolt, asyncio) and warnings alike; on a terminal the console renderer formats exceptions."""

import io
import json
import logging
import warnings
from contextlib import contextmanager
from typing import Iterator

import structlog

from daemon.core import logs


@contextmanager
def captured(*, json_lines: bool) -> Iterator[io.StringIO]:
    """What is logged meanwhile (at info and above), in the format asked; the suite's own logging afterwards."""
    out = io.StringIO()
    logs.configure("info", json=json_lines, file=out, cache=False)
    try:
        yield out
    finally:
        logs.configure("warning", json=False, cache=False)


def _lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_our_events_and_the_libraries_lines_are_all_json():
    with captured(json_lines=True) as out:
        structlog.get_logger("daemon.test").info("sync.run_finished", records=3)
        logging.getLogger("aiohttp.server").error("Error handling request")
        logging.getLogger("xero_syncd.slack_bolt").warning("bolt says %s", "hello")
        logging.getLogger("aiohttp.access").debug("below the level: not written")
        # what `warnings.warn` calls to show a warning (pytest records warnings itself, so it is called directly)
        warnings.showwarning("something is deprecated", DeprecationWarning, __file__, 1)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("asyncio").exception("Task exception was never retrieved")
    lines = _lines(out)
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("daemon.test", "info"), ("aiohttp.server", "error"), ("xero_syncd.slack_bolt", "warning"),
        ("py.warnings", "warning"), ("asyncio", "error")]
    assert lines[0]["event"] == "sync.run_finished" and lines[0]["records"] == 3 and "timestamp" in lines[0]
    assert lines[2]["event"] == "bolt says hello"
    assert "something is deprecated" in lines[3]["event"]
    assert "ValueError: boom" in lines[4]["exception"]


def test_a_secret_passed_as_a_field_is_redacted_from_a_library_line_too():
    with captured(json_lines=True) as out:
        structlog.get_logger("daemon.test").info("xero.token_refreshed", refresh_token="rt-SECRET")
        logging.getLogger("some.library").info("extra fields", extra={"access_token": "at-SECRET"})
    assert "SECRET" not in out.getvalue()


def test_the_console_renderer_formats_exceptions_itself():
    with captured(json_lines=False) as out:
        try:
            raise RuntimeError("kaboom")
        except RuntimeError:
            structlog.get_logger("daemon.test").exception("slack.command_failed")
    text = out.getvalue()
    assert "slack.command_failed" in text and "RuntimeError" in text and "kaboom" in text
    assert not text.lstrip().startswith("{")
