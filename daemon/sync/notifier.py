"""What the sync service tells the outside world. The Slack notifier posts these to the alert channel and the
channels subscribed to them; `LogNotifier` only logs them (no Slack configured, and the default in tests that do
not look at alerts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

import structlog

from storage.orgs import Org
from storage.runs import DayOfRuns, Run

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Audit:
    """A change someone made, for the channel's audit trail: who (a Slack user id, or None for someone following a
    link), what (connected, reset, disabled, enabled, deleted, synced), which org, and a detail."""

    user: str | None
    action: str
    org: Org | None  # None: every org ("synced all")
    entity: str | None = None  # the one entity a sync or a reset was about
    since: float | None = None  # a reset's date (None: the whole history)
    run: Run | None = None  # a manual sync's result
    runs: tuple[Run, ...] = ()  # "synced all": each org's run
    left_out: int = 0  # "synced all": orgs left out (they need re-authorizing)


@dataclass(frozen=True)
class Digest:
    """The daily digest of `day` (in the digest's zone), due at `due`: every org as it is now, with the runs that
    finished in the 24 hours before `due` (records changed per entity, the failures)."""

    day: date
    zone: str
    due: float
    orgs: tuple[tuple[Org, DayOfRuns], ...]
    late: bool = False  # sent after its hour (the daemon was down then): a catch-up


class Notifier(Protocol):
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        """A run failed. `reauth_url` is set for authorization failures; `resumes_at` when the daily limit is
        spent and the org is paused until then."""

    async def authorization_lost(self, org: Org, error: str, *, reauth_url: str) -> None:
        """The grants' upkeep (not a sync) found the org needs re-authorization (disconnected in Xero, or its grant
        refused): told as a sync's authorization failure is, once per episode."""

    async def sync_succeeded(self, org: Org, run: Run) -> None:
        """A run succeeded (the notifier decides whether that closes a failure episode, or is a first sync)."""

    async def orgs_connected(self, new: list[Org], reconnected: list[Org], by: str | None) -> None:
        """The consent flow connected organisations (`by`: the Slack user who asked for the link, if known)."""

    async def retry_pressed(self, org: Org, user: str) -> bool:
        """Someone pressed "Retry now" on the org's alert: True when its thread heard it (and so hears the
        outcome: the retry is not repeated on the audit trail)."""

    async def audit(self, event: Audit) -> None:
        """Someone changed something."""

    async def credentials_refused(self, error: str) -> None:
        """Xero refused the app's own credentials: the operator's problem, told once until it is over."""

    async def access_missing(self, org: Org, missing: dict[str, str], *, reauth_url: str) -> None:
        """The org's grant lacks scopes the entities configured need (entity -> scope): those entities are not
        synced. Told once per org, with the link that adds the access, until `access_granted`."""

    async def access_granted(self, org: Org) -> None:
        """The org's grant reads every entity configured (a consent added the scope, or none is needed now)."""

    async def credentials_accepted(self) -> None:
        """A token refresh succeeded: if the operator was told the credentials were refused, that is over."""

    async def daily_digest(self, digest: Digest) -> None:
        """The day's digest is due (each channel that wants it hears it once that day)."""


class LogNotifier:
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        log.warning("alert.sync_failed", tenant_id=org.tenant_id, run_id=run.id, error=run.error,
                    needs_reauth=reauth_url is not None, resumes_at=resumes_at)

    async def authorization_lost(self, org: Org, error: str, *, reauth_url: str) -> None:
        log.warning("alert.authorization_lost", tenant_id=org.tenant_id, error=error)

    async def sync_succeeded(self, org: Org, run: Run) -> None:
        log.debug("alert.sync_succeeded", tenant_id=org.tenant_id, run_id=run.id)

    async def orgs_connected(self, new: list[Org], reconnected: list[Org], by: str | None) -> None:
        log.info("alert.orgs_connected", new=[o.name for o in new], reconnected=[o.name for o in reconnected], by=by)

    async def retry_pressed(self, org: Org, user: str) -> bool:
        log.info("alert.retry_pressed", tenant_id=org.tenant_id, user=user)
        return False

    async def audit(self, event: Audit) -> None:
        log.info("audit", user=event.user, action=event.action, entity=event.entity,
                 tenant_id=event.org.tenant_id if event.org else None)

    async def credentials_refused(self, error: str) -> None:
        log.error("alert.credentials_refused", error=error)

    async def credentials_accepted(self) -> None:
        log.debug("alert.credentials_accepted")

    async def access_missing(self, org: Org, missing: dict[str, str], *, reauth_url: str) -> None:
        log.warning("alert.access_missing", tenant_id=org.tenant_id, scopes=sorted(set(missing.values())),
                    entities=sorted(missing))

    async def access_granted(self, org: Org) -> None:
        log.debug("alert.access_granted", tenant_id=org.tenant_id)

    async def daily_digest(self, digest: Digest) -> None:
        log.info("alert.daily_digest", day=str(digest.day), orgs=len(digest.orgs))


class Notifiers:
    """Several notifiers told the same things, in order (the alert channel, then the Home tab's refresh). A
    notifier without a method is skipped for it; `retry_pressed` is true when any thread heard it."""

    def __init__(self, *notifiers) -> None:
        self._notifiers = list(notifiers)

    def add(self, notifier) -> None:
        self._notifiers.append(notifier)

    @property
    def members(self) -> list:
        return list(self._notifiers)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        targets = [getattr(n, name) for n in self._notifiers if hasattr(n, name)]

        async def told(*args, **kwargs):
            results = [await target(*args, **kwargs) for target in targets]
            return any(results) if name == "retry_pressed" else None
        return told
