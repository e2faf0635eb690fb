-- Where reviews (复查) of a department's answers go; NULL means the intake office.
ALTER TABLE departments ADD COLUMN reviewer_code TEXT REFERENCES departments (code);

-- Staff, heads, the intake office, leaders and administrators.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('intake', 'staff', 'head', 'leader', 'admin')),
    department_code TEXT REFERENCES departments (code),
    email TEXT,
    locale TEXT NOT NULL DEFAULT 'zh-CN',
    active BOOLEAN NOT NULL DEFAULT 1,
    -- Bumped on every password change; sessions and tokens from before stop working.
    credentials_version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

-- Bearer tokens for the staff API, stored as SHA-256 hashes.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    credentials_version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins, for the rate limit (shared by every instance).
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (client_ip, at);

-- Every time staff read a resident's personal data. Append-only.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    what TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, at);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;

-- The workflow's own columns on the case.
ALTER TABLE cases ADD COLUMN answer_due_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN objection_from TEXT REFERENCES departments (code);
ALTER TABLE cases ADD COLUMN extension_state TEXT;

-- Queues: a department's open cases by due date, keyset-paginated.
CREATE INDEX cases_department_due ON cases (department_code, due_at, id);
