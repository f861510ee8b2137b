"""Prometheus metrics: one `CollectorRegistry` per app (no global registry), so two daemons in one process (tests)
never share counters.

The runner, the token manager and the Xero client call `run_finished`, `token_refreshed` and `api_call`; the Slack
side calls `slack_command` and `alert_posted`. The age of each org's last successful sync is read from the store at
scrape time (`refresh`), measured with the injected clock, so it is right even when nothing has run for hours.
"""

from __future__ import annotations

from typing import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from clock import Clock
from storage.orgs import Org
from storage.runs import Run

PREFIX = "xero_syncd"
CONNECTIONS = ("connected", "disabled", "needs_reauth")  # storage.orgs.Org.connection
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600)


class Metrics:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.syncs = Counter(f"{PREFIX}_syncs", "Sync runs finished, by outcome and trigger.",
                             ["outcome", "trigger"], registry=r)
        self.sync_seconds = Histogram(f"{PREFIX}_sync_duration_seconds", "How long sync runs took, by outcome.",
                                      ["outcome"], buckets=DURATION_BUCKETS, registry=r)
        self.records = Counter(f"{PREFIX}_records_synced", "Records changed (inserted, updated or marked deleted) by "
                               "sync runs, per entity.", ["entity"], registry=r)
        self.api_calls = Counter(f"{PREFIX}_xero_api_calls", "Calls to Xero's Accounting API, by HTTP status.",
                                 ["status"], registry=r)
        self.rate_limited = Counter(f"{PREFIX}_xero_rate_limited", "429 answers from Xero's Accounting API.",
                                    registry=r)
        self.token_refreshes = Counter(f"{PREFIX}_xero_token_refreshes", "Access tokens refreshed.", registry=r)
        self.slack_commands = Counter(f"{PREFIX}_slack_commands", "Slash commands handled, by name and outcome.",
                                      ["command", "outcome"], registry=r)
        self.alerts = Counter(f"{PREFIX}_alerts_posted", "Alerts posted to Slack, by kind.", ["kind"], registry=r)
        self.since_success = Gauge(f"{PREFIX}_seconds_since_last_successful_sync", "Seconds since each org's last "
                                   "successful sync (absent until its first one).", ["tenant_id", "org"], registry=r)
        self.orgs = Gauge(f"{PREFIX}_orgs", "Connected organisations, by connection state.", ["state"], registry=r)
        for state in CONNECTIONS:
            self.orgs.labels(state=state)

    # -- called by the daemon --------------------------------------------------------------------------------------
    def run_finished(self, run: Run) -> None:
        self.syncs.labels(outcome=run.outcome, trigger=run.trigger).inc()
        if run.finished_at is not None:
            self.sync_seconds.labels(outcome=run.outcome).observe(max(0.0, run.finished_at - run.started_at))
        for entity, changed in run.changed.items():
            self.records.labels(entity=entity).inc(changed)

    def api_call(self, status: int) -> None:
        self.api_calls.labels(status=str(status)).inc()
        if status == 429:
            self.rate_limited.inc()

    def token_refreshed(self) -> None:
        self.token_refreshes.inc()

    def slack_command(self, name: str, outcome: str) -> None:
        self.slack_commands.labels(command=name, outcome=outcome).inc()

    def alert_posted(self, kind: str) -> None:
        self.alerts.labels(kind=kind).inc()

    # -- scrape time -----------------------------------------------------------------------------------------------
    def observe_orgs(self, orgs: Iterable[Org]) -> None:
        now = self._clock.time()
        self.since_success.clear()
        counts = dict.fromkeys(CONNECTIONS, 0)
        for org in orgs:
            if org.last_success_at is not None:
                self.since_success.labels(tenant_id=org.tenant_id, org=org.name).set(max(0.0, now - org.last_success_at))
            counts[org.connection] += 1
        for state, count in counts.items():
            self.orgs.labels(state=state).set(count)

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition in the format the scraper asked for (Prometheus text, or OpenMetrics), and its type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
