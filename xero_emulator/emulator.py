"""The emulator's state and its Python control API (the HTTP control API calls the same methods)."""

from __future__ import annotations

import random
import secrets
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field

from yarl import URL

from clock import Clock

from .config import EmulatorConfig
from .connections import Connections
from .consent import AuthRequest, back_to_app, parse_authorize
from .faults import Fault, FaultBook
from .grants import AuthCode, Grant, GrantBook, User
from .limits import Limiter
from .org import Org, build_org
from .records import RecordControl
from .seedutil import org_uuid
from .webhooks import Webhooks


@dataclass(frozen=True)
class Call:
    """One API or identity request the emulator answered (status 0: the connection was dropped)."""

    method: str
    path: str
    query: dict[str, str]
    tenant_id: str | None
    status: int
    time: float
    headers: dict[str, str] = field(default_factory=dict)  # request headers (credentials reduced to their scheme)

    def __getitem__(self, key: str) -> object:
        return getattr(self, key)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Violation:
    """A request that broke the parameters Xero's OpenAPI description declares (refused: answered 400)."""

    method: str
    path: str
    query: dict[str, str]
    tenant_id: str | None
    problems: list[str]
    refused: bool
    time: float

    def to_json(self) -> dict:
        return asdict(self)


def _redact(headers: dict[str, str]) -> dict[str, str]:
    secret = ("authorization", "cookie")
    return {k: (v.split(" ", 1)[0] + " ***" if k.lower() in secret else v) for k, v in headers.items()}


