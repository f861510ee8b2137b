"""Small HTML pages for the browser side of the consent flow. Everything shown is escaped."""

from __future__ import annotations

from html import escape

from aiohttp import web

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · xero-syncd</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}}
h1{{font-size:1.4rem}} .ok{{color:#0b7a3e}} .bad{{color:#b42318}} li{{margin:.3rem 0}}</style></head>
<body><h1 class="{tone}">{title}</h1>{body}</body></html>"""


def page(title: str, message: str, *, items: list[str] = (), ok: bool = True, status: int = 200) -> web.Response:
    listing = "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else ""
    body = f"<p>{escape(message)}</p>{listing}"
    html = TEMPLATE.format(title=escape(title), body=body, tone="ok" if ok else "bad")
    return web.Response(text=html, content_type="text/html", status=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
