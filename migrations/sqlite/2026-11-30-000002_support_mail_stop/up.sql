-- A supporter may stop the mail about a case they support; the support itself still counts.
ALTER TABLE supports ADD COLUMN mail_stopped_at TIMESTAMP;
