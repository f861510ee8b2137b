-- Alerts routed per channel (`/xero subscribe`): which kinds of alert a channel receives, for one organisation
-- (`scope` = its tenant id) or for every one (`scope` = '*'). Removed with the org (storage/subscriptions.py).
CREATE TABLE slack_subscriptions (
    channel    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('failures', 'auth', 'syncs', 'changes', 'daily')),
    created_by TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel, scope, kind)
);
CREATE INDEX slack_subscriptions_by_scope ON slack_subscriptions (scope, kind);

-- The daily digest, claimed once per channel per day (in the digest's zone) by whichever process sends it.
CREATE TABLE slack_digests (
    channel    TEXT NOT NULL,
    day        TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel, day)
);

-- A failure episode is now one per org per channel: each channel that hears of it has its own alert and thread.
DROP INDEX alert_episodes_one_open;
CREATE UNIQUE INDEX alert_episodes_one_open ON alert_episodes (tenant_id, channel) WHERE closed_at IS NULL;
