"""Each org's fixed phase in the sync interval (from a hash of its tenant id), so 200 orgs connected by one consent
do not all sync at the top of the hour."""

from __future__ import annotations

import hashlib


def next_slot(tenant_id: str, now: float, interval: int) -> float:
    """The first time after `now` that falls on this org's phase of the interval."""
    phase = int(hashlib.sha1(tenant_id.encode()).hexdigest(), 16) % interval
    return now - ((now - phase) % interval) + interval
