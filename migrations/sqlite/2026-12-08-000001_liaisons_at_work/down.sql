DROP TABLE visit_cases;
DROP TABLE visits;
DROP TABLE user_areas;
DROP TABLE major_cases;
