DROP INDEX cases_identity_kept;
DROP INDEX cases_unconfirmed;
