"""Change notifications: after a sync that changed something, a signed POST to each OUTBOUND_WEBHOOK_URLS URL
saying which org, which run, and per entity how many records were added, updated and deleted, with the records
API cursor to read them from. Queued in the durable outbox (daemon/core/outbox.py) in the run's ending, so the
sync never waits on a receiver and a restart loses no delivery.

Each attempt is signed afresh: `X-Xero-Syncd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with
OUTBOUND_WEBHOOK_SECRET>`. A 2xx answer delivers it. A network failure, a timeout, 408, 429 or a 5xx is retried
with the outbox's backoff (or after the receiver's Retry-After), for as long as it takes. Any other answer (3xx,
4xx) means this receiver will never take it: the delivery is dropped and logged (`outbox.refused`), so one bad URL
does not hold back the deliveries behind it for ever. Receivers see each change at least once: a delivery whose
answer was lost is sent again, under the same `id`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import aiohttp
import structlog

from clock import Clock
from daemon.core.errors import XeroSyncdError
from daemon.core.net import outbound
from daemon.core.outbox import Outbox, Refused
from daemon.sync.records_api import RecordsApi
from storage import Store
from storage.alerts import Alerts, Outgoing, Queued
from storage.orgs import Org
from storage.runs import Run

log = structlog.get_logger(__name__)

METHOD = "webhook"
SIGNATURE = "X-Xero-Syncd-Signature"
TIMEOUT = 10.0  # seconds a receiver has to answer
RETRIED = {408, 429}  # and every 5xx
LONGEST_WAIT = 3600.0  # a receiver's Retry-After is heeded up to an hour


class DeliveryFailed(XeroSyncdError):
    """A receiver did not take a delivery this time (to be retried)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value: what a receiver recomputes to check a delivery came from us."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class ChangeNotifier:
    """Told of every run's end (a member of `Notifiers`): queues one delivery per URL when the run changed records,
    whether it succeeded or failed part way (what it stored is there to read either way)."""

    def __init__(self, store: Store, outbox: Outbox, records: RecordsApi, urls: tuple[str, ...],
                 public_url: str) -> None:
        self._store = store
        self._outbox = outbox
        self._records = records
        self._urls = urls
        self._public_url = public_url.rstrip("/")

    async def sync_succeeded(self, org: Org, run: Run) -> None:
        await self._tell(org, run)

    async def sync_failed(self, org: Org, run: Run, *, reauth_url: str | None, resumes_at: float | None) -> None:
        await self._tell(org, run)

    async def _tell(self, org: Org, run: Run) -> None:
        changed = {entity: counts for entity, counts in sorted(run.kinds.items()) if counts.total}
        if not changed or run.tenant_id != org.tenant_id:  # (a refused grant tells its other orgs of this run)
            return
        try:
            body = await self._body(org, run, changed)
            await self._outbox.put([Outgoing(url, METHOD, body) for url in self._urls])
        except Exception:  # the sync is over and recorded: a notification that cannot be queued is logged only
            log.exception("webhook.not_queued", tenant_id=org.tenant_id, run_id=run.id)
            return
        log.info("webhook.queued", tenant_id=org.tenant_id, run_id=run.id, receivers=len(self._urls))

    async def _body(self, org: Org, run: Run, changed: dict) -> str:
        entities = {}
        for entity, counts in changed.items():
            before = await self._store.records.seq_before(org.tenant_id, entity, run.started_at)
            cursor = self._records.cursor(org.tenant_id, entity, before)
            entities[entity] = {
                "added": counts.added, "updated": counts.updated, "deleted": counts.deleted, "cursor": cursor,
                "url": f"{self._public_url}/api/v1/orgs/{quote(org.tenant_id)}/{entity}?cursor={cursor}",
            }
        return json.dumps({
            "id": f"{org.tenant_id}:{run.id}", "type": "sync.changed",
            "org": {"tenant_id": org.tenant_id, "name": org.name},
            "run": {"id": run.id, "trigger": run.trigger, "outcome": run.outcome, "started": _iso(run.started_at),
                    "finished": _iso(run.finished_at)},
            "entities": entities,
        }, separators=(",", ":"))


class WebhookCarrier:
    """Sends the outbox's webhook deliveries: a signed POST of the queued body."""

    def __init__(self, http: aiohttp.ClientSession, secret: str, clock: Clock) -> None:
        self._http = http
        self._secret = secret
        self._clock = clock

    async def send(self, queued: Queued, repo: Alerts) -> str | None:
        body = queued.payload["text"].encode()
        headers = {"Content-Type": "application/json", "User-Agent": "xero-syncd/0.1",
                   SIGNATURE: signature(self._secret, int(self._clock.time()), body)}
        host = urlsplit(queued.channel).hostname
        with outbound(f"webhook to {host}", into=DeliveryFailed):
            async with self._http.post(queued.channel, data=body, headers=headers, allow_redirects=False,
                                       timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as resp:
                status, wait = resp.status, resp.headers.get("Retry-After")
        if 200 <= status < 300:
            log.info("webhook.delivered", host=host, outbox_id=queued.id, status=status)
            return None
        if status in RETRIED or status >= 500:
            raise DeliveryFailed(f"HTTP {status}", retry_after=_seconds(wait))
        raise Refused(f"HTTP {status}: the receiver refuses it (not retried)")

    def retry_after(self, err: Exception) -> tuple[float | None, str]:
        if isinstance(err, DeliveryFailed):
            return err.retry_after, str(err)
        return None, f"{type(err).__name__}: {err}"[:300]


def _seconds(header: str | None) -> float | None:
    try:
        return min(LONGEST_WAIT, max(0.0, float(header))) if header else None
    except ValueError:
        return None


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts is not None else None
