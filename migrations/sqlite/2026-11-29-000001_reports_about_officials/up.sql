-- Reports about officials (检举控告): a category names the supervisory body that alone
-- handles them, and a case remembers the department the resident named as concerned,
-- which must never see it.
ALTER TABLE categories ADD COLUMN supervisor_code TEXT NULL REFERENCES departments (code);
ALTER TABLE cases ADD COLUMN concerned_department TEXT NULL;
