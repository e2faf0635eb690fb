-- A new role.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('intake', 'staff', 'head', 'leader', 'admin', 'liaison'));

-- The cases marked as major or urgent matters now, since when (cleared: the row goes;
-- the timeline keeps both events). Few at a time: every queue lists them first.
CREATE TABLE major_cases (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    since TIMESTAMP NOT NULL
);

-- The areas a liaison works in (the villages and towns of their cards).
CREATE TABLE user_areas (
    user_id INTEGER NOT NULL REFERENCES users (id),
    area_code TEXT NOT NULL,
    PRIMARY KEY (user_id, area_code)
);

-- A liaison's visit to a village: matters, never people. Who was met is said in general
-- terms ("村民代表五人"); what was raised is filed as cases (visit_cases) or noted.
CREATE TABLE visits (
    id SERIAL PRIMARY KEY,
    area_code TEXT NOT NULL,
    visited_on DATE NOT NULL,
    met TEXT NOT NULL,
    notes TEXT NOT NULL,
    liaison_id INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_area_day ON visits (area_code, visited_on);

CREATE TABLE visit_cases (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    visit_id INTEGER NOT NULL REFERENCES visits (id)
);
CREATE INDEX visit_cases_visit ON visit_cases (visit_id);
