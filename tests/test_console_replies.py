"""The `/xero` replies through the demo console, as a newcomer reads them in the terminal: help in any case, words
read as what they are before anything starts, the audit trail and first syncs in #xero-alerts, status at a glance
with its buttons, history, and the org's own dates (signed requests and a real daemon; see tests/slack/ for the
same replies through the HTTP door under a fake clock)."""

from __future__ import annotations

import asyncio
import io
import re

from daemon.demo.session import demo_session
from tests.test_console import SMALL, click, said_after, steps

ALERTS = "#xero-alerts  xero-syncd"


async def test_the_replies_read_right_in_the_console(tmp_path):
    out = io.StringIO()
    script = steps(out, "/xero HELP", "/xero auth", "", "/xero sync", "/xero sync aroha now please",
                   "/xero reset aroha tomorrow", "/xero reset aroha 2024-07-01", "/xero sync aroha invoices",
                   "/xero status", "/xero history aroha 3", "/xero disable bramble", "/xero status bramble",
                   click("Enable"), "/demo break bramble", "/xero test bramble")
    await asyncio.wait_for(demo_session(script, out, tmp_path, sizes=SMALL), timeout=90)
    text = out.getvalue()

    helped = said_after(text, "/xero HELP")
    assert "I don't know" not in helped and "`/xero history [org] [N]`" in helped

    connected = said_after(text, "/xero auth")  # and the empty line that follows the Connect Xero link
    assert f"{ALERTS}" in connected
    assert "@demo.admin connected Xero: Aroha Plumbing (NZ), Bramble Bakery (UK)" in connected
    for org in ("Aroha Plumbing (NZ)", "Bramble Bakery (UK)"):
        assert re.search(rf"First sync of {re.escape(org)} done in [\d.]+ s: 229 records \(Invoices 120, ", text), org

    several = said_after(text, "/xero sync")
    assert "Several organisations are connected; name one" in several and "Syncing" not in several
    assert "I don't understand `now`: after the organisation this command takes an entity" in \
        said_after(text, "/xero sync aroha now please")
    assert "`tomorrow` is not a date I can read: write it as YYYY-MM-DD" in said_after(text, "/xero reset aroha tomorrow")

    reset = said_after(text, "/xero reset aroha 2024-07-01")
    assert "SYNC FROM DATE of Aroha Plumbing (NZ) is now 2024-07-01, midnight Pacific/Auckland time (" in reset
    assert f"{ALERTS}" in reset and "@demo.admin reset SYNC FROM DATE of Aroha Plumbing (NZ) to 2024-07-01" in reset

    synced = said_after(text, "/xero sync aroha invoices")
    assert "Syncing Invoices of Aroha Plumbing (NZ) now" in synced
    assert re.search(r"Synced Aroha Plumbing \(NZ\) in [\d.]+ s: nothing changed; 1 API call\.", synced), synced
    assert "@demo.admin synced Invoices of Aroha Plumbing (NZ): nothing changed" in synced

    status = said_after(text, "/xero status")
    assert "XERO SYNC STATUS" in status and "2 organisations: 2 connected." in status
    assert status.count("[Sync now]") == 2 and "its time zone: Pacific/Auckland" in status
    assert "its time zone: Europe/London" in status and "(set by a reset)" in status

    history = said_after(text, "/xero history aroha 3")
    assert "LAST 2 SYNCS OF AROHA PLUMBING (NZ)" in history
    assert "manual, by @demo.admin · succeeded" in history and "first sync · succeeded" in history

    disabled = said_after(text, "/xero status bramble")
    assert "1 organisation: 1 disabled." in disabled and "[Enable]" in disabled
    enabled = said_after(text, "(presses [Enable])")
    assert "Automatic hourly sync of Bramble Bakery (UK) is enabled." in enabled
    assert "@demo.admin enabled Bramble Bakery (UK) (automatic hourly sync)." in enabled

    tested = said_after(text, "/xero test bramble")
    assert "Bramble Bakery (UK) is not reachable" in tested and "[Re-authorize Xero] http://127.0.0.1:" in tested
    assert "Scopes granted" not in tested and "calls left" not in tested
