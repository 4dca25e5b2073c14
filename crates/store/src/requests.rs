//! Requests (诉求) in the store: raising, moving through the life cycle with a
//! compare-and-set on the state, re-routing, the escalation job (each escalation
//! exactly once, even with several instances), the three rates, notifications,
//! attachments, and the settings and calendar the deadlines come from.

use crate::audit::{Actor, Entry};
use crate::db::Db;
use crate::query::{Param, Sql};
use crate::scope::{self, Scoped};
use crate::{Store, StoreError, StoreResult};
use chrono::NaiveDate;
use serde_json::json;

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RequestRow {
        pub id: i64,
        pub enterprise_id: i64,
        pub enterprise_name: String,
        pub region_code: String,
        pub category: String,
        pub urgency: String,
        pub title: String,
        pub description: String,
        pub state: String,
        pub department_id: Option<i64>,
        pub department_name: Option<String>,
        pub cadre_id: Option<i64>,
        pub cadre_name: Option<String>,
        pub raised_by: String,
        pub raised_via: String,
        pub created_at: i64,
        pub response_due: i64,
        pub due_at: i64,
        pub accepted_at: Option<i64>,
        pub answered_at: Option<i64>,
        pub confirmed_at: Option<i64>,
        pub rating: Option<i64>,
        pub overdue: bool,
        pub escalation_level: i64,
    }
}

const SELECT: &str = "SELECT r.id, r.enterprise_id, e.name AS enterprise_name, e.region_code, r.category, r.urgency,
    r.title, r.description, r.state, r.department_id, o.name AS department_name, r.cadre_id, c.name AS cadre_name,
    r.raised_by, r.raised_via,
    r.created_at, r.response_due, r.due_at, r.accepted_at, r.answered_at, r.confirmed_at, r.rating, r.overdue,
    r.escalation_level
    FROM requests r JOIN enterprises e ON e.id = r.enterprise_id LEFT JOIN organisations o ON o.id = r.department_id
    LEFT JOIN cadres c ON c.id = r.cadre_id";

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct EventRow {
        pub at: i64,
        pub actor: String,
        pub kind: String,
        pub from_state: Option<String>,
        pub to_state: Option<String>,
        pub note: String,
        pub rating: Option<i64>,
    }
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct NotificationRow {
        pub id: i64,
        pub request_id: Option<i64>,
        pub kind: String,
        pub created_at: i64,
        pub read_at: Option<i64>,
        pub title: Option<String>,
    }
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AttachmentRow {
        pub id: i64,
        pub request_id: i64,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
    }
}

#[derive(Debug, Clone)]
pub struct NewRequest {
    pub enterprise_id: i64,
    pub category: String,
    pub urgency: String,
    pub title: String,
    pub description: String,
    pub department_id: Option<i64>,
    pub cadre_id: Option<i64>,
    pub raised_via: String,
    pub visit_id: Option<i64>,
    pub response_due: i64,
    pub due_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub state: Option<String>,
    pub overdue: Option<bool>,
    pub category: Option<String>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub region: Option<String>,
    /// Only requests still open (not confirmed).
    pub open: bool,
    pub q: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One row of the three rates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RateRow {
    pub key: String,
    pub total: i64,
    pub responded: i64,
    pub on_time: i64,
    pub rated: i64,
    pub satisfied: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatesBy {
    Department,
    Region,
    Category,
}

/// Where a request is routed: a department or a chief service officer (a cadre).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Department(i64),
    Cadre(i64),
}

impl Route {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Route::Department(d) => (Some(d), None),
            Route::Cadre(c) => (None, Some(c)),
        }
    }
}

/// The condition for request `r` (joined with its enterprise `e`): the enterprise is in
/// scope, or the request is routed to one of the caller's departments or to the caller
/// as chief service officer.
fn scope_condition(s: &Scoped<'_>, sql: &mut Sql) {
    sql.push("(");
    scope::enterprises(&s.scope, sql);
    for d in &s.scope.departments {
        sql.push_args(" OR r.department_id = ?", vec![Param::Int(*d)]);
    }
    for c in &s.scope.cadres {
        sql.push_args(" OR r.cadre_id = ?", vec![Param::Int(*c)]);
    }
    sql.push(")");
}

