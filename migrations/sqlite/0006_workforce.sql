-- 0006 workforce (一员一档): employee files with protected ID numbers, the daily
-- health declaration, its per-day counters, fever alerts, import progress (sqlite).

-- The ID-number keys this database was written with, by a check value (an HMAC of a
-- constant, never the key): a server given another key file refuses to start rather
-- than write numbers nobody could read back.
CREATE TABLE id_keys (
    version BIGINT NOT NULL PRIMARY KEY,
    check_value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    name TEXT NOT NULL,
    -- Key version, nonce and XChaCha20-Poly1305 ciphertext of the resident ID number.
    id_cipher BLOB NOT NULL,
    -- HMAC-SHA256 of the number under the lookup key: exact-match search only.
    id_hash BLOB NOT NULL,
    -- 4412**********123X, for lists (shown everywhere instead of the number).
    id_masked TEXT NOT NULL,
    phone TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    native_place TEXT NOT NULL,
    origin_province TEXT NOT NULL,
    origin_city TEXT NOT NULL,
    residence_kind TEXT NOT NULL CHECK (residence_kind IN ('community', 'dormitory')),
    -- The village or community in the city (for a dormitory: where it is).
    residence_region TEXT REFERENCES regions (code),
    residence_address TEXT NOT NULL,
    department TEXT NOT NULL,
    post TEXT NOT NULL,
    return_status TEXT NOT NULL CHECK (return_status IN ('not_returned', 'travelling', 'observing', 'at_work', 'left')),
    left_on DATE,
    returned_on DATE,
    travel_history TEXT NOT NULL,
    fever_or_cough BOOLEAN NOT NULL,
    isolation_from DATE,
    isolation_to DATE,
    isolation_place TEXT NOT NULL,
    isolation_kind TEXT CHECK (isolation_kind IN ('home', 'central')),
    family_health TEXT NOT NULL,
    board_lodging TEXT NOT NULL,
    remarks TEXT NOT NULL,
    -- Bumped to revoke the employee's personal declaration link.
    link_version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (enterprise_id, id_hash)
);
CREATE INDEX employees_id_hash ON employees (id_hash);
CREATE INDEX employees_residence ON employees (residence_region);
CREATE INDEX employees_enterprise_name ON employees (enterprise_id, name);

-- One declaration per employee per day; a resubmission replaces it (revision + 1).
-- Keyed by (day, employee) without a rowid, so a day's rows lie together and a
-- morning's writes touch few pages. No other index: lists go through employees.
CREATE TABLE declarations (
    day DATE NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    enterprise_id BIGINT NOT NULL,
    -- Tenths of a degree Celsius.
    temperature BIGINT NOT NULL CHECK (temperature BETWEEN 340 AND 425),
    -- Bit mask of domain::workforce::Symptom.
    symptoms BIGINT NOT NULL,
    location TEXT NOT NULL,
    alert BOOLEAN NOT NULL,
    -- The replaced declaration's alert flag and the count of submissions, returned by
    -- the upsert so the writer adjusts the day's counters in the same transaction.
    prev_alert BOOLEAN NOT NULL DEFAULT FALSE,
    revision BIGINT NOT NULL DEFAULT 1,
    -- self | enterprise | api | import
    source TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    PRIMARY KEY (day, employee_id)
) WITHOUT ROWID;

-- Declarations and alerts per enterprise and day, kept by the writer in the same
-- transaction as the declarations: dashboards read these, never scan declarations.
CREATE TABLE declaration_counts (
    day DATE NOT NULL,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    declared BIGINT NOT NULL,
    alerts BIGINT NOT NULL,
    PRIMARY KEY (day, enterprise_id)
) WITHOUT ROWID;

-- A fever or a symptom: listed to the enterprise and to the employee's community
-- until someone handles it.
CREATE TABLE health_alerts (
    id INTEGER PRIMARY KEY,
    day DATE NOT NULL,
    employee_id BIGINT NOT NULL REFERENCES employees (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    community TEXT,
    temperature BIGINT NOT NULL,
    symptoms BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    handled_at BIGINT,
    handled_by TEXT,
    handling TEXT,
    UNIQUE (day, employee_id)
);
CREATE INDEX health_alerts_enterprise ON health_alerts (enterprise_id, handled_at);
CREATE INDEX health_alerts_community ON health_alerts (community, handled_at);
-- "Open alerts" counts and lists: the open ones are few among a season's alerts.
CREATE INDEX health_alerts_open ON health_alerts (handled_at, enterprise_id);

-- A long import's progress, readable by any instance while the one that runs it works.
CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY,
    user_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    enterprise_id BIGINT REFERENCES enterprises (id),
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    total BIGINT NOT NULL,
    done BIGINT NOT NULL,
    -- The finished report (counts and problems) as JSON.
    report_json TEXT,
    report_id BIGINT REFERENCES import_reports (id),
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- On SQLite the day's counters and the alerts are kept by triggers, inside the
-- writer's one statement per group (json_each), so no row travels back to the
-- application; PostgreSQL's writer adjusts them with two array statements over the
-- upsert's RETURNING instead (see store::declarations). Either way they change in
-- the transaction that changes the declarations.
CREATE TRIGGER declarations_counted AFTER INSERT ON declarations BEGIN
    INSERT INTO declaration_counts (day, enterprise_id, declared, alerts)
    VALUES (NEW.day, NEW.enterprise_id, 1, NEW.alert)
    ON CONFLICT (day, enterprise_id) DO UPDATE SET
        declared = declared + 1, alerts = alerts + excluded.alerts;
END;

CREATE TRIGGER declarations_recounted AFTER UPDATE OF alert ON declarations
WHEN OLD.alert <> NEW.alert BEGIN
    UPDATE declaration_counts SET alerts = alerts + NEW.alert - OLD.alert
    WHERE day = NEW.day AND enterprise_id = NEW.enterprise_id;
END;

CREATE TRIGGER declarations_alerted AFTER INSERT ON declarations WHEN NEW.alert BEGIN
    INSERT INTO health_alerts (day, employee_id, enterprise_id, community, temperature, symptoms, raised_at)
    VALUES (NEW.day, NEW.employee_id, NEW.enterprise_id,
            (SELECT residence_region FROM employees WHERE id = NEW.employee_id),
            NEW.temperature, NEW.symptoms, NEW.declared_at)
    ON CONFLICT (day, employee_id) DO UPDATE SET
        temperature = excluded.temperature, symptoms = excluded.symptoms,
        raised_at = excluded.raised_at, handled_at = NULL, handled_by = NULL, handling = NULL;
END;

CREATE TRIGGER declarations_realerted AFTER UPDATE ON declarations WHEN NEW.alert BEGIN
    INSERT INTO health_alerts (day, employee_id, enterprise_id, community, temperature, symptoms, raised_at)
    VALUES (NEW.day, NEW.employee_id, NEW.enterprise_id,
            (SELECT residence_region FROM employees WHERE id = NEW.employee_id),
            NEW.temperature, NEW.symptoms, NEW.declared_at)
    ON CONFLICT (day, employee_id) DO UPDATE SET
        temperature = excluded.temperature, symptoms = excluded.symptoms,
        raised_at = excluded.raised_at, handled_at = NULL, handled_by = NULL, handling = NULL;
END;
