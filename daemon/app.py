"""The composition root: `create_app` builds the aiohttp application, wires every part, and holds the one route
table. The only module that knows every room (handlers, the sync, Xero, Slack output, storage).

Start-up (and, reversed, shutdown) through `cleanup_ctx`: the store (connect + migrate), the HTTP session, the Slack
client's session, the task group (at shutdown it cancels every background task while the store and sessions are
still open), the Slack outbox, the Xero side and the sync service, the scheduler, the grants' upkeep; Socket Mode
last when configured.
"""

from __future__ import annotations

from typing import AsyncIterator

import aiohttp
import structlog
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from clock import Clock, SystemClock
from daemon.core.crypto import Secrets, load_or_create_key
from daemon.core.foreground import Foreground
from daemon.core.keys import (
    CLOCK,
    FOREGROUND,
    HOME,
    HTTP,
    METRICS,
    NOTIFIER,
    SCHEDULER,
    SECRETS,
    SERVICE,
    SETTINGS,
    SLACK_BOLT,
    SLACK_COMMANDS,
    SLACK_CLIENT,
    SLACK_OUTBOX,
    STORE,
    TASKS,
    UPKEEP,
)
from daemon.core.metrics import Metrics
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup
from daemon.slack.client import web_client
from daemon.slack.notifier import SlackNotifier
from daemon.core.outbox import Outbox
from daemon.slack import outbox as slack_outbox
from daemon.slack.outbox import SlackCarrier
from daemon.sync.digest import DailyDigest
from daemon.sync.engine import SyncEngine
from daemon.sync.notifier import LogNotifier, Notifier, Notifiers
from daemon.sync import outbound
from daemon.sync.outbound import ChangeNotifier, WebhookCarrier
from daemon.sync.outcomes import Outcomes
from daemon.sync.records_api import RecordsApi
from daemon.sync.runs import SyncRuns
from daemon.sync.scheduler import Scheduler
from daemon.sync.service import Parts, SyncService
from daemon.sync.upkeep import Upkeep
from daemon.sync.webhooks import WebhookInbox
from daemon.xero.client import RetryPolicy, XeroClient
from daemon.xero.connection_test import ConnectionTest
from daemon.xero.consent import Consent
from daemon.xero.identity import XeroIdentity
from daemon.xero.pacing import Pacer
from daemon.xero.tokens import TokenManager
from handlers import api, health, oauth, webhooks
from handlers import metrics as metrics_handler
from handlers.slack import bolt, door
from handlers.slack.commands import Ctx
from handlers.slack.home import HomeTab
from storage import Store

log = structlog.get_logger(__name__)

CLIENT_MAX_SIZE = 1024 * 1024  # the largest request body any door accepts


def create_app(
    settings: Settings, *, clock: Clock | None = None, notifier: Notifier | None = None,
    pacer: Pacer | None = None, retry: RetryPolicy | None = None, slack_client: AsyncWebClient | None = None,
) -> web.Application:
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[SECRETS] = Secrets(settings.secret_key or (load_or_create_key(settings.data_dir),))
    app[METRICS] = Metrics(app[CLOCK])
    app[TASKS] = TaskGroup()
    app[SLACK_CLIENT] = slack_client or web_client(settings)
    app[SLACK_OUTBOX] = Outbox(app[CLOCK], app[TASKS])
    app[NOTIFIER] = Notifiers(notifier or _notifier(app))  # the Home tab joins it once the service is up
    app[FOREGROUND] = Foreground()  # the Slack requests being answered, which other work gives way to

    def make_ctx(user: str, channel: str = "") -> Ctx:
        return Ctx(app[SERVICE], settings, app[CLOCK], app[TASKS], app[METRICS], user, app.get(HOME), channel,
                   app[SLACK_CLIENT], app[FOREGROUND])

    app[SLACK_COMMANDS] = slash = bolt.SlashCommands(app[SLACK_CLIENT], make_ctx)
    app[SLACK_BOLT] = bolt.build_bolt(app[SLACK_CLIENT], settings.slack_signing_secret, make_ctx, slash)
    app.cleanup_ctx.extend([_store, _http, _slack_session, _tasks, _outbox,
                            lambda a: _service(a, pacer, retry), _scheduler, _upkeep])
    if settings.slack_app_token:
        app.cleanup_ctx.append(_socket_mode)
    _routes(app)
    return app


