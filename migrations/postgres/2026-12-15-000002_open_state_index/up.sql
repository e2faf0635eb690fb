-- SQLite's index for one state of an open queue (see the SQLite migration of this name).
-- PostgreSQL, which cannot know that a case with a deadline is an open one, took such an
-- index for several states as well and sorted what it found, so it has none.
SELECT 1;
