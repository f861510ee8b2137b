"""Settings: read once from the environment (and an optional `.env` file) into a frozen object.

Every variable the daemon reads is declared in `VARIABLES`; `deploy/xero-syncd.env.example` documents the same
list. A missing or malformed value raises `SettingsError` naming the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon.core.entities import DEFAULT_ENTITIES, ENTITIES, scopes_for
from daemon.core.errors import SettingsError
from storage.subscriptions import KINDS as ALERT_KINDS
from storage.urls import is_postgres, sqlite_path

# name -> (default, kind). A default of None means "no value"; kinds are parsed by `_parse`.
VARIABLES: dict[str, tuple[str | None, str]] = {
    "XERO_CLIENT_ID": (None, "str"),
    "XERO_CLIENT_SECRET": (None, "str"),
    "XERO_SCOPES": (None, "scopes"),  # None: the scopes SYNC_ENTITIES needs (daemon/core/entities.py)
    "XERO_AUTHORIZE_URL": ("https://login.xero.com/identity/connect/authorize", "url"),
    "XERO_TOKEN_URL": ("https://identity.xero.com/connect/token", "url"),
    "XERO_REVOKE_URL": ("https://identity.xero.com/connect/revocation", "url"),
    "XERO_CONNECTIONS_URL": ("https://api.xero.com/connections", "url"),
    "XERO_API_URL": ("https://api.xero.com/api.xro/2.0", "url"),
    "XERO_WEBHOOK_KEY": (None, "str"),
    "XERO_APP_MINUTE_LIMIT": ("10000", "rate"),
    "SLACK_BOT_TOKEN": (None, "str"),
    "SLACK_SIGNING_SECRET": (None, "str"),
    "SLACK_APP_TOKEN": (None, "str"),
    "SLACK_API_URL": ("https://slack.com/api/", "url"),
    "SLACK_RESPONSE_URL_PREFIXES": ("https://hooks.slack.com/", "prefixes"),
    "SLACK_ALERT_CHANNEL": (None, "str"),
    "SLACK_ALERT_KINDS": ("failures,auth", "alert_kinds"),
    "SLACK_ADMIN_USERS": ("", "list"),
    "SLACK_AUDIT": ("on", "bool"),
    "PUBLIC_URL": ("http://localhost:8080", "url"),
    "HOST": ("127.0.0.1", "str"),
    "PORT": ("8080", "port"),
    "DATABASE_URL": ("sqlite:///var/xero-syncd.db", "database"),
    "SECRET_KEY": (None, "list"),
    "SYNC_INTERVAL": ("3600", "seconds"),
    "SYNC_ENTITIES": (",".join(DEFAULT_ENTITIES), "entities"),
    "SYNC_CONCURRENCY": ("4", "positive"),
    "SYNC_LEASE": ("120", "seconds"),
    "SYNC_OVERLAP": ("86400", "seconds"),
    "RECONCILE_INTERVAL": ("604800", "seconds"),
    "REAUTH_LINK_TTL": ("604800", "seconds"),
    # Days after which a grant not refreshed since is refreshed anyway, whatever its orgs' state (disabled, paused,
    # needing nothing): Xero ends a refresh token unused for 60 days, so 1 to 59 (daemon/sync/upkeep.py).
    "GRANT_KEEPALIVE_DAYS": ("30", "keepalive"),
    "API_RATE_LIMIT": ("600", "rate"),
    "OUTBOUND_WEBHOOK_URLS": ("", "urls"),  # told after each sync that changed records (daemon/sync/outbound.py)
    "OUTBOUND_WEBHOOK_SECRET": (None, "str"),  # signs what is sent to them
    "DIGEST_HOUR": ("8", "hour"),
    "DIGEST_ZONE": ("UTC", "zone"),
    "LOG_LEVEL": ("info", "loglevel"),
}


@dataclass(frozen=True)
class Settings:
    """One field per variable in VARIABLES (lower-cased); the defaults are VARIABLES'."""

    xero_client_id: str | None
    xero_client_secret: str | None
    xero_scopes: tuple[str, ...]
    xero_authorize_url: str
    xero_token_url: str
    xero_revoke_url: str
    xero_connections_url: str
    xero_api_url: str
    xero_webhook_key: str | None
    xero_app_minute_limit: int
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    slack_response_url_prefixes: tuple[str, ...]
    slack_alert_channel: str | None
    slack_alert_kinds: tuple[str, ...]
    slack_admin_users: tuple[str, ...]
    slack_audit: bool
    public_url: str
    host: str
    port: int
    database_url: str
    secret_key: tuple[str, ...]
    sync_interval: int
    sync_entities: tuple[str, ...]
    sync_concurrency: int
    sync_lease: int
    sync_overlap: int
    reconcile_interval: int
    reauth_link_ttl: int
    grant_keepalive_days: int
    api_rate_limit: int
    outbound_webhook_urls: tuple[str, ...]
    outbound_webhook_secret: str | None
    digest_hour: int
    digest_zone: str
    log_level: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, require_xero: bool = True,
                 require_slack: bool = True) -> "Settings":
        """Build and validate settings from a mapping of variable names to strings."""
        values = {}
        for name, (default, kind) in VARIABLES.items():
            raw = environ.get(name)
            raw = default if raw is None or raw.strip() == "" else raw.strip()
            values[name.lower()] = None if raw is None else _parse(name, raw, kind)
        values["secret_key"] = values["secret_key"] or ()
        values["xero_scopes"] = values["xero_scopes"] or scopes_for(values["sync_entities"])
        if require_xero:
            for name in ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET"):
                if not values[name.lower()]:
                    raise SettingsError(name, "is required (the Xero app's credentials)")
        if require_slack and not values["slack_signing_secret"] and not values["slack_app_token"]:
            raise SettingsError("SLACK_SIGNING_SECRET", "is required to verify Slack's requests (or set"
                                " SLACK_APP_TOKEN to reach Slack over Socket Mode)")
        if values["outbound_webhook_urls"] and not values["outbound_webhook_secret"]:
            raise SettingsError("OUTBOUND_WEBHOOK_SECRET", "is required with OUTBOUND_WEBHOOK_URLS (every delivery"
                                " is signed with it, so receivers can tell it came from this daemon)")
        if is_postgres(values["database_url"]) and not values["secret_key"]:
            raise SettingsError("SECRET_KEY", "is required with a PostgreSQL DATABASE_URL (every replica must read"
                                " the tokens the others stored, so the key cannot be generated per machine)")
        return cls(**values)

    @property
    def redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + "/oauth/callback"

    def link(self, path: str) -> str:
        return self.public_url.rstrip("/") + path

    @property
    def shared_database(self) -> bool:
        """DATABASE_URL is a PostgreSQL server (several replicas may share it), not a SQLite file."""
        return is_postgres(self.database_url)

    @property
    def database_path(self) -> Path:
        if self.shared_database:
            raise ValueError("DATABASE_URL is a PostgreSQL server, not a file")
        return sqlite_path(self.database_url)

    @property
    def data_dir(self) -> Path:
        """Where the generated secret key lives (beside the SQLite file; ./var with PostgreSQL)."""
        return Path("var") if self.shared_database else self.database_path.parent


