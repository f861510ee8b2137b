"""`xero-syncd check`, run as an operator runs it: every problem in one run, no `ok` line that contradicts a
`FAIL`, the warnings an operator needs, and never a secret on the screen."""

from __future__ import annotations

import io

import pytest

from daemon.demo.console import Console
from daemon.ops.check import run_check
from tests.support import SECRET
from xero_emulator.harness import daemon_env, free_port

NEVER_SHOWN = ("emulator-secret", "xoxb-never-printed", "signing-secret-never-printed", SECRET, "pg-password-never-shown")


async def check(env: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    status = await run_check(env, out)
    text = out.getvalue()
    for secret in NEVER_SHOWN:
        assert secret not in text
    return status, text


def env_for(emulator, tmp_path, **overrides: str) -> dict[str, str]:
    return {
        **daemon_env(emulator.url),
        "SLACK_SIGNING_SECRET": "signing-secret-never-printed",
        "DATABASE_URL": f"sqlite:///{tmp_path}/xero-syncd.db",
        "SECRET_KEY": SECRET,
        **overrides,
    }


@pytest.fixture
async def slack(tmp_path):
    """The demo console's stand-in for Slack's Web API (it answers auth.test)."""
    console = Console("http://127.0.0.1:9", "unused", io.StringIO())
    await console.start()
    yield console
    await console.close()


async def test_check_passes_with_good_settings_and_reachable_endpoints(emulator, tmp_path, slack):
    env = env_for(emulator, tmp_path, SLACK_BOT_TOKEN="xoxb-never-printed", SLACK_API_URL=f"{slack.url}/api/",
                  SLACK_ALERT_CHANNEL="C0ALERTS", SLACK_ADMIN_USERS="U1")
    out = io.StringIO()
    assert await run_check(env, out) == 0, out.getvalue()
    text = out.getvalue()
    assert "XERO_CLIENT_ID and XERO_CLIENT_SECRET accepted" in text
    assert f"Xero connections {emulator.url}/connections: reachable" in text
    assert "Slack auth.test: SLACK_BOT_TOKEN accepted" in text
    assert "ok    SLACK_RESPONSE_URL_PREFIXES: replies to commands go only to https://hooks.slack.com/" in text
    assert "no problems found" in text
    for secret in ("emulator-secret", "xoxb-never-printed", "signing-secret-never-printed", SECRET):
        assert secret not in text


async def test_check_names_a_bad_setting_and_an_unreachable_endpoint(emulator, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/connect/token"
    env = env_for(emulator, tmp_path, PORT="eighty", XERO_TOKEN_URL=dead, XERO_CLIENT_SECRET="wrong-secret",
                  SLACK_RESPONSE_URL_PREFIXES="http://replies.example/,ftp://nope")
    out = io.StringIO()
    assert await run_check(env, out) == 1
    text = out.getvalue()
    assert "FAIL  PORT must be a whole number, got 'eighty'" in text
    assert f"FAIL  Xero token endpoint {dead}: unreachable (ClientConnectorError" in text
    assert "warn  SLACK_BOT_TOKEN is not set" in text
    assert "FAIL  SLACK_RESPONSE_URL_PREFIXES must be an http(s) URL, got 'ftp://nope'" in text
    assert "wrong-secret" not in text


async def test_check_reaches_a_postgresql_database_and_never_shows_its_password(emulator, tmp_path, postgres_url):
    with_password = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:pg-password-never-shown@")
    out = io.StringIO()
    await run_check(env_for(emulator, tmp_path, DATABASE_URL=with_password), out)
    text = out.getvalue()
    assert "ok    database postgresql://postgres:***@" in text and "PostgreSQL answers" in text
    assert "no tables yet: `xero-syncd migrate`" in text  # a fresh schema
    down = f"postgresql://postgres:pg-password-never-shown@127.0.0.1:{free_port()}/test"
    out = io.StringIO()
    assert await run_check(env_for(emulator, tmp_path, DATABASE_URL=down), out) == 1
    assert "FAIL  database postgresql://postgres:***@" in out.getvalue() and "cannot connect" in out.getvalue()
    assert "pg-password-never-shown" not in text + out.getvalue()


async def test_check_says_when_xero_refuses_the_client_credentials(emulator, tmp_path):
    out = io.StringIO()
    assert await run_check(env_for(emulator, tmp_path, XERO_CLIENT_SECRET="wrong-secret"), out) == 1
    assert "XERO_CLIENT_ID / XERO_CLIENT_SECRET refused (invalid_client)" in out.getvalue()
    assert "wrong-secret" not in out.getvalue()


async def test_check_reports_every_missing_required_setting(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "XERO_TOKEN_URL": "not a url",
           "XERO_CONNECTIONS_URL": f"http://127.0.0.1:{free_port()}/c", "XERO_API_URL": f"http://127.0.0.1:{free_port()}"}
    out = io.StringIO()
    assert await run_check(env, out) == 1
    text = out.getvalue()
    for variable in ("XERO_CLIENT_ID", "XERO_TOKEN_URL", "SLACK_SIGNING_SECRET"):
        assert f"FAIL  {variable} " in text



async def test_check_reports_every_problem_in_one_run_and_never_crashes(emulator, tmp_path):
    """PostgreSQL without SECRET_KEY used to end in `AssertionError: settings validation did not settle`."""
    env = {**daemon_env(emulator.url), "XERO_CLIENT_ID": "", "XERO_CLIENT_SECRET": "", "PORT": "eighty",
           "DATABASE_URL": f"postgresql://postgres:pg-password-never-shown@127.0.0.1:{free_port()}/test",
           "SYNC_ENTITIES": "Invoices,Widgets", "PUBLIC_URL": "https://xero-syncd.example.com"}
    status, text = await check(env)
    assert status == 1
    for problem in ("PORT must be a whole number, got 'eighty'", "SYNC_ENTITIES unknown entities ['Widgets']",
                    "XERO_CLIENT_ID is required", "XERO_CLIENT_SECRET is required",
                    "SLACK_SIGNING_SECRET is required", "SECRET_KEY is required with a PostgreSQL DATABASE_URL"):
        assert f"FAIL  {problem}" in text
    assert "FAIL  database postgresql://postgres:***@127.0.0.1:" in text  # and the server is still tried
    assert "ok    Xero redirect URI to register in the Xero app: https://xero-syncd.example.com/oauth/callback" in text
    assert "problem(s) found" in text.splitlines()[-1]


async def test_check_gives_no_advice_about_a_setting_that_failed(emulator, tmp_path):
    env = env_for(emulator, tmp_path, PUBLIC_URL="xero-syncd.example.com", DATABASE_URL="mysql://db/xero",
                  XERO_TOKEN_URL="identity.example.com/token", SLACK_RESPONSE_URL_PREFIXES="hooks.slack.com")
    status, text = await check(env)
    assert status == 1
    assert "FAIL  PUBLIC_URL must be an http(s) URL, got 'xero-syncd.example.com'" in text
    assert "FAIL  DATABASE_URL must look like sqlite:///path/to/file.db" in text
    assert "FAIL  XERO_TOKEN_URL must be an http(s) URL" in text
    assert "FAIL  SLACK_RESPONSE_URL_PREFIXES must be an http(s) URL" in text
    # what the defaults would have said, each contradicting a FAIL above
    assert "redirect URI" not in text and "Slack request URL" not in text
    assert "database:" not in text and "not created yet" not in text
    assert "Xero token endpoint" not in text  # not tried at Xero's real host in place of the bad URL
    assert "replies to commands go only to" not in text
    assert f"ok    Xero connections {emulator.url}/connections: reachable" in text  # the rest is still checked


@pytest.mark.parametrize("public_url, warned", [
    ("http://xero-syncd.example.com", True), ("http://10.0.0.5:8080", True),
    ("http://localhost:8080", False), ("http://127.0.0.1:8080", False), ("http://[::1]:8080", False),
    ("https://xero-syncd.example.com", False),
])
async def test_check_warns_on_plain_http_public_url_not_on_this_machine(emulator, tmp_path, public_url, warned):
    status, text = await check(env_for(emulator, tmp_path, PUBLIC_URL=public_url))
    assert status == 0, text
    assert (f"warn  PUBLIC_URL {public_url} is plain http on another machine" in text) is warned
    tag = "warn" if warned else "ok  "
    assert f"{tag}  Xero redirect URI to register in the Xero app: {public_url}/oauth/callback" in text


async def test_check_warns_when_admins_are_not_slack_user_ids(emulator, tmp_path):
    _, text = await check(env_for(emulator, tmp_path, SLACK_ADMIN_USERS="U0GOODADMIN,alice,@bob,W0ENTERPRISE"))
    line = next(line for line in text.splitlines() if "SLACK_ADMIN_USERS:" in line)
    assert line.startswith("  warn  SLACK_ADMIN_USERS: 'alice', '@bob' are not Slack user ids")
    assert line.endswith("they match nobody") and "U0GOODADMIN" not in line and "W0ENTERPRISE" not in line
    _, text = await check(env_for(emulator, tmp_path, SLACK_ADMIN_USERS="u012ab3cd"))
    assert "'u012ab3cd' is not a Slack user id" in text and "nobody may run admin commands" in text
    _, text = await check(env_for(emulator, tmp_path, SLACK_ADMIN_USERS="U012AB3CD, W0ENTERPRISE"))
    assert "SLACK_ADMIN_USERS" not in text
