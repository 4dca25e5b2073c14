//! The enterprise registry. Every read and write goes through [`Scoped`], so the
//! caller's data scope is part of every statement; a row outside it does not exist
//! for the caller (`NotFound`), whether they read, count, export or write.

use crate::audit::Entry;
use crate::query::{Param, Sql, prefix_upper};
use crate::scope::{self, Scoped};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use serde_json::{Value, json};

row_struct! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct EnterpriseRow {
        pub id: i64,
        pub uscc: String,
        pub name: String,
        pub legal_rep: String,
        pub address: String,
        pub longitude: Option<f64>,
        pub latitude: Option<f64>,
        pub region_code: String,
        pub region_name: String,
        pub park_id: Option<i64>,
        pub park_code: Option<String>,
        pub park_name: Option<String>,
        pub industry_code: Option<String>,
        pub industry_name: Option<String>,
        pub above_scale: bool,
        pub key_enterprise: bool,
        pub headcount: i64,
        pub party_org: String,
        pub party_secretary: String,
        pub status: String,
        pub capacity_pct: Option<i64>,
        pub workforce_pct: Option<i64>,
        pub status_day: Option<NaiveDate>,
        pub updated_at: i64,
    }
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct HistoryRow {
        pub day: NaiveDate,
        pub status: String,
        pub capacity_pct: Option<i64>,
        pub workforce_pct: Option<i64>,
        pub recorded_at: i64,
        pub recorded_by: String,
    }
}

const SELECT: &str = "SELECT e.id, e.uscc, e.name, e.legal_rep, e.address, e.longitude, e.latitude,
    e.region_code, r.name AS region_name, e.park_id, p.code AS park_code, p.name AS park_name,
    e.industry_code, i.name AS industry_name, e.above_scale, e.key_enterprise, e.headcount,
    e.party_org, e.party_secretary, e.status, e.capacity_pct, e.workforce_pct, e.status_day, e.updated_at
    FROM enterprises e
    JOIN regions r ON r.code = e.region_code
    LEFT JOIN parks p ON p.id = e.park_id
    LEFT JOIN industries i ON i.code = e.industry_code";

/// The checked fields of an enterprise (the app layer validates; this writes).
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseData {
    pub uscc: String,
    pub name: String,
    pub legal_rep: String,
    pub address: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub region_code: String,
    pub park_id: Option<i64>,
    pub industry_code: Option<String>,
    pub above_scale: bool,
    pub key_enterprise: bool,
    pub headcount: i64,
    pub party_org: String,
    pub party_secretary: String,
}

impl EnterpriseData {
    fn audit_json(&self) -> Value {
        json!({
            "uscc": self.uscc, "name": self.name, "legal_rep": self.legal_rep, "address": self.address,
            "longitude": self.longitude, "latitude": self.latitude, "region_code": self.region_code,
            "park_id": self.park_id, "industry_code": self.industry_code, "above_scale": self.above_scale,
            "key_enterprise": self.key_enterprise, "headcount": self.headcount, "party_org": self.party_org,
            "party_secretary": self.party_secretary,
        })
    }

    fn params(&self) -> Vec<Param> {
        vec![
            Param::Text(self.uscc.clone()),
            Param::Text(self.name.clone()),
            Param::Text(self.legal_rep.clone()),
            Param::Text(self.address.clone()),
            Param::OptReal(self.longitude),
            Param::OptReal(self.latitude),
            Param::Text(self.region_code.clone()),
            Param::OptInt(self.park_id),
            Param::OptText(self.industry_code.clone()),
            Param::Bool(self.above_scale),
            Param::Bool(self.key_enterprise),
            Param::Int(self.headcount),
            Param::Text(self.party_org.clone()),
            Param::Text(self.party_secretary.clone()),
        ]
    }
}

impl From<&EnterpriseRow> for EnterpriseData {
    fn from(r: &EnterpriseRow) -> Self {
        EnterpriseData {
            uscc: r.uscc.clone(),
            name: r.name.clone(),
            legal_rep: r.legal_rep.clone(),
            address: r.address.clone(),
            longitude: r.longitude,
            latitude: r.latitude,
            region_code: r.region_code.clone(),
            park_id: r.park_id,
            industry_code: r.industry_code.clone(),
            above_scale: r.above_scale,
            key_enterprise: r.key_enterprise,
            headcount: r.headcount,
            party_org: r.party_org.clone(),
            party_secretary: r.party_secretary.clone(),
        }
    }
}

/// A resumption report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub status: String,
    pub capacity_pct: Option<i64>,
    pub workforce_pct: Option<i64>,
    pub day: NaiveDate,
}

