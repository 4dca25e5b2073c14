//! Daily health declarations: the write path that absorbs the morning peak, the
//! per-day counters dashboards read, and fever alerts.
//!
//! [`Declarations::write`] takes a whole group of declarations (many requests' worth,
//! gathered by the app's group-commit writer) and commits them in one transaction:
//! the upsert of the declarations themselves (one per employee per day, the later
//! replacing the earlier), the adjustment of `declaration_counts` by what the upsert
//! returned (new row or replacement, alert before and after), and the alerts. The
//! caller checks scope and values first; this is the system writing what was checked.

use crate::audit::Entry;
use crate::db::Db;
use crate::query::{Param, Sql};
use crate::scope::{self, Scoped};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One checked declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeclaration {
    pub day: NaiveDate,
    pub employee_id: i64,
    pub enterprise_id: i64,
    /// Tenths of a degree.
    pub temperature: i64,
    pub symptoms: i64,
    pub location: String,
    pub alert: bool,
    /// self | enterprise | api | import
    pub source: &'static str,
    pub declared_at: i64,
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeclarationRow {
        pub day: NaiveDate,
        pub employee_id: i64,
        pub temperature: i64,
        pub symptoms: i64,
        pub location: String,
        pub alert: bool,
        pub revision: i64,
        pub source: String,
        pub declared_at: i64,
    }
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AlertRow {
        pub id: i64,
        pub day: NaiveDate,
        pub employee_id: i64,
        pub employee_name: String,
        pub phone: String,
        pub enterprise_id: i64,
        pub enterprise_name: String,
        pub community: Option<String>,
        pub community_name: Option<String>,
        pub temperature: i64,
        pub symptoms: i64,
        pub raised_at: i64,
        pub handled_at: Option<i64>,
        pub handled_by: Option<String>,
        pub handling: Option<String>,
    }
}

row_struct! {
    /// A day's counts for one enterprise or one district.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CountRow {
        pub key: String,
        pub name: String,
        pub declared: i64,
        pub alerts: i64,
    }
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub open_only: bool,
    pub day: Option<NaiveDate>,
    pub enterprise_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// What the upsert returned for one row.
type Returned = (NaiveDate, i64, i64, bool, bool, i64);

/// The system's writer of checked declarations (see the module comment).
pub struct Declarations<'a> {
    pub(crate) db: &'a Db,
}