def _routes(app: web.Application) -> None:
    """Every door, in one table."""
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", metrics_handler.metrics)
    app.router.add_get("/oauth/start", oauth.start)
    app.router.add_get("/oauth/callback", oauth.callback)
    app.router.add_post("/webhooks/xero", webhooks.receive)
    app.router.add_get("/api/v1/orgs", api.orgs)
    app.router.add_get("/api/v1/orgs/{tenant_id}/{entity}", api.records)
    if app[SETTINGS].slack_signing_secret:
        app.router.add_post("/slack/events", door.events)


def _notifier(app: web.Application) -> Notifier:
    """Slack alerts with a bot token: to SLACK_ALERT_CHANNEL (when set) and the channels subscribed to them."""
    settings = app[SETTINGS]
    if app[SLACK_CLIENT].token:
        if not settings.slack_alert_channel:
            log.info("slack.no_alert_channel", reason="SLACK_ALERT_CHANNEL is not set: alerts reach only the "
                                                      "channels subscribed with /xero subscribe")
        return SlackNotifier(app[SLACK_OUTBOX], settings.slack_alert_channel, app[CLOCK],
                             link_ttl=settings.reauth_link_ttl, audit=settings.slack_audit,
                             alert_kinds=settings.slack_alert_kinds)
    log.info("slack.alerts_logged_only", reason="SLACK_BOT_TOKEN is needed to post")
    return LogNotifier()


async def _store(app: web.Application) -> AsyncIterator[None]:
    store = await Store.open(app[SETTINGS].database_url, app[SECRETS], give_way=app[FOREGROUND])
    now = app[CLOCK].time()
    interrupted = await store.runs.interrupt_unfinished(now)
    if interrupted:
        log.warning("sync.runs_interrupted_by_restart", count=interrupted)
    repaired = await store.records.repair_future_watermarks(int((now - app[SETTINGS].sync_overlap) * 1000))
    if repaired:  # an older version took them from records dated in the future: they asked Xero for nothing
        log.warning("sync.future_watermarks_repaired", count=repaired)
    app[STORE] = store
    yield
    await store.close()


