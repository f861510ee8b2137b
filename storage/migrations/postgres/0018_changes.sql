-- A change sequence per (org, entity): every record inserted or changed takes the next number, in commit order
-- (the counter row is bumped, and so locked, in the transaction that writes the page: writers of one entity queue
-- on it, so a reader never passes a number whose transaction has not committed). Existing records are numbered in
-- the order of their UpdatedDateUTC.
ALTER TABLE records ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE records SET seq = numbered.n
  FROM (SELECT tenant_id, entity, xero_id,
               ROW_NUMBER() OVER (PARTITION BY tenant_id, entity ORDER BY updated_ms, xero_id) AS n
          FROM records) AS numbered
 WHERE records.tenant_id = numbered.tenant_id AND records.entity = numbered.entity
   AND records.xero_id = numbered.xero_id;
CREATE INDEX records_by_seq ON records (tenant_id, entity, seq);

-- The last number given per (org, entity). No foreign key: an org deleted and connected again goes on from where
-- its numbers were, so a reader's old cursor never skips its new records.
CREATE TABLE record_seqs (
    tenant_id TEXT NOT NULL,
    entity    TEXT NOT NULL,
    last_seq  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, entity)
);
INSERT INTO record_seqs (tenant_id, entity, last_seq)
  SELECT tenant_id, entity, MAX(seq) FROM records GROUP BY tenant_id, entity;

-- What a run changed per entity, told apart: records added, updated, deleted (`changed` stays their sum).
ALTER TABLE run_entities ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_entities ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_entities ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;

-- The outbox carries Slack messages and outbound webhook deliveries alike ('webhook': `channel` is the URL, so
-- deliveries to one receiver go in order).
ALTER TABLE slack_outbox RENAME TO outbox;
ALTER TABLE outbox DROP CONSTRAINT slack_outbox_method_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_method_check CHECK (method IN ('post', 'reply', 'update', 'webhook'));
ALTER INDEX slack_outbox_by_channel RENAME TO outbox_by_channel;
