-- One row per (organisation, entity) the store holds records of, with how many it holds: `/xero status` reads
-- these counts instead of counting the records on every call (COUNT(*) over a million-invoice org took seconds).
-- `held` is kept by the same transaction as the page that changes it (storage/records.py), so it survives a crash
-- exactly as the records do. Existing stores are counted once, here.
CREATE TABLE record_sets (
    id        INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES orgs(tenant_id) ON DELETE CASCADE,
    entity    TEXT NOT NULL,
    held      INTEGER NOT NULL DEFAULT 0,   -- records stored, deleted ones included (they are kept)
    UNIQUE (tenant_id, entity)
);
INSERT INTO record_sets (tenant_id, entity, held)
    SELECT tenant_id, entity, COUNT(*) FROM records GROUP BY tenant_id, entity;
