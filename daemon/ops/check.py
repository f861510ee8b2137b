"""`xero-syncd check`: validate the settings and try every outside endpoint, printing what is wrong.

Each line is `ok`, `warn` (works, but probably not what you want) or `FAIL` (the daemon will not work); the exit
status is 1 when anything failed. Nothing here prints or logs a secret: only variable names, URLs, HTTP statuses
and the error codes the servers answered. Nothing is changed: no token is refreshed, no row is written.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Mapping, TextIO
from urllib.parse import urlsplit

import aiohttp

from daemon.core.crypto import KEY_FILE
from daemon.core.errors import SettingsError, XeroTransientError
from daemon.core.net import describe, outbound
from daemon.core.settings import VARIABLES, Settings
from storage.db import open_database
from storage.migrations import applied
from storage.urls import redact

TIMEOUT = aiohttp.ClientTimeout(total=10)
PROBE_REFRESH_TOKEN = "xero-syncd-check-not-a-real-token"  # a refresh Xero cannot honour: tests the client only


@dataclass
class Report:
    out: TextIO
    problems: int = 0

    def ok(self, text: str) -> None:
        self._line("ok", text)

    def warn(self, text: str) -> None:
        self._line("warn", text)

    def fail(self, text: str) -> None:
        self.problems += 1
        self._line("FAIL", text)

    def _line(self, tag: str, text: str) -> None:
        print(f"  {tag:<5} {text}", file=self.out, flush=True)


async def run_check(environ: Mapping[str, str], out: TextIO) -> int:
    report = Report(out)
    print("xero-syncd check: settings", file=out)
    settings = check_settings(environ, report)
    print("xero-syncd check: endpoints", file=out)
    async with aiohttp.ClientSession(timeout=TIMEOUT, headers={"User-Agent": "xero-syncd-check/0.1"}) as http:
        checks = [_xero_token(http, settings), _unauthenticated(http, "Xero connections", settings.xero_connections_url),
                  _unauthenticated(http, "Xero Accounting API", settings.xero_api_url.rstrip("/") + "/Organisation"),
                  _slack(http, settings), _database(settings)]
        for lines in await asyncio.gather(*checks):
            for tag, text in lines:
                getattr(report, tag)(text)
    verdict = "no problems found" if not report.problems else f"{report.problems} problem(s) found"
    print(f"xero-syncd check: {verdict}", file=out)
    return 1 if report.problems else 0


# -- settings ----------------------------------------------------------------------------------------------------
def validate(environ: Mapping[str, str]) -> tuple[Settings, list[SettingsError]]:
    """Every settings problem at once (not only the first), and settings with the bad values left at defaults."""
    env = {k: v for k, v in environ.items() if k in VARIABLES}
    errors: list[SettingsError] = []
    relaxed: set[str] = set()
    for _ in range(len(VARIABLES) + 3):
        try:
            return Settings.from_env(env, require_xero="xero" not in relaxed, require_slack="slack" not in relaxed), errors
        except SettingsError as err:
            errors.append(err)
            if (env.get(err.variable) or "").strip():
                env.pop(err.variable)  # a malformed value: carry on with the default
            else:
                relaxed.add("xero" if err.variable.startswith("XERO_") else "slack")  # a required value is missing
    raise AssertionError("settings validation did not settle")  # pragma: no cover


def check_settings(environ: Mapping[str, str], report: Report) -> Settings:
    settings, errors = validate(environ)
    for err in errors:
        report.fail(f"{err}")
    if not errors:
        report.ok(f"{len(VARIABLES)} settings read and valid")
    _advice(settings, environ, report)
    return settings


def _advice(settings: Settings, environ: Mapping[str, str], report: Report) -> None:
    parts = urlsplit(settings.public_url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    note = report.ok if parts.scheme == "https" or local else report.warn
    note(f"Xero redirect URI to register in the Xero app: {settings.redirect_uri}"
         + ("" if parts.scheme == "https" or local else " (Xero accepts http only for localhost: use https)"))
    if settings.slack_app_token:
        report.ok("Slack over Socket Mode (SLACK_APP_TOKEN is set): no public URL needed for Slack")
    else:
        report.ok(f"Slack request URL for the app manifest: {settings.link('/slack/events')}")
    prefixes = settings.slack_response_url_prefixes
    report.ok("SLACK_RESPONSE_URL_PREFIXES: replies to commands go only to " + ", ".join(prefixes))
    for prefix in prefixes:
        if urlsplit(prefix).scheme != "https" and urlsplit(prefix).hostname not in ("localhost", "127.0.0.1", "::1"):
            report.warn(f"SLACK_RESPONSE_URL_PREFIXES: {prefix} is not https: replies could be read on the way")
    if not settings.slack_bot_token:
        report.warn("SLACK_BOT_TOKEN is not set: commands work, but alerts are only logged, never posted")
    if not settings.slack_alert_channel:
        report.warn("SLACK_ALERT_CHANNEL is not set: sync failures will only be logged")
    if not settings.slack_admin_users:
        report.warn("SLACK_ADMIN_USERS is empty: every member of the workspace may run admin commands")
    if not settings.xero_webhook_key:
        report.ok("XERO_WEBHOOK_KEY is not set: /webhooks/xero is off (hourly and manual syncs only)")
    _data_folder(settings, report)


def _data_folder(settings: Settings, report: Report) -> None:
    if settings.shared_database:
        return  # a server: checked with the endpoints
    folder = settings.data_dir.resolve()
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not os.access(existing, os.W_OK):
        report.fail(f"DATABASE_URL: the data folder {folder} cannot be created or written by this user")
        return
    db = settings.database_path
    report.ok(f"database: {db.resolve()}" + ("" if db.exists() else " (not created yet: `xero-syncd migrate`)"))
    if not settings.secret_key and not (folder / KEY_FILE).exists():
        report.warn(f"SECRET_KEY is not set: a key will be generated into {folder / KEY_FILE}; back it up with "
                    "the database (without it stored tokens cannot be read)")


# -- endpoints ---------------------------------------------------------------------------------------------------
Lines = list[tuple[str, str]]


async def _database(settings: Settings) -> Lines:
    """A PostgreSQL DATABASE_URL: the server answers and lets us in (the URL shown without its password)."""
    if not settings.shared_database:
        return []
    shown = redact(settings.database_url)
    db = open_database(settings.database_url)
    try:
        await asyncio.wait_for(db.connect(), TIMEOUT.total)
        versions = await applied(db)
    except Exception as err:  # OSError, a timeout, or one of asyncpg's (refused login, no such database)
        return [("fail", f"database {shown}: cannot connect ({type(err).__name__})")]
    finally:
        await db.close()
    migrated = "" if versions else " (no tables yet: `xero-syncd migrate`)"
    return [("ok", f"database {shown}: PostgreSQL answers{migrated}")]


async def _xero_token(http: aiohttp.ClientSession, settings: Settings) -> Lines:
    """A refresh with a made-up token: `invalid_grant` proves the endpoint is up and the client credentials good."""
    url = settings.xero_token_url
    creds = settings.xero_client_id and settings.xero_client_secret
    headers = {"Authorization": aiohttp.encode_basic_auth(settings.xero_client_id or "",
                                                          settings.xero_client_secret or "")} if creds else {}
    form = {"grant_type": "refresh_token", "refresh_token": PROBE_REFRESH_TOKEN}
    try:
        with outbound("Xero token endpoint"):
            async with http.post(url, data=form, headers=headers) as resp:
                status, error = resp.status, await _error_code(resp)
    except XeroTransientError as err:
        return [("fail", f"Xero token endpoint {url}: unreachable ({describe(err.__cause__)})")]
    if not creds:
        return [("ok", f"Xero token endpoint {url}: reachable (HTTP {status}); client credentials not set")]
    if error == "invalid_grant":
        return [("ok", f"Xero token endpoint {url}: reachable, XERO_CLIENT_ID and XERO_CLIENT_SECRET accepted")]
    if error in ("invalid_client", "unauthorized_client") or status == 401:
        return [("fail", f"Xero token endpoint {url}: XERO_CLIENT_ID / XERO_CLIENT_SECRET refused ({error or status})")]
    return [("warn", f"Xero token endpoint {url}: unexpected answer HTTP {status} {error or ''}".rstrip())]


async def _unauthenticated(http: aiohttp.ClientSession, what: str, url: str) -> Lines:
    """Without a token the endpoint should say 401: that is enough to know it is there."""
    try:
        with outbound(what):
            async with http.get(url) as resp:
                status = resp.status
    except XeroTransientError as err:
        return [("fail", f"{what} {url}: unreachable ({describe(err.__cause__)})")]
    if status in (401, 403):
        return [("ok", f"{what} {url}: reachable")]
    tag = "fail" if status == 404 or status >= 500 else "warn"
    return [(tag, f"{what} {url}: unexpected answer HTTP {status} (is the URL right?)")]


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
        return ("fail", f"Slack {method} at {url}: unreachable or not Slack ({describe(err.__cause__ or err)})")
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
