-- One state of a department's open queue (say, its 542 accepted cases among 16,695 open
-- at a million cases) walked the whole open queue for a page: 1.5 ms warm, growing with
-- the queue. This index serves it in the order shown.
--
-- PostgreSQL once took such an index for several states as well and sorted what it found,
-- because it could not know that the cases with a deadline are the open ones: it
-- multiplied the two selectivities and expected 458 rows where 10,322 matched. The
-- statistics below teach it how state and deadline go together; with them it estimated
-- 6,931, walked the open queue's index for all the open states (0.05 ms, no sort) and
-- this one for one state (0.07 ms).
CREATE STATISTICS cases_state_deadline (dependencies, mcv) ON state, due_at FROM cases;
CREATE INDEX cases_open_state ON cases (department_code, state, due_at, id)
    INCLUDE (concerned_department, category_code, area_code, channel, tracking_number, title,
        submitted_at, confidential, objection_from, extension_state) WHERE due_at IS NOT NULL;
ANALYZE cases;
