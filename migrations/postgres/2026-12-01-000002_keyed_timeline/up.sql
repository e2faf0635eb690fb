-- The timeline is keyed (HMAC) with a key kept outside the database. Its fingerprint is
-- kept here, so the portal refuses to start with another key.
CREATE TABLE audit_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL,
    keyed_at TIMESTAMP NOT NULL
);

-- Chains begun before the key existed: each one's head as it stood then, sealed with the
-- key. Events up to `seq` carry plain SHA-256 hashes; every later one is keyed.
CREATE TABLE chain_anchors (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    seal TEXT NOT NULL
);
