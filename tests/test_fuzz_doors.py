"""Generated input at every door, backing the hand-written tests: Slack's endpoint, Xero's webhooks, the OAuth
callback, and Xero's answers (the record decoder, error answers, Retry-After, the token endpoint). Whatever arrives:
no 500, no traceback, and nothing stored changes unless the request was signed and valid."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from multidict import CIMultiDict

from daemon.core.entities import ENTITIES
from daemon.core.errors import XeroError, XeroMalformedAnswer
from daemon.xero.pages import decode_batch, decode_page, decode_whole
from storage.records import Row
from daemon.xero.client import LONGEST_RETRY_AFTER, _error_for, _retry_after
from tests.slack.support import SIGNING_SECRET, signed_headers
from tests.support import settings_for
from tests.test_webhooks import KEY as WEBHOOK_KEY
from tests.test_webhooks import sign as webhook_sign

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
TEXT = st.text(max_size=60)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=20)
WORDS = st.sampled_from(["help", "status", "test", "sync", "reset", "disable", "enable", "delete", "auth", "payload",
                         "history", "", "Demo", "2024-07-01", "<!channel>", "tomorrow", "all", "Invoices"])


@pytest.fixture
async def door(make_daemon, emulator, tmp_path, database_url):
    """A daemon with both orgs connected and synced, its webhooks on; what it holds, as a snapshot to compare."""
    daemon = await make_daemon(settings_=settings_for(emulator, tmp_path, DATABASE_URL=database_url,
                                                      XERO_WEBHOOK_KEY=WEBHOOK_KEY,
                                                      SYNC_INTERVAL=str(30 * 86400)))  # no slot comes meanwhile
    await daemon.connect(emulator)
    await daemon.advance(0)

    async def snapshot() -> tuple:
        rows = [await daemon.store.db.fetchall(f"SELECT * FROM {t}") for t in ("grants", "orgs", "runs", "watermarks")]
        return tuple(tuple(tuple(r) for r in t) for t in rows)

    daemon.snapshot = snapshot
    return daemon


def _slack_bodies() -> st.SearchStrategy[bytes]:
    command = st.builds(lambda words, extra: urlencode({"command": "/xero", "text": " ".join(words), "user_id": "U1",
                                                         "channel_id": "C1", **extra}).encode(),
                        st.lists(WORDS, max_size=4), st.dictionaries(st.sampled_from(["team_id", "payload", "token"]),
                                                                     TEXT, max_size=2))
    payload = st.builds(lambda v: urlencode({"payload": json.dumps(v)}).encode(), JSON)
    return st.binary(max_size=300) | command | payload | JSON.map(lambda v: json.dumps(v).encode())


@FUZZ
@given(body=_slack_bodies(), signing=st.sampled_from(["none", "wrong", "right"]),
       timestamp=st.sampled_from(["now", "old", "junk"]))
async def test_slack_door(door, body, signing, timestamp, log_lines):
    await door.settled()  # what an earlier example started has ended
    before = await door.snapshot()
    stamp = {"now": int(time.time()), "old": int(time.time()) - 3600, "junk": None}[timestamp]
    headers = signed_headers(body.decode("latin-1"), secret=SIGNING_SECRET if signing == "right" else "wrong",
                             timestamp=stamp) if signing != "none" else {}
    if signing == "right" and stamp is not None:  # sign the exact bytes (signed_headers signs text)
        headers = _signed_bytes(body, stamp)
    if stamp is None:
        headers["X-Slack-Request-Timestamp"] = "junk"
    resp = await door.client.post("/slack/events", data=body, headers=headers)
    assert resp.status < 500 and "Traceback" not in await resp.text()
    valid = signing == "right" and timestamp == "now" and resp.status == 200
    if not valid:
        assert resp.status in (400, 401, 404, 413)
        await door.settled()
        assert await door.snapshot() == before
    assert "Traceback" not in log_lines()


def _signed_bytes(body: bytes, stamp: int) -> dict:
    import hashlib
    import hmac

    base = b"v0:" + str(stamp).encode() + b":" + body
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()}


def _webhook_bodies(tenants: list[str]) -> st.SearchStrategy[bytes]:
    event = st.fixed_dictionaries({"tenantId": st.sampled_from(tenants) | TEXT, "resourceId": TEXT,
                                   "eventCategory": st.sampled_from(["INVOICE", "CONTACT", "OTHER"]) | JSON,
                                   "eventType": TEXT, "eventDateUtc": TEXT})
    payload = st.fixed_dictionaries({"events": st.lists(event | JSON, max_size=3)}).map(lambda v: json.dumps(v).encode())
    return st.binary(max_size=300) | payload | JSON.map(lambda v: json.dumps(v).encode())


@FUZZ
@given(data=st.data(), signing=st.sampled_from(["none", "wrong", "right"]))
async def test_webhook_door(door, emulator, data, signing, log_lines):
    body = data.draw(_webhook_bodies([t.tenant_id for t in emulator.state.tenants]))
    headers = {"x-xero-signature": webhook_sign(body, WEBHOOK_KEY if signing == "right" else "wrong")} \
        if signing != "none" else {}
    await door.advance(10)  # what an earlier example queued has run
    before = await door.snapshot()
    resp = await door.client.post("/webhooks/xero", data=body, headers=headers)
    assert resp.status in (200, 400, 401, 413) and "Traceback" not in await resp.text()
    if resp.status != 200:
        await door.advance(10)  # a debounced sync would have started by now
        assert await door.snapshot() == before
    assert (signing == "right") or resp.status == 401
    assert "Traceback" not in log_lines()


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["state", "code", "error", "scope", "link"]), TEXT, max_size=4),
       path=st.sampled_from(["/oauth/callback", "/oauth/start"]))
async def test_oauth_door(door, query, path, log_lines):
    before = await door.snapshot()
    resp = await door.client.get(path, params=query, allow_redirects=False)
    assert resp.status == 400 and "Traceback" not in await resp.text()
    assert await door.snapshot() == before and "Traceback" not in log_lines()


@FUZZ
@given(payload=JSON | st.fixed_dictionaries({"Invoices": st.lists(JSON, max_size=5), "pagination": JSON}),
       entity=st.sampled_from(sorted(ENTITIES)))
def test_xero_answers_decode_to_rows_or_a_clear_malformed_answer(payload, entity):
    spec = ENTITIES[entity]
    for decode in (lambda p: decode_page(spec, 1, 10**13, p), lambda p: decode_whole(spec, 10**13, p)):
        try:
            page = decode(payload)
        except XeroMalformedAnswer:
            continue
        for row in map(Row._make, page.rows):
            assert isinstance(row.xero_id, str) and isinstance(row.updated_ms, int) and 0 <= row.updated_ms <= 10**13
            assert row.status is None or isinstance(row.status, str)
            json.loads(row.data)


@FUZZ
@given(journals=st.lists(st.dictionaries(st.sampled_from(["JournalID", "JournalNumber", "CreatedDateUTC"]),
                                         st.integers(-5, 400) | TEXT | st.none()), max_size=110),
       padding=st.integers(0, 100), after=st.integers(0, 300))
def test_journal_batches_move_past_the_offset_or_end(journals, padding, after):
    """Whatever Xero answers for `offset`, the next offset asked passes this one, or reading ends: never a loop."""
    batch = journals + [{"JournalID": f"j{n}", "JournalNumber": after + n} for n in range(1, padding + 1)]
    try:
        page = decode_batch(ENTITIES["Journals"], after, 10**13, {"Journals": batch})
    except XeroMalformedAnswer:
        assert len(batch) >= 100
        return
    assert page.last == (len(batch) < 100)
    assert page.last_number is None or page.last_number > after
    assert page.last or page.last_number is not None


@FUZZ
@given(status=st.integers(100, 599), body=st.binary(max_size=200),
       headers=st.dictionaries(st.sampled_from(["Retry-After", "X-Rate-Limit-Problem", "Content-Type"]), TEXT))
def test_xero_error_answers_become_our_errors(status, body, headers):
    err = _error_for(status, CIMultiDict(headers), body, "Invoices", 1_800_000_000.0)
    assert isinstance(err, XeroError)
    assert 0 <= _retry_after(CIMultiDict(headers), 1_800_000_000.0) <= LONGEST_RETRY_AFTER
