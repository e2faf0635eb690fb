-- The register reads a range of filings off the kept facts, a page at a time in the
-- order it lists them (service::reports::register_pages).
CREATE INDEX case_facts_submitted ON case_facts (submitted_at, case_id);
