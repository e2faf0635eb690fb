-- The open queues' indexes carry what a queue filters on and shows, so a page is read
-- from the index alone: walking past cases the page leaves out (answered ones waiting
-- for the resident, other states, reports about the reader's own department) costs no
-- read of the case, and the rows shown none either. Partial as before: open cases only.
-- cases_open_all serves every walk by deadline; the older index over all cases goes.
DROP INDEX cases_due;
DROP INDEX cases_open_queue;
DROP INDEX cases_open_all;
DROP INDEX cases_open_category;
DROP INDEX cases_open_area;
CREATE INDEX cases_open_queue ON cases (department_code, due_at, id)
    INCLUDE (state, concerned_department, category_code, area_code, channel,
        tracking_number, title, submitted_at, confidential, objection_from, extension_state) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_all ON cases (due_at, id)
    INCLUDE (department_code, state, concerned_department, category_code, area_code, channel,
        tracking_number, title, submitted_at, confidential, objection_from, extension_state) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_category ON cases (department_code, category_code, due_at, id)
    INCLUDE (state, concerned_department) WHERE due_at IS NOT NULL;
CREATE INDEX cases_open_area ON cases (department_code, area_code, due_at, id)
    INCLUDE (state, concerned_department) WHERE due_at IS NOT NULL;
