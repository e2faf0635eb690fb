-- A reception day the leader's office calls off, and why (its bookings are cancelled with it).
ALTER TABLE reception_days ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE reception_days ADD COLUMN cancel_reason TEXT;