/// Filters of the list, the export and the API; all optional.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    /// Region code: that region and everything below it.
    pub region: Option<String>,
    pub park: Option<String>,
    /// A division code, or a section letter for all its divisions.
    pub industry: Option<String>,
    pub above_scale: Option<bool>,
    pub key_enterprise: Option<bool>,
    pub status: Option<String>,
    pub party_org: Option<String>,
    /// Part of the name, or a whole USCC.
    pub q: Option<String>,
    /// Only enterprises without an active liaison at this level.
    pub uncovered_at: Option<String>,
    pub sort: Sort,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Name,
    Uscc,
    HeadcountDesc,
    Status,
    UpdatedDesc,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        match s {
            "uscc" => Sort::Uscc,
            "headcount" => Sort::HeadcountDesc,
            "status" => Sort::Status,
            "updated" => Sort::UpdatedDesc,
            _ => Sort::Name,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Sort::Name => " ORDER BY e.name, e.id",
            Sort::Uscc => " ORDER BY e.uscc",
            Sort::HeadcountDesc => " ORDER BY e.headcount DESC, e.id",
            Sort::Status => " ORDER BY e.status, e.name, e.id",
            Sort::UpdatedDesc => " ORDER BY e.updated_at DESC, e.id",
        }
    }
}

/// `WHERE <scope> AND <filters>` for `f`.
pub(crate) fn where_clause(s: &Scoped<'_>, f: &EnterpriseFilter, sql: &mut Sql) {
    sql.push(" WHERE ");
    scope::enterprises(&s.scope, sql);
    if let Some(region) = &f.region {
        let prefix = domain::RegionCode::parse(region)
            .map(|c| c.subtree_prefix().to_owned())
            .unwrap_or_else(|_| region.clone());
        sql.push_args(
            " AND e.region_code >= ? AND e.region_code < ?",
            vec![
                Param::Text(prefix.clone()),
                Param::Text(prefix_upper(&prefix)),
            ],
        );
    }
    if let Some(park) = &f.park {
        sql.push_args(
            " AND e.park_id IN (SELECT id FROM parks WHERE code = ?)",
            vec![Param::Text(park.clone())],
        );
    }
    if let Some(ind) = &f.industry {
        let ph = sql.arg(Param::Text(ind.clone()));
        sql.push(&format!(" AND e.industry_code IN (SELECT code FROM industries WHERE section = {ph} OR code = {ph})"));
    }
    if let Some(v) = f.above_scale {
        sql.push_args(" AND e.above_scale = ?", vec![Param::Bool(v)]);
    }
    if let Some(v) = f.key_enterprise {
        sql.push_args(" AND e.key_enterprise = ?", vec![Param::Bool(v)]);
    }
    if let Some(v) = &f.status {
        sql.push_args(" AND e.status = ?", vec![Param::Text(v.clone())]);
    }
    if let Some(v) = &f.party_org {
        sql.push_args(" AND e.party_org = ?", vec![Param::Text(v.clone())]);
    }
    if let Some(level) = &f.uncovered_at {
        sql.push_args(
            " AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.enterprise_id = e.id AND a.level = ? AND a.active = TRUE)",
            vec![Param::Text(level.clone())],
        );
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let uscc = q.to_ascii_uppercase();
        sql.push_args(
            " AND (e.name LIKE ? ESCAPE '\\' OR e.uscc = ?)",
            vec![Param::Text(like), Param::Text(uscc)],
        );
    }
}

/// Rows per multi-row INSERT (16 parameters each).
const INSERT_ROWS: usize = 16;

/// Per-status counts, for the list page and the dashboard.
pub type StatusCounts = Vec<(String, i64)>;

