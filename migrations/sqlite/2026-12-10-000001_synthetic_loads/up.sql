-- `huiying seed-synthetic`: how far each seed's load has got, so a run stopped midway
-- resumes where it was and a finished seed is never loaded twice.
CREATE TABLE synthetic_loads (
    seed BIGINT PRIMARY KEY NOT NULL,
    target BIGINT NOT NULL,
    months INTEGER NOT NULL,
    loaded BIGINT NOT NULL,
    first_id BIGINT NOT NULL,
    anchored_at TIMESTAMP NOT NULL
);