async def _http(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(headers={"User-Agent": "xero-syncd/0.1"}) as session:
        app[HTTP] = session
        yield


async def _slack_session(app: web.Application) -> AsyncIterator[None]:
    """The Slack client's own session (unless it came with one)."""
    client = app[SLACK_CLIENT]
    if client.session is not None and not client.session.closed:
        yield
        return
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        client.session = session
        yield
        client.session = None


async def _tasks(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[TASKS].close()


async def _outbox(app: web.Application) -> AsyncIterator[None]:
    outbox, settings = app[SLACK_OUTBOX], app[SETTINGS]
    if app[SLACK_CLIENT].token:  # without one, Slack messages wait in the store for a daemon that has one
        outbox.carry(slack_outbox.METHODS, SlackCarrier(app[SLACK_CLIENT], metrics=app[METRICS]))
    if settings.outbound_webhook_urls:
        outbox.carry((outbound.METHOD,), WebhookCarrier(app[HTTP], settings.outbound_webhook_secret, app[CLOCK]))
    outbox.start(app[STORE].alerts)
    for member in app[NOTIFIER].members:  # the Slack notifier routes alerts by the channels' subscriptions
        if isinstance(member, SlackNotifier):
            member.route(app[STORE].subscriptions)
    yield
    await outbox.stop()  # a message on its way finishes before the task group cancels the loop


async def _service(app: web.Application, pacer: Pacer | None, retry: RetryPolicy | None) -> AsyncIterator[None]:
    settings, store, clock, http, tasks = app[SETTINGS], app[STORE], app[CLOCK], app[HTTP], app[TASKS]
    metrics, notifier = app[METRICS], app[NOTIFIER]
    identity = XeroIdentity(settings, http, clock)
    tokens = TokenManager(store, identity, clock, metrics=metrics, watcher=notifier)
    client = XeroClient(settings.xero_api_url, http, tokens, clock, pacer or _pacer(settings, store, clock),
                        retry=retry or RetryPolicy(), metrics=metrics, foreground=app[FOREGROUND])
    consent = Consent(settings, store, identity, app[SECRETS], clock)
    engine = SyncEngine(store, client, clock, tasks, settings.sync_entities, overlap=settings.sync_overlap,
                        foreground=app[FOREGROUND])
    outcomes = Outcomes(store, clock, notifier, consent, metrics=metrics)
    runs = SyncRuns(settings, store, engine, clock, outcomes, tasks)
    app[SCHEDULER] = scheduler = Scheduler(store, runs, clock, tasks, interval=settings.sync_interval,
                                           concurrency=settings.sync_concurrency, lease=settings.sync_lease)
    parts = Parts(consent=consent, runs=runs, scheduler=scheduler, webhooks=WebhookInbox(store, runs, clock, tasks),
                  tokens=tokens, identity=identity, connection_test=ConnectionTest(store, tokens, identity, client,
                                                                 entities=settings.sync_entities),
                  notifier=notifier, metrics=metrics, records_api=(records_api := RecordsApi(store, app[SECRETS])))
    app[UPKEEP] = Upkeep(store, tokens, identity, consent, notifier, clock, tasks,
                         keepalive_days=settings.grant_keepalive_days)
    app[SERVICE] = service = SyncService(settings, store, clock, parts)
    if settings.outbound_webhook_urls:  # told of every run's end, after the alert channel
        notifier.add(ChangeNotifier(store, app[SLACK_OUTBOX], records_api, settings.outbound_webhook_urls,
                                    settings.public_url))
    if app[SLACK_CLIENT].token:  # the Home tab is published with the bot token, and kept fresh on every change
        app[HOME] = home = HomeTab(service, app[SLACK_CLIENT], settings, clock, tasks)
        notifier.add(home)
    yield


def _pacer(settings: Settings, store: Store, clock: Clock) -> Pacer:
    """Xero's limits; the app's minute shared through the store when other processes may use it (PostgreSQL)."""
    limit = settings.xero_app_minute_limit

    async def claim(now: float, want: int):
        return await store.app_budget.claim(now, want, limit=limit)

    return Pacer(clock, app_per_minute=limit, shared=claim if store.shared else None)


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[SCHEDULER].start()
    DailyDigest(app[STORE], app[CLOCK], app[TASKS], app[NOTIFIER], hour=settings.digest_hour,
                zone=settings.digest_zone,
                alert_channel=bool(settings.slack_alert_channel and "daily" in settings.slack_alert_kinds)).start()
    yield


async def _upkeep(app: web.Application) -> AsyncIterator[None]:
    app[UPKEEP].start()
    yield


async def _socket_mode(app: web.Application) -> AsyncIterator[None]:
    """Slack over Socket Mode (SLACK_APP_TOKEN): connect in the background, retrying while Slack is unreachable."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app[SLACK_BOLT], app[SETTINGS].slack_app_token, web_client=app[SLACK_CLIENT])
    app[TASKS].start(_connect(handler, app[CLOCK]), name="slack-socket-mode")
    yield
    await handler.close_async()


async def _connect(handler, clock: Clock) -> None:
    attempt = 0
    while True:
        try:
            await handler.connect_async()
            log.info("slack.socket_mode_connected")
            return
        except Exception as err:
            attempt += 1
            delay = min(300, 5 * 2 ** (attempt - 1))
            log.warning("slack.socket_mode_failed", error=f"{type(err).__name__}: {err}"[:200], retry_in=delay)
            await clock.sleep(delay)
