-- The catalogue a county enters itself. Nothing cases refer to is deleted: entries are
-- retired (kept for history, no longer offered).
ALTER TABLE departments ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE areas ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE category_groups ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE categories ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE channels ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
-- How a resident reaches a lawful channel (address, telephone, website).
ALTER TABLE channels ADD COLUMN reach_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN reach_en TEXT NOT NULL DEFAULT '';

-- A deleted rule is retired: cases routed by it keep pointing at it.
ALTER TABLE routing_rules ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
DROP INDEX routing_rules_scope;
CREATE UNIQUE INDEX routing_rules_scope
    ON routing_rules (COALESCE(category_code, ''), COALESCE(area_code, '')) WHERE active;

-- One row: bumped by every change, so each instance sees cheaply that its copy is stale.
CREATE TABLE catalog_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_state (id, version) VALUES (1, 1);

-- Every change: who, when, what, before and after (JSON).
CREATE TABLE catalog_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX catalog_changes_at ON catalog_changes (at);

-- Liaison cards (联系卡): who answers for an area, as they agreed to be published.
CREATE TABLE liaisons (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas (code),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    office TEXT NOT NULL,
    phone TEXT NOT NULL,
    hours TEXT NOT NULL DEFAULT '',
    duties TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX liaisons_area ON liaisons (area_code);
