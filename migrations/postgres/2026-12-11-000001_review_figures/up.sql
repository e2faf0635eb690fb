-- The monthly review's figures, kept as cases change (service::figures), so a month's
-- review adds up day rows instead of reading the month's cases and their timelines.

-- What the review counts of each case that reached a department, as last tallied.
CREATE TABLE case_facts (
    case_id BIGINT PRIMARY KEY NOT NULL,
    department TEXT NOT NULL,
    category TEXT NOT NULL,
    area TEXT NOT NULL,
    concerned TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    acceptance_due_at TIMESTAMP,
    decided_at TIMESTAMP,
    accepted_at TIMESTAMP,
    answered_at TIMESTAMP,
    answer_due_at TIMESTAMP,
    answer_seconds BIGINT,
    outcome TEXT,
    rated_at TIMESTAMP,
    rating TEXT,
    ended_at TIMESTAMP
);
-- The month's answers, for the median days to answer.
CREATE INDEX case_facts_answered ON case_facts
    (answered_at, department, category, concerned, answer_seconds)
    WHERE answered_at IS NOT NULL;
-- Filings still waiting for a decision, for the response rate's denominator.
CREATE INDEX case_facts_undecided ON case_facts
    (submitted_at, acceptance_due_at, department, category, concerned)
    WHERE decided_at IS NULL;

-- Counts per local day, department, category and concerned department ('' for none).
CREATE TABLE review_days (
    day DATE NOT NULL,
    department TEXT NOT NULL,
    category TEXT NOT NULL,
    concerned TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    decided BIGINT NOT NULL DEFAULT 0,
    decided_in_time BIGINT NOT NULL DEFAULT 0,
    accepted BIGINT NOT NULL DEFAULT 0,
    answered BIGINT NOT NULL DEFAULT 0,
    answered_in_time BIGINT NOT NULL DEFAULT 0,
    resolved BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rated_satisfied BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, department, category, concerned)
);

-- Cases received per local day and area (the review's top areas).
CREATE TABLE review_areas (
    day DATE NOT NULL,
    area TEXT NOT NULL,
    category TEXT NOT NULL,
    concerned TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, area, category, concerned)
);

-- Whether the tables above hold every case: an existing database is tallied once, at
-- the next start (or by `huiying figures rebuild`); an empty one is complete already.
CREATE TABLE review_figures_state (
    id INTEGER PRIMARY KEY NOT NULL,
    built BOOLEAN NOT NULL
);
INSERT INTO review_figures_state (id, built)
SELECT 1, NOT EXISTS (SELECT 1 FROM cases);

-- The few events marking a major matter, counted per month.
CREATE INDEX case_events_marked_major ON case_events (created_at) WHERE kind = 'marked_major';
