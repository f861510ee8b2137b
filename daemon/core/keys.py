"""Every shared object on the aiohttp app, under a typed key (aiohttp's "no singletons" advice). The composition
root (`daemon/app.py`) sets them; handlers read the service (and Slack's bolt app) through them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from clock import Clock
from daemon.core.crypto import Secrets
from daemon.core.foreground import Foreground
from daemon.core.settings import Settings
from daemon.core.tasks import TaskGroup

if TYPE_CHECKING:

    pass

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
SECRETS = web.AppKey("secrets", Secrets)
TASKS = web.AppKey("tasks", TaskGroup)  # every background task (daemon/core/tasks.py)
FOREGROUND = web.AppKey("foreground", Foreground)  # requests being answered, which a sync gives way to
STORE = web.AppKey("store", "Store")
HTTP = web.AppKey("http", aiohttp.ClientSession)
METRICS = web.AppKey("metrics", "Metrics")
NOTIFIER = web.AppKey("notifier", "Notifier")
SERVICE = web.AppKey("service", "SyncService")  # what handlers call
SCHEDULER = web.AppKey("scheduler", "Scheduler")
UPKEEP = web.AppKey("upkeep", "Upkeep")  # the grants' daily keep-alive and check (daemon/sync/upkeep.py)
SLACK_CLIENT = web.AppKey("slack_client", "AsyncWebClient")  # the one Slack Web API client
SLACK_OUTBOX = web.AppKey("slack_outbox", "Outbox")  # the one outbox: Slack messages and outbound webhooks
SLACK_BOLT = web.AppKey("slack_bolt", "AsyncApp")
SLACK_COMMANDS = web.AppKey("slack_commands", "SlashCommands")  # `/xero` (handlers/slack/bolt.py)
HOME = web.AppKey("home", "HomeTab")  # the app's Home tab (only with a bot token)
