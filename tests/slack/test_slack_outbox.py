"""The outbox: about one message a second per channel on the clock, in order, never dropped, retried with backoff
when Slack fails, and still there after a restart."""

from __future__ import annotations

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from daemon.core.keys import SETTINGS, SLACK_CLIENT, SLACK_OUTBOX
from daemon.slack.client import retry_handlers, web_client
from storage.alerts import Outgoing


@pytest.fixture
async def bare(make_daemon, settings):
    """A daemon whose Slack client does no retries of its own, so every failure reaches the outbox."""
    return await make_daemon(slack_client=web_client(settings, handlers=[]))


def messages(channel: str, n: int, start: int = 0) -> list[Outgoing]:
    return [Outgoing(channel, "post", f"message {i}") for i in range(start, start + n)]


async def test_at_most_one_message_a_second_per_channel_in_order(bare, slack):
    outbox = bare.app[SLACK_OUTBOX]
    await outbox.put(messages("C_ONE", 5) + messages("C_TWO", 2))
    t0 = bare.clock.time()
    await bare.flush()
    one = [c for c in slack.posts if c.body["channel"] == "C_ONE"]
    two = [c for c in slack.posts if c.body["channel"] == "C_TWO"]
    assert [c.text for c in one] == [f"message {i}" for i in range(5)]
    assert [c.at - t0 for c in one] == [0, 1, 2, 3, 4]
    assert [c.at - t0 for c in two] == [0, 1]  # channels are paced independently
    assert await outbox.pending() == 0


async def test_a_failing_slack_is_retried_with_backoff_and_nothing_is_dropped(bare, slack):
    outbox = bare.app[SLACK_OUTBOX]
    slack.fail(3, status=500)
    await outbox.put(messages("C_ONE", 2))
    t0 = bare.clock.time()
    await bare.flush()
    assert [c.at - t0 for c in slack.refused] == [0, 2, 6]  # backoff 2 s, 4 s, ...
    assert [(c.text, c.at - t0) for c in slack.posts] == [("message 0", 14), ("message 1", 15)]


async def test_slacks_retry_after_is_waited_out_on_the_clock(bare, slack):
    slack.fail(1, status=429, retry_after=30)
    await bare.app[SLACK_OUTBOX].put(messages("C_ONE", 1))
    t0 = bare.clock.time()
    await bare.flush()
    assert [c.at - t0 for c in slack.refused] == [0] and [c.at - t0 for c in slack.posts] == [30]


async def test_refused_blocks_fall_back_to_plain_text(bare, slack):
    slack.fail(1, status=200, error="invalid_blocks")
    await bare.app[SLACK_OUTBOX].put([Outgoing("C_ONE", "post", "plain words", [{"type": "nonsense"}])])
    await bare.flush()
    [post] = slack.posts
    assert post.text == "plain words" and post.blocks == []


async def test_messages_queued_while_slack_is_down_survive_a_restart(make_daemon, settings, slack):
    first = await make_daemon(slack_client=web_client(settings, handlers=[]))
    slack.fail(1000, status=503)
    await first.app[SLACK_OUTBOX].put(messages("C_ONE", 3))
    await first.settled()  # the outbox tried, and waits to try again
    await first.client.close()
    assert slack.posts == [] and slack.refused
    slack.failures.clear()
    second = await make_daemon()
    await second.flush()
    assert [c.text for c in slack.posts] == ["message 0", "message 1", "message 2"]


async def test_the_client_retries_rate_limits_and_server_errors_itself(make_daemon, settings, slack):
    client = web_client(settings, handlers=retry_handlers(FixedValueRetryIntervalCalculator(0.0)))
    daemon = await make_daemon(slack_client=client)
    assert daemon.app[SLACK_CLIENT] is client
    kinds = {type(h) for h in web_client(daemon.app[SETTINGS]).retry_handlers}
    assert {AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler} <= kinds
    assert client.base_url == slack.api_url
    slack.fail(1, status=500)
    await daemon.app[SLACK_OUTBOX].put(messages("C_ONE", 1))
    await daemon.flush()
    assert len(slack.refused) == 1 and [c.at for c in slack.posts] == [slack.refused[0].at]  # same outbox attempt
