ALTER TABLE reception_days DROP COLUMN cancel_reason;
ALTER TABLE reception_days DROP COLUMN cancelled_at;
