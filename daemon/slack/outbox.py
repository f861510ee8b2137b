"""How the outbox (daemon/core/outbox.py) sends a Slack message: a post, a reply in its episode's thread, or an
edit of the episode's alert. Replies and updates find their thread (the episode's alert ts) when they are sent, so
they always follow the alert they belong to. Blocks Slack refuses fall back to the plain text."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from storage.alerts import Alerts, Queued

log = structlog.get_logger(__name__)

METHODS = ("post", "reply", "update")
PAYLOAD_ERRORS = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_attachments"}


class SlackCarrier:
    def __init__(self, client: AsyncWebClient, *, metrics=None) -> None:
        self.client = client
        self._metrics = metrics

    async def send(self, queued: Queued, repo: Alerts) -> str | None:
        ts = await self._send(queued, repo)
        log.info("slack.posted", channel=queued.channel, method=queued.method, outbox_id=queued.id)
        if self._metrics is not None:
            self._metrics.alert_posted(queued.method)
        return ts

    async def _send(self, queued: Queued, repo: Alerts) -> str | None:
        episode = await repo.episode(queued.episode_id) if queued.episode_id is not None else None
        thread = episode.message_ts if episode is not None else None
        channel = episode.channel if episode is not None else queued.channel
        args = {"channel": channel, "text": queued.payload["text"]}
        if queued.payload.get("blocks"):
            args["blocks"] = queued.payload["blocks"]
        if queued.method == "update":
            if thread is None:  # the alert it would edit is gone (org deleted): nothing to edit
                log.info("slack.update_skipped", outbox_id=queued.id)
                return None
            return (await self._call(self.client.chat_update, ts=thread, **args)).get("ts")
        if queued.method == "reply" and thread is not None:
            args["thread_ts"] = thread
        return (await self._call(self.client.chat_postMessage, **args)).get("ts")

    async def _call(self, method, **args):
        try:
            return await method(**args)
        except SlackApiError as err:
            if err.response.get("error") in PAYLOAD_ERRORS and "blocks" in args:
                log.warning("slack.blocks_refused", error=err.response.get("error"))
                args.pop("blocks")
                args["text"] = args["text"][:3000]
                return await method(**args)
            raise

    def retry_after(self, err: Exception) -> tuple[float | None, str]:
        if isinstance(err, SlackApiError):
            reason = str(err.response.get("error") or f"HTTP {err.response.status_code}")
            headers = err.response.headers or {}
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            return (float(retry_after) if retry_after else None), reason  # rate limited: Slack says how long
        return None, f"{type(err).__name__}: {err}"[:300]
