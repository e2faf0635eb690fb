ALTER TABLE cases DROP COLUMN supervisor_id;
DROP TABLE bookings;
DROP TABLE reception_days;
