-- The deadline scan's other walks read only what is due, however many cases are stored:
-- filings waiting for their confirmation, and ended cases whose resident's identity is
-- still kept (db::scan). Open cases, which change most, are in neither.
CREATE INDEX cases_unconfirmed ON cases (submitted_at, id) WHERE state = 'unconfirmed';
CREATE INDEX cases_identity_kept ON cases (updated_at, id)
    WHERE identity_removed_at IS NULL AND state IN ('not_accepted', 'closed', 'final', 'withdrawn');