impl Scoped<'_> {
    /// One page of the filtered list and the total.
    pub async fn enterprises(
        &self,
        f: &EnterpriseFilter,
    ) -> StoreResult<(Vec<EnterpriseRow>, i64)> {
        let mut sql = Sql::new(SELECT);
        where_clause(self, f, &mut sql);
        let mut count = Sql::new("SELECT COUNT(*) FROM enterprises e");
        where_clause(self, f, &mut count);
        sql.push(f.sort.sql());
        let limit = sql.arg(Param::Int(f.limit));
        let offset = sql.arg(Param::Int(f.offset));
        sql.push(&format!(" LIMIT {limit} OFFSET {offset}"));
        Ok(with_db!(self.db, pool => {
            let rows: Vec<EnterpriseRow> = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_all(pool)
                .await?;
            let total: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.text.clone())), count.params)
                .fetch_one(pool)
                .await?;
            (rows, total)
        }))
    }

    /// Counts by resumption status under the same filter (without paging).
    pub async fn enterprise_status_counts(
        &self,
        f: &EnterpriseFilter,
    ) -> StoreResult<StatusCounts> {
        let mut sql = Sql::new("SELECT e.status, COUNT(*) FROM enterprises e");
        where_clause(self, f, &mut sql);
        sql.push(" GROUP BY e.status ORDER BY e.status");
        Ok(with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn enterprise(&self, id: i64) -> StoreResult<EnterpriseRow> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE ");
        scope::enterprises(&self.scope, &mut sql);
        sql.push_args(" AND e.id = ?", vec![Param::Int(id)]);
        let row: Option<EnterpriseRow> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Looks a code up in scope; `Err(Conflict)` when it exists but belongs to
    /// someone else's scope (an import must not overwrite it).
    pub async fn enterprise_by_uscc(&self, uscc: &str) -> StoreResult<Option<EnterpriseRow>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE ");
        scope::enterprises(&self.scope, &mut sql);
        sql.push_args(" AND e.uscc = ?", vec![Param::Text(uscc.to_owned())]);
        let row: Option<EnterpriseRow> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_optional(pool)
                .await?
        });
        if row.is_some() {
            return Ok(row);
        }
        let exists: i64 = with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM enterprises WHERE uscc = $1").bind(uscc).fetch_one(pool).await?
        });
        if exists > 0 {
            Err(StoreError::Conflict("uscc_exists_elsewhere"))
        } else {
            Ok(None)
        }
    }

    /// Codes registered outside the caller's scope: an import must not overwrite them,
    /// and says so instead of "not found". One query for a whole file.
    pub async fn usccs_outside_scope(&self) -> StoreResult<std::collections::HashSet<String>> {
        let mut sql = Sql::new("SELECT e.uscc FROM enterprises e WHERE NOT ");
        scope::enterprises(&self.scope, &mut sql);
        let codes: Vec<String> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_all(pool)
                .await?
        });
        Ok(codes.into_iter().collect())
    }

    /// Inserts new enterprises and updates existing ones (by id), each with its audit
    /// row, all in one transaction. `writes` are (existing id or None, data).
    /// Returns the ids in order.
    pub async fn save_enterprises(
        &self,
        writes: &[(Option<i64>, EnterpriseData)],
        now: i64,
    ) -> StoreResult<Vec<i64>> {
        let mut ids: Vec<i64> = vec![0; writes.len()];
        let new: Vec<(usize, &EnterpriseData)> = writes
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| id.is_none())
            .map(|(i, (_, d))| (i, d))
            .collect();
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            // New rows go in many to a statement (a few hundred parameters each: sqlx
            // binds SQLite parameters in quadratic time), audit rows likewise.
            for chunk in new.chunks(INSERT_ROWS) {
                let mut sql = Sql::new(
                    "INSERT INTO enterprises (uscc, name, legal_rep, address, longitude, latitude, region_code,
                        park_id, industry_code, above_scale, key_enterprise, headcount, party_org, party_secretary,
                        created_at, updated_at) VALUES ",
                );
                for (n, (_, data)) in chunk.iter().enumerate() {
                    if n > 0 {
                        sql.push(", ");
                    }
                    sql.push_args(
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        data.params().into_iter().chain([Param::Int(now), Param::Int(now)]).collect(),
                    );
                }
                sql.push(" RETURNING id, uscc");
                let returned: Vec<(i64, String)> =
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                        .fetch_all(&mut *tx)
                        .await?;
                // RETURNING order is not guaranteed: match rows by their code.
                for (id, uscc) in returned {
                    if let Some((i, _)) = chunk.iter().find(|(_, d)| d.uscc == uscc) {
                        ids[*i] = id;
                    }
                }
                let entries: Vec<Entry> = chunk
                    .iter()
                    .map(|(i, data)| Entry {
                        actor: &self.actor, at: now, action: "create", entity: "enterprise",
                        entity_id: Some(ids[*i].to_string()), before: None, after: Some(data.audit_json()),
                    })
                    .collect();
                let mut audit = Sql::new(
                    "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, before_json, after_json) VALUES ",
                );
                for (n, e) in entries.iter().enumerate() {
                    if n > 0 {
                        audit.push(", ");
                    }
                    audit.push_args("(?, ?, ?, ?, ?, ?, ?, ?)", vec![
                        Param::Int(e.at),
                        Param::OptInt(e.actor.id),
                        Param::Text(e.actor.name.clone()),
                        Param::Text(e.action.to_owned()),
                        Param::Text(e.entity.to_owned()),
                        Param::OptText(e.entity_id.clone()),
                        Param::OptText(None),
                        Param::OptText(e.after.as_ref().map(|v| v.to_string())),
                    ]);
                }
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(audit.text.clone())), audit.params)
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, (existing, data)) in writes.iter().enumerate() {
                let Some(id) = existing else { continue };
                ids[i] = *id;
                // Read the row in scope inside the transaction: the before image for
                // the audit, and the proof that the caller may write it.
                let mut sel = Sql::new(SELECT);
                sel.push(" WHERE ");
                scope::enterprises(&self.scope, &mut sel);
                sel.push_args(" AND e.id = ?", vec![Param::Int(*id)]);
                let before: Option<EnterpriseRow> =
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sel.text.clone())), sel.params)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(before) = before else { return Err(StoreError::NotFound) };
                let before = EnterpriseData::from(&before);
                if &before == data {
                    continue;
                }
                let mut sql = Sql::new("");
                sql.push_args(
                    "UPDATE enterprises SET uscc = ?, name = ?, legal_rep = ?, address = ?, longitude = ?,
                        latitude = ?, region_code = ?, park_id = ?, industry_code = ?, above_scale = ?,
                        key_enterprise = ?, headcount = ?, party_org = ?, party_secretary = ?, updated_at = ?
                     WHERE id = ?",
                    data.params().into_iter().chain([Param::Int(now), Param::Int(*id)]).collect(),
                );
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                    .execute(&mut *tx)
                    .await?;
                let (b, a) = diff(&before.audit_json(), &data.audit_json());
                audit!(&mut *tx, &Entry {
                    actor: &self.actor, at: now, action: "update", entity: "enterprise",
                    entity_id: Some(id.to_string()), before: Some(b), after: Some(a),
                });
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    /// Records a resumption report: the current status on the enterprise, a new row in
    /// its history (never overwriting), and an audit row — together.
    pub async fn report_status(&self, id: i64, r: &StatusReport, now: i64) -> StoreResult<()> {
        self.report_statuses(&[(id, r.clone())], now).await
    }

    /// Several reports in one transaction (an import); each as `report_status`.
    pub async fn report_statuses(
        &self,
        reports: &[(i64, StatusReport)],
        now: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for (id, r) in reports {
                let id = *id;
                let mut sel = Sql::new("SELECT e.status, e.capacity_pct, e.workforce_pct FROM enterprises e WHERE ");
                scope::enterprises(&self.scope, &mut sel);
                sel.push_args(" AND e.id = ?", vec![Param::Int(id)]);
                let before: Option<(String, Option<i64>, Option<i64>)> =
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sel.text.clone())), sel.params)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(before) = before else { return Err(StoreError::NotFound) };
                sqlx::query(
                    "UPDATE enterprises SET status = $1, capacity_pct = $2, workforce_pct = $3, status_day = $4, updated_at = $5
                     WHERE id = $6",
                )
                .bind(&r.status)
                .bind(r.capacity_pct)
                .bind(r.workforce_pct)
                .bind(r.day)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO enterprise_status_history (enterprise_id, day, status, capacity_pct, workforce_pct, recorded_at, recorded_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(r.day)
                .bind(&r.status)
                .bind(r.capacity_pct)
                .bind(r.workforce_pct)
                .bind(now)
                .bind(&self.actor.name)
                .execute(&mut *tx)
                .await?;
                audit!(&mut *tx, &Entry {
                    actor: &self.actor, at: now, action: "report_status", entity: "enterprise",
                    entity_id: Some(id.to_string()),
                    before: Some(json!({"status": before.0, "capacity_pct": before.1, "workforce_pct": before.2})),
                    after: Some(json!({"status": r.status, "capacity_pct": r.capacity_pct, "workforce_pct": r.workforce_pct, "day": r.day})),
                });
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The enterprise's reports, newest first (in scope, else `NotFound`).
    pub async fn enterprise_history(&self, id: i64) -> StoreResult<Vec<HistoryRow>> {
        self.enterprise(id).await?;
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT day, status, capacity_pct, workforce_pct, recorded_at, recorded_by
                 FROM enterprise_status_history WHERE enterprise_id = $1 ORDER BY day DESC, id DESC",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// Only the fields that changed, before and after.
fn diff(before: &Value, after: &Value) -> (Value, Value) {
    let (mut b, mut a) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(bo), Some(ao)) = (before.as_object(), after.as_object()) {
        for (k, av) in ao {
            let bv = bo.get(k).cloned().unwrap_or(Value::Null);
            if &bv != av {
                b.insert(k.clone(), bv);
                a.insert(k.clone(), av.clone());
            }
        }
    }
    (Value::Object(b), Value::Object(a))
}
