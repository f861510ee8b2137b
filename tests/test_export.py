"""`xero-syncd export`, run as an operator runs it: the files written, what reaches standard output and error, and
the exit status."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.core.settings import VARIABLES
from daemon.ops.cli import main
from daemon.xero.dates import json_date_ms
from xero_emulator import EmulatorConfig

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def synced(daemon, emulator, settings, operator_env):
    """Both demo orgs connected and synced once; the operator's environment points at the daemon's store."""
    await daemon.connect(emulator)
    await daemon.advance(0)
    operator_env.setenv("DATABASE_URL", settings.database_url)
    operator_env.setenv("SECRET_KEY", ",".join(settings.secret_key))  # PostgreSQL needs it; SQLite ignores it
    return emulator.state.tenants[0]


async def export(*args: str) -> int:
    """`xero-syncd export ARGS` in this process (on a thread: it runs its own event loop); its exit status."""
    return await asyncio.to_thread(main, ["export", *args])


def invoices(emulator, org) -> dict[str, dict]:
    return {doc["InvoiceID"]: doc for doc in emulator.state.records(org.tenant_id, "Invoices")}


async def test_export_csv_and_jsonl_of_a_synced_org(synced, emulator, tmp_path, capsys):
    org = synced
    truth = invoices(emulator, org)

    target = tmp_path / "invoices.csv"
    assert await export("--org", org.tenant_id, "--entity", "invoices", "--format", "csv", "--output", str(target)) == 0
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
    assert await export("--org", prefix, "--entity", "Invoices", "--format", "jsonl") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["xero_id"] for line in lines} == set(truth)
    assert all(line["data"] == truth[line["xero_id"]] for line in lines)


async def test_export_refuses_an_unknown_org_or_entity(synced, emulator, capsys):
    assert await export("--org", "nobody", "--entity", "Invoices") == 1
    err = capsys.readouterr().err
    assert "No organisation matches 'nobody'" in err and emulator.state.tenants[0].name in err
    assert await export("--org", "x", "--entity", "Widgets") == 1
    assert "unknown entity 'Widgets'" in capsys.readouterr().err




def subprocess_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in VARIABLES or k in ("DATABASE_URL", "SECRET_KEY")} | {
        "PYTHONPATH": str(ROOT)}


async def test_export_into_a_closed_pipe_ends_quietly(synced, tmp_path):
    """`xero-syncd export ... | head`: once the reader has gone, the export stops, with no traceback and no
    "Exception ignored" at exit, and says nothing more."""
    command = [sys.executable, "-m", "daemon", "export", "--org", synced.tenant_id, "--entity", "all"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=subprocess_env())
    proc.stdout.close()  # the reader is gone before the first line is written
    _, err = await asyncio.to_thread(proc.communicate, timeout=60)
    assert (proc.returncode, err.decode()) == (0, "")

    piped = f"{' '.join(command)} | head -n 2"
    done = await asyncio.to_thread(subprocess.run, ["bash", "-o", "pipefail", "-c", piped], capture_output=True,
                                   text=True, cwd=tmp_path, env=subprocess_env(), timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert [json.loads(line)["entity"] for line in done.stdout.splitlines()] == ["Organisation", "Contacts"]


async def test_export_says_in_one_line_why_it_cannot_write_its_output(synced, tmp_path, capsys):
    org = synced.tenant_id
    (tmp_path / "a-file").write_text("x")
    cases = [
        (tmp_path / "no-such-folder" / "invoices.csv", "Invoices",
         f"cannot write {tmp_path}/no-such-folder/invoices.csv: the folder {tmp_path}/no-such-folder does not exist"),
        (tmp_path, "Invoices", f"--output {tmp_path} is a folder: give a file name"),
        (tmp_path / "a-file" / "invoices.csv", "Invoices", f"{tmp_path}/a-file is a file, not a folder"),
        (tmp_path / "a-file", "all", f"--output {tmp_path}/a-file is a file: with --entity all it must be a folder"),
        (tmp_path / "no-such-folder" / "every", "all", f"the folder {tmp_path}/no-such-folder does not exist"),
    ]
    if os.geteuid() != 0:  # root writes anywhere
        (tmp_path / "locked").mkdir(mode=0o500)
        cases.append((tmp_path / "locked" / "x.csv", "Invoices", f"cannot write {tmp_path}/locked/x.csv: permission denied"))
    for output, entity, said in cases:
        assert await export("--org", org, "--entity", entity, "--output", str(output)) == 1, output
        err = capsys.readouterr().err
        assert err.startswith("xero-syncd export: ") and said in err and err.count("\n") == 1, err
    assert not (tmp_path / "no-such-folder").exists()


async def test_export_line_items_one_row_per_invoice_line(synced, emulator, tmp_path, capsys):
    truth = invoices(emulator, synced)
    lines = {line["LineItemID"]: (doc, line) for doc in truth.values() for line in doc.get("LineItems") or []}
    assert lines
    target = tmp_path / "lines.csv"
    assert await export("--org", synced.tenant_id, "--entity", "invoicelineitems", "--output", str(target)) == 0
    rows = list(csv.DictReader(target.open(newline="")))
    assert list(rows[0])[:5] == ["invoice_id", "invoice_number", "invoice_status", "invoice_updated", "line"]
    assert sorted(row["LineItemID"] for row in rows) == sorted(lines)
    for row in rows:
        doc, line = lines[row["LineItemID"]]
        assert (row["invoice_id"], row["invoice_number"], row["invoice_status"]) == (
            doc["InvoiceID"], doc["InvoiceNumber"], doc["Status"])
        assert float(row["LineAmount"]) == line["LineAmount"] and row["Description"] == line["Description"]
        assert doc["LineItems"][int(row["line"]) - 1] == line
    assert f"exported {len(lines)} InvoiceLineItems of {synced.name}" in capsys.readouterr().err

    assert await export("--org", synced.tenant_id, "--entity", "InvoiceLineItems", "--format", "jsonl") == 0
    for item in map(json.loads, capsys.readouterr().out.splitlines()):
        doc, line = lines[item["data"]["LineItemID"]]
        assert list(item)[:2] == ["invoice_id", "invoice_number"] and item["invoice_id"] == doc["InvoiceID"]
        assert item["data"] == line


async def test_export_since_a_day_starts_at_midnight_where_the_org_is(synced, emulator, tmp_path, capsys):
    """The demo's first org is in New Zealand (Organisation.Timezone NEWZEALANDSTANDARDTIME): a day there starts
    11 or 12 hours before it does in UTC."""
    auckland = ZoneInfo("Pacific/Auckland")
    truth = invoices(emulator, synced)
    updated = {xero_id: json_date_ms(doc["UpdatedDateUTC"]) / 1000 for xero_id, doc in truth.items()}
    # an invoice changed in the afternoon (UTC), already the next day in Auckland: the day to export from
    pivot = next(t for t in sorted(updated.values())[len(updated) // 3:]
                 if datetime.fromtimestamp(t, UTC).hour >= 14)
    day = datetime.fromtimestamp(pivot, auckland).date()
    assert day == datetime.fromtimestamp(pivot, UTC).date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, tzinfo=auckland).timestamp()
    expected = {xero_id for xero_id, t in updated.items() if t >= start}
    assert 0 < len(expected) < len(truth)

    assert await export("--org", synced.tenant_id, "--entity", "Invoices", "--since", day.isoformat()) == 0
    out, err = capsys.readouterr()
    assert {row["xero_id"] for row in csv.DictReader(out.splitlines())} == expected
    assert f"updated on or after {day} 00:00 Pacific/Auckland (the organisation's time zone)" in err
    with pytest.raises(SystemExit) as refused:  # argparse's usage error
        await export("--org", synced.tenant_id, "--entity", "Invoices", "--since", "01/04/2026")
    assert refused.value.code == 2
    assert "'01/04/2026' is not a date like 2026-04-01" in capsys.readouterr().err


async def test_export_all_into_a_folder_or_as_one_stream(synced, emulator, tmp_path, capsys):
    from daemon.core.entities import ENTITIES

    truth = invoices(emulator, synced)
    contacts = {doc["ContactID"] for doc in emulator.state.records(synced.tenant_id, "Contacts")}
    folder = tmp_path / "aroha"
    assert await export("--org", synced.tenant_id, "--entity", "all", "--output", str(folder)) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.csv" for name in [*ENTITIES, "InvoiceLineItems"])
    rows = list(csv.DictReader((folder / "Invoices.csv").open(newline="")))
    assert {row["xero_id"] for row in rows} == set(truth)
    lines = list(csv.DictReader((folder / "InvoiceLineItems.csv").open(newline="")))
    assert len(lines) == sum(len(doc["LineItems"]) for doc in truth.values())
    err = capsys.readouterr().err
    assert f"exported {synced.name} ({synced.tenant_id}): Organisation 1, Contacts " in err
    assert f"Invoices {len(truth)}" in err and f"to {folder}" in err

    assert await export("--org", synced.tenant_id, "--entity", "all") == 0  # standard output: JSON lines
    stream = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["xero_id"] for line in stream if line["entity"] == "Invoices"} == set(truth)
    assert {line["xero_id"] for line in stream if line["entity"] == "Contacts"} >= contacts
    assert sum(line["entity"] == "InvoiceLineItems" for line in stream) == len(lines)
    assert all(list(line)[0] == "entity" for line in stream)

    assert await export("--org", synced.tenant_id, "--entity", "all", "--format", "csv") == 1
    assert "--entity all writes CSV only into a folder (--output DIR" in capsys.readouterr().err


@pytest.mark.parametrize("emulator_config", [EmulatorConfig(orgs=1, auto_approve=True, precise_items=4)])
async def test_unit_amounts_keep_their_four_decimals_into_the_store_and_export(synced, emulator, capsys):
    """Xero rounds unit amounts to 2 decimals unless asked for unitdp=4: the sync asks, where the spec offers it."""
    org = synced
    exact = [i for i in emulator.state.records(org.tenant_id, "Items")
             if round(i["SalesDetails"]["UnitPrice"], 2) != i["SalesDetails"]["UnitPrice"]]
    assert len(exact) == 4
    assert await export("--org", org.tenant_id, "--entity", "Items", "--format", "jsonl") == 0
    stored = {json.loads(line)["xero_id"]: json.loads(line)["data"] for line in capsys.readouterr().out.splitlines()}
    for item in exact:
        assert stored[item["ItemID"]]["SalesDetails"]["UnitPrice"] == item["SalesDetails"]["UnitPrice"]
    precise = [doc for doc in invoices(emulator, org).values()
               if any(round(line["UnitAmount"], 2) != line["UnitAmount"] for line in doc["LineItems"])]
    assert precise  # invoices that sell those items carry their 4-decimal unit prices
    assert await export("--org", org.tenant_id, "--entity", "InvoiceLineItems", "--format", "jsonl") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    got = {(row["invoice_id"], row["data"]["LineItemID"]): row["data"]["UnitAmount"] for row in lines}
    for doc in precise:
        for line in doc["LineItems"]:
            assert got[(doc["InvoiceID"], line["LineItemID"])] == line["UnitAmount"]
    for api_call in emulator.api_calls(org.tenant_id):
        if api_call.path.rsplit("/", 1)[-1] in ("Invoices", "CreditNotes", "Overpayments", "Prepayments", "Items"):
            assert api_call.query.get("unitdp") == "4", api_call
