-- Leaders' reception days (信访接待日), the slots residents book on them, and the
-- leader who takes a case into personal charge (包案).
CREATE TABLE reception_days (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    leader_id INTEGER NOT NULL REFERENCES users (id),
    day DATE NOT NULL,
    -- Local times, HH:MM.
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    -- Space-separated codes; empty means any.
    categories TEXT NOT NULL DEFAULT '',
    areas TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reception_days_day ON reception_days (day);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day_id INTEGER NOT NULL REFERENCES reception_days (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    booked_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    -- Set by the leader's office on the day.
    attended BOOLEAN,
    outcome TEXT,
    met_at TIMESTAMP
);
-- A case holds at most one live booking.
CREATE UNIQUE INDEX bookings_live_case ON bookings (case_id) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_day ON bookings (day_id);

ALTER TABLE cases ADD COLUMN supervisor_id INTEGER REFERENCES users (id);
