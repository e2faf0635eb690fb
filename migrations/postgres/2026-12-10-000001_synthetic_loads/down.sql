DROP TABLE synthetic_loads;
