-- Who registered each location (the principal's subject), so that the
-- default policy lets its creator point it elsewhere
-- (catalog.location.update). Earlier locations have none: admins only.
ALTER TABLE locations ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
