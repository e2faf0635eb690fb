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

CREATE FUNCTION case_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE case_counts SET n = n - 1
        WHERE department_code = OLD.department_code AND state = OLD.state;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_counts (department_code, state, n)
        VALUES (NEW.department_code, NEW.state, 1)
        ON CONFLICT (department_code, state) DO UPDATE SET n = case_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_counts_insert AFTER INSERT OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION case_counts_keep();

CREATE TRIGGER case_counts_update AFTER UPDATE OF state, department_code ON cases
FOR EACH ROW
WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.department_code IS DISTINCT FROM NEW.department_code)
EXECUTE FUNCTION case_counts_keep();

-- The open queue: a department's cases with a deadline, soonest first. Partial, so it
-- holds only the few percent of cases that are open, whatever the history's size; the
-- category and area variants keep those filters from walking the whole open queue.
CREATE INDEX cases_open_queue ON cases (department_code, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_all ON cases (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_category ON cases (department_code, category_code, due_at, id)
    WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_area ON cases (department_code, area_code, due_at, id)
    WHERE due_at IS NOT NULL;
