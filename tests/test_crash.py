"""Crash safety with real processes: the daemon killed with SIGKILL at several points of a large sync (start-up,
mid-page, later pages), restarted, ends with a store equal to the emulator's truth record by record. SIGTERM stops
it cleanly, recording the run as interrupted."""

import json
import signal

import pytest

from daemon.settings import DEFAULT_ENTITIES
from daemon.sync.entities import ENTITIES
from tests.processes import DaemonProcess, EmulatorProcess, until

SIZE = ["--orgs", "1", "--invoices", "12000", "--contacts", "1500", "--payments", "4000"]


@pytest.fixture(scope="module")
def emulator():
    emu = EmulatorProcess(*SIZE)
    yield emu
    emu.stop()


def stored_count(daemon) -> int:
    rows = daemon.query("SELECT COUNT(*) FROM records")
    return rows[0][0] if rows else 0


def last_outcome(daemon) -> str | None:
    rows = daemon.query("SELECT outcome FROM runs ORDER BY id DESC LIMIT 1")
    return rows[0][0] if rows else None


def test_sigkill_at_any_point_loses_and_duplicates_nothing(emulator, tmp_path):
    daemon = DaemonProcess(emulator, tmp_path)
    daemon.start(wait=False)
    until(lambda: daemon.db.exists(), what="the database file")
    assert daemon.kill() == -signal.SIGKILL  # during start-up and migrations
    daemon.start()
    assert "Demo Company" in daemon.connect()
    for threshold in (1, 4000, 9000):
        until(lambda: stored_count(daemon) >= threshold, what=f"{threshold} records stored")
        daemon.kill()
        daemon.start()  # the interrupted org is due again at start-up
    until(lambda: last_outcome(daemon) == "success", what="a successful sync after the crashes", limit=120)
    daemon.kill(signal.SIGTERM)

    [(tenant,)] = daemon.query("SELECT tenant_id FROM orgs")
    interrupted = daemon.query("SELECT COUNT(*) FROM runs WHERE outcome = 'interrupted'")[0][0]
    assert interrupted >= 3
    for name in DEFAULT_ENTITIES.split(","):
        truth = {str(r[ENTITIES[name].id_field]): r for r in emulator.control(f"/_control/records/{tenant}/{name}")}
        rows = daemon.query("SELECT xero_id, data FROM records WHERE tenant_id = ? AND entity = ?", (tenant, name))
        stored = {xero_id: json.loads(data) for xero_id, data in rows}
        assert len(rows) == len(stored) == len(truth), name
        assert stored == truth, name


def test_sigterm_mid_sync_records_an_interrupted_run(emulator, tmp_path):
    daemon = DaemonProcess(emulator, tmp_path)
    daemon.start()
    daemon.connect()
    until(lambda: stored_count(daemon) >= 2000, what="the sync to be under way")
    assert daemon.kill(signal.SIGTERM) == 0
    assert last_outcome(daemon) == "interrupted"
    marks = dict(daemon.query("SELECT entity, updated_ms FROM watermarks"))
    invoices_done = daemon.query("SELECT COUNT(*) FROM records WHERE entity = 'Invoices'")[0][0]
    assert invoices_done < 12000 and "Invoices" not in marks  # no half-advanced watermark
