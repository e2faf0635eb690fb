DROP INDEX cases_ended;
CREATE INDEX cases_department_queue ON cases (department_code, state, due_at, id);
