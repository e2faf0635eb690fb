DROP TABLE liaisons;
DROP TABLE catalog_changes;
DROP TABLE catalog_state;
DROP INDEX routing_rules_scope;
DELETE FROM routing_rules WHERE NOT active;
ALTER TABLE routing_rules DROP COLUMN active;
CREATE UNIQUE INDEX routing_rules_scope
    ON routing_rules (COALESCE(category_code, ''), COALESCE(area_code, ''));
ALTER TABLE channels DROP COLUMN reach_en;
ALTER TABLE channels DROP COLUMN reach_zh;
ALTER TABLE channels DROP COLUMN active;
ALTER TABLE categories DROP COLUMN active;
ALTER TABLE category_groups DROP COLUMN active;
ALTER TABLE areas DROP COLUMN active;
ALTER TABLE departments DROP COLUMN active;
