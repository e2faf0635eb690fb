DROP TABLE sessions;
DROP TABLE known_sign_ins;
DROP INDEX login_failures_pair;
ALTER TABLE login_failures DROP COLUMN from_known;
