-- Search: PostgreSQL bounds the pending lists of its GIN indexes here;
-- SQLite's FTS5 index has none. The file keeps the two folders' names
-- the same.
SELECT 1;
