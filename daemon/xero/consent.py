"""The consent flow ("Online Authentication"): signed links, state + PKCE, the callback, tenant discovery."""

from __future__ import annotations

import secrets as pysecrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

import structlog
from authlib.common.security import generate_token

from clock import Clock
from daemon.core.crypto import Secrets
from daemon.core.errors import OAuthFlowError, XeroError
from daemon.core.settings import Settings
from daemon.xero.identity import XeroIdentity, token_claims
from storage import Store
from storage.orgs import Org

log = structlog.get_logger(__name__)

CONNECT_LINK_TTL = 600  # /xero auth links: 10 minutes, single use
STATE_TTL = 600         # a consent flow must come back within 10 minutes


@dataclass(frozen=True)
class ConnectResult:
    new: list[Org]
    reconnected: list[Org]
    ignored: list[str] = field(default_factory=list)  # orgs Xero connected that the link did not ask for (names)


class Consent:
    def __init__(self, settings: Settings, store: Store, identity: XeroIdentity, secrets: Secrets,
                 clock: Clock) -> None:
        self._settings = settings
        self._store = store
        self._identity = identity
        self._secrets = secrets
        self._clock = clock

    def connect_link(self, *, slack_user: str | None) -> str:
        """A single-use link, valid 10 minutes, bound to the Slack user who asked."""
        payload = {"kind": "connect", "user": slack_user, "nonce": pysecrets.token_urlsafe(12)}
        return self._link(payload)

    def reauth_link(self, tenant_id: str) -> str:
        """A single-use link re-authorizing one org (and the others already connected under its grant), valid
        REAUTH_LINK_TTL (7 days by default)."""
        return self._link({"kind": "reauth", "tenant": tenant_id, "nonce": pysecrets.token_urlsafe(12)})

    def _link(self, payload: dict) -> str:
        token = self._secrets.sign_link(payload, now=self._clock.time())
        return self._settings.link("/oauth/start?" + urlencode({"link": token}))

    async def start(self, link: str) -> str:
        """Check a signed link and begin a consent flow; the Xero authorize URL to redirect to."""
        now = self._clock.time()
        probe = self._secrets.open_link(link, ttl=self._settings.reauth_link_ttl, now=now)
        ttl = CONNECT_LINK_TTL if probe.get("kind") == "connect" else self._settings.reauth_link_ttl
        payload = self._secrets.open_link(link, ttl=ttl, now=now)
        if payload.get("kind") == "reauth":
            await self._reauth_scope(payload.get("tenant"))  # the org is still there
        if not isinstance(payload.get("nonce"), str) or not await self._store.states.spend_link(
                payload["nonce"], now + ttl, now):
            raise OAuthFlowError("This link has already been used. Ask for a new one with /xero auth (or, to "
                                 "re-authorize an organisation, /xero sync it).")
        state, verifier = generate_token(32), generate_token(64)
        await self._store.states.create(state, verifier, payload, now + STATE_TTL)
        return self._identity.authorize_url(state, verifier)

    async def complete(self, *, state: str | None, code: str | None, error: str | None) -> ConnectResult:
        """Handle Xero's redirect back. Raises OAuthFlowError (and changes nothing) when it cannot complete."""
        if not state:
            raise OAuthFlowError("The request from Xero had no state. Start again from Slack with /xero auth.")
        flow = await self._store.states.consume(state, self._clock.time())
        if flow is None:
            raise OAuthFlowError("This sign-in link is unknown, already used, or expired. Start again with /xero auth.")
        if error:
            reason = "you declined access" if error == "access_denied" else f"Xero reported {error!r}"
            raise OAuthFlowError(f"Xero was not connected: {reason}. Nothing was changed.")
        if not code:
            raise OAuthFlowError("Xero's answer had no authorization code. Nothing was changed.")
        try:
            tokens = await self._identity.exchange_code(code, flow.code_verifier)
            claims = token_claims(tokens.access_token)
            tenants = await self._identity.connections(tokens.access_token, claims.get("authentication_event_id"))
        except XeroError as err:
            log.warning("oauth.exchange_failed", error=str(err))
            raise OAuthFlowError(f"Connecting to Xero failed: {err}. Nothing was changed.") from err
        tenants = [t for t in tenants if isinstance(t, dict) and isinstance(t.get("tenantId"), str)
                   and isinstance(t.get("id"), str) and t.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if not tenants:
            raise OAuthFlowError("Xero connected no organisation: pick at least one on Xero's consent screen.")
        ignored: list[str] = []
        if flow.payload.get("kind") == "reauth":  # this org and its grant's others; adding an org is /xero auth
            allowed = await self._reauth_scope(flow.payload.get("tenant"))
            ignored = [str(t.get("tenantName") or t["tenantId"]) for t in tenants if t["tenantId"] not in allowed]
            tenants = [t for t in tenants if t["tenantId"] in allowed]
            if not tenants:
                raise OAuthFlowError("Xero did not connect the organisation this link is for: pick it on Xero's "
                                     "consent screen. Nothing was changed.")
        return await self._save(tokens, claims.get("xero_userid"), tenants, ignored)

    async def _reauth_scope(self, tenant_id: object) -> set[str]:
        """The orgs a re-authorization link may reconnect: its own, and those already connected under its grant."""
        org = await self._store.orgs.get(tenant_id) if isinstance(tenant_id, str) else None
        if org is None:
            raise OAuthFlowError("The organisation this link was made for is no longer connected. An admin can "
                                 "connect it again with /xero auth.")
        others = await self._store.orgs.using_grant(org.grant_id) if org.grant_id is not None else []
        return {org.tenant_id, *(o.tenant_id for o in others)}

    async def _save(self, tokens, xero_user_id, tenants: list[dict], ignored: list[str]) -> ConnectResult:
        now = self._clock.time()
        new_ids, old_grants = [], set()
        async with self._store.transaction() as tx:
            grant_id = await self._store.grants.save_new(tx, tokens, xero_user_id, now)
            for tenant in tenants:
                name = str(tenant.get("tenantName") or tenant["tenantId"])
                new, before = await self._store.orgs.connect(tx, tenant["tenantId"], name, tenant["id"], grant_id, now)
                if new:
                    new_ids.append(tenant["tenantId"])
                elif before is not None:
                    old_grants.add(before)
            for old in old_grants - {grant_id}:
                await self._store.grants.delete_if_unused(tx, old)
        orgs = [await self._store.orgs.get(t["tenantId"]) for t in tenants]
        new = [o for o in orgs if o and o.tenant_id in new_ids]
        reconnected = [o for o in orgs if o and o.tenant_id not in new_ids]
        log.info("oauth.connected", new=[o.tenant_id for o in new], reconnected=[o.tenant_id for o in reconnected],
                 ignored=len(ignored))
        return ConnectResult(new, reconnected, ignored)
