ALTER TABLE departments DROP COLUMN hours;
ALTER TABLE departments DROP COLUMN phone;
ALTER TABLE departments DROP COLUMN address;
