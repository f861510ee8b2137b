"""The daemon's garbage collector once it has started (daemon/core/heap.py): start-up's objects frozen, the young
generation collected after YOUNG objects, and garbage in cycles still collected without anybody asking."""

from __future__ import annotations

import gc
import weakref

from daemon.core import heap


class Node:
    pass


async def test_settle_freezes_start_up_and_still_collects_cycles():
    threshold = gc.get_threshold()
    try:
        await heap.settle()
        assert gc.get_freeze_count() > 0  # what start-up built: out of the collector's sight
        assert gc.get_threshold() == (heap.YOUNG, threshold[1], threshold[2])
        collected: list[int] = []
        for i in range(2 * heap.YOUNG):  # garbage only a collection can free: a pair pointing at each other
            a, b = Node(), Node()
            a.peer, b.peer = b, a
            weakref.finalize(a, collected.append, i)
        assert collected  # freed by the collector, which ran on its own
        assert collected[0] < heap.YOUNG  # the first collection came within YOUNG pairs
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
