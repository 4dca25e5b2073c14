-- 0001 init (SQLite). Same tables and columns as migrations/postgres/0001_init.sql.

-- Administrative divisions: city → county/district → town/street → village/community.
-- Codes nest by prefix (see domain::RegionCode), so "this district and below" is a
-- range scan on `code`.
CREATE TABLE regions (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    parent_code TEXT REFERENCES regions (code),
    level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'village')),
    synthetic BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX regions_parent ON regions (parent_code);

-- GB/T 4754-2017 sections (A–T) and divisions (01–97); reference data loaded at start.
CREATE TABLE industries (
    code TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('section', 'division')),
    section TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT
);

-- Industrial parks and functional zones (肇庆高新区 …): not divisions, but placed in one.
CREATE TABLE parks (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('zone', 'park')),
    region_code TEXT NOT NULL REFERENCES regions (code)
);
