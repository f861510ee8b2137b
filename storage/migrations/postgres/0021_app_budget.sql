-- Xero's per-app minute budget, shared by every process on the store: the calls granted in each tick (a slice of
-- the clock, `tick` = floor(epoch seconds / tick length)). A claim locks the one row of app_budget_lock, sums the
-- ticks around it and adds what it was granted (storage/app_budget.py); old ticks are deleted as claims go.
CREATE TABLE app_budget (
    tick BIGINT PRIMARY KEY,
    used INTEGER NOT NULL
);
CREATE TABLE app_budget_lock (
    id INTEGER PRIMARY KEY
);
INSERT INTO app_budget_lock (id) VALUES (1);
