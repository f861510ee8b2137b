-- Records keyed compactly: by their set (record_sets.id: one org's one entity) and their Xero id as 16 bytes when
-- it is a UUID as Xero writes it (`uid`), as text otherwise (`tid`: entities keyed by a code). The key index of a
-- million-invoice org is ~40 MB instead of ~140 MB of three text columns, and stays in cache: a first sync slowed
-- as the store grew, each page's random UUIDs landing on uncached pages of the key index (bench/scaling.py).
-- `records` becomes a view with exactly its former columns, so every reader keeps reading it; the daemon writes
-- `record_rows` (storage/records.py). xero_uuid(text) -> 16 bytes or NULL is registered by storage/sqlite.py
-- (SQLite 3.40 has no unhex()); the view needs only built-in functions, so any SQLite client reads it.
INSERT INTO record_sets (tenant_id, entity, held)
    SELECT tenant_id, entity, COUNT(*) FROM records WHERE true GROUP BY tenant_id, entity
    ON CONFLICT (tenant_id, entity) DO UPDATE SET held = excluded.held;
CREATE TABLE record_rows (
    set_id     INTEGER NOT NULL REFERENCES record_sets(id) ON DELETE CASCADE,
    uid        BLOB,                          -- the Xero id's 16 bytes, when it is a UUID
    tid        TEXT,                          -- the Xero id, when it is not
    status     TEXT,
    updated_ms INTEGER NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,    -- vanished from Xero (hard-deleted); kept, never dropped
    data       TEXT NOT NULL,
    synced_at  REAL NOT NULL,
    seq        INTEGER NOT NULL DEFAULT 0,    -- the record's place in its entity's change sequence (0018)
    CHECK ((uid IS NULL) <> (tid IS NULL))
);
INSERT INTO record_rows (set_id, uid, tid, status, updated_ms, deleted, data, synced_at, seq)
    SELECT s.id, xero_uuid(r.xero_id), CASE WHEN xero_uuid(r.xero_id) IS NULL THEN r.xero_id END,
           r.status, r.updated_ms, r.deleted, r.data, r.synced_at, r.seq
      FROM records r JOIN record_sets s ON s.tenant_id = r.tenant_id AND s.entity = r.entity
     ORDER BY s.id, r.seq;
DROP INDEX records_by_seq;
DROP TABLE records;
CREATE UNIQUE INDEX record_rows_by_uid ON record_rows (set_id, uid) WHERE uid IS NOT NULL;
CREATE UNIQUE INDEX record_rows_by_tid ON record_rows (set_id, tid) WHERE tid IS NOT NULL;
CREATE INDEX record_rows_by_seq ON record_rows (set_id, seq);
CREATE VIEW records AS
    SELECT s.tenant_id AS tenant_id, s.entity AS entity,
           CASE WHEN r.uid IS NULL THEN r.tid
                ELSE lower(substr(hex(r.uid), 1, 8) || '-' || substr(hex(r.uid), 9, 4) || '-'
                           || substr(hex(r.uid), 13, 4) || '-' || substr(hex(r.uid), 17, 4) || '-'
                           || substr(hex(r.uid), 21, 12)) END AS xero_id,
           r.status AS status, r.updated_ms AS updated_ms, r.deleted AS deleted, r.data AS data,
           r.synced_at AS synced_at, r.seq AS seq
      FROM record_rows r JOIN record_sets s ON s.id = r.set_id;
