DROP TABLE board_index_state;
DROP TABLE board_terms;
DROP TABLE board_texts;