def _parse(name: str, raw: str, kind: str) -> object:
    if kind == "str":
        return raw
    if kind == "list":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind == "scopes":
        scopes = tuple(raw.replace(",", " ").split())
        if "offline_access" not in scopes:
            raise SettingsError(name, "must include offline_access (needed for refresh tokens)")
        return scopes
    if kind == "prefixes":
        prefixes = tuple(part.strip() for part in raw.split(",") if part.strip())
        for prefix in prefixes:
            _parse(name, prefix, "url")
        return prefixes
    if kind == "urls":  # never echoed back: a receiver's URL may carry a secret of its own
        urls = tuple(part.strip() for part in raw.split(",") if part.strip())
        for n, url in enumerate(urls, 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SettingsError(name, f"must be comma-separated http(s) URLs; URL {n} is not one")
        return urls
    if kind == "url":
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(name, f"must be an http(s) URL, got {raw!r}")
        return raw
    if kind == "database":
        if is_postgres(raw):
            parts = urlsplit(raw)
            if not parts.hostname or parts.path in ("", "/"):
                raise SettingsError(name, "must name a server and a database: postgresql://user@host:5432/dbname")
            return raw
        if not raw.startswith("sqlite:///") or raw == "sqlite:///":  # never echo a URL back: it may hold a password
            raise SettingsError(name, "must look like sqlite:///path/to/file.db or postgresql://user@host/dbname")
        return raw
    if kind in ("port", "seconds", "positive", "rate", "keepalive"):
        return _parse_int(name, raw, kind)
    if kind == "entities":
        return _parse_entities(name, raw)
    if kind == "alert_kinds":
        return _parse_alert_kinds(name, raw)
    if kind == "hour":
        if not raw.isdigit() or not 0 <= int(raw) <= 23:
            raise SettingsError(name, f"must be an hour from 0 to 23, got {raw!r}")
        return int(raw)
    if kind == "zone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(name, f"must be an IANA time zone such as UTC or Pacific/Auckland, got {raw!r}"
                                ) from None
        return raw
    if kind == "bool":
        if raw.lower() not in BOOLEANS:
            raise SettingsError(name, f"must be on or off, got {raw!r}")
        return BOOLEANS[raw.lower()]
    if kind == "loglevel":
        if raw.lower() not in ("debug", "info", "warning", "error"):
            raise SettingsError(name, f"must be one of debug, info, warning, error, got {raw!r}")
        return raw.lower()
    raise AssertionError(kind)


