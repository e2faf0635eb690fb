DROP INDEX cases_channel;
DROP TABLE answer_templates;
