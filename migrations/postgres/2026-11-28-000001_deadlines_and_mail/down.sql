DROP INDEX cases_due;
DROP TABLE outbox;
ALTER TABLE departments DROP COLUMN leader_username;
DROP TABLE calendar_workdays;
DROP TABLE calendar_holidays;
DROP TABLE deadline_policies;
