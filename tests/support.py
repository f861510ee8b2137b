"""Test helpers shared across the suite: the emulator handle, settings pointing at it, the daemon under test
and the consent flow driven over HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable, Coroutine, TypeVar
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from daemon.core.keys import SERVICE, SLACK_OUTBOX, STORE, TASKS
from daemon.core.settings import Settings
from tests.fakes.clock import FakeClock
from tests.waiting import eventually
from xero_emulator.harness import daemon_env

SECRET = "test-secret-key"
T = TypeVar("T")


@dataclass
class EmulatorHandle:
    server: TestServer
    state: Any  # xero_emulator's Emulator: records, control methods, call log

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def api_calls(self, tenant_id: str | None = None) -> list:
        """Accounting API calls the emulator served (optionally for one tenant)."""
        return [c for c in self.state.calls if "/api.xro/2.0/" in _path(c)
                and (tenant_id is None or _tenant(c) == tenant_id)]


def _path(call) -> str:
    return call["path"] if isinstance(call, dict) else call.path


def _tenant(call) -> str | None:
    return call.get("tenant_id") if isinstance(call, dict) else call.tenant_id


def settings_for(emulator: EmulatorHandle, tmp_path, **overrides: str) -> Settings:
    return Settings.from_env({
        **daemon_env(emulator.url),
        "SLACK_SIGNING_SECRET": "slack-signing-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/xero-syncd.db",
        "SECRET_KEY": SECRET,
        "PUBLIC_URL": "http://127.0.0.1:8080",
        **overrides,
    })


@dataclass
class Daemon:
    client: TestClient
    app: web.Application
    clock: FakeClock

    @property
    def service(self):
        return self.app[SERVICE]

    @property
    def store(self):
        return self.app[STORE]

    async def settled(self) -> None:
        """Until the work started so far has finished or waits on the fake clock (daemon/core/tasks.py)."""
        await self.app[TASKS].settled(waiting=self.clock.waiting)

    async def advance(self, seconds: float) -> None:
        """Move the fake clock, letting the work each deadline starts (a sync doing real I/O) finish before time
        moves on to the next one: the one way tests move time."""
        await self.clock.advance(seconds, settled=self.settled)

    async def finish(self, work: Coroutine[Any, Any, T], *, horizon: float = 120.0) -> T:
        """Run `work` as the app's own task, and advance the clock from one deadline to the next while it waits on
        time (retry backoffs, Retry-After, pacing), each step at most `horizon` clock seconds."""
        task = self.app[TASKS].start(work, name="test-work")
        while True:
            await self.settled()
            if task.done():
                return task.result()
            deadline = self.clock.next_deadline()
            if deadline is None or deadline - self.clock.time() > horizon:
                task.cancel()
                raise AssertionError(f"the work waits on nothing within {horizon} clock seconds")
            await self.advance(deadline - self.clock.time())

    async def until(self, done: Callable[[], T], what: str, *, horizon: float = 120.0) -> T:
        """Advance the clock from one deadline to the next (within `horizon` clock seconds from now), letting the
        work settle at each, until `done()` is true; what it returned."""
        start = self.clock.time()
        while True:
            await self.settled()
            if result := done():
                return result
            deadline = self.clock.next_deadline()
            if deadline is None or deadline - start > horizon:
                raise AssertionError(f"no {what} within {horizon} clock seconds")
            await self.advance(deadline - self.clock.time())

    async def flush(self, *, limit: int = 200) -> None:
        """Move the clock through the Slack outbox's pacing and backoff until everything queued is sent."""
        outbox = self.app[SLACK_OUTBOX]
        for _ in range(limit):
            await self.settled()
            if not await outbox.pending():
                return
            due = outbox.next_due if outbox.next_due is not None else self.clock.time() + 1
            await self.advance(max(0.0, due - self.clock.time()))
        raise AssertionError("the outbox did not empty")

    async def connect(self, emulator: EmulatorHandle) -> list:
        """Drive the consent flow over HTTP: signed start link -> emulator authorize -> our callback."""
        return await follow_consent(self, emulator, self.service.connect_link("U_ADMIN"))


async def one_org_off_schedule(make_daemon, emulator: EmulatorHandle, **daemon_kwargs: Any) -> tuple[Daemon, str]:
    """A daemon with the emulator's one org connected and synced once, then taken off the schedule so only a test's
    own syncs run."""
    daemon = await make_daemon(**daemon_kwargs)
    await daemon.connect(emulator)
    await daemon.advance(0)
    tenant = emulator.state.tenants[0].tenant_id
    await daemon.service.set_enabled(tenant, False)
    return daemon, tenant


async def held_sync(daemon: Daemon, emulator: EmulatorHandle, tenant_id: str, *, entity: str = "Invoices",
                    seconds: float = 30, trigger: Any = None, page: int | None = None) -> asyncio.Task:
    """A manual sync of `tenant_id` (or the awaitable `trigger` starts) that Xero holds with a 429 (Retry-After
    `seconds`) when it first asks for `entity` (or for `page` of it): it waits on the clock, mid-run, until the
    test advances it."""
    emulator.state.clear_calls()
    emulator.state.inject_fault("rate_limited", tenant_id=tenant_id, entity=entity, count=1, delay=seconds,
                                page=page)
    task = asyncio.ensure_future(trigger if trigger is not None else daemon.service.sync(tenant_id))
    await eventually(lambda: [c for c in emulator.api_calls(tenant_id) if c.status == 429],
                     f"the sync of {tenant_id} to be held by a 429")
    await daemon.settled()
    return task


async def follow_consent(daemon: Daemon, emulator: EmulatorHandle, link: str) -> web.Response:
    """Follow a /oauth/start link through the emulator's (auto-approving) consent to our callback page."""
    start = urlsplit(link)
    resp = await daemon.client.get(f"{start.path}?{start.query}", allow_redirects=False)
    assert resp.status == 302, await resp.text()
    async with daemon.client.session.get(resp.headers["Location"], allow_redirects=False) as consent:
        assert consent.status == 302, await consent.text()
        back = urlsplit(consent.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    return await daemon.client.get("/oauth/callback", params=query)


async def days_later(daemon: Daemon, days: int) -> None:
    """Move the clock `days` days on, a day at a time: a jump to a minute before the day's end (with PostgreSQL
    the outbox and the scheduler look for other processes' work every few seconds: stepping through each of those
    wake-ups for days would take minutes), then the last minute advanced, so every sleeper due wakes, in deadline
    order."""
    for _ in range(days):
        await jump_to(daemon, daemon.clock.time() + 86400)


async def jump_to(daemon: Daemon, when: float) -> None:
    """Move the clock on to `when` (seconds): a jump to a minute before it, waking nobody, then that minute advanced,
    so every sleeper due by then wakes once, in deadline order (with PostgreSQL the scheduler and the outbox look
    for other processes' work every few seconds: advancing hours through each of those wake-ups takes minutes)."""
    if when - 60 > daemon.clock.time():
        daemon.clock.set(datetime.fromtimestamp(when - 60, UTC))
    await daemon.advance(when - daemon.clock.time())
