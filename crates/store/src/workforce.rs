//! Employee files (一员一档). Reads see the employees of enterprises in scope and, for
//! region grants, the residents of the region (a community sees who lives there,
//! wherever they work); writes need the enterprise in scope. The resident ID number
//! arrives here already encrypted, hashed and masked (the app holds the keys), and
//! never appears in the audit log.

use crate::audit::Entry;
use crate::query::{Param, Sql, prefix_upper};
use crate::scope::{self, Scoped};
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::HashMap;

row_struct! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct EmployeeRow {
        pub id: i64,
        pub enterprise_id: i64,
        pub enterprise_name: String,
        pub name: String,
        pub id_masked: String,
        pub phone: String,
        pub gender: String,
        pub native_place: String,
        pub origin_province: String,
        pub origin_city: String,
        pub residence_kind: String,
        pub residence_region: Option<String>,
        pub residence_name: Option<String>,
        pub residence_address: String,
        pub department: String,
        pub post: String,
        pub return_status: String,
        pub left_on: Option<NaiveDate>,
        pub returned_on: Option<NaiveDate>,
        pub travel_history: String,
        pub fever_or_cough: bool,
        pub isolation_from: Option<NaiveDate>,
        pub isolation_to: Option<NaiveDate>,
        pub isolation_place: String,
        pub isolation_kind: Option<String>,
        pub family_health: String,
        pub board_lodging: String,
        pub remarks: String,
        pub link_version: i64,
        pub updated_at: i64,
        // The declaration of the filter's day, if any.
        pub temperature: Option<i64>,
        pub symptoms: Option<i64>,
        pub declared_at: Option<i64>,
    }
}

const SELECT: &str = "SELECT m.id, m.enterprise_id, e.name AS enterprise_name, m.name, m.id_masked, m.phone,
    m.gender, m.native_place, m.origin_province, m.origin_city, m.residence_kind, m.residence_region,
    r.name AS residence_name, m.residence_address, m.department, m.post, m.return_status, m.left_on,
    m.returned_on, m.travel_history, m.fever_or_cough, m.isolation_from, m.isolation_to,
    m.isolation_place, m.isolation_kind, m.family_health, m.board_lodging, m.remarks, m.link_version,
    m.updated_at, d.temperature, d.symptoms, d.declared_at
    FROM employees m
    JOIN enterprises e ON e.id = m.enterprise_id
    LEFT JOIN regions r ON r.code = m.residence_region";

/// The checked fields of a file (the ID number as the app protected it).
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeData {
    pub name: String,
    pub id_cipher: Vec<u8>,
    pub id_hash: Vec<u8>,
    pub id_masked: String,
    pub phone: String,
    pub gender: String,
    pub native_place: String,
    pub origin_province: String,
    pub origin_city: String,
    pub residence_kind: String,
    pub residence_region: Option<String>,
    pub residence_address: String,
    pub department: String,
    pub post: String,
    pub return_status: String,
    pub left_on: Option<NaiveDate>,
    pub returned_on: Option<NaiveDate>,
    pub travel_history: String,
    pub fever_or_cough: bool,
    pub isolation_from: Option<NaiveDate>,
    pub isolation_to: Option<NaiveDate>,
    pub isolation_place: String,
    pub isolation_kind: Option<String>,
    pub family_health: String,
    pub board_lodging: String,
    pub remarks: String,
}

/// The stored columns in [`EmployeeData::params`] order.
const COLUMNS: &str = "name, id_cipher, id_hash, id_masked, phone, gender, native_place, origin_province,
    origin_city, residence_kind, residence_region, residence_address, department, post, return_status,
    left_on, returned_on, travel_history, fever_or_cough, isolation_from, isolation_to, isolation_place,
    isolation_kind, family_health, board_lodging, remarks";
const N_COLUMNS: usize = 26;

