-- case_counts holds one row per department and state, so every filing into a department
-- updates the same row. As a plain trigger that update ran at the case's INSERT and held
-- the row's lock through the rest of the transaction: under load, filings into one
-- department queued behind each other's whole transaction (pg_stat_statements: the
-- trigger's upsert took 1.0 ms of the insert's 1.4 ms, all of it waiting). A deferred
-- constraint trigger runs the same function at COMMIT, so the lock is held only while
-- the transaction commits. Counts are still kept in the same transaction.
DROP TRIGGER case_counts_insert ON cases;
DROP TRIGGER case_counts_update ON cases;

CREATE CONSTRAINT TRIGGER case_counts_insert AFTER INSERT OR DELETE ON cases
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION case_counts_keep();

CREATE CONSTRAINT TRIGGER case_counts_update AFTER UPDATE OF state, department_code ON cases
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.department_code IS DISTINCT FROM NEW.department_code)
EXECUTE FUNCTION case_counts_keep();
