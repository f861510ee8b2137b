-- Records keyed compactly: by their set (record_sets.id: one org's one entity) and their Xero id as a `uuid`
-- (16 bytes) when it is a UUID as Xero writes it (`uid`), as text otherwise (`tid`: entities keyed by a code). The
-- key index of a million-invoice org is a fraction of the three text columns' (bench/scaling.py). `records`
-- becomes a view with exactly its former columns, so every reader keeps reading it; the daemon writes
-- `record_rows` (storage/records.py).
INSERT INTO record_sets (tenant_id, entity, held)
    SELECT tenant_id, entity, COUNT(*) FROM records GROUP BY tenant_id, entity
    ON CONFLICT (tenant_id, entity) DO UPDATE SET held = excluded.held;
CREATE TABLE record_rows (
    set_id     BIGINT NOT NULL REFERENCES record_sets(id) ON DELETE CASCADE,
    uid        UUID,                          -- the Xero id, when it is a UUID
    tid        TEXT,                          -- the Xero id, when it is not
    status     TEXT,
    updated_ms BIGINT NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,    -- vanished from Xero (hard-deleted); kept, never dropped
    data       TEXT NOT NULL,
    synced_at  DOUBLE PRECISION NOT NULL,
    seq        BIGINT NOT NULL DEFAULT 0,     -- the record's place in its entity's change sequence (0018)
    CHECK ((uid IS NULL) <> (tid IS NULL))
);
INSERT INTO record_rows (set_id, uid, tid, status, updated_ms, deleted, data, synced_at, seq)
    SELECT s.id,
           CASE WHEN r.xero_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN r.xero_id::uuid END,
           CASE WHEN r.xero_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN r.xero_id END,
           r.status, r.updated_ms, r.deleted, r.data, r.synced_at, r.seq
      FROM records r JOIN record_sets s ON s.tenant_id = r.tenant_id AND s.entity = r.entity
     ORDER BY s.id, r.seq;
DROP TABLE records;
CREATE UNIQUE INDEX record_rows_by_uid ON record_rows (set_id, uid) WHERE uid IS NOT NULL;
CREATE UNIQUE INDEX record_rows_by_tid ON record_rows (set_id, tid) WHERE tid IS NOT NULL;
CREATE INDEX record_rows_by_seq ON record_rows (set_id, seq);
CREATE VIEW records AS
    SELECT s.tenant_id AS tenant_id, s.entity AS entity, COALESCE(r.uid::text, r.tid) AS xero_id,
           r.status AS status, r.updated_ms AS updated_ms, r.deleted AS deleted, r.data AS data,
           r.synced_at AS synced_at, r.seq AS seq
      FROM record_rows r JOIN record_sets s ON s.id = r.set_id;
