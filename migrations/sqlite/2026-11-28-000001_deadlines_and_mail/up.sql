-- Deadline policy per category; categories without a row use the defaults (urgent or not).
CREATE TABLE deadline_policies (
    category_code TEXT PRIMARY KEY REFERENCES categories (code),
    acceptance_days INTEGER NOT NULL CHECK (acceptance_days BETWEEN 1 AND 365),
    answer_days INTEGER NOT NULL CHECK (answer_days BETWEEN 1 AND 365),
    max_extension_days INTEGER NOT NULL CHECK (max_extension_days BETWEEN 0 AND 365),
    review_window_days INTEGER NOT NULL CHECK (review_window_days BETWEEN 1 AND 365),
    review_answer_days INTEGER NOT NULL CHECK (review_answer_days BETWEEN 1 AND 365),
    working_days BOOLEAN NOT NULL
);

-- The holiday calendar: rest periods and make-up working days, per year.
CREATE TABLE calendar_holidays (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX calendar_holidays_year ON calendar_holidays (year);
CREATE TABLE calendar_workdays (
    day DATE PRIMARY KEY,
    year INTEGER NOT NULL
);

-- The leader who supervises a department and hears its escalations.
ALTER TABLE departments ADD COLUMN leader_username TEXT;

-- Every email, written in the transaction that causes it; the worker delivers it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    case_id INTEGER REFERENCES cases (id),
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    -- What the mail says, as facts (JSON); rendered in `locale` when delivered.
    payload TEXT NOT NULL,
    -- At most one row per key: one reminder per case, step and due date.
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- While `sending`: until when the claiming worker holds it.
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_case ON outbox (case_id);

-- The deadline scan finds open steps by due date.
CREATE INDEX cases_due ON cases (due_at, id);
