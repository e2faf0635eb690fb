-- Reference data: who handles what, where.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    email TEXT,
    is_intake BOOLEAN NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE areas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    parent_code TEXT REFERENCES areas (code),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX areas_parent ON areas (parent_code);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE category_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    group_code TEXT NOT NULL REFERENCES category_groups (code),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    urgent BOOLEAN NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE category_channels (
    category_code TEXT NOT NULL REFERENCES categories (code),
    channel_code TEXT NOT NULL REFERENCES channels (code),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (category_code, channel_code)
);

-- A NULL category or area means "any"; at most one rule per (category, area) scope.
CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_code TEXT REFERENCES categories (code),
    area_code TEXT REFERENCES areas (code),
    department_code TEXT NOT NULL REFERENCES departments (code)
);
CREATE UNIQUE INDEX routing_rules_scope
    ON routing_rules (COALESCE(category_code, ''), COALESCE(area_code, ''));

-- Cases. Ids are assigned by the application inside the filing transaction so the
-- tracking number (derived from the id) is known before the row is written.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    tracking_number TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    channel TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES categories (code),
    area_code TEXT NOT NULL REFERENCES areas (code),
    department_code TEXT NOT NULL REFERENCES departments (code),
    routing_rule_id INTEGER REFERENCES routing_rules (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT,
    latitude DOUBLE,
    longitude DOUBLE,
    resident_name TEXT NOT NULL,
    resident_phone TEXT,
    resident_email TEXT,
    locale TEXT NOT NULL,
    confidential BOOLEAN NOT NULL,
    publish_consent BOOLEAN NOT NULL,
    access_token_hash TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    acceptance_due_at TIMESTAMP,
    due_at TIMESTAMP,
    last_event_seq INTEGER NOT NULL,
    last_event_hash TEXT NOT NULL
);
CREATE INDEX cases_department_queue ON cases (department_code, state, due_at, id);

-- The timeline. Each event carries a hash over its content and the previous event's hash.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
