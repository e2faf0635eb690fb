CREATE INDEX cases_department_due ON cases (department_code, due_at, id);
CREATE INDEX cases_channel ON cases (channel, submitted_at);
CREATE INDEX outbox_case ON outbox (case_id);
