-- How many cases each department holds in each state, kept by triggers in the same
-- transaction as every insert, state change, transfer or deletion, so a queue page
-- reads a handful of rows instead of counting a department's whole history.
CREATE TABLE case_counts (
    department_code TEXT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (department_code, state)
);

INSERT INTO case_counts (department_code, state, n)
SELECT department_code, state, count(*) FROM cases GROUP BY department_code, state;

CREATE TRIGGER case_counts_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_counts (department_code, state, n)
    VALUES (NEW.department_code, NEW.state, 1)
    ON CONFLICT (department_code, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER case_counts_update AFTER UPDATE OF state, department_code ON cases
WHEN OLD.state IS NOT NEW.state OR OLD.department_code IS NOT NEW.department_code
BEGIN
    UPDATE case_counts SET n = n - 1
    WHERE department_code = OLD.department_code AND state = OLD.state;
    INSERT INTO case_counts (department_code, state, n)
    VALUES (NEW.department_code, NEW.state, 1)
    ON CONFLICT (department_code, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER case_counts_delete AFTER DELETE ON cases
BEGIN
    UPDATE case_counts SET n = n - 1
    WHERE department_code = OLD.department_code AND state = OLD.state;
END;

-- The open queue: a department's cases with a deadline, soonest first. Partial, so it
-- holds only the few percent of cases that are open, whatever the history's size; the
-- category and area variants keep those filters from walking the whole open queue.
CREATE INDEX cases_open_queue ON cases (department_code, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_all ON cases (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_category ON cases (department_code, category_code, due_at, id)
    WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_area ON cases (department_code, area_code, due_at, id)
    WHERE due_at IS NOT NULL;