impl Declarations<'_> {
    /// Writes a group of declarations in one transaction; returns when it is durable.
    pub async fn write(&self, items: &[NewDeclaration]) -> StoreResult<()> {
        // Within one statement a key may appear once (PostgreSQL refuses a second
        // update of the same row); the later submission wins, as it would in order.
        let mut last: BTreeMap<(NaiveDate, i64), &NewDeclaration> = BTreeMap::new();
        for d in items {
            last.insert((d.day, d.employee_id), d);
        }
        let rows: Vec<&NewDeclaration> = last.into_values().collect();
        if rows.is_empty() {
            return Ok(());
        }
        match self.db {
            Db::Sqlite(pool) => {
                // The whole group as one JSON parameter, unpacked by json_each: one
                // statement, one bind (sqlx binds SQLite parameters one by one), and
                // the triggers of migration 0006 keep counters and alerts.
                let group: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|d| {
                        serde_json::json!([
                            d.day,
                            d.employee_id,
                            d.enterprise_id,
                            d.temperature,
                            d.symptoms,
                            d.location,
                            d.alert,
                            d.source,
                            d.declared_at
                        ])
                    })
                    .collect();
                let mut tx = pool.begin().await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO declarations (day, employee_id, enterprise_id, temperature, symptoms, location, alert, source, declared_at)
                     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
                            value ->> 7, value ->> 8
                     FROM json_each($1) WHERE TRUE {UPSERT}"
                )))
                .bind(serde_json::Value::Array(group).to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                // One statement per table with arrays (UNNEST), in key order so that
                // concurrent writers take row locks in the same order.
                let mut tx = pool.begin().await?;
                let returned: Vec<Returned> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO declarations (day, employee_id, enterprise_id, temperature, symptoms, location, alert, source, declared_at)
                     SELECT * FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bool[], $8::text[], $9::bigint[])
                     ORDER BY 1, 2 {UPSERT}{RETURNING}"
                )))
                .bind(rows.iter().map(|d| d.day).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.employee_id).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.enterprise_id).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.temperature).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.symptoms).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.location.clone()).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.alert).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.source.to_owned()).collect::<Vec<_>>())
                .bind(rows.iter().map(|d| d.declared_at).collect::<Vec<_>>())
                .fetch_all(&mut *tx)
                .await?;
                let (counts, alerts) = consequences(&returned, &rows);
                if !counts.is_empty() {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO declaration_counts (day, enterprise_id, declared, alerts)
                         SELECT * FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bigint[]) ORDER BY 1, 2 {COUNTS_UPSERT}"
                    )))
                    .bind(counts.iter().map(|c| c.0.0).collect::<Vec<_>>())
                    .bind(counts.iter().map(|c| c.0.1).collect::<Vec<_>>())
                    .bind(counts.iter().map(|c| c.1.0).collect::<Vec<_>>())
                    .bind(counts.iter().map(|c| c.1.1).collect::<Vec<_>>())
                    .execute(&mut *tx)
                    .await?;
                }
                if !alerts.is_empty() {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO health_alerts (day, employee_id, enterprise_id, community, temperature, symptoms, raised_at)
                         SELECT u.day, u.emp, u.ent, (SELECT residence_region FROM employees WHERE id = u.emp), u.t, u.s, u.at
                         FROM UNNEST($1::date[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
                              AS u (day, emp, ent, t, s, at)
                         ORDER BY 1, 2 {ALERTS_UPSERT}"
                    )))
                    .bind(alerts.iter().map(|d| d.day).collect::<Vec<_>>())
                    .bind(alerts.iter().map(|d| d.employee_id).collect::<Vec<_>>())
                    .bind(alerts.iter().map(|d| d.enterprise_id).collect::<Vec<_>>())
                    .bind(alerts.iter().map(|d| d.temperature).collect::<Vec<_>>())
                    .bind(alerts.iter().map(|d| d.symptoms).collect::<Vec<_>>())
                    .bind(alerts.iter().map(|d| d.declared_at).collect::<Vec<_>>())
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// An employee's declaration of a day (the personal page), if any.
    pub async fn of(
        &self,
        employee_id: i64,
        day: NaiveDate,
    ) -> StoreResult<Option<DeclarationRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT day, employee_id, temperature, symptoms, location, alert, revision, source, declared_at
                 FROM declarations WHERE day = $1 AND employee_id = $2",
            )
            .bind(day)
            .bind(employee_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// How many declarations a day holds (benchmarks and the crash test).
    pub async fn count_day(&self, day: NaiveDate) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM declarations WHERE day = $1")
                .bind(day)
                .fetch_one(pool)
                .await?
        }))
    }
}

const UPSERT: &str = " ON CONFLICT (day, employee_id) DO UPDATE SET
    enterprise_id = excluded.enterprise_id, temperature = excluded.temperature,
    symptoms = excluded.symptoms, location = excluded.location,
    prev_alert = declarations.alert, alert = excluded.alert,
    revision = declarations.revision + 1, source = excluded.source, declared_at = excluded.declared_at";

/// What the PostgreSQL writer needs back to adjust the counters.
const RETURNING: &str = " RETURNING day, employee_id, enterprise_id, alert, prev_alert, revision";

const COUNTS_UPSERT: &str = " ON CONFLICT (day, enterprise_id) DO UPDATE SET
    declared = declaration_counts.declared + excluded.declared,
    alerts = declaration_counts.alerts + excluded.alerts";

