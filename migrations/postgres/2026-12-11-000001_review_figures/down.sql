DROP INDEX case_events_marked_major;
DROP TABLE review_figures_state;
DROP TABLE review_areas;
DROP TABLE review_days;
DROP TABLE case_facts;
