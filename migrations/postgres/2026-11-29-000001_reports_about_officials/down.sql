ALTER TABLE cases DROP COLUMN concerned_department;
ALTER TABLE categories DROP COLUMN supervisor_code;
