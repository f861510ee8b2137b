"""Every shared object on the aiohttp app, under a typed key (aiohttp's "no singletons" advice)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from clock import Clock
from daemon.core.crypto import Secrets
from daemon.core.settings import Settings

if TYPE_CHECKING:
    from daemon.core.metrics import Metrics
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from daemon.sync.notifier import Notifier
    from daemon.slack.outbox import Outbox
    from daemon.sync.scheduler import Scheduler
    from daemon.sync.service import SyncService
    from daemon.sync.webhooks import WebhookInbox
    from storage import Store

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
SECRETS = web.AppKey("secrets", Secrets)
STORE = web.AppKey("store", "Store")
HTTP = web.AppKey("http", aiohttp.ClientSession)
SERVICE = web.AppKey("service", "SyncService")
SCHEDULER = web.AppKey("scheduler", "Scheduler")
NOTIFIER = web.AppKey("notifier", "Notifier")
WEBHOOKS = web.AppKey("webhooks", "WebhookInbox")
LOOP_HEARTBEAT = web.AppKey("loop_heartbeat", list)
METRICS = web.AppKey("metrics", "Metrics")
SLACK_CLIENT = web.AppKey("slack_client", "AsyncWebClient")  # the one Slack Web API client
SLACK_BOLT = web.AppKey("slack_bolt", "AsyncApp")
SLACK_OUTBOX = web.AppKey("slack_outbox", "Outbox")
SLACK_TASKS = web.AppKey("slack_tasks", set)  # slash commands and actions still answering (cancelled at shutdown)