fn where_clause(s: &Scoped<'_>, f: &RequestFilter, sql: &mut Sql) {
    sql.push(" WHERE ");
    scope_condition(s, sql);
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    if let Some(v) = text(&f.state) {
        sql.push_args(" AND r.state = ?", vec![Param::Text(v)]);
    }
    if let Some(v) = f.overdue {
        sql.push_args(" AND r.overdue = ?", vec![Param::Bool(v)]);
    }
    if let Some(v) = text(&f.category) {
        sql.push_args(" AND r.category = ?", vec![Param::Text(v)]);
    }
    if let Some(v) = f.department_id {
        sql.push_args(" AND r.department_id = ?", vec![Param::Int(v)]);
    }
    if let Some(v) = f.enterprise_id {
        sql.push_args(" AND r.enterprise_id = ?", vec![Param::Int(v)]);
    }
    if let Some(region) = text(&f.region) {
        let prefix = domain::RegionCode::parse(&region)
            .map(|c| c.subtree_prefix().to_owned())
            .unwrap_or(region);
        sql.push_args(
            " AND e.region_code >= ? AND e.region_code < ?",
            vec![
                Param::Text(prefix.clone()),
                Param::Text(crate::query::prefix_upper(&prefix)),
            ],
        );
    }
    if f.open {
        sql.push(" AND r.state <> 'confirmed'");
    }
    if let Some(q) = text(&f.q) {
        sql.push_args(
            " AND (r.title LIKE ? OR e.name LIKE ?)",
            vec![Param::Text(format!("%{q}%")), Param::Text(format!("%{q}%"))],
        );
    }
    if let Some(v) = f.from {
        sql.push_args(" AND r.created_at >= ?", vec![Param::Int(v)]);
    }
    if let Some(v) = f.to {
        sql.push_args(" AND r.created_at < ?", vec![Param::Int(v)]);
    }
}

/// Users to notify about a request: handlers of its department or its chief service
/// officer, the enterprise's own accounts and its current liaisons.
const RECIPIENTS: &str = "SELECT DISTINCT g.user_id FROM grants g WHERE
    (g.role = 'department_handler' AND g.target = CAST($1 AS TEXT))
    OR (g.role = 'liaison' AND g.target = CAST($4 AS TEXT))
    OR (g.role = 'enterprise' AND g.target = CAST($2 AS TEXT))
    OR (g.role = 'liaison' AND g.target IN
        (SELECT CAST(a.cadre_id AS TEXT) FROM assignments a WHERE a.enterprise_id = $3 AND a.active = TRUE))";

macro_rules! notify {
    ($conn:expr, $route:expr, $enterprise:expr, $request:expr, $kind:expr, $now:expr) => {{
        let enterprise: i64 = $enterprise;
        let (dept, cadre): (Option<i64>, Option<i64>) = $route;
        let users: Vec<i64> = sqlx::query_scalar(RECIPIENTS)
            .bind(dept.map(|d| d.to_string()))
            .bind(enterprise.to_string())
            .bind(enterprise)
            .bind(cadre.map(|c| c.to_string()))
            .fetch_all(&mut *$conn)
            .await?;
        for u in users {
            sqlx::query("INSERT INTO notifications (user_id, request_id, kind, created_at) VALUES ($1, $2, $3, $4)")
                .bind(u)
                .bind($request)
                .bind($kind)
                .bind($now)
                .execute(&mut *$conn)
                .await?;
        }
    }};
}

