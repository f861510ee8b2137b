-- An organisation's time zone (IANA, from Xero's Organisation.Timezone): dates are shown in it, and a reset date
-- means midnight there.
ALTER TABLE orgs ADD COLUMN timezone TEXT;

-- Who started a run (a Slack user, for manual syncs and retries), and which entity it is reading now.
ALTER TABLE runs ADD COLUMN started_by TEXT;
ALTER TABLE runs ADD COLUMN current_entity TEXT;

-- A run's progress per entity: records read so far, and how many pages Xero said there are.
ALTER TABLE run_entities ADD COLUMN records INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_entities ADD COLUMN page_count INTEGER;
