ALTER TABLE supports DROP COLUMN mail_stopped_at;
