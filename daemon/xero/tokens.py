"""Access tokens for a grant: refreshed ahead of expiry, one refresh at a time per grant, and the rotated token
persisted before anyone uses it.

One at a time per grant within this process (a lock per grant) and across processes (the store holds the grant,
a row lock on PostgreSQL, from reading the token to committing the new one). Whoever waited re-reads the token
inside the hold and refreshes only if nobody just did: Xero rotates refresh tokens, and a second refresh with the
old one would be refused.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Protocol

import structlog

from clock import Clock
from daemon.core.errors import XeroAuthError
from daemon.xero.identity import XeroIdentity
from storage import Store
from storage.grants import Grant

log = structlog.get_logger(__name__)

REFRESH_AHEAD = 120  # seconds before expiry at which a token is refreshed


class RefreshWatcher(Protocol):
    async def credentials_accepted(self) -> None:
        """A refresh succeeded: Xero accepts the app's credentials (an alert that it refused them is over)."""


class TokenManager:
    def __init__(self, store: Store, identity: XeroIdentity, clock: Clock, metrics=None,
                 watcher: RefreshWatcher | None = None) -> None:
        self._store = store
        self._identity = identity
        self._clock = clock
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._metrics = metrics
        self._watcher = watcher

    async def for_tenant(self, tenant_id: str) -> tuple[int, str]:
        """The grant an org is connected through now, and a token of it. Read afresh each time: a consent may have
        replaced the org's grant (and removed the old one) while a sync of it runs."""
        for _ in range(2):
            org = await self._store.orgs.get(tenant_id)
            if org is None or org.grant_id is None:
                raise XeroAuthError("this organisation has no Xero grant; connect it again", reason="revoked")
            try:
                return org.grant_id, await self.access_token(org.grant_id)
            except XeroAuthError:
                now = await self._store.orgs.get(tenant_id)
                if now is None or now.grant_id == org.grant_id:  # the same grant, refused: not a consent race
                    raise
        raise XeroAuthError("this organisation's Xero grant changed twice during one call", reason="revoked")

    async def access_token(self, grant_id: int) -> str:
        """A token valid for at least REFRESH_AHEAD seconds more."""
        grant = await self._grant(grant_id)
        if grant.tokens.expires_at - REFRESH_AHEAD > self._clock.time():
            return grant.tokens.access_token
        return await self._refresh(grant_id, stale=grant.tokens.access_token)

    async def keep_alive(self, grant_id: int) -> None:
        """Refresh now, whatever the access token's age, so Xero does not end the refresh token for want of use;
        under the same hold as every refresh (a refresh someone made meanwhile serves, and none is doubled)."""
        await self._refresh(grant_id, stale=(await self._grant(grant_id)).tokens.access_token)

    async def token_rejected(self, grant_id: int | None, rejected: str) -> str:
        """Xero said `rejected` has expired (401 TokenExpired): refresh unless someone already did. A grant gone
        meanwhile (replaced by a consent) is nothing to refresh: the next attempt uses the org's new one."""
        if grant_id is None or await self._store.grants.get(grant_id) is None:
            return ""
        return await self._refresh(grant_id, stale=rejected)

    async def _refresh(self, grant_id: int, *, stale: str) -> str:
        refused: XeroAuthError | None = None
        async with self._locks[grant_id], self._store.grants.refreshing(grant_id) as held:
            grant = _usable(held.grant)
            fresh = grant.tokens.expires_at - REFRESH_AHEAD > self._clock.time()
            if grant.tokens.access_token != stale and fresh:
                return grant.tokens.access_token  # another caller refreshed while we waited
            try:
                tokens = await self._identity.refresh(grant.tokens.refresh_token)
            except XeroAuthError as err:  # recorded inside the hold, so a process that waited reads the refusal
                await held.refused(err.reason, self._clock.time(), f"authorization failed ({err.reason}): {err}")
                refused = err
            else:
                await held.replace(tokens, self._clock.time())
        if refused is not None:
            log.warning("xero.refresh_refused", grant_id=grant_id, reason=refused.reason)
            raise refused
        log.info("xero.token_refreshed", grant_id=grant_id, expires_at=tokens.expires_at)
        if self._metrics is not None:
            self._metrics.token_refreshed()
        if self._watcher is not None:
            await self._watcher.credentials_accepted()
        return tokens.access_token

    async def _grant(self, grant_id: int):
        return _usable(await self._store.grants.get(grant_id))


def _usable(grant: Grant | None) -> Grant:
    """The grant, or the XeroAuthError that says why it cannot be used."""
    if grant is None:
        raise XeroAuthError("this organisation's Xero grant is gone; connect it again", reason="revoked")
    if grant.status == "needs_reauth":
        raise XeroAuthError(
            f"the Xero grant needs re-authorization ({grant.status_reason or 'refused'})", reason="invalid_grant"
        )
    return grant