KEEPALIVE_MAX = 59  # GRANT_KEEPALIVE_DAYS: Xero ends a refresh token unused for 60 days
BOOLEANS = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


def _parse_int(name: str, raw: str, kind: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"must be a whole number, got {raw!r}") from None
    low, high = {"port": (1, 65535), "seconds": (1, 10**9), "positive": (1, 1000), "rate": (1, 10**6),
                 "keepalive": (1, KEEPALIVE_MAX)}[kind]
    if not low <= value <= high:
        why = " (days: Xero ends a grant unused for 60)" if kind == "keepalive" else ""
        raise SettingsError(name, f"must be between {low} and {high}{why}, got {value}")
    return value


def _parse_alert_kinds(name: str, raw: str) -> tuple[str, ...]:
    """SLACK_ALERT_KINDS: kinds of alert, comma-separated, or `none`."""
    chosen = [part.strip().lower() for part in raw.split(",") if part.strip()]
    if chosen == ["none"]:
        return ()
    unknown = [kind for kind in chosen if kind not in ALERT_KINDS]
    if unknown or not chosen:
        raise SettingsError(name, f"unknown kinds {unknown}; known: {', '.join(ALERT_KINDS)} (or none)")
    return tuple(kind for kind in ALERT_KINDS if kind in chosen)


def _parse_entities(name: str, raw: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [entity for entity in chosen if entity not in ENTITIES]
    if unknown or not chosen:
        raise SettingsError(name, f"unknown entities {unknown}; known: {', '.join(ENTITIES)}")
    return chosen


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes. Missing file: empty."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def load(environ: Mapping[str, str] | None = None, *, dotenv: Path = Path(".env"), **kw: bool) -> Settings:
    """Settings from the process environment over an optional `.env` file."""
    merged = {**read_dotenv(dotenv), **(os.environ if environ is None else environ)}
    return Settings.from_env(merged, **kw)
