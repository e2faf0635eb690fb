-- When the resident's identity was removed after the retention period (their name,
-- phone, email, address, location and files); the case, its timeline and figures stay.
ALTER TABLE cases ADD COLUMN identity_removed_at TIMESTAMP;
