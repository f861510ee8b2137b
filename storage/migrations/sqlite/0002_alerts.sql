-- Slack alert episodes: one per failure episode per org. The alert message's ts anchors its thread, so repeats,
-- "recovered" and "reconnected" land under it, and a restart neither re-alerts nor forgets.
CREATE TABLE alert_episodes (
    id           INTEGER PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES orgs(tenant_id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('failure', 'reauth', 'paused')),
    message_ts   TEXT,                       -- set once Slack accepted the alert
    opened_at    REAL NOT NULL,
    first_run_id INTEGER,
    last_run_id  INTEGER,
    repeats      INTEGER NOT NULL DEFAULT 0, -- failures after the first
    last_error   TEXT,
    closed_at    REAL,
    close_reason TEXT                        -- recovered, reconnected
);
CREATE UNIQUE INDEX alert_episodes_one_open ON alert_episodes (tenant_id) WHERE closed_at IS NULL;

-- Messages waiting to reach Slack: kept until Slack accepts them, in order per channel, retried with backoff.
CREATE TABLE slack_outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL,
    method     TEXT NOT NULL CHECK (method IN ('post', 'reply', 'update')),
    episode_id INTEGER REFERENCES alert_episodes(id) ON DELETE SET NULL,
    anchors    INTEGER NOT NULL DEFAULT 0,   -- a post whose ts becomes the episode's message_ts
    payload    TEXT NOT NULL,                -- JSON: text (plain-text fallback) and blocks
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX slack_outbox_by_channel ON slack_outbox (channel, id);
