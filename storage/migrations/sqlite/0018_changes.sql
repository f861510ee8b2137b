-- A change sequence per (org, entity): every record inserted or changed takes the next number, in commit order
-- (the counter row is bumped in the transaction that writes the page), so a reader walking by `seq` (the records
-- API's cursor) sees each change once. Existing records are numbered in the order of their UpdatedDateUTC.
ALTER TABLE records ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE records SET seq = numbered.n
  FROM (SELECT rowid AS rid,
               ROW_NUMBER() OVER (PARTITION BY tenant_id, entity ORDER BY updated_ms, xero_id) AS n
          FROM records) AS numbered
 WHERE records.rowid = numbered.rid;
CREATE INDEX records_by_seq ON records (tenant_id, entity, seq);

-- The last number given per (org, entity). No foreign key: an org deleted and connected again goes on from where
-- its numbers were, so a reader's old cursor never skips its new records.
CREATE TABLE record_seqs (
    tenant_id TEXT NOT NULL,
    entity    TEXT NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, entity)
) WITHOUT ROWID;
INSERT INTO record_seqs (tenant_id, entity, last_seq)
  SELECT tenant_id, entity, MAX(seq) FROM records GROUP BY tenant_id, entity;

-- What a run changed per entity, told apart: records added, updated, deleted (`changed` stays their sum).
ALTER TABLE run_entities ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_entities ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_entities ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;

-- The outbox carries Slack messages and outbound webhook deliveries alike ('webhook': `channel` is the URL, so
-- deliveries to one receiver go in order). SQLite cannot change a CHECK: the table is rebuilt under its new name.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    channel       TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('post', 'reply', 'update', 'webhook')),
    episode_id    INTEGER REFERENCES alert_episodes(id) ON DELETE SET NULL,
    anchors       INTEGER NOT NULL DEFAULT 0,
    payload       TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    REAL NOT NULL,
    last_error    TEXT,
    created_at    REAL NOT NULL,
    claimed_by    TEXT,
    claimed_until REAL
);
INSERT INTO outbox (id, channel, method, episode_id, anchors, payload, attempts, not_before, last_error, created_at,
                    claimed_by, claimed_until)
  SELECT id, channel, method, episode_id, anchors, payload, attempts, not_before, last_error, created_at,
         claimed_by, claimed_until FROM slack_outbox;
DROP TABLE slack_outbox;
CREATE INDEX outbox_by_channel ON outbox (channel, id);