class Emulator(RecordControl):
    def __init__(self, config: EmulatorConfig, clock: Clock) -> None:
        self.config, self.clock = config, clock
        self.auto_approve = config.auto_approve
        self.approve_tenants: list[str] | None = None
        self.withheld_scopes: set[str] = set()  # scopes a consent leaves out of what the app asked for
        anchor = int(clock.time() * 1000)
        orgs = [build_org(config, i, name, anchor) for i, name in enumerate(config.names())]
        self._orgs: dict[str, Org] = {org.tenant_id: org for org in orgs}
        for org in orgs if not config.keep_rendered else ():
            for table in org.tables.values():
                table.keep_rendered = False
        self.user = User(org_uuid(config.seed, "user"), org_uuid(config.seed, "user-sub"))
        self.grants = GrantBook(self.user, secrets.token_bytes(32))
        self.connections = Connections(config.seed)
        self.calls: list[Call] = []
        self.wire = {"answers": 0, "json_bytes": 0, "sent_bytes": 0}  # answer bodies: as JSON, and as sent (gzip)
        self.violations: deque[Violation] = deque(maxlen=1000)  # the newest 1000
        self.faults = FaultBook(config.seed)
        self.limiter = Limiter(config)
        self.webhooks = Webhooks(config, random.Random(config.seed))
        self._consents: dict[str, AuthRequest] = {}

    # --- tenants and records -------------------------------------------------------------------------------
    @property
    def tenants(self) -> list[Org]:
        return list(self._orgs.values())

    def org(self, tenant_id: str) -> Org:
        try:
            return self._orgs[tenant_id.lower()]
        except (KeyError, AttributeError):
            raise KeyError(f"unknown tenant {tenant_id!r}") from None

    def find_org(self, tenant_id: str | None) -> Org | None:
        return self._orgs.get((tenant_id or "").strip().lower())

    def prewarm(self) -> int:
        """Render every seeded record now, so that first reads are as fast as later ones; how many."""
        done = 0
        for org in self._orgs.values():
            for table in org.tables.values():
                for record_id in table.ids():
                    table.json(record_id)
                    done += 1
        return done

    # --- consent -------------------------------------------------------------------------------------------
    def begin_consent(self, request: AuthRequest) -> str:
        request_id = secrets.token_urlsafe(16)
        self._consents[request_id] = request
        return request_id

    def take_consent(self, request_id: str) -> AuthRequest | None:
        return self._consents.pop(request_id, None)

    def approve(self, request: AuthRequest, tenant_ids: list[str] | None = None) -> str:
        """Connect tenants (given, else `approve_tenants`, else all) and send the browser back with a code."""
        chosen = tenant_ids if tenant_ids is not None else self.approve_tenants
        orgs = self.tenants if chosen is None else [self.org(t) for t in chosen]
        if not orgs:
            return self.deny(request)
        now = self.clock.time()
        event = str(uuid.uuid4())
        self.connections.connect([(o.tenant_id, o.name) for o in orgs], event, now)
        scopes = [scope for scope in request.scopes if scope not in self.withheld_scopes]
        code = self.grants.issue_code(AuthCode(request.client_id, request.redirect_uri, request.challenge,
                                               scopes, event, request.nonce, now))
        return back_to_app(request.redirect_uri, code=code, scope=" ".join(scopes), state=request.state)

    def withhold_scopes(self, scopes: list[str] | None) -> list[str]:
        """Have later consents grant fewer scopes than the app asks for (an app not entitled to Journals, a grant
        made before the app asked for more); None or [] grants what is asked again. The scopes withheld."""
        self.withheld_scopes = {str(scope) for scope in scopes or ()}
        return sorted(self.withheld_scopes)

    def deny(self, request: AuthRequest) -> str:
        return back_to_app(request.redirect_uri, error="access_denied", state=request.state)

    def consent(self, authorize_url: str, *, tenant_ids: list[str] | None = None, allow: bool = True) -> str:
        """What the browser is redirected to after a user answers the consent page for `authorize_url`.

        Raises ConsentPageError / ConsentRedirect (with `.url`) for requests Xero would refuse.
        """
        request = parse_authorize(dict(URL(authorize_url).query), self.config)
        return self.approve(request, tenant_ids) if allow else self.deny(request)

    authorize_url_for_consent = consent

    # --- grants and connections ----------------------------------------------------------------------------
    def expire_grant(self, refresh_token: str | None = None) -> int:
        """Expire now every access token of one grant (by any refresh token it issued), or of all grants."""
        grants = self.grants.find(refresh_token)
        for grant in grants:
            grant.expire_access(self.clock.time())
        return len(grants)

    def revoke_grant(self, refresh_token: str | None = None) -> int:
        """Kill one grant (or all): its refresh and access tokens stop working, its connections go."""
        grants = self.grants.find(refresh_token)
        for grant in grants:
            self._revoke(grant)
        return len(grants)

    def _revoke(self, grant: Grant) -> None:
        grant.revoked = True
        self.connections.drop_event(grant.auth_event_id)

    def revoke_token(self, refresh_token: str) -> None:
        """The revocation endpoint's effect (unknown tokens are ignored, as RFC 7009 says)."""
        grant = self.grants.by_refresh.get(refresh_token)
        if grant is not None:
            self._revoke(grant)

    def disconnect_tenant(self, tenant_id: str) -> bool:
        """The user disconnects the app from this org: API calls for it get 403, it leaves /connections."""
        return self.connections.disconnect_tenant(self.org(tenant_id).tenant_id)

    # --- calls, faults, webhooks ---------------------------------------------------------------------------
    def record_call(self, method: str, path: str, query: dict[str, str], tenant_id: str | None, status: int,
                    headers: dict[str, str] | None = None) -> None:
        self.calls.append(Call(method, path, query, tenant_id, status, self.clock.time(), _redact(headers or {})))

    def clear_calls(self) -> None:
        self.calls.clear()
        self.wire = dict.fromkeys(self.wire, 0)

    def count_bytes(self, json_bytes: int, sent_bytes: int) -> None:
        """An answer's body: its size as JSON, and as it went on the wire (smaller when gzipped)."""
        self.wire["answers"] += 1
        self.wire["json_bytes"] += json_bytes
        self.wire["sent_bytes"] += sent_bytes

    def record_violation(self, method: str, path: str, query: dict[str, str], tenant_id: str | None,
                         problems: list[str], refused: bool) -> None:
        self.violations.append(Violation(method, path, query, tenant_id, problems, refused, self.clock.time()))

    def clear_violations(self) -> None:
        self.violations.clear()

    def inject_fault(self, kind: str, *, tenant_id: str | None = None, entity: str | None = None,
                     count: int | None = 1, fraction: float | None = None, delay: float | None = None,
                     after: int = 0, page: int | None = None) -> Fault:
        return self.faults.add(kind, tenant_id=tenant_id, entity=entity, count=count, fraction=fraction,
                               delay=delay, after=after, page=page)

    def clear_faults(self) -> None:
        self.faults.clear()

    async def send_intent_to_receive(self, valid: bool = True) -> int | None:
        return await self.webhooks.intent_to_receive(valid)

    async def flush_webhooks(self) -> None:
        await self.webhooks.flush()
