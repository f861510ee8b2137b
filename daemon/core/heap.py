"""The daemon process's garbage collector, settled once the daemon has started.

Everything the daemon builds at start-up (modules, the app, bolt, the store's connections: ~50,000 objects) lives as
long as the process. CPython's full collection scans all of them again every time it runs, ~40 ms with the event
loop stopped (a first sync of 200,000 invoices ran six, bench/full_sync.py under gc callbacks); an acknowledgement
to Slack waiting behind one waits that long. `gc.freeze()` moves them out of the collector's sight (they are still
freed by reference counting; only a cycle among them would stay), so a full collection scans only what came later.

Then the young generation's threshold goes from 700 to YOUNG objects. CPython counts container objects allocated and
not yet freed; at 700 a first sync of a million invoices (pages of thousands of rows in flight, each row a few
objects that live a page's time) ran ~8,200 young and ~750 middle collections, 2 s of the loop's thread in all, and
one could land in a burst of Slack requests (up to 21 ms each, bench/slack_load.py under gc callbacks). Those rows
die by reference counting; at YOUNG the same sync ran five young collections and one middle. Cycles are still collected,
once YOUNG new objects have piled up (a few MB at most).
"""

from __future__ import annotations

import gc

from aiohttp import web

YOUNG = 50_000  # CPython's default: 700


async def settle(app: web.Application | None = None) -> None:
    """Collect what start-up left behind, freeze what lives on, and collect the young generation less often (an
    `on_startup` hook of the process's app)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
