"""The grants' upkeep: every grant kept alive and checked once a day, whatever its orgs' state.

Xero ends a refresh token unused for 60 days, and an org that is disabled or paused never syncs: its grant would
die unseen. Once a day per grant (one process of several: the grant's due time is claimed in the store), the loop
refreshes the grant if it was not refreshed for GRANT_KEEPALIVE_DAYS, then makes one light call of `/connections`
with it. (That call needs a live access token, so an idle grant is in fact refreshed at each daily check; the
keep-alive is the promise that holds by itself.) An org of the grant missing from the answer was disconnected on
Xero's side: it is marked needs re-authorization and alerted with the link, as a sync meeting a 403 would. A
grant Xero refuses marks and alerts every org of it. Refreshes go through the `TokenManager`, so they never race
a sync's.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from clock import Clock
from daemon.core.errors import XeroAuthError, XeroCredentialsRefused, XeroError
from daemon.core.tasks import Loop, TaskGroup
from daemon.sync.notifier import Notifier
from daemon.xero.connection_test import AUTH_REASONS
from daemon.xero.consent import Consent
from daemon.xero.identity import XeroIdentity
from daemon.xero.tokens import TokenManager
from storage import Store
from storage.grants import GrantLife

log = structlog.get_logger(__name__)

DAY = 86400.0
CHECK_EVERY = DAY  # the light check of /connections
RETRY = 3600.0  # an upkeep claimed and not finished (Xero down, the process died) is tried again after this
SHARED_HORIZON = 3600.0  # with other processes on the store, look for grants they made at least this often
CLAIM = 20  # grants claimed per pass
RETRY_AFTER_ERROR = 60.0


def keepalive_due(now: float, refreshed_at: float | None, keepalive: float) -> bool:
    """The grant has gone `keepalive` seconds (or forever) without a refresh."""
    return refreshed_at is None or now >= refreshed_at + keepalive  # the very sum `next_upkeep` plans for


def next_upkeep(now: float, refreshed_at: float | None, keepalive: float) -> float:
    """When a grant whose upkeep is done at `now` is next due: the next daily check, or sooner when its keep-alive
    falls before it (never in the past: a keep-alive already due is for the upkeep done now)."""
    keep = now + keepalive if refreshed_at is None else refreshed_at + keepalive
    return max(now, min(now + CHECK_EVERY, keep))


class Upkeep(Loop):
    """The grants' daily upkeep; `wake`: look for grants due now (otherwise when the next is due)."""

    name = "upkeep"

    def __init__(self, store: Store, tokens: TokenManager, identity: XeroIdentity, consent: Consent,
                 notifier: Notifier, clock: Clock, tasks: TaskGroup, *, keepalive_days: int) -> None:
        super().__init__(tasks)
        self._store = store
        self._tokens = tokens
        self._identity = identity
        self._consent = consent
        self._notifier = notifier
        self._clock = clock
        self._keepalive = keepalive_days * DAY

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while grants := await self._claim():
                    for grant in grants:
                        await self.keep(grant)
                await self._park()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is down, or a bug: the upkeep must go on
                log.exception("upkeep.loop_error")
                await self._clock.sleep(RETRY_AFTER_ERROR, wake=self._wake)

    async def _claim(self) -> list[GrantLife]:
        now = self._clock.time()
        return await self._store.grants.claim_upkeep(now, first_after=CHECK_EVERY, hold_until=now + RETRY,
                                                     limit=CLAIM)

    async def _park(self) -> None:
        due = await self._store.grants.next_upkeep_at(CHECK_EVERY)
        now = self._clock.time()
        horizon = now + (SHARED_HORIZON if self._store.shared else CHECK_EVERY)
        deadline = min(due, horizon) if due is not None else horizon
        await self._clock.sleep_until(datetime.fromtimestamp(deadline, UTC), wake=self._wake)

    async def keep(self, grant: GrantLife) -> None:
        """One grant's upkeep (claimed by this process): the keep-alive refresh when due, then the check."""
        now = self._clock.time()
        try:
            if keepalive_due(now, grant.refreshed_at, self._keepalive):
                await self._tokens.keep_alive(grant.id)
                log.info("upkeep.grant_kept_alive", grant_id=grant.id)
            present = await self._connected(grant.id)
        except XeroAuthError as err:
            await self._refused(grant.id, err)
            return
        except XeroCredentialsRefused as err:  # the operator's problem; retried after RETRY
            await self._notifier.credentials_refused(str(err))
            return
        except XeroError as err:  # Xero unreachable or down: tried again after RETRY
            log.warning("upkeep.check_failed", grant_id=grant.id, error=str(err))
            return
        for org in await self._store.orgs.using_grant(grant.id):
            if org.tenant_id not in present and not org.needs_reauth:
                await self._lost(org.tenant_id, "disconnected",
                                 f"authorization failed (disconnected): {AUTH_REASONS['disconnected']}")
        life = await self._store.grants.life(grant.id)
        refreshed = life.refreshed_at if life else grant.refreshed_at
        await self._store.grants.upkept(grant.id, now, next_upkeep(now, refreshed, self._keepalive))
        log.info("upkeep.grant_checked", grant_id=grant.id, connections=len(present))

    async def _connected(self, grant_id: int) -> set[str]:
        """The tenant ids /connections lists for the grant; a token it refuses is refreshed and tried once more."""
        token = await self._tokens.access_token(grant_id)
        try:
            answer = await self._identity.connections(token)
        except XeroAuthError:
            answer = await self._identity.connections(await self._tokens.token_rejected(grant_id, token))
        return {c["tenantId"] for c in answer if isinstance(c, dict) and isinstance(c.get("tenantId"), str)}

    async def _refused(self, grant_id: int, err: XeroAuthError) -> None:
        """Xero refused the grant (its refresh, or a fresh token): every org of it needs a person."""
        log.warning("upkeep.grant_refused", grant_id=grant_id, reason=err.reason)
        for org in await self._store.orgs.using_grant(grant_id):
            await self._lost(org.tenant_id, err.reason, f"authorization failed ({err.reason}): {err}")

    async def _lost(self, tenant_id: str, reason: str, error: str) -> None:
        await self._store.orgs.update(tenant_id, self._clock.time(), state="needs_reauth", state_reason=reason,
                                      last_error=error)
        org = await self._store.orgs.get(tenant_id)
        if org is None:
            return
        log.warning("upkeep.authorization_lost", tenant_id=tenant_id, reason=reason)
        await self._notifier.authorization_lost(org, error, reauth_url=self._consent.reauth_link(tenant_id))
