"""The browser side of "Online Authentication": the signed start link and Xero's callback."""

from __future__ import annotations

import structlog
from aiohttp import web

from daemon.core.errors import OAuthFlowError
from daemon.core.keys import SERVICE
from handlers.pages import page

log = structlog.get_logger(__name__)


async def start(request: web.Request) -> web.StreamResponse:
    link = request.query.get("link", "")
    if not link:
        return page("Link missing", "This address needs the link from Slack. Ask for one with /xero auth.",
                    ok=False, status=400)
    try:
        authorize_url = await request.app[SERVICE].start_consent(link)
    except OAuthFlowError as err:
        return page("This link cannot be used", str(err), ok=False, status=400)
    raise web.HTTPFound(authorize_url, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def callback(request: web.Request) -> web.Response:
    query = request.query
    try:
        result = await request.app[SERVICE].complete_consent(
            state=query.get("state"), code=query.get("code"), error=query.get("error")
        )
    except OAuthFlowError as err:
        log.info("oauth.callback_refused", reason=str(err))
        return page("Xero was not connected", str(err), ok=False, status=400)
    items = [f"{o.name} (new)" for o in result.new] + [f"{o.name} (reconnected)" for o in result.reconnected]
    items += [f"{name} (not connected: this link re-authorizes other organisations; an admin can add it with "
              "/xero auth)" for name in result.ignored]
    return page("Xero is connected", "These organisations are connected and will sync now:", items=items)
