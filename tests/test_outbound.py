"""Change notifications: after a sync that changed records, one signed POST per org to each OUTBOUND_WEBHOOK_URLS
receiver, through the durable outbox: retried with backoff when the receiver fails, still sent after a restart,
dropped when the receiver refuses it for good; none after a sync that changed nothing."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from daemon.core.errors import SettingsError
from daemon.core.keys import SLACK_OUTBOX
from daemon.core.settings import Settings
from daemon.ops.cli import main

SECRET = "whsec-test-0123456789"


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: what it was sent, when (clock seconds), and the answers it is told to give
    first (a status, or a status and a Retry-After)."""

    clock: object
    url: str = ""
    got: list = field(default_factory=list)  # (at, headers, body) of every request, answered or not
    answers: list = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((self.clock.time(), dict(request.headers), await request.read()))
        if self.answers:
            answer = self.answers.pop(0)
            status, retry_after = answer if isinstance(answer, tuple) else (answer, None)
            return web.Response(status=status, headers={"Retry-After": str(retry_after)} if retry_after else {})
        return web.Response(status=204)


def verify(headers: dict, body: bytes, secret: str = SECRET) -> bool:
    """What a receiver does (README): recompute the HMAC over `t.body` and compare in constant time."""
    parts = dict(p.split("=", 1) for p in headers["X-Xero-Syncd-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
async def receiver(clock):
    receiver = Receiver(clock)
    app = web.Application()
    app.router.add_post("/hooks/xero", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/hooks/xero")) + "?token=receiver-own-secret"
    yield receiver
    await server.close()


@pytest.fixture
def hooked(settings, receiver) -> Settings:
    return replace(settings, outbound_webhook_urls=(receiver.url,), outbound_webhook_secret=SECRET)


def bodies(receiver) -> list[dict]:
    return [json.loads(body) for _, _, body in receiver.got]


async def test_one_signed_post_per_org_after_a_sync_that_changed_records_none_after_one_that_did_not(
        make_daemon, hooked, emulator, receiver, operator_shell, capsys, log_lines):
    daemon = await make_daemon(settings_=hooked)
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    tenants = {t.tenant_id for t in emulator.state.tenants}
    assert sorted(b["org"]["tenant_id"] for b in bodies(receiver)) == sorted(tenants)  # one each
    for _, headers, body in receiver.got:
        assert verify(headers, body) and not verify(headers, body + b" ") and not verify(headers, body, "wrong")
        sent = json.loads(body)
        run = await daemon.store.runs.get(sent["run"]["id"])
        assert sent["id"] == f"{run.tenant_id}:{run.id}" and sent["run"]["outcome"] == "success"
        invoices = sent["entities"]["Invoices"]
        assert invoices["added"] == len(emulator.state.records(run.tenant_id, "Invoices")) == run.kinds["Invoices"].added
        assert (invoices["updated"], invoices["deleted"]) == (0, 0)

    await daemon.clock.advance(60)
    await daemon.advance(3600)  # the hourly sync: nothing changed in Xero
    await daemon.flush()
    assert len(receiver.got) == 2

    tenant = emulator.state.tenants[0].tenant_id
    invoice = emulator.state.records(tenant, "Invoices")[0]["InvoiceID"]
    emulator.state.update_record(tenant, "Invoices", invoice, {"Reference": "changed"})
    await daemon.advance(3600)
    await daemon.flush()
    assert len(receiver.got) == 3
    _, headers, body = receiver.got[-1]
    sent = json.loads(body)
    assert verify(headers, body) and sent["org"]["tenant_id"] == tenant
    assert list(sent["entities"]) == ["Invoices"]
    assert {k: v for k, v in sent["entities"]["Invoices"].items() if k in ("added", "updated", "deleted")} == {
        "added": 0, "updated": 1, "deleted": 0}

    # the cursor it carries reads exactly what the run changed
    assert await asyncio.to_thread(main, ["api-key", "create", "hooks"]) == 0
    key = capsys.readouterr().out.strip()
    url = sent["entities"]["Invoices"]["url"]
    assert url.startswith(hooked.public_url)
    resp = await daemon.client.get(url.removeprefix(hooked.public_url.rstrip("/")),
                                   headers={"Authorization": f"Bearer {key}"})
    page = await resp.json()
    assert [(r["InvoiceID"], r["Reference"]) for r in page["records"]] == [(invoice, "changed")]
    ours = "\n".join(line for line in log_lines().splitlines() if "POST /hooks/xero" not in line)  # not the receiver's
    assert SECRET not in log_lines()
    assert "receiver-own-secret" not in ours


async def test_a_failing_receiver_is_retried_with_backoff_each_attempt_signed_afresh(
        make_daemon, hooked, emulator, receiver):
    receiver.answers = [503, 500, 502]
    daemon = await make_daemon(settings_=replace(hooked, sync_entities=("Organisation", "Invoices")))
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    by_org: dict[str, list] = {}
    for at, headers, body in receiver.got:
        assert verify(headers, body)
        by_org.setdefault(json.loads(body)["org"]["tenant_id"], []).append((at, headers))
    attempts = max(by_org.values(), key=len)  # the org whose delivery met the failures
    t0 = attempts[0][0]
    assert [at - t0 for at, _ in attempts] == [0, 2, 6, 14]  # backoff 2 s, 4 s, 8 s
    stamps = [h["X-Xero-Syncd-Signature"].split(",")[0] for _, h in attempts]
    assert len(set(stamps)) == 4  # each attempt carries its own time
    assert all(len(v) == 1 for k, v in by_org.items() if v is not attempts)


async def test_retry_after_is_heeded_and_a_refusal_is_not_retried(make_daemon, hooked, emulator, receiver):
    receiver.answers = [(429, 30), 410]
    daemon = await make_daemon(settings_=replace(hooked, sync_entities=("Organisation", "Invoices")))
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    times = [at for at, _, _ in receiver.got]
    orgs = [json.loads(body)["org"]["tenant_id"] for _, _, body in receiver.got]
    # first delivery: 429 then, 30 s later, 410 (dropped: gone for good); the second org's goes on after it
    assert len(receiver.got) == 3 and orgs[0] == orgs[1] != orgs[2]
    assert times[1] - times[0] == 30
    assert await daemon.app[SLACK_OUTBOX].pending() == 0


async def test_a_delivery_survives_a_restart(make_daemon, hooked, emulator, receiver):
    receiver.answers = [503] * 1000
    first = await make_daemon(settings_=replace(hooked, sync_entities=("Organisation", "Invoices")))
    await first.connect(emulator)
    await first.advance(0)
    await first.settled()  # the first tried, and waiting to try again; the second queued behind it (same URL)
    assert len(receiver.got) == 1 and await first.app[SLACK_OUTBOX].pending() == 2
    await first.client.close()
    receiver.answers.clear()
    receiver.got.clear()
    second = await make_daemon(settings_=replace(hooked, sync_entities=("Organisation", "Invoices")))
    await second.flush()
    assert sorted(b["org"]["tenant_id"] for b in bodies(receiver)) == sorted(t.tenant_id for t in emulator.state.tenants)
    assert all(verify(h, b) for _, h, b in receiver.got)


def test_urls_need_the_secret_and_bad_urls_are_refused_without_echoing_them():
    base = {"XERO_CLIENT_ID": "id", "XERO_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}
    with pytest.raises(SettingsError, match="OUTBOUND_WEBHOOK_SECRET"):
        Settings.from_env({**base, "OUTBOUND_WEBHOOK_URLS": "https://a.example/h"})
    with pytest.raises(SettingsError) as bad:
        Settings.from_env({**base, "OUTBOUND_WEBHOOK_URLS": "https://a.example/h, ftp://b/secret-token",
                           "OUTBOUND_WEBHOOK_SECRET": "k"})
    assert "secret-token" not in str(bad.value) and "URL 2" in str(bad.value)
    ok = Settings.from_env({**base, "OUTBOUND_WEBHOOK_URLS": "https://a.example/h,http://b.example/x",
                            "OUTBOUND_WEBHOOK_SECRET": "k"})
    assert ok.outbound_webhook_urls == ("https://a.example/h", "http://b.example/x")


async def test_a_run_that_fails_part_way_still_tells_what_it_stored(make_daemon, hooked, emulator, receiver):
    from daemon.xero.client import RetryPolicy

    daemon = await make_daemon(settings_=hooked, retry=RetryPolicy(attempts=2, base=1.0, cap=5.0, timeout=0.5))
    await daemon.connect(emulator)
    await daemon.advance(0)
    await daemon.flush()
    receiver.got.clear()
    tenant = emulator.state.tenants[0].tenant_id
    invoice = emulator.state.records(tenant, "Invoices")[0]["InvoiceID"]
    await daemon.clock.advance(60)
    emulator.state.update_record(tenant, "Invoices", invoice, {"Reference": "stored before the failure"})
    emulator.state.inject_fault("503_text", tenant_id=tenant, entity="Payments", fraction=1.0)
    run = (await daemon.finish(daemon.service.sync(tenant))).run
    assert run.outcome == "failed"
    await daemon.flush()
    [sent] = bodies(receiver)
    assert sent["run"]["outcome"] == "failed" and sent["entities"]["Invoices"]["updated"] == 1
