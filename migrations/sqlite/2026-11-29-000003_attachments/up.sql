-- Photos and PDFs a resident adds to their case. The files live under the data
-- directory (never under static/), named by a random id; this table says whose they are.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    -- Random, URL-safe: the file's name on disk and in links.
    stored_name TEXT NOT NULL UNIQUE,
    -- The name the resident gave it, cleaned, with the extension of its real type.
    display_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id);
