DROP INDEX case_facts_submitted;
