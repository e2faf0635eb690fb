-- SQLite has had cases_open_state since 2026-12-15-000002, and its statistics
-- (PRAGMA optimize) already lead it to the right index; the PostgreSQL migration of this
-- name gives PostgreSQL the same index and the statistics it needed.
SELECT 1;
