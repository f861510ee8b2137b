"""The daemon process's garbage collector, settled once the daemon has started.

Everything the daemon builds at start-up (modules, the app, bolt, the store's connections: ~50,000 objects) lives as
long as the process. CPython's full collection scans all of them again every time it runs, ~40 ms with the event
loop stopped (a first sync of 200,000 invoices ran six, bench/full_sync.py under gc callbacks); an acknowledgement
to Slack waiting behind one waits that long. `gc.freeze()` moves them out of the collector's sight (they are still
freed by reference counting; only a cycle among them would stay), so a full collection scans only what came later.
"""

from __future__ import annotations

import gc

from aiohttp import web


async def settle(app: web.Application | None = None) -> None:
    """Collect what start-up left behind, then freeze what lives on (an `on_startup` hook of the process's app)."""
    gc.collect()
    gc.freeze()