impl EmployeeData {
    fn params(&self) -> Vec<Param> {
        vec![
            Param::Text(self.name.clone()),
            Param::Bytes(self.id_cipher.clone()),
            Param::Bytes(self.id_hash.clone()),
            Param::Text(self.id_masked.clone()),
            Param::Text(self.phone.clone()),
            Param::Text(self.gender.clone()),
            Param::Text(self.native_place.clone()),
            Param::Text(self.origin_province.clone()),
            Param::Text(self.origin_city.clone()),
            Param::Text(self.residence_kind.clone()),
            Param::OptText(self.residence_region.clone()),
            Param::Text(self.residence_address.clone()),
            Param::Text(self.department.clone()),
            Param::Text(self.post.clone()),
            Param::Text(self.return_status.clone()),
            Param::OptDay(self.left_on),
            Param::OptDay(self.returned_on),
            Param::Text(self.travel_history.clone()),
            Param::Bool(self.fever_or_cough),
            Param::OptDay(self.isolation_from),
            Param::OptDay(self.isolation_to),
            Param::Text(self.isolation_place.clone()),
            Param::OptText(self.isolation_kind.clone()),
            Param::Text(self.family_health.clone()),
            Param::Text(self.board_lodging.clone()),
            Param::Text(self.remarks.clone()),
        ]
    }

    /// What the audit log keeps: everything but the number, which appears masked.
    fn audit_json(&self) -> Value {
        json!({
            "name": self.name, "id_number": self.id_masked, "phone": self.phone, "gender": self.gender,
            "native_place": self.native_place, "origin_province": self.origin_province,
            "origin_city": self.origin_city, "residence_kind": self.residence_kind,
            "residence_region": self.residence_region, "residence_address": self.residence_address,
            "department": self.department, "post": self.post, "return_status": self.return_status,
            "left_on": self.left_on, "returned_on": self.returned_on, "travel_history": self.travel_history,
            "fever_or_cough": self.fever_or_cough, "isolation_from": self.isolation_from,
            "isolation_to": self.isolation_to, "isolation_place": self.isolation_place,
            "isolation_kind": self.isolation_kind, "family_health": self.family_health,
            "board_lodging": self.board_lodging, "remarks": self.remarks,
        })
    }
}

/// Filters of the list and the API; all optional.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    pub enterprise_id: Option<i64>,
    /// Part of the name, or a whole phone number.
    pub q: Option<String>,
    /// Keyed hashes of an ID number typed in the search box (exact match).
    pub id_hashes: Vec<Vec<u8>>,
    pub return_status: Option<String>,
    /// Residence region and below.
    pub residence: Option<String>,
    pub department: Option<String>,
    /// Joins this day's declaration into the rows.
    pub day: Option<NaiveDate>,
    /// Only those without a declaration on `day`.
    pub undeclared: bool,
    pub limit: i64,
    pub offset: i64,
}

/// Rows per multi-row INSERT (26 parameters each; sqlx binds SQLite parameters in
/// quadratic time, so a few hundred per statement).
const INSERT_ROWS: usize = 9;

