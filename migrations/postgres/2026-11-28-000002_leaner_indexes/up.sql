-- Every secondary index costs each filing a page write in a different part of the file.
-- Measured with `huiying bench` (SQLite, 2 cores): dropping these three took filing from
-- about 8,200 to 13,200 per second.
--   outbox_case:          nothing reads the outbox by case.
--   cases_channel:        channel is only ever a filter inside a department's queue.
--   cases_department_due: cases_department_queue (department, state, due_at, id) serves
--                         the queue; a department's open cases are sorted in memory.
DROP INDEX outbox_case;
DROP INDEX cases_channel;
DROP INDEX cases_department_due;
