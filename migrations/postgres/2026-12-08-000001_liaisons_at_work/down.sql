DROP TABLE visit_cases;
DROP TABLE visits;
DROP TABLE user_areas;
DROP TABLE major_cases;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('intake', 'staff', 'head', 'leader', 'admin'));
