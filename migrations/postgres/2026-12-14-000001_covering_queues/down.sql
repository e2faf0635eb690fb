DROP INDEX cases_open_queue;
DROP INDEX cases_open_all;
DROP INDEX cases_open_category;
DROP INDEX cases_open_area;
CREATE INDEX cases_open_queue ON cases (department_code, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_all ON cases (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_category ON cases (department_code, category_code, due_at, id)
    WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_area ON cases (department_code, area_code, due_at, id)
    WHERE due_at IS NOT NULL;
CREATE INDEX cases_due ON cases (due_at, id);
