"""`python -m xero_emulator` starts, says where it listens, and serves the whole flow over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import secrets
import sys
from pathlib import Path

import aiohttp
from yarl import URL

ROOT = Path(__file__).resolve().parents[2]


async def test_cli_runs_a_scaled_clock_emulator():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "xero_emulator", "--port", "0", "--invoices", "30", "--contacts", "5",
        "--payments", "5", "--orgs", "1", "--auto-approve", "--limits", "--clock-factor", "60",
        "--clock-start", "2026-11-24T09:00:00", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.fullmatch(r"xero-emulator listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        await _walk_through(match.group(1))
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
    assert process.returncode == 0


async def _walk_through(base: str) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:1/oauth/callback"
    async with aiohttp.ClientSession() as http:
        params = {"response_type": "code", "client_id": "emulator-client", "redirect_uri": redirect,
                  "scope": "offline_access accounting.invoices.read", "state": "s",
                  "code_challenge": challenge, "code_challenge_method": "S256"}
        async with http.get(f"{base}/identity/connect/authorize", params=params, allow_redirects=False) as r:
            code = URL(r.headers["Location"]).query["code"]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                "code_verifier": verifier, "client_id": "emulator-client", "client_secret": "emulator-secret"}
        async with http.post(f"{base}/connect/token", data=form) as r:
            token = (await r.json())["access_token"]
        async with http.get(f"{base}/connections", headers={"Authorization": f"Bearer {token}"}) as r:
            tenant = (await r.json())[0]["tenantId"]
        headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}
        async with http.get(f"{base}/api.xro/2.0/Invoices", headers=headers) as r:
            assert r.status == 200 and len((await r.json())["Invoices"]) == 30
            assert r.headers["X-MinLimit-Remaining"] == "59"


def test_cli_options_for_the_new_entities_and_checks():
    from xero_emulator.__main__ import build, parse_args

    config, _clock = build(parse_args(["--port", "0", "--bank-transactions", "7", "--journals", "50",
                                       "--precise-items", "2", "--strict-requests", "--no-gzip"]))
    assert (config.bank_transactions, config.journals, config.precise_items) == (7, 50, 2)
    assert config.strict_requests is True and config.gzip is False
    default, _clock = build(parse_args(["--port", "0"]))
    assert default.strict_requests is False and default.gzip is True and default.quotes == 20