impl Scoped<'_> {
    pub async fn raise_request(&self, n: &NewRequest, now: i64) -> StoreResult<i64> {
        self.enterprise(n.enterprise_id).await?;
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO requests (enterprise_id, category, urgency, title, description, state, department_id, raised_by,
                    raised_via, visit_id, created_at, response_due, due_at, updated_at, cadre_id)
                 VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10, $11, $12, $10, $13) RETURNING id",
            )
            .bind(n.enterprise_id).bind(&n.category).bind(&n.urgency).bind(&n.title).bind(&n.description)
            .bind(n.department_id).bind(&self.actor.name).bind(&n.raised_via).bind(n.visit_id).bind(now)
            .bind(n.response_due).bind(n.due_at).bind(n.cadre_id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO request_events (request_id, at, actor, kind, to_state) VALUES ($1, $2, $3, 'submitted', 'submitted')")
                .bind(id).bind(now).bind(&self.actor.name).execute(&mut *tx).await?;
            if let Some(visit) = n.visit_id {
                // Raised from a visit: the visit links to its request.
                sqlx::query("UPDATE visits SET request_id = $1 WHERE id = $2 AND enterprise_id = $3 AND request_id IS NULL")
                    .bind(id).bind(visit).bind(n.enterprise_id).execute(&mut *tx).await?;
            }
            notify!(tx, (n.department_id, n.cadre_id), n.enterprise_id, id, "raised", now);
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "create", entity: "request",
                entity_id: Some(id.to_string()), before: None,
                after: Some(json!({"enterprise_id": n.enterprise_id, "category": n.category, "urgency": n.urgency, "department_id": n.department_id})) });
            tx.commit().await?;
            id
        }))
    }

    pub async fn requests(&self, f: &RequestFilter) -> StoreResult<(Vec<RequestRow>, i64)> {
        let mut sql = Sql::new(SELECT);
        where_clause(self, f, &mut sql);
        sql.push(" ORDER BY r.created_at DESC, r.id DESC");
        let lim = sql.arg(Param::Int(f.limit));
        let off = sql.arg(Param::Int(f.offset));
        sql.push(&format!(" LIMIT {lim} OFFSET {off}"));
        let mut count = Sql::new(
            "SELECT COUNT(*) FROM requests r JOIN enterprises e ON e.id = r.enterprise_id",
        );
        where_clause(self, f, &mut count);
        Ok(with_db!(self.db, pool => {
            let rows: Vec<RequestRow> = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_all(pool).await?;
            let total: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.text.clone())), count.params).fetch_one(pool).await?;
            (rows, total)
        }))
    }

    pub async fn request(&self, id: i64) -> StoreResult<RequestRow> {
        let f = RequestFilter {
            limit: 1,
            ..Default::default()
        };
        let mut sql = Sql::new(SELECT);
        where_clause(self, &f, &mut sql);
        sql.push_args(" AND r.id = ?", vec![Param::Int(id)]);
        let row: Option<RequestRow> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn request_events(&self, id: i64) -> StoreResult<Vec<EventRow>> {
        self.request(id).await?;
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT at, actor, kind, from_state, to_state, note, rating FROM request_events WHERE request_id = $1 ORDER BY at, id")
                .bind(id).fetch_all(pool).await?
        }))
    }

    /// Moves a request from `from` to `to` if it is still in `from` (another actor may
    /// have moved it meanwhile: then `Conflict("state_changed")`).
    pub async fn move_request(
        &self,
        r: &RequestRow,
        to: &str,
        note: &str,
        rating: Option<i64>,
        now: i64,
    ) -> StoreResult<()> {
        let stamp = match to {
            "accepted" => "accepted_at = $5,",
            "answered" => "answered_at = $5,",
            "confirmed" => "confirmed_at = $5,",
            _ => "",
        };
        let sql = format!(
            "UPDATE requests SET state = $1, {stamp} rating = COALESCE($2, rating), updated_at = $5 WHERE id = $3 AND state = $4"
        );
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(to).bind(rating).bind(r.id).bind(&r.state).bind(now)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("state_changed"));
            }
            sqlx::query("INSERT INTO request_events (request_id, at, actor, kind, from_state, to_state, note, rating) VALUES ($1, $2, $3, $4, $5, $4, $6, $7)")
                .bind(r.id).bind(now).bind(&self.actor.name).bind(to).bind(&r.state).bind(note).bind(rating)
                .execute(&mut *tx).await?;
            notify!(tx, (r.department_id, r.cadre_id), r.enterprise_id, r.id, to, now);
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "state", entity: "request",
                entity_id: Some(r.id.to_string()), before: Some(json!({"state": r.state})),
                after: Some(json!({"state": to, "rating": rating})) });
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn reroute_request(
        &self,
        r: &RequestRow,
        to: Route,
        reason: &str,
        now: i64,
    ) -> StoreResult<()> {
        let (department, cadre) = to.ids();
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let known: i64 = match to {
                Route::Department(d) => sqlx::query_scalar("SELECT COUNT(*) FROM organisations WHERE id = $1 AND kind = 'department'")
                    .bind(d).fetch_one(&mut *tx).await?,
                Route::Cadre(c) => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM cadres WHERE id = $1 AND kind = 'chief_service_officer' AND active = TRUE",
                ).bind(c).fetch_one(&mut *tx).await?,
            };
            if known == 0 {
                return Err(StoreError::Conflict("route_unknown"));
            }
            sqlx::query("UPDATE requests SET department_id = $1, cadre_id = $2, updated_at = $3 WHERE id = $4")
                .bind(department).bind(cadre).bind(now).bind(r.id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO request_events (request_id, at, actor, kind, note) VALUES ($1, $2, $3, 'rerouted', $4)")
                .bind(r.id).bind(now).bind(&self.actor.name).bind(reason).execute(&mut *tx).await?;
            notify!(tx, (department, cadre), r.enterprise_id, r.id, "rerouted", now);
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "reroute", entity: "request",
                entity_id: Some(r.id.to_string()), before: Some(json!({"department_id": r.department_id, "cadre_id": r.cadre_id})),
                after: Some(json!({"department_id": department, "cadre_id": cadre, "reason": reason})) });
            tx.commit().await?;
        });
        Ok(())
    }

    /// The three rates over requests raised in [from, to), grouped.
    pub async fn request_rates(
        &self,
        from: i64,
        to: i64,
        by: RatesBy,
    ) -> StoreResult<Vec<RateRow>> {
        let key = match by {
            RatesBy::Department => "COALESCE(o.name, '')",
            RatesBy::Region => "SUBSTR(e.region_code, 1, 6)",
            RatesBy::Category => "r.category",
        };
        let mut sql = Sql::new(&format!(
            "SELECT {key} AS k, COUNT(*),
                CAST(SUM(CASE WHEN r.accepted_at IS NOT NULL AND r.accepted_at <= r.response_due THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.state = 'confirmed' AND r.answered_at <= r.due_at THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.rating IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.rating >= 4 THEN 1 ELSE 0 END) AS BIGINT)
             FROM requests r JOIN enterprises e ON e.id = r.enterprise_id LEFT JOIN organisations o ON o.id = r.department_id"
        ));
        let f = RequestFilter {
            from: Some(from),
            to: Some(to),
            ..Default::default()
        };
        where_clause(self, &f, &mut sql);
        sql.push(&format!(" GROUP BY {key} ORDER BY {key}"));
        let rows: Vec<crate::liaison::CoverageTuple> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(key, total, a, b, c, d)| RateRow {
                key,
                total,
                responded: a.unwrap_or(0),
                on_time: b.unwrap_or(0),
                rated: c.unwrap_or(0),
                satisfied: d.unwrap_or(0),
            })
            .collect())
    }

    pub async fn add_attachment(
        &self,
        r: &RequestRow,
        filename: &str,
        content_type: &str,
        data: &[u8],
        now: i64,
    ) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO attachments (request_id, filename, content_type, size, data, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(r.id).bind(filename).bind(content_type).bind(data.len() as i64).bind(data).bind(&self.actor.name).bind(now)
            .fetch_one(&mut *tx).await?;
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "attach", entity: "request",
                entity_id: Some(r.id.to_string()), before: None,
                after: Some(json!({"attachment_id": id, "filename": filename, "size": data.len()})) });
            tx.commit().await?;
            id
        }))
    }

    pub async fn attachments(&self, request_id: i64) -> StoreResult<Vec<AttachmentRow>> {
        self.request(request_id).await?;
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, request_id, filename, content_type, size FROM attachments WHERE request_id = $1 ORDER BY id")
                .bind(request_id).fetch_all(pool).await?
        }))
    }

    /// An attachment's bytes, only if its request is in scope.
    pub async fn attachment(&self, id: i64) -> StoreResult<(AttachmentRow, Vec<u8>)> {
        let row: Option<(i64, i64, String, String, i64, Vec<u8>)> = with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, request_id, filename, content_type, size, data FROM attachments WHERE id = $1")
                .bind(id).fetch_optional(pool).await?
        });
        let (id, request_id, filename, content_type, size, data) =
            row.ok_or(StoreError::NotFound)?;
        self.request(request_id).await?;
        Ok((
            AttachmentRow {
                id,
                request_id,
                filename,
                content_type,
                size,
            },
            data,
        ))
    }
}

