-- The public board's search index. For each case the board may show: its title and
-- description as the board shows them (redacted), and their terms (every pair of
-- neighbouring Chinese characters, every other word lowercased; domain::search_terms).
-- A search walks the postings of its rarest term, newest first, and checks the text.
CREATE TABLE board_texts (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    text TEXT NOT NULL
);

CREATE TABLE board_terms (
    term TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (term, case_id)
);

-- How far the indexer has read the cases, by id: the cases filed before this migration
-- are indexed by the same job, in batches, as the new ones.
CREATE TABLE board_index_state (
    id INTEGER PRIMARY KEY,
    indexed_through INTEGER NOT NULL
);

INSERT INTO board_index_state (id, indexed_through) VALUES (1, 0);
