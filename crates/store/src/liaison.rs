//! Liaison: cadres, campaigns, assignments and visits, all through [`Scoped`]. The
//! assignment rules are checked inside the writing transaction, so two officers
//! assigning at once cannot both exceed a cadre's maximum or double a level.

use crate::audit::Entry;
use crate::query::{Param, Sql, prefix_upper};
use crate::scope::{self, Scoped};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use serde_json::json;

row_struct! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct CadreRow {
        pub id: i64,
        pub name: String,
        pub post: String,
        pub organisation: String,
        pub level: String,
        pub kind: String,
        pub region_code: String,
        pub region_name: String,
        pub phone: String,
        pub max_enterprises: i64,
        pub longitude: Option<f64>,
        pub latitude: Option<f64>,
        pub active: bool,
        pub load: i64,
    }
}

const CADRE_SELECT: &str =
    "SELECT c.id, c.name, c.post, c.organisation, c.level, c.kind, c.region_code,
    r.name AS region_name, c.phone, c.max_enterprises, c.longitude, c.latitude, c.active,
    (SELECT COUNT(*) FROM assignments a WHERE a.cadre_id = c.id AND a.active = TRUE) AS load
    FROM cadres c JOIN regions r ON r.code = c.region_code";

#[derive(Debug, Clone, PartialEq)]
pub struct CadreData {
    pub name: String,
    pub post: String,
    pub organisation: String,
    pub level: String,
    pub kind: String,
    pub region_code: String,
    pub phone: String,
    pub max_enterprises: i64,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

impl CadreData {
    fn params(&self) -> Vec<Param> {
        vec![
            Param::Text(self.name.clone()),
            Param::Text(self.post.clone()),
            Param::Text(self.organisation.clone()),
            Param::Text(self.level.clone()),
            Param::Text(self.kind.clone()),
            Param::Text(self.region_code.clone()),
            Param::Text(self.phone.clone()),
            Param::Int(self.max_enterprises),
            Param::OptReal(self.longitude),
            Param::OptReal(self.latitude),
        ]
    }

    /// For the audit log: the phone number is personal data, so only whether it changed.
    fn audit_json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "post": self.post, "organisation": self.organisation, "level": self.level,
            "kind": self.kind, "region_code": self.region_code, "max_enterprises": self.max_enterprises,
            "phone": if self.phone.is_empty() { "" } else { "***" },
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct CadreFilter {
    pub region: Option<String>,
    pub level: Option<String>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AssignmentRow {
        pub id: i64,
        pub cadre_id: i64,
        pub cadre_name: String,
        pub cadre_post: String,
        pub enterprise_id: i64,
        pub enterprise_name: String,
        pub level: String,
        pub campaign_id: Option<i64>,
        pub campaign_name: Option<String>,
        pub starts_on: NaiveDate,
        pub ends_on: Option<NaiveDate>,
        pub active: bool,
        pub ended_reason: Option<String>,
    }
}

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.cadre_id, c.name AS cadre_name, c.post AS cadre_post,
    a.enterprise_id, e.name AS enterprise_name, a.level, a.campaign_id, g.name AS campaign_name,
    a.starts_on, a.ends_on, a.active, a.ended_reason
    FROM assignments a JOIN cadres c ON c.id = a.cadre_id JOIN enterprises e ON e.id = a.enterprise_id
    LEFT JOIN campaigns g ON g.id = a.campaign_id";

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CampaignRow {
        pub id: i64,
        pub name: String,
        pub organiser: String,
        pub region_code: String,
        pub region_name: String,
        pub starts_on: NaiveDate,
        pub ends_on: Option<NaiveDate>,
        pub target_kind: String,
        pub target_count: i64,
        pub allow_multiple: bool,
        pub enterprises: i64,
        pub cadres: i64,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignData {
    pub name: String,
    pub organiser: String,
    pub region_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub target_kind: String,
    pub target_count: i64,
    pub allow_multiple: bool,
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct VisitRow {
        pub id: i64,
        pub cadre_id: i64,
        pub cadre_name: String,
        pub enterprise_id: i64,
        pub enterprise_name: String,
        pub visited_on: NaiveDate,
        pub findings: String,
        pub follow_up: String,
        pub created_by: String,
        pub request_id: Option<i64>,
    }
}

/// One row of the coverage table: a group (region, park or industry) and, per level,
/// how many of its enterprises have an active liaison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CoverageRow {
    pub key: String,
    pub total: i64,
    pub city: i64,
    pub county: i64,
    pub town: i64,
    pub village: i64,
}

/// A key, a total and four optional counts (NULL when no rows): coverage per level,
/// or the parts of the three rates.
pub(crate) type CoverageTuple = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// How to group the coverage table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageBy {
    /// By the region code truncated to this many digits (6: county, 9: town, 12: village).
    Region(usize),
    Park,
    Industry,
    /// One row for everything in scope.
    All,
}

/// A new assignment: who, whom, at which level, under which campaign, from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssignment {
    pub cadre_id: i64,
    pub enterprise_id: i64,
    pub campaign_id: Option<i64>,
    pub starts_on: NaiveDate,
}