/// System-wide parts: settings, calendar, routing, escalation, notifications.
pub struct Requests<'a> {
    pub(crate) db: &'a Db,
}

impl Store {
    pub fn requests(&self) -> Requests<'_> {
        Requests { db: &self.db }
    }
}

impl Requests<'_> {
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?
        }))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key).bind(value).execute(pool).await?;
        });
        Ok(())
    }

    /// (day, kind) exceptions: holidays and make-up working days.
    pub async fn calendar(&self) -> StoreResult<Vec<(NaiveDate, String)>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT day, kind FROM calendar_days ORDER BY day").fetch_all(pool).await?
        }))
    }

    pub async fn set_calendar_day(&self, day: NaiveDate, kind: Option<&str>) -> StoreResult<()> {
        with_db!(self.db, pool => {
            match kind {
                Some(k) => {
                    sqlx::query("INSERT INTO calendar_days (day, kind) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind")
                        .bind(day).bind(k).execute(pool).await?;
                }
                None => {
                    sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(day).execute(pool).await?;
                }
            }
        });
        Ok(())
    }

    /// (category, route) rules.
    pub async fn routing(&self) -> StoreResult<Vec<(String, Route)>> {
        let rows: Vec<(String, Option<i64>, Option<i64>)> = with_db!(self.db, pool => {
            sqlx::query_as("SELECT category, department_id, cadre_id FROM routing_rules ORDER BY category").fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(c, d, k)| match (d, k) {
                (Some(d), _) => Some((c, Route::Department(d))),
                (None, Some(k)) => Some((c, Route::Cadre(k))),
                _ => None,
            })
            .collect())
    }

    pub async fn set_route(&self, category: &str, to: Route) -> StoreResult<()> {
        let (department, cadre) = to.ids();
        with_db!(self.db, pool => {
            sqlx::query("INSERT INTO routing_rules (category, department_id, cadre_id) VALUES ($1, $2, $3)
                         ON CONFLICT (category) DO UPDATE SET department_id = excluded.department_id, cadre_id = excluded.cadre_id")
                .bind(category).bind(department).bind(cadre).execute(pool).await?;
        });
        Ok(())
    }

    /// Marks requests that missed their response window or deadline as overdue and
    /// raises their escalation level, each escalation once: the flag is set by the
    /// same statement that finds the row, so a second runner (another instance) finds
    /// nothing left to do. Returns the escalated request ids.
    pub async fn escalate(&self, now: i64) -> StoreResult<Vec<i64>> {
        let system = Actor::system();
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let mut ids: Vec<(i64, &str)> = Vec::new();
            let response: Vec<i64> = sqlx::query_scalar(
                "UPDATE requests SET overdue = TRUE, escalated_response = TRUE, escalation_level = escalation_level + 1, updated_at = $1
                 WHERE state = 'submitted' AND response_due < $1 AND escalated_response = FALSE RETURNING id",
            ).bind(now).fetch_all(&mut *tx).await?;
            ids.extend(response.into_iter().map(|i| (i, "response")));
            let deadline: Vec<i64> = sqlx::query_scalar(
                "UPDATE requests SET overdue = TRUE, escalated_deadline = TRUE, escalation_level = escalation_level + 1, updated_at = $1
                 WHERE state IN ('submitted', 'accepted', 'in_progress', 'reopened') AND due_at < $1 AND escalated_deadline = FALSE
                 RETURNING id",
            ).bind(now).fetch_all(&mut *tx).await?;
            ids.extend(deadline.into_iter().map(|i| (i, "deadline")));
            for (id, what) in &ids {
                sqlx::query("INSERT INTO request_events (request_id, at, actor, kind, note) VALUES ($1, $2, 'system', 'escalated', $3)")
                    .bind(id).bind(now).bind(*what).execute(&mut *tx).await?;
                let (dept, cadre, ent, level, region): (Option<i64>, Option<i64>, i64, i64, String) = sqlx::query_as(
                    "SELECT r.department_id, r.cadre_id, r.enterprise_id, r.escalation_level, e.region_code
                     FROM requests r JOIN enterprises e ON e.id = r.enterprise_id WHERE r.id = $1",
                ).bind(id).fetch_one(&mut *tx).await?;
                notify!(tx, (dept, cadre), ent, *id, "escalated", now);
                // One level up each time: the department first (above), then the officers
                // of the enterprise's county, then the city's command.
                let above: Vec<i64> = match level {
                    0 | 1 => Vec::new(),
                    2 => sqlx::query_scalar("SELECT user_id FROM grants WHERE role = 'county_officer' AND target = $1")
                        .bind(region.get(..6).unwrap_or("")).fetch_all(&mut *tx).await?,
                    _ => sqlx::query_scalar("SELECT user_id FROM grants WHERE role = 'city_admin'").fetch_all(&mut *tx).await?,
                };
                for u in above {
                    sqlx::query("INSERT INTO notifications (user_id, request_id, kind, created_at) VALUES ($1, $2, 'escalated', $3)")
                        .bind(u).bind(id).bind(now).execute(&mut *tx).await?;
                }
                audit!(&mut *tx, &Entry { actor: &system, at: now, action: "escalate", entity: "request",
                    entity_id: Some(id.to_string()), before: None, after: Some(json!({"missed": what})) });
            }
            tx.commit().await?;
            ids.into_iter().map(|(i, _)| i).collect()
        }))
    }

    pub async fn notifications(
        &self,
        user_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<NotificationRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT n.id, n.request_id, n.kind, n.created_at, n.read_at, r.title
                 FROM notifications n LEFT JOIN requests r ON r.id = n.request_id
                 WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
            ).bind(user_id).bind(limit).fetch_all(pool).await?
        }))
    }

    pub async fn unread(&self, user_id: i64) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                .bind(user_id).fetch_one(pool).await?
        }))
    }

    pub async fn mark_read(&self, user_id: i64, now: i64) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                .bind(now).bind(user_id).execute(pool).await?;
        });
        Ok(())
    }
}
