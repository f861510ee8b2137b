-- Keys for the records API (/api/v1): only a hash of each is kept; the key itself is shown once, when made.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    key_hash     TEXT NOT NULL UNIQUE,   -- SHA-256 of the key (keys are 256 random bits: no slow hash needed)
    prefix       TEXT NOT NULL,          -- the key's first characters, to tell keys apart in a list
    created_at   REAL NOT NULL,
    last_used_at REAL,
    revoked_at   REAL
);
