"""The operating commands run as an operator runs them: `xero-syncd export`, and `run` choosing the demo or the
daemon (`check` is in test_check.py)."""

from __future__ import annotations

import asyncio
import csv
import json

import pytest

from daemon.core.settings import VARIABLES
from daemon.ops.cli import main


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
