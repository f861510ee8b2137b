"""Token refresh: once per grant however many callers need it, persisted before use, invalid_grant is final."""

import asyncio

import pytest

from daemon.core.crypto import Secrets
from daemon.core.errors import XeroAuthError, XeroTransientError
from daemon.xero.tokens import TokenManager
from storage import Store
from storage.grants import TokenSet
from tests.fakes.clock import FakeClock


class FakeIdentity:
    """Xero's token endpoint as the token manager sees it: rotates on every refresh."""

    def __init__(self, clock, events):
        self.clock, self.events, self.refreshes, self.fail = clock, events, 0, None

    async def refresh(self, refresh_token):
        self.refreshes += 1
        self.events.append(("refresh", refresh_token))
        await asyncio.sleep(0)  # the network: other callers run meanwhile
        if self.fail:
            raise self.fail
        n = self.refreshes
        return TokenSet(f"access-{n}", f"refresh-{n}", self.clock.time() + 1800, "accounting.invoices.read")


class RecordingStore(Store):
    """The real store, noting when a rotated token is saved."""

    def __init__(self, store, events):
        super().__init__(store.db, Secrets(["k"]))
        self._events = events
        original = self.grants.replace_tokens

        async def replace_tokens(grant_id, tokens, now, tx=None):
            await original(grant_id, tokens, now, tx)
            events.append(("saved", tokens.access_token))

        self.grants.replace_tokens = replace_tokens


@pytest.fixture
async def setup(database_url):
    clock, events = FakeClock(), []
    base = await Store.open(database_url, Secrets(["k"]))
    store = RecordingStore(base, events)
    async with store.transaction() as tx:
        grant = await store.grants.save_new(tx, TokenSet("access-0", "refresh-0", clock.time() + 1800), "u", 0)
        await store.orgs.connect(tx, "t1", "Acme", "c1", grant, 0)
    identity = FakeIdentity(clock, events)
    yield clock, store, identity, TokenManager(store, identity, clock), grant, events
    await base.close()


async def test_many_callers_at_expiry_cause_one_refresh(setup):
    clock, store, identity, tokens, grant, events = setup
    assert await tokens.access_token(grant) == "access-0" and identity.refreshes == 0
    await clock.advance(1801)
    got = await asyncio.gather(*(tokens.access_token(grant) for _ in range(25)))
    assert set(got) == {"access-1"} and identity.refreshes == 1


async def test_rotated_token_is_stored_before_it_is_used(setup):
    clock, store, identity, tokens, grant, events = setup
    await clock.advance(1801)
    token = await tokens.access_token(grant)
    events.append(("used", token))
    assert events == [("refresh", "refresh-0"), ("saved", "access-1"), ("used", "access-1")]
    assert (await store.grants.get(grant)).tokens.refresh_token == "refresh-1"


async def test_a_lost_refresh_answer_keeps_the_old_refresh_token_for_the_retry(setup):
    clock, store, identity, tokens, grant, events = setup
    await clock.advance(1801)
    identity.fail = XeroTransientError("connection dropped")
    with pytest.raises(XeroTransientError):
        await tokens.access_token(grant)
    assert (await store.grants.get(grant)).tokens.refresh_token == "refresh-0"
    identity.fail = None
    assert await tokens.access_token(grant) == "access-2"
    assert [e for e in events if e[0] == "refresh"] == [("refresh", "refresh-0"), ("refresh", "refresh-0")]


async def test_invalid_grant_marks_the_grant_for_reauthorization_and_is_not_retried(setup):
    clock, store, identity, tokens, grant, events = setup
    await clock.advance(1801)
    identity.fail = XeroAuthError("invalid_grant", reason="invalid_grant")
    with pytest.raises(XeroAuthError):
        await tokens.access_token(grant)
    with pytest.raises(XeroAuthError):
        await tokens.access_token(grant)
    assert identity.refreshes == 1
    assert (await store.grants.get(grant)).status == "needs_reauth"
    assert (await store.orgs.get("t1")).state == "needs_reauth"
