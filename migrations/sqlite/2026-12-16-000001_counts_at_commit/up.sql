-- SQLite has one writer at a time: its count triggers never wait on each other, so
-- they stay as they are (the PostgreSQL migration of the same name defers its own).
SELECT 1;
