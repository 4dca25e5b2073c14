-- 0004 liaison: cadres at four levels, campaigns, assignments, visits (sqlite).

CREATE TABLE cadres (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    post TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL CHECK (level IN ('city', 'county', 'town', 'village')),
    kind TEXT NOT NULL CHECK (kind IN ('leading_cadre', 'special_commissioner', 'bureau_chief', 'party_member', 'chief_service_officer')),
    -- The region the cadre's level covers: the city, a county, a town or a village.
    region_code TEXT NOT NULL REFERENCES regions (code),
    phone TEXT NOT NULL DEFAULT '',
    max_enterprises BIGINT NOT NULL DEFAULT 10,
    longitude REAL,
    latitude REAL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cadres_region ON cadres (region_code, level);

-- Campaigns such as 百名局长进千企: a period and a target.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    organiser TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    starts_on DATE NOT NULL,
    ends_on DATE,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('enterprises', 'cadres')),
    target_count BIGINT NOT NULL,
    -- Whether an enterprise may have a second active liaison at a level through it.
    allow_multiple BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

-- A cadre linked to an enterprise at the cadre's level. Ended assignments stay (the
-- history); a handover ends one and starts another.
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    cadre_id BIGINT NOT NULL REFERENCES cadres (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    level TEXT NOT NULL CHECK (level IN ('city', 'county', 'town', 'village')),
    campaign_id BIGINT REFERENCES campaigns (id),
    starts_on DATE NOT NULL,
    ends_on DATE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    ended_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX assignments_enterprise ON assignments (enterprise_id, level, active);
CREATE INDEX assignments_cadre ON assignments (cadre_id, active);

-- 走访: a cadre's visit to an enterprise.
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    cadre_id BIGINT NOT NULL REFERENCES cadres (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    visited_on DATE NOT NULL,
    findings TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    -- The request raised from the visit, once the requests module exists.
    request_id BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX visits_enterprise ON visits (enterprise_id, visited_on);
CREATE INDEX visits_cadre ON visits (cadre_id, visited_on);
