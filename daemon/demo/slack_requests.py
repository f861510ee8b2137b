"""What Slack sends an app, for the demo console: the request signature, a slash command's form, and a button
press's `block_actions` payload, shaped as Slack's documentation shows them."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from daemon.demo.render import Button

TEAM, APP = "T0DEMO", "A0XEROSYNCD"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: str, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body)}


@dataclass(frozen=True)
class Where:
    """Who is typing, and in which channel."""

    user: str
    user_name: str
    channel: str
    channel_name: str


def slash_command(where: Where, text: str, response_url: str, trigger_id: str) -> bytes:
    form = {"token": "demo-verification-token", "team_id": TEAM, "team_domain": "demo",
            "channel_id": where.channel, "channel_name": where.channel_name, "user_id": where.user,
            "user_name": where.user_name, "command": "/xero", "text": text, "api_app_id": APP,
            "is_enterprise_install": "false", "response_url": response_url, "trigger_id": trigger_id}
    return urlencode(form).encode()


def block_actions(where: Where, button: Button, response_url: str, trigger_id: str, now: float) -> bytes:
    ts = button.message.get("ts") or f"{int(now)}.000000"
    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "demo"}, "api_app_id": APP,
        "user": {"id": where.user, "username": where.user_name, "name": where.user_name, "team_id": TEAM},
        "token": "demo-verification-token", "trigger_id": trigger_id, "is_enterprise_install": False,
        "container": {"type": "message", "message_ts": ts, "channel_id": where.channel},
        "channel": {"id": where.channel, "name": where.channel_name},
        "message": {"type": "message", "ts": ts, "text": button.message.get("text", ""),
                    "blocks": button.message.get("blocks") or []},
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": button.action_id, "block_id": button.block_id or "b",
                     "value": button.value, "text": {"type": "plain_text", "text": button.label},
                     "action_ts": f"{now:.6f}"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
