DROP INDEX cases_open_state;
DROP STATISTICS cases_state_deadline;
