"""Test Connection: refresh the token if needed, call /connections and Organisation, report per org."""

from __future__ import annotations

from dataclasses import dataclass, field

from daemon.core.entities import missing_scopes
from daemon.core.errors import XeroAuthError, XeroError, XeroRateLimited, XeroTransientError
from daemon.xero.client import XeroClient
from daemon.xero.identity import XeroIdentity, token_claims
from daemon.xero.pacing import Budget
from daemon.xero.tokens import TokenManager
from storage import Store
from storage.orgs import Org

AUTH_REASONS = {
    "invalid_grant": "the grant expired or was revoked: re-authorize",
    "revoked": "the grant is gone: re-authorize",
    "unauthorized": "Xero refused the token: re-authorize",
    "disconnected": "the organisation was disconnected from this app in Xero",
    "missing_scope": "the grant is missing a scope this app needs: re-authorize",
}


@dataclass(frozen=True)
class TestResult:
    org: Org
    reachable: bool
    reason: str | None = None
    scopes: list[str] = field(default_factory=list)
    budget: Budget = field(default_factory=Budget)
    xero_name: str | None = None
    needs_person: bool = False  # the grant or the connection is gone: someone must re-authorize
    missing: dict[str, str] = field(default_factory=dict)  # entities configured that the grant cannot read -> scope


class ConnectionTest:
    def __init__(self, store: Store, tokens: TokenManager, identity: XeroIdentity, client: XeroClient, *,
                 entities: tuple[str, ...] = ()) -> None:
        self._entities = entities  # SYNC_ENTITIES: the access each org's grant should hold
        self._store = store
        self._tokens = tokens
        self._identity = identity
        self._client = client

    def budget(self, tenant_id: str) -> Budget | None:
        """What Xero last said of the org's API budget (None: no call this process made has told us yet)."""
        return self._client.pacer.budgets.get(tenant_id)

    async def check(self, org: Org) -> TestResult:
        budget = self._client.pacer.budgets[org.tenant_id]
        if org.grant_id is None:
            return TestResult(org, False, "no Xero grant: connect it with /xero auth", budget=budget)
        scopes: list[str] = []
        try:
            token = await self._tokens.access_token(org.grant_id)
            scopes = _scopes(token)
            connected = {c.get("tenantId") for c in await self._identity.connections(token) if isinstance(c, dict)}
            if org.tenant_id not in connected:
                return TestResult(org, False, AUTH_REASONS["disconnected"], scopes, budget, needs_person=True)
            body = await self._client.get(org.tenant_id, "Organisation", attempts=1)
        except XeroAuthError as err:
            return TestResult(org, False, AUTH_REASONS.get(err.reason, str(err)), scopes, budget, needs_person=True)
        except XeroRateLimited as err:
            reason = f"rate limited by Xero (its {err.problem} limit; it allows calls again in {_wait(err.retry_after)})"
            return TestResult(org, False, reason, scopes, budget)
        except XeroTransientError as err:
            return TestResult(org, False, f"Xero is unreachable or down: {err}", scopes, budget)
        except XeroError as err:
            return TestResult(org, False, str(err), scopes, budget)
        name = ((body.get("Organisations") or [{}])[0]).get("Name")
        missing = missing_scopes(self._entities, " ".join(scopes))
        return TestResult(org, True, None, scopes, budget, name, missing=missing)


def _scopes(token: str) -> list[str]:
    scope = token_claims(token).get("scope", [])
    return sorted(scope.split() if isinstance(scope, str) else scope)


def _wait(seconds: float) -> str:
    """How long Xero asks us to wait, in words: `45 s`, `12 min`, `22 h`."""
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"
