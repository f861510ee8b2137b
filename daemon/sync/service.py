"""SyncService: the operations of the integration page, called by every handler (Slack, HTTP) and the scheduler.

connect link, test, sync, status, reset, enable, disable, delete: each takes an org argument matched as DESIGN.md
says (tenant id, or case-insensitive name prefix; may be left out with one org) and raises CommandError with a
helpful message on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import structlog

from clock import Clock
from daemon.core.errors import XeroAuthError, XeroError
from daemon.xero.consent import ConnectFlows
from daemon.sync.matching import match_orgs
from daemon.xero.connection_test import ConnectionProbe, TestResult
from daemon.sync.runs import RunReport, SyncRunner
from daemon.core.settings import Settings
from daemon.sync.entities import ENTITIES
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

    @property
    def connection(self) -> str:
        if self.org.needs_reauth:
            return "needs re-authorization"
        return "connected" if self.org.enabled else "disabled"


class SyncService:
    def __init__(self, settings: Settings, store: Store, clock: Clock, flows: ConnectFlows, runner: SyncRunner,
                 tokens: TokenManager, identity: XeroIdentity, probe: ConnectionProbe) -> None:
        self.settings = settings
        self.flows = flows
        self._store = store
        self._clock = clock
        self._runner = runner
        self._tokens = tokens
        self._identity = identity
        self._probe = probe
        self.on_change = lambda: None  # the scheduler hooks this to re-plan after enable, reset, connect

    # -- which org ---------------------------------------------------------------------------------------------
    async def resolve(self, query: str | None, *, many: bool = False) -> list[Org]:
        return match_orgs(await self._store.orgs.list(), query, many=many)

    async def one(self, query: str | None) -> Org:
        return (await self.resolve(query))[0]

    # -- the page's buttons ------------------------------------------------------------------------------------
    async def sync(self, query: str | None, trigger: str = "manual") -> RunReport:
        org = await self.one(query)
        return await self._runner.sync(org.tenant_id, trigger)

    async def status(self, query: str | None = None) -> list[OrgStatus]:
        return [await self._status(org) for org in await self.resolve(query, many=True)]

    async def _status(self, org: Org) -> OrgStatus:
        marks = [m for m in (await self._store.records.watermarks(org.tenant_id)).values() if m is not None]
        sync_from = min(marks) / 1000 if marks else org.sync_from
        scheduled = org.enabled and not org.needs_reauth
        next_at = max(org.next_sync_at or 0, org.paused_until or 0) if scheduled and org.next_sync_at else None
        return OrgStatus(
            org, await self._store.runs.latest(org.tenant_id),
            await self._store.runs.latest(org.tenant_id, outcome="success"), sync_from, next_at,
            await self._store.records.counts(org.tenant_id),
            self._runner.running(org.tenant_id) or org.leased(self._clock.time()),  # here, or in another process
        )

    async def test(self, query: str | None = None) -> list[TestResult]:
        return [await self._probe.check(org) for org in await self.resolve(query, many=True)]

    async def reset(self, query: str | None, since: date | None) -> Org:
        """The next sync re-reads everything modified since `since` (None: the whole history). Nothing stored is
        deleted."""
        org = await self.one(query)
        stamp = datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() if since else None
        paged = [name for name in self.settings.sync_entities if ENTITIES[name].paged]
        await self._store.records.reset_watermarks(org.tenant_id, paged, int(stamp * 1000) if stamp else None)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), sync_from=stamp)
        log.info("sync.reset", tenant_id=org.tenant_id, since=str(since) if since else "all")
        return await self._store.orgs.get(org.tenant_id) or org

    async def set_enabled(self, query: str | None, enabled: bool) -> Org:
        org = await self.one(query)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), enabled=int(enabled))
        log.info("sync.enabled" if enabled else "sync.disabled", tenant_id=org.tenant_id)
        self.on_change()
        return await self._store.orgs.get(org.tenant_id) or org

    async def delete(self, tenant_id: str) -> tuple[Org, list[str]]:
        """Disconnect one org: remove the Xero connection, revoke the grant when no org uses it any more, delete
        the org's stored data. Returns the org and any remote step that could not be done."""
        org = await self.one(tenant_id)
        problems = []
        grant = await self._store.grants.get(org.grant_id) if org.grant_id else None
        if grant is not None and org.connection_id:
            try:
                token = await self._tokens.access_token(grant.id)
                await self._identity.delete_connection(token, org.connection_id)
            except XeroError as err:
                problems.append(f"could not remove the connection in Xero ({err})")
        async with self._store.transaction() as tx:
            await self._store.orgs.delete(tx, org.tenant_id)
            grant_gone = grant is not None and await self._store.grants.delete_if_unused(tx, grant.id)
        if grant_gone:
            try:
                await self._identity.revoke(grant.tokens.refresh_token)
            except (XeroError, XeroAuthError) as err:
                problems.append(f"could not revoke the grant in Xero ({err})")
        log.info("sync.org_deleted", tenant_id=org.tenant_id, grant_revoked=grant_gone and not problems)
        return org, problems
