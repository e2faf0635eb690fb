DROP INDEX cases_open_area;
DROP INDEX cases_open_category;
DROP INDEX cases_open_all;
DROP INDEX cases_open_queue;
DROP TRIGGER case_counts_update ON cases;
DROP TRIGGER case_counts_insert ON cases;
DROP FUNCTION case_counts_keep();
DROP TABLE case_counts;
