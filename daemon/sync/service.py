"""SyncService: the operations of the integration page, the one thing every handler (Slack, HTTP) calls.

Connect (links and the consent's two legs), test, sync, status, reset, enable, disable, delete, webhooks, and the
process's own health and metrics. Each org argument is matched as DESIGN.md says (tenant id, or case-insensitive
name prefix; may be left out with one org); bad input raises CommandError with a helpful message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

import structlog

from clock import Clock
from daemon.core.entities import ENTITIES, missing_scopes
from daemon.core.errors import CommandError, OrgGone, XeroAuthError, XeroError
from daemon.core.metrics import Metrics
from daemon.core.settings import Settings
from daemon.core.zones import zone_of
from daemon.sync.api import ApiGate
from daemon.sync.matching import Target, match_orgs, read_subscription, read_target
from daemon.sync.notifier import Audit, Notifier
from daemon.sync.records_api import RecordsApi, RecordsPage
from daemon.sync.routing import ChannelAlerts, Routing
from daemon.sync.runs import RunReport, SyncRuns
from daemon.sync.scheduler import Scheduler
from daemon.sync.status import OrgStatus, build
from daemon.sync.webhooks import WebhookInbox
from daemon.xero.connection_test import ConnectionTest, TestResult
from daemon.xero.consent import ConnectResult, Consent
from daemon.xero.identity import XeroIdentity
from daemon.xero.pacing import Budget
from daemon.xero.tokens import TokenManager
from storage import Store
from storage.orgs import Org
from storage.runs import Run

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ResetReport:
    org: Org  # as it is after the reset
    running: bool  # a sync was running: it finishes with what it read, and the next one reads from the new date
    since: float | None  # what the next sync reads from (None: the whole history)
    entity: str | None  # the one entity reset (None: all)


@dataclass(frozen=True)
class HomePage:
    """What the app's Home tab shows one person: every org's status, its API budget, and the links they may use."""

    statuses: list[OrgStatus]
    budgets: dict[str, Budget | None]  # calls left, as Xero last said (None: not known in this process yet)
    reauth_links: dict[str, str]  # for the orgs that need re-authorizing (admins only)
    connect_link: str | None  # "Connect another organisation" (admins only)


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
    records_api: RecordsApi


class SyncService:
    def __init__(self, settings: Settings, store: Store, clock: Clock, parts: Parts) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self._parts = parts
        self._api = ApiGate(store, clock, per_minute=settings.api_rate_limit)
        self._routing = Routing(settings, store, clock)
        self._statuses: dict[tuple[str, ...], asyncio.Future[list[OrgStatus]]] = {}  # builds under way

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
        await self._parts.notifier.orgs_connected(result.new, result.reconnected, result.by)
        for org in result.reconnected:  # a consent that added the access an org lacked ends its alert
            granted = await self._store.grants.scopes(org.grant_id) if org.grant_id is not None else ""
            if not missing_scopes(self.settings.sync_entities, granted):
                await self._parts.notifier.access_granted(org)
        self._parts.scheduler.wake()
        return result

    async def accept_webhook(self, events: list[dict]) -> int:
        """Xero's (signed, well-formed) webhook events: the number that queued a sync."""
        return await self._parts.webhooks.accept(events)

    # -- the records API -----------------------------------------------------------------------------------------
    async def api_admit(self, authorization: str | None) -> str:
        """The name of the API key a request carries, once it is live and within its rate (ApiRefused if not)."""
        return (await self._api.admit(authorization)).name

    async def api_orgs(self) -> list[dict]:
        """Every org, as the API lists them: its id, name, connection, time zone, syncs, and records held."""
        out = []
        for org in await self._store.orgs.list():
            out.append({"tenant_id": org.tenant_id, "name": org.name, "connection": org.connection,
                        "timezone": org.timezone, "last_attempted_sync": _iso(org.last_attempted_at),
                        "last_successful_sync": _iso(org.last_success_at), "sync_from": _iso(org.sync_from),
                        "records": await self._store.records.counts(org.tenant_id)})
        return out

    async def api_records(self, tenant_id: str, entity: str, *, cursor: str | None, limit: str | None,
                          modified_after: str | None) -> RecordsPage:
        """A page of an org's records of one entity in the order they changed, from `cursor` (ApiRefused 400 for a
        malformed parameter, 404 for an org or entity unknown)."""
        return await self._parts.records_api.page(tenant_id, entity, cursor=cursor, limit=limit,
                                                  modified_after=modified_after)

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

    # -- what a command names -----------------------------------------------------------------------------------
    async def target(self, text: str | None, **takes: bool) -> Target:
        """The org(s) and the entity, date or count `text` names (`takes` says which a command takes; `alerts`:
        the org, or `all`, and the kinds of alert a subscription names)."""
        if takes.pop("alerts", False):
            return read_subscription(await self._store.orgs.list(), text)
        return read_target(await self._store.orgs.list(), text, **takes)

    async def resolve(self, query: str | None, *, many: bool = False) -> list[Org]:
        return match_orgs(await self._store.orgs.list(), query, many=many)

    async def one(self, query: str | None) -> Org:
        return (await self.resolve(query))[0]

    async def find(self, tenant_id: str) -> Org | None:
        """The org with this tenant id, if it is still connected (a button may outlive its org)."""
        return await self._store.orgs.get(tenant_id) if tenant_id else None

    # -- alerts routed per channel ------------------------------------------------------------------------------
    async def subscribe(self, channel: str, target: Target, *, user: str | None = None) -> ChannelAlerts:
        """Route the kinds of alert `target` names, for its org(s) or every org, to `channel`."""
        return await self._routing.subscribe(channel, target, user)

    async def unsubscribe(self, channel: str, target: Target, *, user: str | None = None) -> ChannelAlerts:
        return await self._routing.unsubscribe(channel, target, user)

    async def subscriptions(self, channel: str) -> ChannelAlerts:
        """What `channel` receives."""
        return await self._routing.listing(channel)

    # -- the page's buttons ------------------------------------------------------------------------------------
    async def sync(self, query: str | None, trigger: str = "manual", *, user: str | None = None,
                   entity: str | None = None, audit: bool = True) -> RunReport:
        """Sync one org now (one entity of it, or all), or join the sync already running; a manual sync
        someone asked for is on the audit trail with its result."""
        org = await self.one(query)
        report = await self._parts.runs.sync(org.tenant_id, trigger, only=frozenset([entity]) if entity else None,
                                             by=user)
        if user is not None and audit:
            await self._parts.notifier.audit(Audit(user, "synced", report.org, entity=entity, run=report.run))
        return report

    async def sync_all(self, *, user: str | None = None, entity: str | None = None) -> tuple[list[RunReport], list[Org]]:
        """Sync every connected org now (one entity of each, or all), as many at once as SYNC_CONCURRENCY allows
        (Xero's limits pace the calls); orgs that need re-authorizing are left out. The reports, and the orgs left
        out. One line on the audit trail."""
        orgs = await self._store.orgs.list()
        if not orgs:
            raise CommandError("No Xero organisation is connected yet. An admin can connect one with `/xero auth`.")
        ready, waiting = [o for o in orgs if not o.needs_reauth], [o for o in orgs if o.needs_reauth]
        places = asyncio.Semaphore(self.settings.sync_concurrency)
        only = frozenset([entity]) if entity else None

        async def one(org: Org) -> RunReport | None:
            async with places:
                try:
                    return await self._parts.runs.sync(org.tenant_id, "manual", only=only, by=user)
                except OrgGone:
                    return None  # deleted meanwhile

        reports = [r for r in await asyncio.gather(*(one(o) for o in ready)) if r is not None]
        await self._parts.notifier.audit(Audit(user, "synced all", None, entity=entity,
                                               runs=tuple(r.run for r in reports), left_out=len(waiting)))
        return reports, waiting

    async def retry(self, tenant_id: str, user: str) -> RunReport:
        """"Retry now" on an alert: the alert's thread hears who pressed it, then the outcome (a repeat, or the
        recovery); with no alert open any more, it is a manual sync like any other."""
        org = await self.one(tenant_id)
        threaded = await self._parts.notifier.retry_pressed(org, user)
        return await self.sync(org.tenant_id, user=user, audit=not threaded)

    async def status(self, query: str | None = None, *, orgs: list[Org] | None = None) -> list[OrgStatus]:
        """The orgs' status. Asked for the same orgs while a build is under way (200 people typing /xero status
        at once), the callers share that build instead of each reading the store again: what they get was read
        after they asked, less than one build's time before it would have been."""
        orgs = orgs if orgs is not None else await self.resolve(query, many=True)
        key = tuple(org.tenant_id for org in orgs)
        while (shared := self._statuses.get(key)) is not None:
            try:
                return await asyncio.shield(shared)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not shared.cancelled() or (task is not None and task.cancelling()):
                    raise  # we were cancelled, not the build we waited for (that one: build again)
        shared = self._statuses[key] = asyncio.get_running_loop().create_future()
        try:
            built = await self._build_status(orgs)
        except BaseException as err:
            if isinstance(err, asyncio.CancelledError):
                shared.cancel()
            else:
                shared.set_exception(err)
                shared.exception()  # retrieved: nobody else may be waiting for it
            raise
        finally:
            if self._statuses.get(key) is shared:
                del self._statuses[key]
        shared.set_result(built)
        return built

    async def _build_status(self, orgs: list[Org]) -> list[OrgStatus]:
        orgs = [now for org in orgs if (now := await self._store.orgs.get(org.tenant_id)) is not None]
        return [await build(self._store, org, running=self._syncing(org), overlap=self.settings.sync_overlap,
                            webhooks=self.settings.xero_webhook_key is not None,
                            entities=self.settings.sync_entities,
                            keepalive_days=self.settings.grant_keepalive_days) for org in orgs]

    async def home(self, user: str, *, admin: bool) -> HomePage:
        """The Home tab for one person (admins get the links to connect and re-authorize)."""
        statuses = await self.status(orgs=await self._store.orgs.list())
        budgets = {s.org.tenant_id: self._parts.connection_test.budget(s.org.tenant_id) for s in statuses}
        links = {s.org.tenant_id: self.reauth_link(s.org.tenant_id) for s in statuses
                 if admin and (s.org.needs_reauth or s.missing)}
        return HomePage(statuses, budgets, links, self.connect_link(user) if admin else None)

    async def home_opened(self, user: str) -> None:
        await self._store.home.opened(user, self._clock.time())

    async def home_viewers(self, within: float = 30 * 86400) -> list[str]:
        """Who opened the Home tab recently (their tab is republished when something changes)."""
        return await self._store.home.viewers(self._clock.time() - within)

    async def history(self, query: str | None, count: int = 10) -> tuple[Org, list[Run]]:
        org = await self.one(query)
        return org, await self._store.runs.history(org.tenant_id, count)

    def _syncing(self, org: Org) -> bool:
        """A sync of the org is running, here or in another process."""
        return self._parts.runs.running(org.tenant_id) or org.leased(self._clock.time())

    async def test(self, query: str | None = None, *, orgs: list[Org] | None = None) -> list[TestResult]:
        orgs = orgs if orgs is not None else await self.resolve(query, many=True)
        return [await self._parts.connection_test.check(org) for org in orgs]

    async def reset(self, query: str | None, since: date | None, *, user: str | None = None,
                    entity: str | None = None) -> ResetReport:
        """The next sync re-reads everything modified since `since` (midnight in the org's time zone; None: the
        whole history), for every entity or one. Nothing stored is deleted. A sync running meanwhile finishes
        with what it read and moves nothing: the reset wins."""
        org = await self.one(query)
        zone = zone_of(org.timezone)
        today = datetime.fromtimestamp(self._clock.time(), zone).date()
        if since is not None and since > today:
            raise CommandError(f"{since} is in the future for {org.name} (its today is {today}, in its time zone "
                               f"{org.timezone or 'UTC'}): SYNC FROM DATE must be today or earlier.")
        stamp = datetime(since.year, since.month, since.day, tzinfo=zone).timestamp() if since else None
        entities = [entity] if entity else [n for n in self.settings.sync_entities
                                            if ENTITIES[n].paged or ENTITIES[n].offset]
        async with self._store.transaction() as tx:
            await self._store.records.reset_watermarks(org.tenant_id, entities, int(stamp * 1000) if stamp else None,
                                                       tx)
            if entity is None:  # SYNC FROM DATE is the org's; one entity's reset moves that entity only
                await self._store.orgs.reset(tx, org.tenant_id, self._clock.time(), stamp)
        log.info("sync.reset", tenant_id=org.tenant_id, since=str(since) if since else "all", entity=entity)
        after = await self._store.orgs.get(org.tenant_id) or org
        await self._parts.notifier.audit(Audit(user, "reset", after, entity=entity, since=stamp))
        return ResetReport(after, self._syncing(org), stamp, entity)

    async def set_enabled(self, query: str | None, enabled: bool, *, user: str | None = None) -> Org:
        org = await self.one(query)
        await self._store.orgs.update(org.tenant_id, self._clock.time(), enabled=int(enabled))
        log.info("sync.enabled" if enabled else "sync.disabled", tenant_id=org.tenant_id)
        self._parts.scheduler.wake()
        after = await self._store.orgs.get(org.tenant_id) or org
        await self._parts.notifier.audit(Audit(user, "enabled" if enabled else "disabled", after))
        return after

    async def delete(self, tenant_id: str, *, user: str | None = None) -> tuple[Org, list[str]]:
        """Disconnect one org: stop its sync, remove the Xero connection, revoke the grant when no org uses it any
        more, delete the org's stored data. Returns the org and any remote step that could not be done."""
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
            await self._store.subscriptions.forget_org(tx, org.tenant_id)
            grant_gone = grant is not None and await self._store.grants.delete_if_unused(tx, grant.id)
        if grant_gone:
            try:
                await self._parts.identity.revoke(grant.tokens.refresh_token)
            except (XeroError, XeroAuthError) as err:
                problems.append(f"could not revoke the grant in Xero ({err})")
        log.info("sync.org_deleted", tenant_id=org.tenant_id, grant_revoked=grant_gone and not problems)
        await self._parts.notifier.audit(Audit(user, "deleted", org))
        return org, problems


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts is not None else None
