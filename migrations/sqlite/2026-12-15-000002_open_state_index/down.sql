DROP INDEX cases_open_state;
