-- Answer templates per category, kept by departments (NULL department: shared by all).
CREATE TABLE answer_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_code TEXT NOT NULL REFERENCES categories (code),
    department_code TEXT REFERENCES departments (code),
    title TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('supported', 'explained', 'not_supported')),
    body TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX answer_templates_category ON answer_templates (category_code, department_code);
CREATE INDEX cases_channel ON cases (channel, submitted_at);
