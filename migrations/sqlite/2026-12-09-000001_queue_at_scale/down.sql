DROP INDEX cases_open_area;
DROP INDEX cases_open_category;
DROP INDEX cases_open_all;
DROP INDEX cases_open_queue;
DROP TRIGGER case_counts_delete;
DROP TRIGGER case_counts_update;
DROP TRIGGER case_counts_insert;
DROP TABLE case_counts;
