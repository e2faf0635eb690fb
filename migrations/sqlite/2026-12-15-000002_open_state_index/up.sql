-- One state of a department's open queue (say, the few accepted cases): walking the
-- whole open queue for them cost SQLite 12 ms a page at 1 million cases. With its
-- statistics, SQLite takes this index for one state and the open queue's for several.
-- (PostgreSQL gets none: it took such an index for several states too, and sorted.)
CREATE INDEX IF NOT EXISTS cases_open_state ON cases (department_code, state, due_at, id) WHERE due_at IS NOT NULL;
