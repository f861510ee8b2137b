"""Small parts of the demo console: counting an app's requests (to tell when all is quiet), reading Slack Web API
arguments, the text of a small HTML page, and whether the terminal can print a character."""

from __future__ import annotations

import json
import re
from typing import TextIO

from aiohttp import web


class RequestCounter:
    """A middleware counting an app's requests, served and in flight (so the demo can tell when all is quiet)."""

    def __init__(self) -> None:
        self.count = 0
        self.in_flight = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler) -> web.StreamResponse:
        self.count += 1
        self.in_flight += 1
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1


async def web_api_arguments(request: web.Request) -> dict:
    """Web API arguments: JSON, or a form whose `blocks` is JSON text (slack_sdk sends either)."""
    if request.content_type == "application/json":
        return dict(await request.json())
    args = dict(await request.post())
    if isinstance(args.get("blocks"), str):
        args["blocks"] = json.loads(args["blocks"])
    return args


def page_text(page: str) -> list[str]:
    """The headline and the list items / paragraphs of a small HTML page."""
    parts = re.findall(r"<(?:h1|p|li)[^>]*>(.*?)</(?:h1|p|li)>", page, flags=re.S | re.I)
    return [re.sub(r"<[^>]+>", "", p).strip() for p in parts if p.strip()] or ["(empty page)"]


def can_print(out: TextIO, sample: str) -> bool:
    try:
        sample.encode(getattr(out, "encoding", None) or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False
