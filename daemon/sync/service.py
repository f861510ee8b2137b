"""SyncService: the operations of the integration page, the one thing every handler (Slack, HTTP) calls.

Connect (links and the consent's two legs), test, sync, status, reset, enable, disable, delete, webhooks, and the
process's own health and metrics. Each org argument is matched as DESIGN.md says (tenant id, or case-insensitive
name prefix; may be left out with one org); bad input raises CommandError with a helpful message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import structlog

from clock import Clock
from daemon.core.entities import ENTITIES
from daemon.core.errors import XeroAuthError, XeroError
from daemon.core.metrics import Metrics
from daemon.core.settings import Settings
from daemon.sync.matching import match_orgs
from daemon.sync.notifier import Notifier
from daemon.sync.runs import RunReport, SyncRuns
from daemon.sync.scheduler import Scheduler
from daemon.sync.webhooks import WebhookInbox
from daemon.xero.connection_test import ConnectionTest, TestResult
from daemon.xero.consent import ConnectResult, Consent
from daemon.xero.identity import XeroIdentity
from daemon.xero.tokens import TokenManager
from storage import Store
from storage.orgs import Org
from storage.runs import Run

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OrgStatus:
    org: Org
    last_run: Run | None
    last_success: Run | None
    sync_from: float | None
    next_sync_at: float | None
    records: dict[str, int]
    running: bool


@dataclass(frozen=True)
class ResetReport:
    org: Org  # as it is after the reset
    running: bool  # a sync was running: it finishes with what it read, and the next one reads from the new date


@dataclass(frozen=True)
class Parts:
    """What the service is made of (the composition root builds them)."""

    consent: Consent
    runs: SyncRuns
    scheduler: Scheduler
    webhooks: WebhookInbox
    tokens: TokenManager
    identity: XeroIdentity
    connection_test: ConnectionTest
    notifier: Notifier
    metrics: Metrics


class SyncService:
    def __init__(self, settings: Settings, store: Store, clock: Clock, parts: Parts) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self._parts = parts

    # -- connect: links and the two legs of Xero's consent -------------------------------------------------------
    def connect_link(self, slack_user: str | None) -> str:
        """A single-use link to connect organisations, valid 10 minutes, bound to the Slack user who asked."""
        return self._parts.consent.connect_link(slack_user=slack_user)

    def reauth_link(self, tenant_id: str) -> str:
        return self._parts.consent.reauth_link(tenant_id)

    async def start_consent(self, link: str) -> str:
        """Check a signed link and begin Xero's consent; the URL to send the browser to."""
        return await self._parts.consent.start(link)

    async def complete_consent(self, *, state: str | None, code: str | None, error: str | None) -> ConnectResult:
        """Xero's redirect back: connect what was consented, say so, and sync the new orgs now."""
        result = await self._parts.consent.complete(state=state, code=code, error=error)
        await self._parts.notifier.orgs_connected(result.new, result.reconnected)
        self._parts.scheduler.wake()
        return result

    async def accept_webhook(self, events: list[dict]) -> int:
        """Xero's (signed, well-formed) webhook events: the number that queued a sync."""
        return await self._parts.webhooks.accept(events)

    # -- the process ---------------------------------------------------------------------------------------------
    async def ready(self) -> dict[str, bool]:
        """Readiness: the database answers and the scheduler loop is alive."""
        try:
            database = await self._store.ping()
        except Exception:  # any failure of the database means not ready
            database = False
        return {"database": database, "scheduler": self._parts.scheduler.alive}

    async def metrics(self, accept: str | None) -> tuple[bytes, str]:
        """The Prometheus exposition (gauges that describe the store read now) and its content type."""
        self._parts.metrics.observe_orgs(await self._store.orgs.list())
        return self._parts.metrics.render(accept)

    # -- which org ---------------------------------------------------------------------------------------------
    async def resolve(self, query: str | None, *, many: bool = False) -> list[Org]:
        return match_orgs(await self._store.orgs.list(), query, many=many)

    async def one(self, query: str | None) -> Org:
        return (await self.resolve(query))[0]

    # -- the page's buttons ------------------------------------------------------------------------------------
    async def sync(self, query: str | None, trigger: str = "manual") -> RunReport:
        org = await self.one(query)
        return await self._parts.runs.sync(org.tenant_id, trigger)

    async def status(self, query: str | None = None) -> list[OrgStatus]:
        return [await self._status(org) for org in await self.resolve(query, many=True)]

    async def _status(self, org: Org) -> OrgStatus:
        scheduled = org.enabled and not org.needs_reauth
        next_at = max(org.next_sync_at or 0, org.paused_until or 0) if scheduled and org.next_sync_at else None
        return OrgStatus(
            org, await self._store.runs.latest(org.tenant_id),
            await self._store.runs.latest(org.tenant_id, outcome="success"), org.sync_from, next_at,
            await self._store.records.counts(org.tenant_id),
            self._syncing(org),
        )

    def _syncing(self, org: Org) -> bool:
        """A sync of the org is running, here or in another process."""
        return self._parts.runs.running(org.tenant_id) or org.leased(self._clock.time())

    async def test(self, query: str | None = None) -> list[TestResult]:
        return [await self._parts.connection_test.check(org) for org in await self.resolve(query, many=True)]

    async def reset(self, query: str | None, since: date | None) -> ResetReport:
        """The next sync re-reads everything modified since `since` (None: the whole history). Nothing stored is
        deleted. A sync running meanwhile finishes with what it read, and moves nothing: the reset wins."""
        org = await self.one(query)
        stamp = datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() if since else None
        paged = [name for name in self.settings.sync_entities if ENTITIES[name].paged]
        async with self._store.transaction() as tx:
            await self._store.records.reset_watermarks(org.tenant_id, paged, int(stamp * 1000) if stamp else None, tx)
            await self._store.orgs.reset(tx, org.tenant_id, self._clock.time(), stamp)
        log.info("sync.reset", tenant_id=org.tenant_id, since=str(since) if since else "all")
        return ResetReport(await self._store.orgs.get(org.tenant_id) or org, self._syncing(org))

    async def set_enabled(self, query: str | None, enabled: bool) -> Org:
        org = await self.one(query)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), enabled=int(enabled))
        log.info("sync.enabled" if enabled else "sync.disabled", tenant_id=org.tenant_id)
        self._parts.scheduler.wake()
        return await self._store.orgs.get(org.tenant_id) or org

    async def delete(self, tenant_id: str) -> tuple[Org, list[str]]:
        """Disconnect one org: remove the Xero connection, revoke the grant when no org uses it any more, delete
        the org's stored data. Returns the org and any remote step that could not be done."""
        org = await self.one(tenant_id)
        await self._parts.runs.stop_for_deletion(org.tenant_id)  # its callers hear it was deleted while it synced
        problems = []
        grant = await self._store.grants.get(org.grant_id) if org.grant_id else None
        if grant is not None and org.connection_id:
            try:
                token = await self._parts.tokens.access_token(grant.id)
                await self._parts.identity.delete_connection(token, org.connection_id)
            except XeroError as err:
                problems.append(f"could not remove the connection in Xero ({err})")
        async with self._store.transaction() as tx:
            await self._store.orgs.delete(tx, org.tenant_id)
            grant_gone = grant is not None and await self._store.grants.delete_if_unused(tx, grant.id)
        if grant_gone:
            try:
                await self._parts.identity.revoke(grant.tokens.refresh_token)
            except (XeroError, XeroAuthError) as err:
                problems.append(f"could not revoke the grant in Xero ({err})")
        log.info("sync.org_deleted", tenant_id=org.tenant_id, grant_revoked=grant_gone and not problems)
        return org, problems
