-- A reset made while a sync runs wins over that sync: how many times the org was reset. A run that started before
-- the latest reset writes no "read from here next" mark, and does not move SYNC FROM DATE.
ALTER TABLE orgs ADD COLUMN resets INTEGER NOT NULL DEFAULT 0;

-- What a run noticed without failing on it (records whose UpdatedDateUTC lies beyond Xero's time, an entity
-- Xero answered without its list, ...): a JSON list of sentences.
ALTER TABLE runs ADD COLUMN notes TEXT;

-- Alerts for the operator rather than for one organisation (Xero refusing the app's own credentials): one open
-- alert per kind, posted once, and a second post when it is over.
CREATE TABLE operator_alerts (
    kind       TEXT PRIMARY KEY,
    opened_at  REAL NOT NULL,
    closed_at  REAL,
    last_error TEXT
);