/// A second alert the same day updates the day's one row with the latest values and
/// opens it again if it was handled: a new fever after the call needs a new call.
const ALERTS_UPSERT: &str = " ON CONFLICT (day, employee_id) DO UPDATE SET
    temperature = excluded.temperature, symptoms = excluded.symptoms, raised_at = excluded.raised_at,
    handled_at = NULL, handled_by = NULL, handling = NULL";

/// Counter deltas per (day, enterprise) in key order, and the rows that raise alerts.
type Consequences<'a> = (Vec<((NaiveDate, i64), (i64, i64))>, Vec<&'a NewDeclaration>);

fn consequences<'a>(returned: &[Returned], rows: &[&'a NewDeclaration]) -> Consequences<'a> {
    let mut counts: BTreeMap<(NaiveDate, i64), (i64, i64)> = BTreeMap::new();
    for (day, _, ent, alert, prev_alert, revision) in returned {
        let new = *revision == 1;
        let before = if new { 0 } else { i64::from(*prev_alert) };
        let c = counts.entry((*day, *ent)).or_default();
        c.0 += i64::from(new);
        c.1 += i64::from(*alert) - before;
    }
    let alerts = rows.iter().copied().filter(|d| d.alert).collect();
    (counts.into_iter().collect(), alerts)
}