impl Scoped<'_> {
    fn employee_where(&self, f: &EmployeeFilter, sql: &mut Sql) {
        sql.push(" WHERE ");
        scope::employees(&self.scope, sql);
        if let Some(id) = f.enterprise_id {
            sql.push_args(" AND m.enterprise_id = ?", vec![Param::Int(id)]);
        }
        if let Some(v) = &f.return_status {
            sql.push_args(" AND m.return_status = ?", vec![Param::Text(v.clone())]);
        }
        if let Some(v) = &f.department {
            sql.push_args(" AND m.department = ?", vec![Param::Text(v.clone())]);
        }
        if let Some(region) = &f.residence {
            let prefix = domain::RegionCode::parse(region)
                .map(|c| c.subtree_prefix().to_owned())
                .unwrap_or_else(|_| region.clone());
            sql.push_args(
                " AND m.residence_region >= ? AND m.residence_region < ?",
                vec![
                    Param::Text(prefix.clone()),
                    Param::Text(prefix_upper(&prefix)),
                ],
            );
        }
        if !f.id_hashes.is_empty() {
            let phs: Vec<String> = f
                .id_hashes
                .iter()
                .map(|h| sql.arg(Param::Bytes(h.clone())))
                .collect();
            sql.push(&format!(" AND m.id_hash IN ({})", phs.join(", ")));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let like = format!(
                "%{}%",
                q.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            sql.push_args(
                " AND (m.name LIKE ? ESCAPE '\\' OR m.phone = ?)",
                vec![Param::Text(like), Param::Text(q.to_owned())],
            );
        }
        if f.undeclared && f.day.is_some() {
            sql.push(" AND d.employee_id IS NULL");
        }
    }

    fn employee_select(f: &EmployeeFilter) -> Sql {
        let mut sql = Sql::new(SELECT);
        let day = sql.arg(Param::OptDay(f.day));
        sql.push(&format!(
            " LEFT JOIN declarations d ON d.day = {day} AND d.employee_id = m.id"
        ));
        sql
    }

    /// One page of the filtered list (by enterprise, then name) and the total.
    pub async fn employees(&self, f: &EmployeeFilter) -> StoreResult<(Vec<EmployeeRow>, i64)> {
        let mut sql = Self::employee_select(f);
        self.employee_where(f, &mut sql);
        let limit = sql.arg(Param::Int(f.limit));
        let offset = sql.arg(Param::Int(f.offset));
        sql.push(&format!(
            " ORDER BY m.enterprise_id, m.name, m.id LIMIT {limit} OFFSET {offset}"
        ));
        let mut count = Sql::new(
            "SELECT COUNT(*) FROM employees m JOIN enterprises e ON e.id = m.enterprise_id",
        );
        if f.undeclared && f.day.is_some() {
            let day = count.arg(Param::OptDay(f.day));
            count.push(&format!(
                " LEFT JOIN declarations d ON d.day = {day} AND d.employee_id = m.id"
            ));
        }
        self.employee_where(f, &mut count);
        Ok(with_db!(self.db, pool => {
            let rows: Vec<EmployeeRow> = bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_all(pool)
                .await?;
            let total: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.text.clone())), count.params)
                .fetch_one(pool)
                .await?;
            (rows, total)
        }))
    }

    /// One file in scope (with `day`'s declaration), else `NotFound`.
    pub async fn employee(&self, id: i64, day: Option<NaiveDate>) -> StoreResult<EmployeeRow> {
        let f = EmployeeFilter {
            day,
            ..EmployeeFilter::default()
        };
        let mut sql = Self::employee_select(&f);
        self.employee_where(&f, &mut sql);
        sql.push_args(" AND m.id = ?", vec![Param::Int(id)]);
        let row: Option<EmployeeRow> = with_db!(self.db, pool => {
            bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The encrypted number of a file in scope, for a permitted view; the view is
    /// written to the audit log before the ciphertext is handed out.
    pub async fn employee_id_cipher(&self, id: i64, now: i64) -> StoreResult<Vec<u8>> {
        let mut sql = Sql::new(
            "SELECT m.id_cipher FROM employees m JOIN enterprises e ON e.id = m.enterprise_id WHERE ",
        );
        scope::employees(&self.scope, &mut sql);
        sql.push_args(" AND m.id = ?", vec![Param::Int(id)]);
        let cipher: Option<Vec<u8>> = with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let c: Option<Vec<u8>> = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_optional(&mut *tx)
                .await?;
            if c.is_some() {
                audit!(&mut *tx, &Entry {
                    actor: &self.actor, at: now, action: "view_id_number", entity: "employee",
                    entity_id: Some(id.to_string()), before: None, after: None,
                });
            }
            tx.commit().await?;
            c
        });
        cipher.ok_or(StoreError::NotFound)
    }

    /// `id_hash → id` of an enterprise's files (in write scope), for an import's
    /// insert-or-update decision. One query per file, not per row.
    pub async fn employee_hashes(&self, enterprise_id: i64) -> StoreResult<HashMap<Vec<u8>, i64>> {
        self.writable_enterprise(enterprise_id).await?;
        let rows: Vec<(Vec<u8>, i64)> = with_db!(self.db, pool => {
            sqlx::query_as("SELECT id_hash, id FROM employees WHERE enterprise_id = $1")
                .bind(enterprise_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// The enterprise, if the caller may write its files (enterprise scope only: a
    /// community sees its residents but does not keep their employers' files).
    pub async fn writable_enterprise(&self, enterprise_id: i64) -> StoreResult<()> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM enterprises e WHERE ");
        scope::enterprises(&self.scope, &mut sql);
        sql.push_args(" AND e.id = ?", vec![Param::Int(enterprise_id)]);
        let n: i64 = with_db!(self.db, pool => {
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .fetch_one(pool)
                .await?
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Inserts new files and updates existing ones (by id, same enterprise), each with
    /// its audit row, in one transaction. Returns the ids in order.
    pub async fn save_employees(
        &self,
        enterprise_id: i64,
        writes: &[(Option<i64>, EmployeeData)],
        now: i64,
    ) -> StoreResult<Vec<i64>> {
        self.writable_enterprise(enterprise_id).await?;
        let mut ids: Vec<i64> = vec![0; writes.len()];
        let new: Vec<(usize, &EmployeeData)> = writes
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| id.is_none())
            .map(|(i, (_, d))| (i, d))
            .collect();
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for chunk in new.chunks(INSERT_ROWS) {
                let mut sql = Sql::new(&format!(
                    "INSERT INTO employees (enterprise_id, {COLUMNS}, created_at, updated_at) VALUES "
                ));
                let marks = vec!["?"; N_COLUMNS + 3].join(", ");
                for (n, (_, data)) in chunk.iter().enumerate() {
                    if n > 0 {
                        sql.push(", ");
                    }
                    let mut params = vec![Param::Int(enterprise_id)];
                    params.extend(data.params());
                    params.extend([Param::Int(now), Param::Int(now)]);
                    sql.push_args(&format!("({marks})"), params);
                }
                sql.push(" RETURNING id, id_hash");
                let returned: Vec<(i64, Vec<u8>)> =
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                        .fetch_all(&mut *tx)
                        .await?;
                // RETURNING order is not guaranteed: match rows by their hash.
                for (id, hash) in returned {
                    if let Some((i, _)) = chunk.iter().find(|(_, d)| d.id_hash == hash) {
                        ids[*i] = id;
                    }
                }
                let mut audit = Sql::new(
                    "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, before_json, after_json) VALUES ",
                );
                for (n, (i, data)) in chunk.iter().enumerate() {
                    if n > 0 {
                        audit.push(", ");
                    }
                    audit.push_args("(?, ?, ?, ?, ?, ?, ?, ?)", vec![
                        Param::Int(now),
                        Param::OptInt(self.actor.id),
                        Param::Text(self.actor.name.clone()),
                        Param::Text("create".to_owned()),
                        Param::Text("employee".to_owned()),
                        Param::OptText(Some(ids[*i].to_string())),
                        Param::OptText(None),
                        Param::OptText(Some(data.audit_json().to_string())),
                    ]);
                }
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(audit.text.clone())), audit.params)
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, (existing, data)) in writes.iter().enumerate() {
                let Some(id) = existing else { continue };
                ids[i] = *id;
                let before: Option<String> = sqlx::query_scalar(
                    "SELECT id_masked FROM employees WHERE id = $1 AND enterprise_id = $2",
                )
                .bind(*id)
                .bind(enterprise_id)
                .fetch_optional(&mut *tx)
                .await?;
                if before.is_none() {
                    return Err(StoreError::NotFound);
                }
                let sets: Vec<String> = COLUMNS
                    .split(',')
                    .map(str::trim)
                    .map(|c| format!("{c} = ?"))
                    .collect();
                let mut sql = Sql::new("");
                let mut params = data.params();
                params.extend([Param::Int(now), Param::Int(*id)]);
                sql.push_args(
                    &format!("UPDATE employees SET {}, updated_at = ? WHERE id = ?", sets.join(", ")),
                    params,
                );
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                    .execute(&mut *tx)
                    .await?;
                audit!(&mut *tx, &Entry {
                    actor: &self.actor, at: now, action: "update", entity: "employee",
                    entity_id: Some(id.to_string()), before: None, after: Some(data.audit_json()),
                });
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    /// `employee id → enterprise id` for the ids whose enterprise the caller may write
    /// (declaring for them); ids outside are simply absent.
    pub async fn declarable(&self, ids: &[i64]) -> StoreResult<HashMap<i64, i64>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(
                "SELECT m.id, m.enterprise_id FROM employees m JOIN enterprises e ON e.id = m.enterprise_id WHERE ",
            );
            scope::enterprises(&self.scope, &mut sql);
            let phs: Vec<String> = chunk.iter().map(|i| sql.arg(Param::Int(*i))).collect();
            sql.push(&format!(" AND m.id IN ({})", phs.join(", ")));
            let rows: Vec<(i64, i64)> = with_db!(self.db, pool => {
                bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                    .fetch_all(pool)
                    .await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Revokes the employee's personal link (a new one is issued with the new version).
    pub async fn revoke_link(&self, id: i64, now: i64) -> StoreResult<i64> {
        let row = self.employee(id, None).await?;
        self.writable_enterprise(row.enterprise_id).await?;
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let v: i64 = sqlx::query_scalar(
                "UPDATE employees SET link_version = link_version + 1, updated_at = $1 WHERE id = $2 RETURNING link_version",
            )
            .bind(now)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, &Entry {
                actor: &self.actor, at: now, action: "revoke_link", entity: "employee",
                entity_id: Some(id.to_string()), before: None, after: Some(json!({"link_version": v})),
            });
            tx.commit().await?;
            v
        }))
    }

    /// Every file's id and ciphertext after `after_id` (system only: key rotation).
    pub async fn id_ciphers_after(
        &self,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, Vec<u8>)>> {
        if !self.scope.city {
            return Err(StoreError::NotFound);
        }
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, id_cipher FROM employees WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Rewrites numbers under a new key: `(id, cipher, hash)` (system only: rotation).
    pub async fn rekey_employees(&self, rows: &[(i64, Vec<u8>, Vec<u8>)]) -> StoreResult<()> {
        if !self.scope.city {
            return Err(StoreError::NotFound);
        }
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for (id, cipher, hash) in rows {
                sqlx::query("UPDATE employees SET id_cipher = $1, id_hash = $2 WHERE id = $3")
                    .bind(cipher)
                    .bind(hash)
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The personal link's view of an employee: no scope (the signed link is the
/// authority), only what the declaration page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHolder {
    pub id: i64,
    pub enterprise_id: i64,
    pub name: String,
    pub enterprise_name: String,
    pub link_version: i64,
}

pub struct Links<'a> {
    pub(crate) db: &'a crate::db::Db,
}

impl Links<'_> {
    pub async fn holder(&self, employee_id: i64) -> StoreResult<LinkHolder> {
        let row: Option<(i64, i64, String, String, i64)> = with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT m.id, m.enterprise_id, m.name, e.name, m.link_version
                 FROM employees m JOIN enterprises e ON e.id = m.enterprise_id WHERE m.id = $1",
            )
            .bind(employee_id)
            .fetch_optional(pool)
            .await?
        });
        let (id, enterprise_id, name, enterprise_name, link_version) =
            row.ok_or(StoreError::NotFound)?;
        Ok(LinkHolder {
            id,
            enterprise_id,
            name,
            enterprise_name,
            link_version,
        })
    }

    /// A setting's value, created with `make` when absent (the link-signing secret);
    /// the first writer wins when several instances start at once.
    pub async fn secret(&self, key: &str, make: String) -> StoreResult<String> {
        with_db!(self.db, pool => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(key)
                .bind(&make)
                .execute(pool)
                .await?;
            Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Records the ID keys' check values; `Conflict` when a version is known with
    /// another value (the wrong key file).
    pub async fn check_id_keys(&self, checks: &[(i64, String)], now: i64) -> StoreResult<()> {
        let known: Vec<(i64, String)> = with_db!(self.db, pool => {
            sqlx::query_as("SELECT version, check_value FROM id_keys").fetch_all(pool).await?
        });
        for (v, c) in checks {
            if known.iter().any(|(kv, kc)| kv == v && kc != c) {
                return Err(StoreError::Conflict("id_key_mismatch"));
            }
        }
        // A file without the newest version this database was written with is stale.
        let newest_known = known.iter().map(|(v, _)| *v).max();
        let newest_here = checks.iter().map(|(v, _)| *v).max();
        if newest_known > newest_here {
            return Err(StoreError::Conflict("id_key_mismatch"));
        }
        let has_rows: i64 = with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM employees").fetch_one(pool).await?
        });
        if has_rows > 0
            && !known.is_empty()
            && !checks
                .iter()
                .any(|(v, _)| known.iter().any(|(kv, _)| kv == v))
        {
            return Err(StoreError::Conflict("id_key_mismatch"));
        }
        with_db!(self.db, pool => {
            for (v, c) in checks {
                sqlx::query("INSERT INTO id_keys (version, check_value, created_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING")
                    .bind(*v)
                    .bind(c)
                    .bind(now)
                    .execute(pool)
                    .await?;
            }
        });
        Ok(())
    }
}
