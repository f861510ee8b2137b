-- Who has opened the app's Home tab (Slack user ids), and when last: their tab is republished when an
-- organisation's state changes.
CREATE TABLE home_views (
    user_id   TEXT PRIMARY KEY,
    opened_at REAL NOT NULL
);
