"""The app factory: builds the aiohttp application and, through `cleanup_ctx`, everything it runs.

Order of start-up (and reverse order of shutdown): store (connect + migrate), Slack alerts (the outbox's sender),
HTTP session, the Xero side and the sync service, the scheduler task; Socket Mode last when configured.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import aiohttp
import structlog
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from clock import Clock, SystemClock
from daemon.core.crypto import Secrets, load_or_create_key
from daemon.xero.consent import ConnectFlows
from daemon.core.keys import CLOCK, HTTP, LOOP_HEARTBEAT, NOTIFIER, SCHEDULER, SECRETS, SERVICE, SETTINGS, STORE, WEBHOOKS
from daemon.core.keys import METRICS
from daemon.core.metrics import Metrics
from daemon.sync.notifier import Notifier
from daemon.xero.connection_test import ConnectionProbe
from daemon.sync.runs import SyncRunner
from daemon.sync.scheduler import Scheduler
from daemon.sync.service import SyncService
from daemon.core.settings import Settings
from daemon.sync.webhooks import WebhookInbox
from daemon.sync.engine import SyncEngine
from daemon.xero.client import RetryPolicy, XeroClient
from daemon.xero.identity import XeroIdentity
from daemon.xero.pacing import Pacer
from daemon.xero.tokens import TokenManager
from handlers import health, oauth, webhooks
from handlers import metrics as metrics_handler
from handlers.slack.mount import install_slack, slack_alerts
from storage import Store

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings, *, clock: Clock | None = None, notifier: Notifier | None = None,
    pacer: Pacer | None = None, retry: RetryPolicy | None = None, slack_client: AsyncWebClient | None = None,
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[SECRETS] = Secrets(settings.secret_key or (load_or_create_key(settings.data_dir),))
    app[LOOP_HEARTBEAT] = []
    app[METRICS] = Metrics(app[CLOCK])
    app.cleanup_ctx.extend([_store, slack_alerts, _http, lambda a: _services(a, pacer, retry), _scheduler])
    install_slack(app, notifier=notifier, client=slack_client)  # Slack client, outbox, notifier, /slack/events
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", metrics_handler.metrics)
    app.router.add_get("/oauth/start", oauth.start)
    app.router.add_get("/oauth/callback", oauth.callback)
    app.router.add_post("/webhooks/xero", webhooks.receive)
    return app


async def _store(app: web.Application) -> AsyncIterator[None]:
    store = await Store.open(app[SETTINGS].database_url, app[SECRETS])
    interrupted = await store.runs.interrupt_unfinished(app[CLOCK].time())
    if interrupted:
        log.warning("sync.runs_interrupted_by_restart", count=interrupted)
    app[STORE] = store
    yield
    await store.close()


async def _http(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(headers={"User-Agent": "xero-syncd/0.1"}) as session:
        app[HTTP] = session
        yield


async def _services(app: web.Application, pacer: Pacer | None, retry: RetryPolicy | None) -> AsyncIterator[None]:
    settings, store, clock, http = app[SETTINGS], app[STORE], app[CLOCK], app[HTTP]
    identity = XeroIdentity(settings, http, clock)
    metrics = app[METRICS]
    tokens = TokenManager(store, identity, clock, metrics=metrics)
    client = XeroClient(settings.xero_api_url, http, tokens, clock, pacer or Pacer(clock),
                        retry=retry or RetryPolicy(), metrics=metrics)
    flows = ConnectFlows(settings, store, identity, app[SECRETS], clock, app[NOTIFIER])
    engine = SyncEngine(store, client, clock, settings.sync_entities)
    runner = SyncRunner(settings, store, engine, clock, app[NOTIFIER], flows, metrics=metrics)
    probe = ConnectionProbe(store, tokens, identity, client)
    app[SERVICE] = SyncService(settings, store, clock, flows, runner, tokens, identity, probe)
    app[SCHEDULER] = Scheduler(store, runner, clock, interval=settings.sync_interval,
                               concurrency=settings.sync_concurrency, lease=settings.sync_lease)
    app[SERVICE].on_change = app[SCHEDULER].wake
    app[WEBHOOKS] = WebhookInbox(store, runner, clock)
    yield
    await app[WEBHOOKS].stop()
    await runner.stop()


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    scheduler = app[SCHEDULER]
    app[LOOP_HEARTBEAT].append(scheduler.start())
    yield
    await scheduler.stop()
