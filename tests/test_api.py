"""The records API's door: keys made, listed and revoked with `xero-syncd api-key`, only their hash kept; a request
without a live key is 401, past its rate 429 with Retry-After; the key never reaches a log line."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from daemon.ops.cli import main


async def api_key(*args: str) -> int:
    return await asyncio.to_thread(main, ["api-key", *args])


async def get(daemon, path: str, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return await daemon.client.get(path, headers=headers)


async def test_a_key_is_shown_once_kept_as_a_hash_and_revoked(daemon, emulator, operator_shell, capsys, log_lines):
    await daemon.connect(emulator)
    await daemon.advance(0)
    assert await api_key("create", "billing portal") == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("xsk_") and len(key) > 40
    assert await api_key("create", "billing portal") == 1  # one key per name
    assert "exists already" in capsys.readouterr().err
    rows = await daemon.store.db.fetchall("SELECT * FROM api_keys")
    assert len(rows) == 1 and key not in str(dict(rows[0])) and rows[0]["prefix"] == key[:10]

    missing = await get(daemon, "/api/v1/orgs")
    assert missing.status == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert "Authorization: Bearer" in (await missing.json())["error"]
    assert (await get(daemon, "/api/v1/orgs", key + "x")).status == 401
    ok = await get(daemon, "/api/v1/orgs", key)
    assert ok.status == 200
    listed = (await ok.json())["orgs"]
    assert {o["name"] for o in listed} == {"Demo Company (NZ)", "Demo Company (UK)"}
    nz = next(o for o in listed if o["name"] == "Demo Company (NZ)")
    assert nz["connection"] == "connected" and nz["timezone"] == "Pacific/Auckland"
    assert nz["last_successful_sync"] == "2026-11-24T09:00:00Z" and nz["records"]["Invoices"] == 50

    assert await api_key("list") == 0
    listing = capsys.readouterr().out
    assert "billing portal\txsk_" in listing and key not in listing and "\tlive" in listing
    assert await api_key("revoke", "billing portal") == 0
    assert (await get(daemon, "/api/v1/orgs", key)).status == 401
    assert await api_key("revoke", "billing portal") == 1  # nothing live by that name any more
    assert key not in log_lines() and key[10:] not in log_lines()


async def test_a_key_past_its_rate_waits_as_told(make_daemon, settings, emulator, operator_shell, capsys):
    daemon = await make_daemon(settings_=replace(settings, api_rate_limit=3))
    assert await api_key("create", "dashboard") == 0
    key = capsys.readouterr().out.strip()
    assert [(await get(daemon, "/api/v1/orgs", key)).status for _ in range(3)] == [200, 200, 200]
    limited = await get(daemon, "/api/v1/orgs", key)
    assert limited.status == 429 and limited.headers["Retry-After"] == "20"  # 3 a minute: one every 20 s
    await daemon.clock.advance(20)
    assert (await get(daemon, "/api/v1/orgs", key)).status == 200
    assert (await get(daemon, "/api/v1/orgs", key)).status == 429


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.none(), st.text(max_size=80), st.text(max_size=60).map(lambda t: "Bearer " + t)))
async def test_any_authorization_header_without_a_live_key_is_401(daemon, header):
    headers = {"Authorization": header} if header is not None else {}
    try:
        resp = await daemon.client.get("/api/v1/orgs", headers=headers)
    except ValueError:  # aiohttp refuses to send a header with a newline: no request, nothing to check
        return
    assert resp.status == 401 and "error" in await resp.json()
