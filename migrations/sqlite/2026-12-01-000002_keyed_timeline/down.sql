DROP TABLE chain_anchors;
DROP TABLE audit_key;