impl Scoped<'_> {
    /// A day's declarations and alerts per enterprise in scope (from the counters).
    pub async fn declaration_counts_by_enterprise(
        &self,
        day: NaiveDate,
    ) -> StoreResult<Vec<CountRow>> {
        let mut sql = Sql::new(
            "SELECT CAST(e.id AS TEXT) AS key, e.name AS name, c.declared, c.alerts
             FROM declaration_counts c JOIN enterprises e ON e.id = c.enterprise_id WHERE ",
        );
        sql.push_args("c.day = ? AND ", vec![Param::OptDay(Some(day))]);
        scope::enterprises(&self.scope, &mut sql);
        // The counters' key order: no sort.
        sql.push(" ORDER BY c.enterprise_id");
        self.count_rows(sql).await
    }

    /// A day's declarations and alerts per district (county-level region) in scope.
    pub async fn declaration_counts_by_district(
        &self,
        day: NaiveDate,
    ) -> StoreResult<Vec<CountRow>> {
        let mut sql = Sql::new(
            "SELECT r.code AS key, r.name AS name, CAST(SUM(c.declared) AS BIGINT) AS declared,
                    CAST(SUM(c.alerts) AS BIGINT) AS alerts
             FROM declaration_counts c JOIN enterprises e ON e.id = c.enterprise_id
             JOIN regions r ON r.code = substr(e.region_code, 1, 6) WHERE ",
        );
        sql.push_args("c.day = ? AND ", vec![Param::OptDay(Some(day))]);
        scope::enterprises(&self.scope, &mut sql);
        sql.push(" GROUP BY r.code, r.name ORDER BY r.code");
        self.count_rows(sql).await
    }

    /// Runs a roll-up (`key, name, declared, alerts` rows) and returns its rows in key
    /// order. The database hands the whole result over as one JSON text: decoding
    /// 20,000 rows one by one through the driver cost fifteen times the query itself
    /// (BENCHMARKS.md, "counts by enterprise").
    async fn count_rows(&self, sql: Sql) -> StoreResult<Vec<CountRow>> {
        let agg = match self.db {
            Db::Sqlite(_) => "json_group_array(json_array(t.key, t.name, t.declared, t.alerts))",
            Db::Postgres(_) => {
                "json_agg(json_build_array(t.key, t.name, t.declared, t.alerts))::text"
            }
        };
        let text = format!("SELECT COALESCE({agg}, '[]') FROM ({}) t", sql.text);
        let json: String = with_db!(self.db, pool => {
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(text.clone())), sql.params)
                .fetch_one(pool)
                .await?
        });
        let items: Vec<(String, String, i64, i64)> =
            serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let mut rows: Vec<CountRow> = items
            .into_iter()
            .map(|(key, name, declared, alerts)| CountRow {
                key,
                name,
                declared,
                alerts,
            })
            .collect();
        // Keys are digit strings (ids, region codes): shorter first is numeric order.
        rows.sort_by(|a, b| (a.key.len(), &a.key).cmp(&(b.key.len(), &b.key)));
        Ok(rows)
    }

    /// `(declared, alerts)` on a day in scope, and the alerts still open (any day).
    pub async fn declaration_totals(&self, day: NaiveDate) -> StoreResult<(i64, i64, i64)> {
        let mut sql = Sql::new(
            "SELECT CAST(COALESCE(SUM(c.declared), 0) AS BIGINT), CAST(COALESCE(SUM(c.alerts), 0) AS BIGINT)
             FROM declaration_counts c JOIN enterprises e ON e.id = c.enterprise_id WHERE ",
        );
        sql.push_args("c.day = ? AND ", vec![Param::OptDay(Some(day))]);
        scope::enterprises(&self.scope, &mut sql);
        let mut open = Sql::new(
            "SELECT COUNT(*) FROM health_alerts a JOIN enterprises e ON e.id = a.enterprise_id WHERE a.handled_at IS NULL AND ",
        );
        scope::alerts(&self.scope, &mut open);
        Ok(with_db!(self.db, pool => {
            let (d, a): (i64, i64) = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_one(pool)
                .await?;
            let o: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(open.text.clone())), open.params)
                .fetch_one(pool)
                .await?;
            (d, a, o)
        }))
    }

    /// Alerts in scope, open first, newest first.
    pub async fn alerts(&self, f: &AlertFilter) -> StoreResult<(Vec<AlertRow>, i64)> {
        let from = " FROM health_alerts a JOIN employees m ON m.id = a.employee_id
             JOIN enterprises e ON e.id = a.enterprise_id LEFT JOIN regions r ON r.code = a.community WHERE ";
        let mut sql = Sql::new(&format!(
            "SELECT a.id, a.day, a.employee_id, m.name AS employee_name, m.phone, a.enterprise_id,
                    e.name AS enterprise_name, a.community, r.name AS community_name, a.temperature, a.symptoms,
                    a.raised_at, a.handled_at, a.handled_by, a.handling{from}"
        ));
        let mut count = Sql::new(&format!("SELECT COUNT(*){from}"));
        for s in [&mut sql, &mut count] {
            scope::alerts(&self.scope, s);
            if f.open_only {
                s.push(" AND a.handled_at IS NULL");
            }
            if let Some(day) = f.day {
                s.push_args(" AND a.day = ?", vec![Param::OptDay(Some(day))]);
            }
            if let Some(id) = f.enterprise_id {
                s.push_args(" AND a.enterprise_id = ?", vec![Param::Int(id)]);
            }
        }
        let limit = sql.arg(Param::Int(f.limit));
        let offset = sql.arg(Param::Int(f.offset));
        sql.push(&format!(
            " ORDER BY (a.handled_at IS NULL) DESC, a.raised_at DESC, a.id DESC LIMIT {limit} OFFSET {offset}"
        ));
        Ok(with_db!(self.db, pool => {
            let rows: Vec<AlertRow> = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_all(pool)
                .await?;
            let total: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.text.clone())), count.params)
                .fetch_one(pool)
                .await?;
            (rows, total)
        }))
    }

    /// Marks an open alert in scope handled, with what was done; `Conflict` when
    /// someone handled it first.
    pub async fn handle_alert(&self, id: i64, handling: &str, now: i64) -> StoreResult<()> {
        let mut sel = Sql::new(
            "SELECT COUNT(*) FROM health_alerts a JOIN enterprises e ON e.id = a.enterprise_id WHERE ",
        );
        scope::alerts(&self.scope, &mut sel);
        sel.push_args(" AND a.id = ?", vec![Param::Int(id)]);
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let n: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sel.text.clone())), sel.params)
                .fetch_one(&mut *tx)
                .await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let done = sqlx::query(
                "UPDATE health_alerts SET handled_at = $1, handled_by = $2, handling = $3 WHERE id = $4 AND handled_at IS NULL",
            )
            .bind(now)
            .bind(&self.actor.name)
            .bind(handling)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict("alert_already_handled"));
            }
            audit!(&mut *tx, &Entry {
                actor: &self.actor, at: now, action: "handle", entity: "health_alert",
                entity_id: Some(id.to_string()), before: None,
                after: Some(serde_json::json!({"handling": handling})),
            });
            tx.commit().await?;
        });
        Ok(())
    }

    /// An employee's declarations on the given days, newest first (the file in scope,
    /// else `NotFound`). By day and employee, so it is point lookups on the key.
    pub async fn employee_declarations(
        &self,
        employee_id: i64,
        days: &[NaiveDate],
    ) -> StoreResult<Vec<DeclarationRow>> {
        self.employee(employee_id, None).await?;
        let mut sql = Sql::new(
            "SELECT day, employee_id, temperature, symptoms, location, alert, revision, source, declared_at
             FROM declarations WHERE employee_id = ",
        );
        let ph = sql.arg(Param::Int(employee_id));
        sql.push(&ph);
        let phs: Vec<String> = days
            .iter()
            .map(|d| sql.arg(Param::OptDay(Some(*d))))
            .collect();
        sql.push(&format!(
            " AND day IN ({}) ORDER BY day DESC",
            phs.join(", ")
        ));
        if days.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_all(pool)
                .await?
        }))
    }
}

