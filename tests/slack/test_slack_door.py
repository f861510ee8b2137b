"""Slack's door, probed as the internet would: the signature is checked over the raw body before anything reads
it (401 whatever the body or headers), a signed body that is not Slack's is 400, every word works in a command
(even "payload"), replies go only to allowed response URLs, and no answer carries a traceback."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.slack.support import (ADMIN, SIGNING_SECRET, acked, command, command_body, post_signed, reply,
                                 signed_headers)
from xero_emulator import EmulatorConfig

COMMAND = command_body("status", user=ADMIN, response_url="https://hooks.slack.com/commands/1/2")
FORMS = {"a command": COMMAND, "payload not JSON": "payload=%7Bnot-json", "a brace, not JSON": "{not json",
         "a JSON list": "[1, 2]", "empty": ""}


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=2, auto_approve=True, org_names=["Payload Partners", "Demo Company (UK)"])


async def _post(daemon, body: bytes | str, headers: dict):
    return await daemon.client.post("/slack/events", data=body, headers=headers)


async def _quietly(daemon, log_lines) -> None:
    """What every refused request leaves: no traceback in the log, nothing stored."""
    assert "Traceback" not in log_lines()
    assert await daemon.store.orgs.list() == []


async def test_unsigned_or_badly_signed_requests_are_401_whatever_they_carry(daemon, log_lines):
    for body in FORMS.values():
        for timestamp in ("now", "not-a-number", "", "1e3", "١٢٣"):
            stamp = str(int(time.time())) if timestamp == "now" else timestamp
            for signature in ("", "v0=deadbeef", "v0=é", SignatureVerifier("wrong-secret").generate_signature(
                    timestamp=stamp or "0", body=body)):
                headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                           "X-Slack-Signature": signature}
                resp = await _post(daemon, body, headers)
                assert resp.status == 401, (body, timestamp, signature)
    await _quietly(daemon, log_lines)


async def test_a_replayed_request_is_refused(daemon, log_lines):
    old = int(time.time()) - 600  # signed correctly, ten minutes ago
    resp = await _post(daemon, COMMAND, signed_headers(COMMAND, timestamp=old))
    assert resp.status == 401
    await _quietly(daemon, log_lines)


MALFORMED = {
    "payload not JSON": "payload=%7Bnot-json",
    "payload a JSON list": "payload=" + json.dumps([1, 2]),
    "payload without a type": "payload=" + json.dumps({"user": {"id": "U1"}}),
    "a brace, not JSON": "{not json",
    "a JSON list": "[1, 2]",
    "JSON, not an event": json.dumps({"type": "mystery"}),
    "a form, not Slack's": "a=1&b=2",
    "empty": "",
    "nested too deep": "payload=" + "%5B" * 100_000,
}


async def test_signed_but_malformed_bodies_are_400(daemon, log_lines):
    for what, body in MALFORMED.items():
        resp = await post_signed(daemon, body)
        assert resp.status == 400 and "Traceback" not in await resp.text(), what
    await _quietly(daemon, log_lines)


async def test_bytes_that_are_not_utf8_are_400(daemon, log_lines):
    body = b"command=%2Fxero&text=\xff\xfe"
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": "v0=" + __import__("hmac").new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode()
                                                                     + b":" + body, "sha256").hexdigest()}
    assert (await _post(daemon, body, headers)).status == 400
    await _quietly(daemon, log_lines)


async def test_the_word_payload_works_anywhere_in_a_command(daemon, emulator, slack):
    await daemon.connect(emulator)
    await daemon.advance(0)
    answer = await reply(daemon, slack, "status payload")  # an org named "Payload Partners"
    assert "Payload Partners" in answer.text and "LAST ATTEMPTED SYNC" in answer.text
    unknown = await acked(daemon, slack, "status payloads-and-more")
    assert "No organisation matches" in unknown.fallback
    url, tag = slack.response_url()
    body = urlencode({"team_id": "T1", "channel_id": "C1", "channel_name": "payload-team", "user_id": ADMIN,
                      "command": "/xero", "text": "status Payload Partners", "response_url": url,
                      "trigger_id": "payload.1"})
    assert (await post_signed(daemon, body)).status == 200
    assert "Payload Partners" in (await slack.response(tag)).text


@pytest.mark.parametrize("where", ["https://evil.example/hook", "{fake}/api/chat.postMessage", "http://127.0.0.1:9/x"])
async def test_replies_go_only_to_allowed_response_urls(daemon, emulator, slack, where, log_lines):
    await daemon.connect(emulator)
    await daemon.advance(0)
    url = where.format(fake=slack.url)
    body = command_body("status", user=ADMIN, response_url=url)
    resp = await post_signed(daemon, body)
    assert resp.status == 200  # acknowledged: Slack shows the ack; the slow answer has nowhere allowed to go
    await daemon.settled()
    assert slack.responses() == [] and [c for c in slack.calls if c.method == "chat.postMessage"
                                        and "LAST ATTEMPTED" in c.text] == []
    assert "slack.response_url_refused" in log_lines() and url not in log_lines()


async def test_a_command_acknowledges_and_answers_as_before(daemon, emulator, slack):
    """(The door changes nothing for a well-formed request.)"""
    await daemon.connect(emulator)
    await daemon.advance(0)
    sent = await command(daemon, slack, "sync Demo Company (UK)")
    assert "Syncing Demo Company (UK) now" in (await sent.acked()).fallback
    assert "Synced Demo Company (UK)" in (await slack.response(sent.tag)).fallback


async def test_a_command_over_socket_mode_is_answered_as_over_http(daemon, emulator, slack):
    """Over HTTP the door answers `/xero` itself (handlers/slack/bolt.SlashCommands); over Socket Mode bolt does,
    through the same code: the same acknowledgement, the same reply at the command's response_url."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    from daemon.core.keys import SLACK_BOLT

    await daemon.connect(emulator)
    await daemon.advance(0)
    answers = []
    for over in ("http", "socket mode"):
        url, tag = slack.response_url()
        body = command_body("sync Demo Company (UK)", user=ADMIN, response_url=url)
        if over == "http":
            resp = await post_signed(daemon, body)
            status, ack = resp.status, await resp.text()
        else:  # what Socket Mode hands bolt: the command's fields, already parsed
            answer = await daemon.app[SLACK_BOLT].async_dispatch(
                AsyncBoltRequest(body=dict(parse_qsl(body)), mode="socket_mode"))
            status, ack = answer.status, answer.body
        await daemon.settled()
        answers.append((status, ack, (await slack.response(tag)).fallback))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and "Syncing Demo Company (UK) now" in answers[0][1]
    assert "Synced Demo Company (UK)" in answers[0][2]


async def test_a_command_that_fails_to_be_answered_is_500_without_a_traceback(daemon, emulator, slack, monkeypatch,
                                                                             log_lines):
    from handlers.slack import commands

    async def broken(ctx, body, ack):
        raise RuntimeError("the acknowledgement broke")

    monkeypatch.setattr(commands, "acknowledge", broken)
    resp = await post_signed(daemon, command_body("sync", user=ADMIN, response_url=slack.response_url()[0]))
    assert resp.status == 500 and await resp.text() == ""
    assert "slack.command_failed" in log_lines()
    await daemon.settled()
    assert slack.responses() == [] and await daemon.store.orgs.list() == []


async def test_a_command_that_is_not_ours_is_bolts_to_refuse(daemon, slack):
    body = command_body("status", user=ADMIN, response_url=slack.response_url()[0]).replace("%2Fxero", "%2Fweather")
    resp = await post_signed(daemon, body)
    assert resp.status == 404  # bolt: no listener for it
    await daemon.settled()
    assert slack.responses() == []
