"""The operating commands: `xero-syncd check` and `xero-syncd export`, run as an operator runs them."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest

from daemon.core.settings import VARIABLES
from daemon.demo.console import Console
from daemon.ops.check import run_check
from daemon.ops.cli import main
from tests.support import SECRET
from xero_emulator.harness import daemon_env, free_port


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


@pytest.fixture
def operator_env(monkeypatch, tmp_path):
    """A clean environment in an empty working directory (no developer's .env)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


async def test_export_csv_and_jsonl_of_a_synced_org(daemon, emulator, settings, operator_env, tmp_path, capsys):
    await daemon.connect(emulator)
    await daemon.advance(0)
    org = emulator.state.tenants[0]
    truth = {doc["InvoiceID"]: doc for doc in emulator.state.records(org.tenant_id, "Invoices")}
    operator_env.setenv("DATABASE_URL", settings.database_url)
    operator_env.setenv("SECRET_KEY", ",".join(settings.secret_key))  # PostgreSQL needs it; SQLite ignores it

    target = tmp_path / "invoices.csv"
    args = ["export", "--org", org.tenant_id, "--entity", "invoices", "--format", "csv", "--output", str(target)]
    assert await asyncio.to_thread(main, args) == 0
    rows = list(csv.DictReader(target.open(newline="")))
    assert list(rows[0])[:4] == ["xero_id", "status", "updated", "deleted"]
    assert {row["xero_id"] for row in rows} == set(truth)
    row = rows[0]
    doc = truth[row["xero_id"]]
    assert row["status"] == doc["Status"] and row["InvoiceNumber"] == doc["InvoiceNumber"]
    assert row["Contact.Name"] == doc["Contact"]["Name"] and row["deleted"] == "false"
    assert row["updated"].endswith("Z") and row["Date"].endswith("Z")  # Xero's /Date(...)/ as ISO
    assert f"exported {len(truth)} Invoices of {org.name}" in capsys.readouterr().err

    prefix = org.name[: len(org.name) - 3].lower()
    if sum(o.name.lower().startswith(prefix) for o in emulator.state.tenants) > 1:
        prefix = org.name.lower()
    assert await asyncio.to_thread(main, ["export", "--org", prefix, "--entity", "Invoices", "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["xero_id"] for line in lines} == set(truth)
    assert all(line["data"] == truth[line["xero_id"]] for line in lines)


async def test_export_refuses_an_unknown_org_or_entity(daemon, emulator, settings, operator_env, capsys):
    await daemon.connect(emulator)
    await daemon.advance(0)
    operator_env.setenv("DATABASE_URL", settings.database_url)
    operator_env.setenv("SECRET_KEY", ",".join(settings.secret_key))  # PostgreSQL needs it; SQLite ignores it
    assert await asyncio.to_thread(main, ["export", "--org", "nobody", "--entity", "Invoices"]) == 1
    err = capsys.readouterr().err
    assert "No organisation matches 'nobody'" in err and emulator.state.tenants[0].name in err
    assert await asyncio.to_thread(main, ["export", "--org", "x", "--entity", "Widgets"]) == 1
    assert "unknown entity 'Widgets'" in capsys.readouterr().err


def test_run_without_settings_is_the_demo_unless_told_otherwise(operator_env, capsys):
    from daemon.ops.cli import _configured

    operator_env.setenv("DATABASE_URL", "postgres://someone-elses-app")  # a common name, set for something else
    operator_env.setenv("PORT", "9000")
    assert not _configured()
    assert main(["run", "--no-demo"]) == 2  # a service never falls back to the demo
    assert "xero-syncd: setting DATABASE_URL must name a server and a database" in capsys.readouterr().err
    operator_env.delenv("DATABASE_URL")
    assert main(["run", "--no-demo"]) == 2
    assert "xero-syncd: setting XERO_CLIENT_ID is required" in capsys.readouterr().err
    operator_env.setenv("XERO_CLIENT_ID", "abc")
    assert _configured()
