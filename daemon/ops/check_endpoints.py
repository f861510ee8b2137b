"""`xero-syncd check`, the endpoints half: try Xero's token, connections and Accounting API endpoints, Slack's Web
API and a PostgreSQL server, without changing anything (no token is refreshed, no row is written).

Only variable names, URLs (without any password), HTTP statuses and the error codes the servers answered are
shown. An endpoint whose setting failed validation is not tried: its default would say nothing about it.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable

import aiohttp

from daemon.core.errors import XeroTransientError
from daemon.core.net import describe, outbound
from daemon.core.settings import Settings
from daemon.ops.check_settings import shown
from storage.db import open_database
from storage.migrations import applied
from storage.urls import redact

TIMEOUT = aiohttp.ClientTimeout(total=10)
PROBE_REFRESH_TOKEN = "xero-syncd-check-not-a-real-token"  # a refresh Xero cannot honour: tests the client only
Lines = list[tuple[str, str]]


def probes(http: aiohttp.ClientSession, settings: Settings, failed: frozenset[str]) -> list[Awaitable[Lines]]:
    """The checks worth running: none for an endpoint whose URL setting is invalid (reported above)."""
    api = settings.xero_api_url.rstrip("/") + "/Organisation"
    wanted = [
        ("XERO_TOKEN_URL", lambda: _xero_token(http, settings)),
        ("XERO_CONNECTIONS_URL", lambda: _unauthenticated(http, "Xero connections", settings.xero_connections_url)),
        ("XERO_API_URL", lambda: _unauthenticated(http, "Xero Accounting API", api)),
        ("SLACK_API_URL", lambda: _slack(http, settings)),
        ("DATABASE_URL", lambda: _database(settings)),
    ]
    return [make() for variable, make in wanted if variable not in failed]


async def _database(settings: Settings) -> Lines:
    """A PostgreSQL DATABASE_URL: the server answers and lets us in (the URL shown without its password)."""
    if not settings.shared_database:
        return []
    shown_url = redact(settings.database_url)
    db = open_database(settings.database_url)
    try:
        await asyncio.wait_for(db.connect(), TIMEOUT.total)
        versions = await applied(db)
    except Exception as err:  # OSError, a timeout, or one of asyncpg's (refused login, no such database)
        return [("fail", f"database {shown_url}: cannot connect ({type(err).__name__})")]
    finally:
        await db.close()
    migrated = "" if versions else " (no tables yet: `xero-syncd migrate`)"
    return [("ok", f"database {shown_url}: PostgreSQL answers{migrated}")]


async def _xero_token(http: aiohttp.ClientSession, settings: Settings) -> Lines:
    """A refresh with a made-up token: `invalid_grant` proves the endpoint is up and the client credentials good."""
    url = settings.xero_token_url
    creds = settings.xero_client_id and settings.xero_client_secret
    headers = {"Authorization": aiohttp.encode_basic_auth(settings.xero_client_id or "",
                                                          settings.xero_client_secret or "")} if creds else {}
    form = {"grant_type": "refresh_token", "refresh_token": PROBE_REFRESH_TOKEN}
    where = f"Xero token endpoint {shown(url)}"
    try:
        with outbound("Xero token endpoint"):
            async with http.post(url, data=form, headers=headers) as resp:
                status, error = resp.status, await _error_code(resp)
    except XeroTransientError as err:
        return [("fail", f"{where}: unreachable ({describe(err.__cause__)})")]
    if not creds:
        return [("ok", f"{where}: reachable (HTTP {status}); client credentials not set")]
    if error == "invalid_grant":
        return [("ok", f"{where}: reachable, XERO_CLIENT_ID and XERO_CLIENT_SECRET accepted")]
    if error in ("invalid_client", "unauthorized_client") or status == 401:
        return [("fail", f"{where}: XERO_CLIENT_ID / XERO_CLIENT_SECRET refused ({error or status})")]
    return [("warn", f"{where}: unexpected answer HTTP {status} {error or ''}".rstrip())]


async def _unauthenticated(http: aiohttp.ClientSession, what: str, url: str) -> Lines:
    """Without a token the endpoint should say 401: that is enough to know it is there."""
    try:
        with outbound(what):
            async with http.get(url) as resp:
                status = resp.status
    except XeroTransientError as err:
        return [("fail", f"{what} {shown(url)}: unreachable ({describe(err.__cause__)})")]
    if status in (401, 403):
        return [("ok", f"{what} {shown(url)}: reachable")]
    tag = "fail" if status == 404 or status >= 500 else "warn"
    return [(tag, f"{what} {shown(url)}: unexpected answer HTTP {status} (is the URL right?)")]


async def _slack(http: aiohttp.ClientSession, settings: Settings) -> Lines:
    lines: Lines = []
    if settings.slack_bot_token:
        lines.append(await _slack_call(http, settings, "auth.test", settings.slack_bot_token, "SLACK_BOT_TOKEN"))
    if settings.slack_app_token:
        lines.append(await _slack_call(http, settings, "apps.connections.open", settings.slack_app_token,
                                       "SLACK_APP_TOKEN"))
    return lines


async def _slack_call(http: aiohttp.ClientSession, settings: Settings, method: str, token: str, name: str):
    url = settings.slack_api_url.rstrip("/") + "/" + method
    try:
        with outbound(f"Slack {method}"):
            async with http.post(url, headers={"Authorization": f"Bearer {token}"}) as resp:
                payload = await resp.json(content_type=None)
    except (XeroTransientError, ValueError) as err:  # unreachable, or an answer that is not JSON: not Slack
        reason = describe(err.__cause__ or err)
        return ("fail", f"Slack {method} at {shown(url)}: unreachable or not Slack ({reason})")
    if not isinstance(payload, dict) or not payload.get("ok"):
        error = payload.get("error", "no answer") if isinstance(payload, dict) else "unreadable answer"
        return ("fail", f"Slack {method}: {name} refused ({error})")
    if method == "auth.test":
        who = f"team {payload.get('team', '?')} ({payload.get('team_id', '?')}), bot user {payload.get('user_id', '?')}"
        return ("ok", f"Slack auth.test: {name} accepted: {who}")
    return ("ok", f"Slack {method}: {name} accepted (Socket Mode can connect)")


async def _error_code(resp: aiohttp.ClientResponse) -> str | None:
    try:
        payload = await resp.json(content_type=None)
    except ValueError:
        return None
    return str(payload.get("error")) if isinstance(payload, dict) and payload.get("error") else None
