ALTER TABLE cases DROP COLUMN identity_removed_at;
