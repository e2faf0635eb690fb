DROP INDEX cases_resident_email;
DROP TABLE supports;
DROP TABLE email_links;
DROP TABLE resident_cases;
DROP TABLE residents;
