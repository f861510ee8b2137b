"""The one Slack Web API client the app posts with (alerts through the outbox, and bolt's own calls), and whether
the bot is in a channel (it must be, to post there)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from daemon.core.settings import Settings


def retry_handlers(interval: BackoffRetryIntervalCalculator | None = None) -> list[AsyncRetryHandler]:
    """slack_sdk's own retries: dropped connections, 429 (waits Retry-After), 500/503. The outbox retries
    whatever still fails, on the daemon's clock."""
    interval = interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval)]


def web_client(settings: Settings, *, handlers: list[AsyncRetryHandler] | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15,
                          retry_handlers=retry_handlers() if handlers is None else handlers)


async def membership(client: AsyncWebClient, channel: str) -> tuple[bool | None, str]:
    """Whether the bot is in `channel` and may post there (None: Slack would not say), and how to name the bot
    in `/invite @…`. Slack's conversations.info tells `is_member` (a DM with the bot is `is_im`); a channel the
    bot cannot see (private, not invited) is `channel_not_found` or `not_in_channel`."""
    name = "xero-syncd"
    try:
        name = (await client.auth_test()).get("user") or name
    except Exception:  # only the name is lost
        pass
    try:
        info = (await client.conversations_info(channel=channel)).get("channel") or {}
    except SlackApiError as err:
        error = err.response.data.get("error") if isinstance(err.response.data, dict) else None
        return (False if error in NOT_IN_CHANNEL else None), name
    except Exception:  # Slack unreachable: it could not say
        return None, name
    return bool(info.get("is_member") or info.get("is_im")), name


NOT_IN_CHANNEL = {"channel_not_found", "not_in_channel"}
