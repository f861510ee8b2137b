"""What the sync service tells the outside world. The Slack notifier posts these as alerts; `LogNotifier` only
logs them (no Slack configured, and the default in tests that do not look at alerts)."""

from __future__ import annotations

from typing import Protocol

import structlog

from storage.orgs import Org
from storage.runs import Run

log = structlog.get_logger(__name__)


class Notifier(Protocol):
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        """A run failed. `reauth_url` is set for authorization failures; `resumes_at` when the daily limit is
        spent and the org is paused until then."""

    async def sync_succeeded(self, org: Org, run: Run) -> None:
        """A run succeeded (the notifier decides whether that closes a failure episode)."""

    async def orgs_connected(self, new: list[Org], reconnected: list[Org]) -> None:
        """The consent flow connected organisations."""

    async def credentials_refused(self, error: str) -> None:
        """Xero refused the app's own credentials: the operator's problem, told once until it is over."""

    async def credentials_accepted(self) -> None:
        """A token refresh succeeded: if the operator was told the credentials were refused, that is over."""


class LogNotifier:
    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        log.warning("alert.sync_failed", tenant_id=org.tenant_id, run_id=run.id, error=run.error,
                    needs_reauth=reauth_url is not None, resumes_at=resumes_at)

    async def sync_succeeded(self, org: Org, run: Run) -> None:
        log.debug("alert.sync_succeeded", tenant_id=org.tenant_id, run_id=run.id)

    async def orgs_connected(self, new: list[Org], reconnected: list[Org]) -> None:
        log.info("alert.orgs_connected", new=[o.name for o in new], reconnected=[o.name for o in reconnected])

    async def credentials_refused(self, error: str) -> None:
        log.error("alert.credentials_refused", error=error)

    async def credentials_accepted(self) -> None:
        log.debug("alert.credentials_accepted")