impl Declarations<'_> {
    /// Synthetic declarations for `day` straight in SQL (the demo and the scale
    /// generator: a million rows without a million round trips). Deterministic in
    /// the employee id and `salt`: about 95 % declare (`share` of 100), one in 400
    /// with a fever, one in 700 with a cough; counters and alerts follow (`handled`:
    /// the alerts marked as dealt with, for past days).
    pub async fn seed_day(
        &self,
        day: NaiveDate,
        salt: i64,
        share: i64,
        at: i64,
        handled: bool,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO declarations (day, employee_id, enterprise_id, temperature, symptoms, location, alert, source, declared_at)
                 SELECT $1, m.id, m.enterprise_id,
                        CASE WHEN (m.id * 17 + $2) % 400 = 0 THEN 375 + (m.id + $2) % 12 ELSE 358 + (m.id * 31 + $2) % 13 END,
                        CASE WHEN (m.id * 13 + $2) % 700 = 0 THEN 1 ELSE 0 END,
                        '', ((m.id * 17 + $2) % 400 = 0 OR (m.id * 13 + $2) % 700 = 0), 'import',
                        $4 + ((m.id * 7 + $2) % 7200) * 1000
                 FROM employees m WHERE (m.id * 7 + $2) % 100 < $3 AND m.return_status <> 'left'
                 ON CONFLICT (day, employee_id) DO NOTHING",
            )
            .bind(day)
            .bind(salt)
            .bind(share)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO declaration_counts (day, enterprise_id, declared, alerts)
                 SELECT day, enterprise_id, COUNT(*), SUM(CASE WHEN alert THEN 1 ELSE 0 END)
                 FROM declarations WHERE day = $1 GROUP BY day, enterprise_id
                 ON CONFLICT (day, enterprise_id) DO UPDATE SET declared = excluded.declared, alerts = excluded.alerts",
            )
            .bind(day)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO health_alerts (day, employee_id, enterprise_id, community, temperature, symptoms, raised_at)
                 SELECT d.day, d.employee_id, d.enterprise_id, m.residence_region, d.temperature, d.symptoms, d.declared_at
                 FROM declarations d JOIN employees m ON m.id = d.employee_id WHERE d.day = $1 AND d.alert
                 ON CONFLICT (day, employee_id) DO NOTHING",
            )
            .bind(day)
            .execute(&mut *tx)
            .await?;
            if handled {
                sqlx::query(
                    "UPDATE health_alerts SET handled_at = raised_at + 3600000, handled_by = 'demo',
                            handling = '已电话核实，复测体温正常' WHERE day = $1 AND handled_at IS NULL",
                )
                .bind(day)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
