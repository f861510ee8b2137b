-- Several daemon processes on one store (PostgreSQL; on SQLite the same columns serve the one process).
-- An org's sync is taken under a lease: the process syncing it, and until when (renewed while the sync runs).
-- An org whose process died is taken by another once the lease has run out.
ALTER TABLE orgs ADD COLUMN lease_owner TEXT;
ALTER TABLE orgs ADD COLUMN lease_until REAL;

-- Which process ran each sync run.
ALTER TABLE runs ADD COLUMN owner TEXT;

-- A Slack message being sent is claimed first, so two processes never send the same one.
ALTER TABLE slack_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE slack_outbox ADD COLUMN claimed_until REAL;

-- Xero webhook events already accepted (Xero redelivers; a redelivery may reach another process).
CREATE TABLE webhook_events (
    event_key  TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
