"""Compressed answers: Xero gzips a response body when the request's Accept-Encoding allows gzip.

aiohttp's client asks for it by default (`Accept-Encoding: gzip, deflate`) and inflates transparently. The body is
compressed before a `truncated` fault cuts it, so a truncated answer is half a gzip stream: still broken.
"""

from __future__ import annotations

import gzip

from aiohttp import web

LEVEL = 1  # fast: a 1000-invoice page (about 1.7 MB of JSON) deflates in about 10 ms, to about a fifth


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (listed, or `*`, with a q-value above 0)."""
    if not header:
        return False
    weights: dict[str, float] = {}
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding.strip().lower()] = weight
    if "gzip" in weights or "x-gzip" in weights:
        return max(weights.get("gzip", 0.0), weights.get("x-gzip", 0.0)) > 0
    return weights.get("*", 0.0) > 0


def gzip_response(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """The same answer with a gzipped body when the client accepts gzip; unchanged otherwise."""
    if not isinstance(response, web.Response) or not response.body or "Content-Encoding" in response.headers:
        return response
    response.headers.add("Vary", "Accept-Encoding")
    if not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    response.body = gzip.compress(bytes(response.body), compresslevel=LEVEL, mtime=0)
    response.headers["Content-Encoding"] = "gzip"
    return response
