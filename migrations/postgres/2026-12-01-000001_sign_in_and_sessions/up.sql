-- Whether the address had signed in as the user before the attempt: such attempts count
-- only against their own (user, address) budget, so strangers cannot lock users out.
ALTER TABLE login_failures ADD COLUMN from_known BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX login_failures_pair ON login_failures (username, client_ip, at);

-- Addresses each username has signed in from, and when last.
CREATE TABLE known_sign_ins (
    username TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (username, client_ip)
);

-- Signed-in sessions (staff or resident), so that signing out, a password change or a
-- deactivation ends them on every instance, and each has an absolute lifetime. The cookie
-- holds the secret; only its SHA-256 is kept.
CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER REFERENCES users (id),
    resident_id INTEGER REFERENCES residents (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    CHECK ((user_id IS NULL) <> (resident_id IS NULL))
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_resident ON sessions (resident_id);
