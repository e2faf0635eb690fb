ALTER TABLE departments ADD COLUMN address TEXT;
ALTER TABLE departments ADD COLUMN phone TEXT;
ALTER TABLE departments ADD COLUMN hours TEXT;
