-- 0003 organisations, enterprises, resumption history, import reports (sqlite).

-- Party and government organisations, each placed in the region tree: the city's
-- "two new" party working committee, industry party committees, park party
-- organisations, enterprise party branches, government departments.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('two_new_committee', 'industry_committee', 'park_org', 'enterprise_branch', 'department')),
    name TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    parent_id BIGINT REFERENCES organisations (id),
    park_id BIGINT REFERENCES parks (id),
    industry_code TEXT REFERENCES industries (code),
    enterprise_id BIGINT
);
CREATE INDEX organisations_kind ON organisations (kind);

CREATE TABLE enterprises (
    id INTEGER PRIMARY KEY,
    -- Unified social credit code, checked (GB 32100-2015) before it gets here.
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    legal_rep TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    longitude REAL,
    latitude REAL,
    -- The village or community (or any region) the enterprise is in.
    region_code TEXT NOT NULL REFERENCES regions (code),
    park_id BIGINT REFERENCES parks (id),
    -- GB/T 4754 division.
    industry_code TEXT REFERENCES industries (code),
    above_scale BOOLEAN NOT NULL DEFAULT FALSE,
    key_enterprise BOOLEAN NOT NULL DEFAULT FALSE,
    headcount BIGINT NOT NULL DEFAULT 0,
    party_org TEXT NOT NULL DEFAULT 'none' CHECK (party_org IN ('none', 'branch', 'general_branch', 'committee')),
    party_secretary TEXT NOT NULL DEFAULT '',
    -- The latest resumption report; its history is in enterprise_status_history.
    status TEXT NOT NULL DEFAULT 'not_resumed'
        CHECK (status IN ('not_resumed', 'applied', 'approved', 'partial', 'full', 'suspended')),
    capacity_pct BIGINT,
    workforce_pct BIGINT,
    status_day DATE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX enterprises_region ON enterprises (region_code);
CREATE INDEX enterprises_park ON enterprises (park_id);
CREATE INDEX enterprises_industry ON enterprises (industry_code);
CREATE INDEX enterprises_status ON enterprises (status);
CREATE INDEX enterprises_name ON enterprises (name);

-- Every resumption report, appended, never overwritten: a day may have several, the
-- last one counts for that day.
CREATE TABLE enterprise_status_history (
    id INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    status TEXT NOT NULL,
    capacity_pct BIGINT,
    workforce_pct BIGINT,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX enterprise_status_history_day ON enterprise_status_history (enterprise_id, day);

-- The rejected rows of an import, kept for the importer to download.
CREATE TABLE import_reports (
    id INTEGER PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    rejected_xlsx BLOB
);
