"""The one Slack Web API client the app posts with (alerts through the outbox, and bolt's own calls)."""

from __future__ import annotations

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
