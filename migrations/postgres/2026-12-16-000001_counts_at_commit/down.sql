DROP TRIGGER case_counts_insert ON cases;
DROP TRIGGER case_counts_update ON cases;

CREATE TRIGGER case_counts_insert AFTER INSERT OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION case_counts_keep();

CREATE TRIGGER case_counts_update AFTER UPDATE OF state, department_code ON cases
FOR EACH ROW
WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.department_code IS DISTINCT FROM NEW.department_code)
EXECUTE FUNCTION case_counts_keep();
