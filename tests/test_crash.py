"""Crash safety with real processes: the daemon killed with SIGKILL at several points of a large sync (start-up,
mid-page, later pages), restarted, ends with a store equal to the emulator's truth record by record. SIGTERM stops
it cleanly, recording the run as interrupted."""

import json
import signal

import pytest

from daemon.core.entities import DEFAULT_ENTITIES, ENTITIES
from tests.processes import DaemonProcess, alive
from tests.waiting import eventually_sync
from xero_emulator.harness import EmulatorProcess

SIZE = ["--orgs", "1", "--invoices", "12000", "--contacts", "1500", "--payments", "4000"]


@pytest.fixture
def emulator():
    """One per test: each backend's run makes its own ~60 calls, and one emulator would count both against the
    tenant's minute limit (the daemon then rightly waits for the next minute)."""
    emu = EmulatorProcess("--strict-requests", *SIZE)
    yield emu
    emu.stop()


@pytest.fixture
def spawn(emulator, tmp_path, database_url):
    """A daemon process for the backend under test, SIGKILLed at the end whatever the test did."""
    made = []

    def make() -> DaemonProcess:
        made.append(DaemonProcess(emulator, tmp_path, **on(database_url)))
        return made[-1]

    yield make
    for daemon in made:
        if daemon.proc is not None and daemon.proc.poll() is None:
            daemon.kill()


def on(database_url: str) -> dict[str, str]:
    """The daemon's settings for the backend under test. With PostgreSQL a killed process's lease outlives it
    (another replica could still be running): a short one lets the restarted daemon take the org over soon."""
    return {"DATABASE_URL": database_url, "SYNC_LEASE": "2"} if database_url.startswith("postgres") else {}


def stored_count(daemon) -> int:
    rows = daemon.query("SELECT COUNT(*) FROM records")
    return rows[0][0] if rows else 0


def last_outcome(daemon) -> str | None:
    rows = daemon.query("SELECT outcome FROM runs ORDER BY id DESC LIMIT 1")
    return rows[0][0] if rows else None


def test_sigkill_at_any_point_loses_and_duplicates_nothing(emulator, spawn):
    daemon = spawn()
    daemon.start(wait=False)
    eventually_sync(daemon.started_storing, "the store being created")
    assert daemon.kill() == -signal.SIGKILL  # during start-up and migrations
    daemon.start()
    assert "Demo Company" in daemon.connect()
    for threshold in (1, 4000, 9000):
        eventually_sync(lambda: stored_count(daemon) >= threshold, f"{threshold} records stored")
        helpers = daemon.helpers()
        daemon.kill()
        # its page-decoder process (and multiprocessing's forkserver) go too: a SIGKILL leaves none behind
        eventually_sync(lambda: not any(alive(pid) for pid in helpers), "the killed daemon's helper processes to exit",
              timeout=15)
        daemon.start()  # the interrupted org is due again at start-up
    eventually_sync(lambda: last_outcome(daemon) == "success", "a successful sync after the crashes", timeout=120)
    daemon.kill(signal.SIGTERM)

    [(tenant,)] = daemon.query("SELECT tenant_id FROM orgs")
    interrupted = daemon.query("SELECT COUNT(*) FROM runs WHERE outcome = 'interrupted'")[0][0]
    assert interrupted >= 3
    for name in DEFAULT_ENTITIES:
        truth = {str(r[ENTITIES[name].id_field]): r for r in emulator.control(f"/_control/records/{tenant}/{name}")}
        rows = daemon.query("SELECT xero_id, data FROM records WHERE tenant_id = ? AND entity = ?", (tenant, name))
        stored = {xero_id: json.loads(data) for xero_id, data in rows}
        assert len(rows) == len(stored) == len(truth), name
        assert stored == truth, name


def test_sigterm_mid_sync_records_an_interrupted_run(spawn):
    daemon = spawn()
    daemon.start()
    daemon.connect()
    eventually_sync(lambda: stored_count(daemon) >= 2000, "the sync to be under way")
    assert daemon.kill(signal.SIGTERM) == 0
    assert last_outcome(daemon) == "interrupted"
    marks = dict(daemon.query("SELECT entity, updated_ms FROM watermarks"))
    invoices_done = daemon.query("SELECT COUNT(*) FROM records WHERE entity = 'Invoices'")[0][0]
    assert invoices_done < 12000 and "Invoices" not in marks  # no half-advanced watermark
