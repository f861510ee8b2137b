-- Grants: one per Xero user consent. Tokens are stored encrypted (Fernet), never in clear.
CREATE TABLE grants (
    id               INTEGER PRIMARY KEY,
    xero_user_id     TEXT,
    tokens           TEXT NOT NULL,           -- encrypted JSON: access_token, refresh_token, expires_at, scope
    access_expires_at REAL NOT NULL,
    scopes           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth')),
    status_reason    TEXT,
    refreshed_at     REAL,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL
);

-- Organisations (Xero tenants) with their sync settings and state.
CREATE TABLE orgs (
    tenant_id         TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    connection_id     TEXT,
    grant_id          INTEGER REFERENCES grants(id) ON DELETE SET NULL,
    enabled           INTEGER NOT NULL DEFAULT 1,
    state             TEXT NOT NULL DEFAULT 'connected' CHECK (state IN ('connected', 'needs_reauth')),
    state_reason      TEXT,
    sync_from         REAL,                  -- the reset date shown before a first sync
    last_attempted_at REAL,
    last_success_at   REAL,
    next_sync_at      REAL,
    last_reconcile_at REAL,
    paused_until      REAL,                  -- daily API limit spent: no calls before this
    last_error        TEXT,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);

-- Per-entity watermark: the largest UpdatedDateUTC stored, in milliseconds.
CREATE TABLE watermarks (
    tenant_id  TEXT NOT NULL REFERENCES orgs(tenant_id) ON DELETE CASCADE,
    entity     TEXT NOT NULL,
    updated_ms INTEGER,
    PRIMARY KEY (tenant_id, entity)
) WITHOUT ROWID;

-- Synced records: the full JSON as Xero sent it. An ordinary rowid table: a record's JSON is 1-2 KB, far above
-- the size where SQLite advises WITHOUT ROWID (measured: ~9 s of a 100,000-invoice first sync inside SQLite
-- with WITHOUT ROWID, ~2 s without).
CREATE TABLE records (
    tenant_id  TEXT NOT NULL REFERENCES orgs(tenant_id) ON DELETE CASCADE,
    entity     TEXT NOT NULL,
    xero_id    TEXT NOT NULL,
    status     TEXT,
    updated_ms INTEGER NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,   -- vanished from Xero (hard-deleted); kept, never dropped
    data       TEXT NOT NULL,
    synced_at  REAL NOT NULL,
    PRIMARY KEY (tenant_id, entity, xero_id)
);

-- Sync runs, and what each changed per entity.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES orgs(tenant_id) ON DELETE CASCADE,
    trigger     TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL,
    outcome     TEXT NOT NULL DEFAULT 'running'
                CHECK (outcome IN ('running', 'success', 'failed', 'interrupted', 'auth_failed', 'paused')),
    api_calls   INTEGER NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX runs_by_tenant ON runs (tenant_id, started_at);

CREATE TABLE run_entities (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    entity   TEXT NOT NULL,
    changed  INTEGER NOT NULL DEFAULT 0,
    pages    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, entity)
) WITHOUT ROWID;

-- OAuth consent flows in progress: single use, short-lived.
CREATE TABLE oauth_states (
    state         TEXT PRIMARY KEY,
    code_verifier TEXT NOT NULL,             -- encrypted
    payload       TEXT NOT NULL DEFAULT '{}',
    expires_at    REAL NOT NULL
);

-- Single-use links (/xero auth): a link's nonce is recorded when it is spent.
CREATE TABLE spent_links (
    nonce      TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
