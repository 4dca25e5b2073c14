-- 0005 requests (诉求): settings, working-day calendar, routing, requests, their
-- timeline, notifications, attachments (sqlite).

-- Plain key/value settings: request.normal_days, request.response_minutes.
CREATE TABLE settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- Exceptions to Monday–Friday: public holidays and make-up working days (调休).
CREATE TABLE calendar_days (
    day DATE NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
);

-- Where a category of request goes: a department, or a chief service officer
-- (a cadre of kind chief_service_officer).
CREATE TABLE routing_rules (
    category TEXT NOT NULL PRIMARY KEY,
    department_id BIGINT REFERENCES organisations (id),
    cadre_id BIGINT REFERENCES cadres (id),
    CHECK ((department_id IS NULL) <> (cadre_id IS NULL))
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    category TEXT NOT NULL,
    urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'normal')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'in_progress', 'answered', 'confirmed', 'reopened')),
    department_id BIGINT REFERENCES organisations (id),
    -- Or a chief service officer handles it.
    cadre_id BIGINT REFERENCES cadres (id),
    raised_by TEXT NOT NULL,
    -- enterprise | visit | officer
    raised_via TEXT NOT NULL,
    visit_id BIGINT,
    created_at BIGINT NOT NULL,
    response_due BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    accepted_at BIGINT,
    answered_at BIGINT,
    confirmed_at BIGINT,
    rating BIGINT,
    -- Set by the escalation job, each at most once.
    overdue BOOLEAN NOT NULL DEFAULT FALSE,
    escalated_response BOOLEAN NOT NULL DEFAULT FALSE,
    escalated_deadline BOOLEAN NOT NULL DEFAULT FALSE,
    escalation_level BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE INDEX requests_state ON requests (state, due_at);
CREATE INDEX requests_department ON requests (department_id, created_at);
CREATE INDEX requests_enterprise ON requests (enterprise_id, created_at);
CREATE INDEX requests_created ON requests (created_at);

-- The timeline: every step, note, re-routing and escalation.
CREATE TABLE request_events (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    note TEXT NOT NULL DEFAULT '',
    rating BIGINT
);
CREATE INDEX request_events_request ON request_events (request_id, at);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    request_id BIGINT REFERENCES requests (id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_request ON attachments (request_id);