impl Scoped<'_> {
    pub async fn cadres(&self, f: &CadreFilter) -> StoreResult<(Vec<CadreRow>, i64)> {
        let filter = |sql: &mut Sql| {
            sql.push(" WHERE ");
            scope::cadres(&self.scope, sql);
            if let Some(region) = &f.region {
                let prefix = domain::RegionCode::parse(region)
                    .map(|c| c.subtree_prefix().to_owned())
                    .unwrap_or_else(|_| region.clone());
                sql.push_args(
                    " AND c.region_code >= ? AND c.region_code < ?",
                    vec![
                        Param::Text(prefix.clone()),
                        Param::Text(prefix_upper(&prefix)),
                    ],
                );
            }
            if let Some(level) = &f.level {
                sql.push_args(" AND c.level = ?", vec![Param::Text(level.clone())]);
            }
            if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
                sql.push_args(
                    " AND (c.name LIKE ? OR c.post LIKE ? OR c.organisation LIKE ?)",
                    vec![
                        Param::Text(format!("%{}%", q.trim())),
                        Param::Text(format!("%{}%", q.trim())),
                        Param::Text(format!("%{}%", q.trim())),
                    ],
                );
            }
        };
        let mut sql = Sql::new(CADRE_SELECT);
        filter(&mut sql);
        sql.push(" ORDER BY CASE c.level WHEN 'city' THEN 0 WHEN 'county' THEN 1 WHEN 'town' THEN 2 ELSE 3 END, c.region_code, c.name, c.id");
        let lim = sql.arg(Param::Int(f.limit));
        let off = sql.arg(Param::Int(f.offset));
        sql.push(&format!(" LIMIT {lim} OFFSET {off}"));
        let mut count = Sql::new("SELECT COUNT(*) FROM cadres c");
        filter(&mut count);
        Ok(with_db!(self.db, pool => {
            let rows: Vec<CadreRow> = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_all(pool).await?;
            let total: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.text.clone())), count.params).fetch_one(pool).await?;
            (rows, total)
        }))
    }

    pub async fn cadre(&self, id: i64) -> StoreResult<CadreRow> {
        let mut sql = Sql::new(CADRE_SELECT);
        sql.push(" WHERE ");
        scope::cadres(&self.scope, &mut sql);
        sql.push_args(" AND c.id = ?", vec![Param::Int(id)]);
        let row: Option<CadreRow> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Creates or updates cadres (each audited), in one transaction; ids in order.
    pub async fn save_cadres(
        &self,
        writes: &[(Option<i64>, CadreData)],
        now: i64,
    ) -> StoreResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(writes.len());
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for (existing, d) in writes {
                match existing {
                    None => {
                        let mut sql = Sql::new("");
                        sql.push_args(
                            "INSERT INTO cadres (name, post, organisation, level, kind, region_code, phone, max_enterprises,
                                longitude, latitude, active, created_at, updated_at)
                             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id",
                            d.params().into_iter().chain([Param::Int(now), Param::Int(now)]).collect(),
                        );
                        let id: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                            .fetch_one(&mut *tx)
                            .await?;
                        audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "create", entity: "cadre",
                            entity_id: Some(id.to_string()), before: None, after: Some(d.audit_json()) });
                        ids.push(id);
                    }
                    Some(id) => {
                        let mut sel = Sql::new("SELECT COUNT(*) FROM cadres c WHERE ");
                        scope::cadres(&self.scope, &mut sel);
                        sel.push_args(" AND c.id = ?", vec![Param::Int(*id)]);
                        let n: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sel.text.clone())), sel.params)
                            .fetch_one(&mut *tx)
                            .await?;
                        if n == 0 {
                            return Err(StoreError::NotFound);
                        }
                        let mut sql = Sql::new("");
                        sql.push_args(
                            "UPDATE cadres SET name = ?, post = ?, organisation = ?, level = ?, kind = ?, region_code = ?,
                                phone = ?, max_enterprises = ?, longitude = ?, latitude = ?, updated_at = ? WHERE id = ?",
                            d.params().into_iter().chain([Param::Int(now), Param::Int(*id)]).collect(),
                        );
                        bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).execute(&mut *tx).await?;
                        audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "update", entity: "cadre",
                            entity_id: Some(id.to_string()), before: None, after: Some(d.audit_json()) });
                        ids.push(*id);
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    pub async fn campaigns(&self) -> StoreResult<Vec<CampaignRow>> {
        // Campaigns are public structure within the city; what they cover is counted
        // over the caller's scope.
        let mut sql = Sql::new(
            "SELECT g.id, g.name, g.organiser, g.region_code, r.name AS region_name, g.starts_on, g.ends_on,
                g.target_kind, g.target_count, g.allow_multiple,
                (SELECT COUNT(DISTINCT a.enterprise_id) FROM assignments a JOIN enterprises e ON e.id = a.enterprise_id
                  WHERE a.campaign_id = g.id AND a.active = TRUE AND ",
        );
        scope::enterprises(&self.scope, &mut sql);
        sql.push(
            ") AS enterprises,
                (SELECT COUNT(DISTINCT a.cadre_id) FROM assignments a WHERE a.campaign_id = g.id AND a.active = TRUE) AS cadres
             FROM campaigns g JOIN regions r ON r.code = g.region_code ORDER BY g.starts_on, g.id",
        );
        Ok(with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_all(pool).await?
        }))
    }

    pub async fn create_campaign(&self, d: &CampaignData, now: i64) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO campaigns (name, organiser, region_code, starts_on, ends_on, target_kind, target_count, allow_multiple, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&d.name).bind(&d.organiser).bind(&d.region_code).bind(d.starts_on).bind(d.ends_on)
            .bind(&d.target_kind).bind(d.target_count).bind(d.allow_multiple).bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "create", entity: "campaign",
                entity_id: Some(id.to_string()), before: None,
                after: Some(json!({"name": d.name, "region_code": d.region_code, "target_kind": d.target_kind, "target_count": d.target_count})) });
            tx.commit().await?;
            id
        }))
    }

    /// Assignments of an enterprise (in scope), current first, then history.
    pub async fn enterprise_assignments(
        &self,
        enterprise_id: i64,
    ) -> StoreResult<Vec<AssignmentRow>> {
        self.enterprise(enterprise_id).await?;
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{ASSIGNMENT_SELECT} WHERE a.enterprise_id = $1 ORDER BY a.active DESC, a.starts_on DESC, a.id DESC"
            )))
            .bind(enterprise_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// A cadre's assignments (the cadre in scope), active first; only enterprises the
    /// caller may see are listed.
    pub async fn cadre_assignments(&self, cadre_id: i64) -> StoreResult<Vec<AssignmentRow>> {
        self.cadre(cadre_id).await?;
        let mut sql = Sql::new(ASSIGNMENT_SELECT);
        sql.push_args(" WHERE a.cadre_id = ? AND ", vec![Param::Int(cadre_id)]);
        scope::enterprises(&self.scope, &mut sql);
        sql.push(" ORDER BY a.active DESC, e.name, a.id");
        Ok(with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_all(pool).await?
        }))
    }

    /// Creates assignments after checking every rule inside the transaction; the first
    /// broken rule refuses the whole batch with its code. `city` is the city's code (the
    /// region of city-level cadres).
    pub async fn assign(&self, new: &[NewAssignment], now: i64) -> StoreResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(new.len());
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for n in new {
                let mut c = Sql::new("SELECT c.level, c.region_code, c.max_enterprises, c.active FROM cadres c WHERE ");
                scope::cadres(&self.scope, &mut c);
                c.push_args(" AND c.id = ?", vec![Param::Int(n.cadre_id)]);
                let cadre: Option<(String, String, i64, bool)> =
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(c.text.clone())), c.params).fetch_optional(&mut *tx).await?;
                let Some((level, cadre_region, max, active)) = cadre else { return Err(StoreError::Conflict("cadre_not_found")) };
                let mut e = Sql::new("SELECT e.region_code FROM enterprises e WHERE ");
                scope::enterprises(&self.scope, &mut e);
                e.push_args(" AND e.id = ?", vec![Param::Int(n.enterprise_id)]);
                let region: Option<String> =
                    bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(e.text.clone())), e.params).fetch_optional(&mut *tx).await?;
                let Some(region) = region else { return Err(StoreError::Conflict("enterprise_not_found")) };
                if !active {
                    return Err(StoreError::Conflict("cadre_inactive"));
                }
                let covers = domain::RegionCode::parse(&cadre_region).map(|c| region.starts_with(c.subtree_prefix())).unwrap_or(false);
                if !covers {
                    return Err(StoreError::Conflict("cadre_outside_region"));
                }
                let load: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE cadre_id = $1 AND active = TRUE")
                    .bind(n.cadre_id).fetch_one(&mut *tx).await?;
                if load >= max {
                    return Err(StoreError::Conflict("cadre_full"));
                }
                let same: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM assignments WHERE enterprise_id = $1 AND level = $2 AND active = TRUE AND cadre_id = $3",
                ).bind(n.enterprise_id).bind(&level).bind(n.cadre_id).fetch_one(&mut *tx).await?;
                if same > 0 {
                    return Err(StoreError::Conflict("assignment_exists"));
                }
                let taken: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM assignments WHERE enterprise_id = $1 AND level = $2 AND active = TRUE",
                ).bind(n.enterprise_id).bind(&level).fetch_one(&mut *tx).await?;
                let multiple = match n.campaign_id {
                    Some(cid) => {
                        let allow: Option<bool> = sqlx::query_scalar("SELECT allow_multiple FROM campaigns WHERE id = $1")
                            .bind(cid).fetch_optional(&mut *tx).await?;
                        match allow {
                            Some(a) => a,
                            None => return Err(StoreError::Conflict("campaign_not_found")),
                        }
                    }
                    None => false,
                };
                if taken > 0 && !multiple {
                    return Err(StoreError::Conflict("level_taken"));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO assignments (cadre_id, enterprise_id, level, campaign_id, starts_on, active, created_at)
                     VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING id",
                ).bind(n.cadre_id).bind(n.enterprise_id).bind(&level).bind(n.campaign_id).bind(n.starts_on).bind(now)
                .fetch_one(&mut *tx).await?;
                audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "create", entity: "assignment",
                    entity_id: Some(id.to_string()), before: None,
                    after: Some(json!({"cadre_id": n.cadre_id, "enterprise_id": n.enterprise_id, "level": level, "campaign_id": n.campaign_id})) });
                ids.push(id);
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    /// Ends an assignment (kept as history). With `to`, it is a handover: the same
    /// enterprise, level and campaign pass to that cadre, checked like a new assignment.
    pub async fn end_assignment(
        &self,
        id: i64,
        to: Option<i64>,
        day: NaiveDate,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let mut sql = Sql::new(ASSIGNMENT_SELECT);
        sql.push_args(
            " WHERE a.id = ? AND a.active = TRUE AND ",
            vec![Param::Int(id)],
        );
        scope::enterprises(&self.scope, &mut sql);
        let current: Option<AssignmentRow> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_optional(pool).await?
        });
        let current = current.ok_or(StoreError::NotFound)?;
        let reason = if to.is_some() { "handover" } else { "ended" };
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE assignments SET active = FALSE, ends_on = $1, ended_reason = $2 WHERE id = $3 AND active = TRUE")
                .bind(day).bind(reason).bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: reason, entity: "assignment",
                entity_id: Some(id.to_string()), before: Some(json!({"active": true, "cadre_id": current.cadre_id})),
                after: Some(json!({"active": false, "to_cadre_id": to})) });
            tx.commit().await?;
        });
        match to {
            None => Ok(None),
            Some(cadre_id) => {
                let new = NewAssignment {
                    cadre_id,
                    enterprise_id: current.enterprise_id,
                    campaign_id: current.campaign_id,
                    starts_on: day,
                };
                match self.assign(&[new], now).await {
                    Ok(ids) => {
                        // The enterprise's open requests that the outgoing cadre handled
                        // (as its chief service officer) follow the handover.
                        with_db!(self.db, pool => {
                            let mut tx = pool.begin().await?;
                            let moved: Vec<i64> = sqlx::query_scalar(
                                "UPDATE requests SET cadre_id = $1, updated_at = $2
                                 WHERE enterprise_id = $3 AND cadre_id = $4 AND state <> 'confirmed' RETURNING id",
                            )
                            .bind(cadre_id).bind(now).bind(current.enterprise_id).bind(current.cadre_id)
                            .fetch_all(&mut *tx).await?;
                            for rid in &moved {
                                sqlx::query("INSERT INTO request_events (request_id, at, actor, kind, note) VALUES ($1, $2, $3, 'rerouted', 'handover')")
                                    .bind(rid).bind(now).bind(&self.actor.name).execute(&mut *tx).await?;
                                audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "reroute", entity: "request",
                                    entity_id: Some(rid.to_string()), before: Some(json!({"cadre_id": current.cadre_id})),
                                    after: Some(json!({"cadre_id": cadre_id, "reason": "handover"})) });
                            }
                            tx.commit().await?;
                        });
                        Ok(ids.first().copied())
                    }
                    Err(e) => {
                        // The new cadre was refused: restore the old assignment as it was.
                        with_db!(self.db, pool => {
                            sqlx::query("UPDATE assignments SET active = TRUE, ends_on = NULL, ended_reason = NULL WHERE id = $1")
                                .bind(id).execute(pool).await?;
                        });
                        Err(e)
                    }
                }
            }
        }
    }

    /// Coverage of the enterprises in scope (and under `f`) at the four levels.
    pub async fn coverage(
        &self,
        f: &crate::enterprises::EnterpriseFilter,
        by: CoverageBy,
    ) -> StoreResult<Vec<CoverageRow>> {
        let key = match by {
            CoverageBy::Region(n) => format!("SUBSTR(e.region_code, 1, {n})"),
            CoverageBy::Park => "COALESCE(p.code, '')".to_owned(),
            CoverageBy::Industry => "COALESCE(e.industry_code, '')".to_owned(),
            CoverageBy::All => "''".to_owned(),
        };
        let level = |l: &str| {
            format!(
                "CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.enterprise_id = e.id AND a.level = '{l}' AND a.active = TRUE) THEN 1 ELSE 0 END) AS BIGINT)"
            )
        };
        let mut sql = Sql::new(&format!(
            "SELECT {key} AS k, COUNT(*) AS total, {}, {}, {}, {} FROM enterprises e LEFT JOIN parks p ON p.id = e.park_id",
            level("city"),
            level("county"),
            level("town"),
            level("village")
        ));
        crate::enterprises::where_clause(self, f, &mut sql);
        if by != CoverageBy::All {
            // PostgreSQL refuses a constant in GROUP BY; the whole scope is one group anyway.
            sql.push(&format!(" GROUP BY {key} ORDER BY {key}"));
        }
        let rows: Vec<CoverageTuple> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(key, total, city, county, town, village)| CoverageRow {
                key,
                total,
                city: city.unwrap_or(0),
                county: county.unwrap_or(0),
                town: town.unwrap_or(0),
                village: village.unwrap_or(0),
            })
            .collect())
    }

    /// Enterprises in scope (and under `f`) without an active liaison at `level`.
    pub async fn uncovered(
        &self,
        level: &str,
        f: &crate::enterprises::EnterpriseFilter,
    ) -> StoreResult<(Vec<crate::enterprises::EnterpriseRow>, i64)> {
        let g = crate::enterprises::EnterpriseFilter {
            uncovered_at: Some(level.to_owned()),
            ..f.clone()
        };
        self.enterprises(&g).await
    }

    pub async fn log_visit(
        &self,
        cadre_id: i64,
        enterprise_id: i64,
        visited_on: NaiveDate,
        findings: &str,
        follow_up: &str,
        now: i64,
    ) -> StoreResult<i64> {
        // The enterprise must be in scope and currently assigned to the cadre.
        self.enterprise(enterprise_id).await?;
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let assigned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE cadre_id = $1 AND enterprise_id = $2 AND active = TRUE")
                .bind(cadre_id).bind(enterprise_id).fetch_one(&mut *tx).await?;
            if assigned == 0 {
                return Err(StoreError::Conflict("visit_not_assigned"));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO visits (cadre_id, enterprise_id, visited_on, findings, follow_up, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            ).bind(cadre_id).bind(enterprise_id).bind(visited_on).bind(findings).bind(follow_up).bind(&self.actor.name).bind(now)
            .fetch_one(&mut *tx).await?;
            audit!(&mut *tx, &Entry { actor: &self.actor, at: now, action: "create", entity: "visit",
                entity_id: Some(id.to_string()), before: None,
                after: Some(json!({"cadre_id": cadre_id, "enterprise_id": enterprise_id, "visited_on": visited_on})) });
            tx.commit().await?;
            id
        }))
    }

    pub async fn enterprise_visits(&self, enterprise_id: i64) -> StoreResult<Vec<VisitRow>> {
        self.enterprise(enterprise_id).await?;
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT v.id, v.cadre_id, c.name AS cadre_name, v.enterprise_id, e.name AS enterprise_name, v.visited_on,
                        v.findings, v.follow_up, v.created_by, v.request_id
                 FROM visits v JOIN cadres c ON c.id = v.cadre_id JOIN enterprises e ON e.id = v.enterprise_id
                 WHERE v.enterprise_id = $1 ORDER BY v.visited_on DESC, v.id DESC",
            ).bind(enterprise_id).fetch_all(pool).await?
        }))
    }
}
