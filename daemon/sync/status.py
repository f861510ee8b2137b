"""An organisation's state as the integration page shows it: its connection, LAST ATTEMPTED and LAST SUCCESSFUL
SYNC, SYNC FROM DATE (and where it comes from), the next sync, the records held, and, while a sync runs, how far
it has got (in any process: progress is in the store)."""

from __future__ import annotations

from dataclasses import dataclass, field

from daemon.core.entities import missing_scopes
from storage.grants import GrantLife
from storage.orgs import Org
from storage.runs import Run


LAPSE = 60 * 86400  # Xero ends a refresh token unused this long


@dataclass(frozen=True)
class OrgStatus:
    org: Org
    last_run: Run | None
    last_success: Run | None
    sync_from: float | None
    sync_from_is_reset: bool  # SYNC FROM DATE was set by a reset (not by the last successful sync)
    next_sync_at: float | None
    records: dict[str, int]
    running: bool  # a sync runs now, here or in another process
    overlap: float = 86400  # SYNC_OVERLAP: SYNC FROM DATE is this long before the last successful sync began
    webhooks: bool = False  # XERO_WEBHOOK_KEY is set: Xero's events for Contacts and Invoices start syncs
    missing: dict[str, str] = field(default_factory=dict)  # entities configured that its grant cannot read -> scope
    grant: GrantLife | None = None  # its grant's life: consented, last refreshed (None: no grant)
    keepalive_days: int = 30  # GRANT_KEEPALIVE_DAYS: the longest the daemon lets a grant go without a refresh

    @property
    def lapses_at(self) -> float | None:
        """When Xero would end the grant if nothing refreshed it (its refresh token unused for 60 days)."""
        if self.grant is None:
            return None
        return (self.grant.refreshed_at or self.grant.created_at) + LAPSE

    @property
    def progress(self) -> Run | None:
        """The run in progress, with its per-entity progress (None when no sync runs)."""
        return self.last_run if self.running and self.last_run and self.last_run.outcome == "running" else None

    @property
    def attention(self) -> bool:
        """Someone should look: it needs re-authorization, or its last sync did not succeed."""
        last = self.last_run
        return self.org.needs_reauth or (last is not None and last.outcome not in ("success", "running"))


async def build(store, org: Org, *, running: bool, overlap: float, webhooks: bool = False,
                entities: tuple[str, ...] = (), keepalive_days: int = 30) -> OrgStatus:
    latest = await store.runs.latest(org.tenant_id)
    success = latest if latest and latest.outcome == "success" else await store.runs.latest(
        org.tenant_id, outcome="success")
    scheduled = org.enabled and not org.needs_reauth
    next_at = max(org.next_sync_at or 0, org.paused_until or 0) if scheduled and org.next_sync_at else None
    from_success = success is not None and org.sync_from == success.started_at - overlap
    return OrgStatus(org, latest, success, org.sync_from, org.sync_from is not None and not from_success,
                     next_at, await store.records.counts(org.tenant_id), running, overlap, webhooks,
                     missing_scopes(entities, await store.grants.scopes(org.grant_id)) if org.grant_id else {},
                     await store.grants.life(org.grant_id) if org.grant_id else None, keepalive_days)
