"""Slack-side test helpers: requests signed exactly as Slack signs them, and driving the outbox and the clock."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import ClientResponse
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack import Call, FakeSlack
from tests.support import Daemon

SIGNING_SECRET = "slack-signing-secret"  # what tests.support.settings_for sets
ADMIN, MEMBER = "U_ADMIN", "U_MEMBER"
CHANNEL = "C_ALERTS"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}`. Bolt checks the timestamp against the
    real time, so tests sign with it."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
        "Content-Type": content_type,
    }


def command_body(text: str, *, user: str, response_url: str, channel: str = "C_OPS") -> str:
    return urlencode({
        "token": "legacy-verification-token", "team_id": "T_FAKE", "team_domain": "fake", "channel_id": channel,
        "channel_name": channel.removeprefix("C_").lower(), "user_id": user, "user_name": user.lower(), "command": "/xero", "text": text,
        "api_app_id": "A_XERO", "response_url": response_url, "trigger_id": "1.2.3",
    })


def action_body(action_id: str, *, user: str, response_url: str, value: str | None = None,
                url: str | None = None) -> str:
    action = {"type": "button", "action_id": action_id, "block_id": "b1", "action_ts": "1700000000.1",
              "text": {"type": "plain_text", "text": action_id}}
    if value is not None:
        action["value"] = value
    if url is not None:
        action["url"] = url
    payload = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T_FAKE"},
               "team": {"id": "T_FAKE", "domain": "fake"}, "api_app_id": "A_XERO", "token": "legacy",
               "trigger_id": "1.2.3", "response_url": response_url, "actions": [action],
               "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": CHANNEL},
               "channel": {"id": CHANNEL, "name": "alerts"}}
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict) -> str:
    """An Events API delivery (JSON), as Slack sends it."""
    return json.dumps({"token": "legacy", "team_id": "T_FAKE", "api_app_id": "A_XERO", "event": event,
                       "type": "event_callback", "event_id": "Ev" + str(abs(hash(json.dumps(event))))[:8],
                       "event_time": 1700000000,
                       "authorizations": [{"team_id": "T_FAKE", "user_id": "U_BOT", "is_bot": True}]})


def home_action_body(action_id: str, *, user: str, value: str | None = None) -> str:
    """A button pressed on the Home tab: a block action from a view, with no response_url."""
    action = {"type": "button", "action_id": action_id, "block_id": "b1", "action_ts": "1700000000.1",
              "text": {"type": "plain_text", "text": action_id}, **({"value": value} if value is not None else {})}
    payload = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T_FAKE"},
               "team": {"id": "T_FAKE", "domain": "fake"}, "api_app_id": "A_XERO", "token": "legacy",
               "trigger_id": "trigger.1", "actions": [action],
               "container": {"type": "view", "view_id": "V_FAKE"}, "view": {"id": "V_FAKE", "type": "home"}}
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(callback_id: str, *, user: str, metadata: str, values: dict) -> str:
    payload = {"type": "view_submission", "user": {"id": user, "username": user.lower(), "team_id": "T_FAKE"},
               "team": {"id": "T_FAKE", "domain": "fake"}, "api_app_id": "A_XERO", "token": "legacy",
               "trigger_id": "trigger.2",
               "view": {"id": "V_MODAL", "type": "modal", "callback_id": callback_id, "private_metadata": metadata,
                        "state": {"values": values}}}
    return urlencode({"payload": json.dumps(payload)})


@dataclass
class Sent:
    response: ClientResponse
    tag: str

    async def ack(self) -> dict:
        """What the acknowledgement said: Slack shows a JSON body's text/blocks, or a plain-text body as is."""
        text = await self.response.text()
        if self.response.content_type == "application/json":
            return json.loads(text)
        return {"text": text} if text else {}

    async def acked(self) -> Call:
        """The acknowledgement as a message (empty when Slack was only told "received")."""
        return Call("ack", await self.ack(), tag=self.tag)


async def post_signed(daemon: Daemon, body: str, **sign: object) -> ClientResponse:
    return await daemon.client.post("/slack/events", data=body.encode(), headers=signed_headers(body, **sign))


async def command(daemon: Daemon, slack: FakeSlack, text: str, *, user: str = ADMIN, channel: str = "C_OPS") -> Sent:
    url, tag = slack.response_url()
    resp = await post_signed(daemon, command_body(text, user=user, response_url=url, channel=channel))
    assert resp.status == 200, await resp.text()
    return Sent(resp, tag)


async def acked(daemon: Daemon, slack: FakeSlack, text: str, *, user: str = ADMIN, channel: str = "C_OPS") -> Call:
    """Run a command whose acknowledgement is the answer (help, a refusal, words naming nothing); that answer."""
    return await (await command(daemon, slack, text, user=user, channel=channel)).acked()


async def reply(daemon: Daemon, slack: FakeSlack, text: str, *, user: str = ADMIN, channel: str = "C_OPS") -> Call:
    """Run a command that answers through response_url; its (first) answer."""
    sent = await command(daemon, slack, text, user=user, channel=channel)
    return await slack.response(sent.tag)


async def reply_in_time(daemon: Daemon, slack: FakeSlack, text: str, *, user: str = ADMIN) -> Call:
    """Run a command whose work waits on the clock (Xero's retries, Retry-After): its answer, moving time."""
    sent = await command(daemon, slack, text, user=user)
    return (await daemon.until(lambda: slack.responses(sent.tag), f"answer to {text!r}"))[0]


async def click(daemon: Daemon, slack: FakeSlack, action_id: str, *, user: str = ADMIN, value: str | None = None,
                url: str | None = None) -> Sent:
    response_url, tag = slack.response_url()
    body = action_body(action_id, user=user, response_url=response_url, value=value, url=url)
    resp = await post_signed(daemon, body)
    assert resp.status == 200, await resp.text()
    return Sent(resp, tag)
