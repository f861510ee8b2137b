"""`xero-syncd check`, the settings half: every problem with the settings in one run, and advice that never
contradicts them.

Each variable is validated on its own first (a malformed value is reported and left at its default), then the
rules between variables (credentials required, SECRET_KEY with PostgreSQL), each reported once. Advice derived from
a variable that failed (the redirect URI from PUBLIC_URL, the database file from DATABASE_URL, ...) is not given.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping, Protocol
from urllib.parse import urlsplit

from daemon.core.crypto import KEY_FILE
from daemon.core.errors import SettingsError
from daemon.core.settings import VARIABLES, Settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
STAND_IN = "stand-in-for-a-missing-value"  # lets the next rule between variables be checked; never shown or used
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


class Notes(Protocol):
    def ok(self, text: str) -> None: ...
    def warn(self, text: str) -> None: ...
    def fail(self, text: str) -> None: ...


@dataclass(frozen=True)
class Validation:
    settings: Settings  # the valid values, defaults where a value was bad: what the endpoints are tried with
    errors: list[SettingsError]

    @property
    def failed(self) -> frozenset[str]:
        return frozenset(err.variable for err in self.errors)


def validate(environ: Mapping[str, str]) -> Validation:
    """Every settings problem at once; always settles."""
    given = {name: environ[name].strip() for name in VARIABLES if (environ.get(name) or "").strip()}
    errors = [err for err in (_own_problem(name, value) for name, value in given.items()) if err is not None]
    valid = {name: value for name, value in given.items() if name not in {err.variable for err in errors}}
    unmet = _rules_between(valid)
    return Validation(_usable(valid, {err.variable for err in unmet}), errors + unmet)


def _own_problem(name: str, value: str) -> SettingsError | None:
    """The variable's value on its own, every other one at its default."""
    try:
        Settings.from_env({name: value}, require_xero=False, require_slack=False)
    except SettingsError as err:
        # A rule naming another variable (SECRET_KEY for a PostgreSQL DATABASE_URL) means this value parsed: the
        # rules between variables are checked next, with every valid value.
        return err if err.variable == name else None
    return None


def _rules_between(valid: dict[str, str]) -> list[SettingsError]:
    """Each unmet rule between variables once: the variable it names gets a stand-in so the next can be seen."""
    errors: list[SettingsError] = []
    probe = dict(valid)
    for _ in VARIABLES:  # each round gives one more variable a value, so this ends
        try:
            Settings.from_env(probe)
            break
        except SettingsError as err:
            errors.append(err)
            if err.variable in probe:  # a given value breaks a rule: nothing to stand in for it
                break
            probe[err.variable] = STAND_IN
    return errors


def _usable(valid: dict[str, str], unmet: set[str]) -> Settings:
    """Settings to try the endpoints with. Missing credentials stay missing (the probes say so); a stand-in is used
    only where no Settings can be built without one (SECRET_KEY with PostgreSQL: not read by any probe)."""
    relaxed = {"require_xero": False, "require_slack": False}
    for candidate in (valid, {**valid, **dict.fromkeys(unmet, STAND_IN)}):
        try:
            return Settings.from_env(candidate, **relaxed)
        except SettingsError:
            continue
    return Settings.from_env({}, **relaxed)  # the defaults are always valid


def check_settings(environ: Mapping[str, str], report: Notes) -> Validation:
    checked = validate(environ)
    for err in checked.errors:
        report.fail(f"{err}")
    if not checked.errors:
        report.ok(f"{len(VARIABLES)} settings read and valid")
    advise(checked, report)
    return checked


def advise(checked: Validation, report: Notes) -> None:
    settings, failed = checked.settings, checked.failed
    if "PUBLIC_URL" not in failed:
        _public_url(settings, report)
    if "SLACK_RESPONSE_URL_PREFIXES" not in failed:
        _response_prefixes(settings, report)
    if not settings.slack_bot_token:
        report.warn("SLACK_BOT_TOKEN is not set: commands work, but alerts are only logged, never posted")
    if not settings.slack_alert_channel:
        report.warn("SLACK_ALERT_CHANNEL is not set: alerts reach only the channels subscribed with "
                    "`/xero subscribe` (and the audit trail and operator alerts are only logged)")
    _admins(settings, report)
    if not settings.xero_webhook_key:
        report.ok("XERO_WEBHOOK_KEY is not set: /webhooks/xero is off (hourly and manual syncs only)")
    if "DATABASE_URL" not in failed:
        _data_folder(settings, report)


def _public_url(settings: Settings, report: Notes) -> None:
    parts = urlsplit(settings.public_url)
    secure = parts.scheme == "https" or parts.hostname in LOCAL_HOSTS
    if not secure:
        report.warn(f"PUBLIC_URL {shown(settings.public_url)} is plain http on another machine: Xero accepts http "
                    "redirect URIs only for localhost and Slack sends requests only to https: put a TLS-terminating "
                    "proxy in front and use https")
    note = report.ok if secure else report.warn
    note(f"Xero redirect URI to register in the Xero app: {shown(settings.redirect_uri)}")
    if settings.slack_app_token:
        report.ok("Slack over Socket Mode (SLACK_APP_TOKEN is set): no public URL needed for Slack")
    else:
        note(f"Slack request URL for the app manifest: {shown(settings.link('/slack/events'))}")


def _response_prefixes(settings: Settings, report: Notes) -> None:
    prefixes = settings.slack_response_url_prefixes
    report.ok("SLACK_RESPONSE_URL_PREFIXES: replies to commands go only to " + ", ".join(map(shown, prefixes)))
    for prefix in prefixes:
        if urlsplit(prefix).scheme != "https" and urlsplit(prefix).hostname not in LOCAL_HOSTS:
            report.warn(f"SLACK_RESPONSE_URL_PREFIXES: {shown(prefix)} is not https: replies could be read on the way")


def _admins(settings: Settings, report: Notes) -> None:
    admins = settings.slack_admin_users
    if not admins:
        report.warn("SLACK_ADMIN_USERS is empty: every member of the workspace may run admin commands")
        return
    odd = [user for user in admins if not SLACK_USER_ID.fullmatch(user)]
    if not odd:
        return
    listed = ", ".join(repr(user[:40]) for user in odd[:5]) + (", ..." if len(odd) > 5 else "")
    what = "is not a Slack user id" if len(odd) == 1 else "are not Slack user ids"
    who = ("nobody may run admin commands" if len(odd) == len(admins)
           else "it matches nobody" if len(odd) == 1 else "they match nobody")
    report.warn(f"SLACK_ADMIN_USERS: {listed} {what} (U or W then capitals and digits, e.g. U012AB3CD: in Slack, "
                f"profile > More > Copy member ID): {who}")


def _data_folder(settings: Settings, report: Notes) -> None:
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


def shown(url: str) -> str:
    """A URL as it may be printed: without any user or password in it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()
