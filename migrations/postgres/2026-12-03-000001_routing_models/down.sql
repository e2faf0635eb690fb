DROP TABLE routing_settings;
DROP TABLE routing_models;
