-- Residents who sign in by a link sent to their email (no password), the cases their
-- account holds, the links themselves, and "me too" supports.
CREATE TABLE residents (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);

-- Cases linked to an account by their private link (cases filed with the account's
-- email need no row: they are found by the address).
CREATE TABLE resident_cases (
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (resident_id, case_id)
);

-- One-time links sent by email: to sign in, to confirm a support, to confirm a filing.
-- Only the SHA-256 of the token is kept.
CREATE TABLE email_links (
    id BIGSERIAL PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_in', 'support', 'confirm_filing')),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    case_id BIGINT REFERENCES cases (id),
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
-- How many links an address was sent lately (the per-address limit).
CREATE INDEX email_links_email ON email_links (email, created_at);

-- "Me too": one per address per case, counted once confirmed.
CREATE TABLE supports (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    email TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    UNIQUE (case_id, email)
);

-- "My cases": the cases filed with an address.
CREATE INDEX cases_resident_email ON cases (lower(resident_email));
