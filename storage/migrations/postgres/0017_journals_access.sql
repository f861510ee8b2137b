-- Journals are read by `offset`: the last JournalNumber stored, kept per org beside the entity's watermark and
-- moved in the transaction of the batch that ends there (NULL: read from the first journal).
ALTER TABLE watermarks ADD COLUMN last_number BIGINT;

-- "Re-authorize to add access": one alert per org while its grant lacks a scope the entities configured need,
-- remembered until the access is there (a consent added it, or SYNC_ENTITIES no longer needs it).
CREATE TABLE access_alerts (
    tenant_id TEXT PRIMARY KEY REFERENCES orgs(tenant_id) ON DELETE CASCADE,
    scopes    TEXT NOT NULL,   -- the scopes missing when it was posted (space-separated)
    opened_at DOUBLE PRECISION NOT NULL
);
