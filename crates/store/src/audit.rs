//! The audit log: append-only (the database refuses UPDATE and DELETE on it). Writes
//! elsewhere in the store record their audit row in the same transaction through
//! [`audit!`], so a change and its record are committed together or not at all.

use crate::StoreResult;
use crate::db::Db;
use serde_json::Value;

/// Who did it. `id` is `None` for the system (CLI, background jobs) and for
/// anonymous callers such as a failed login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            id: None,
            name: "system".to_owned(),
        }
    }

    pub fn user(id: i64, name: &str) -> Actor {
        Actor {
            id: Some(id),
            name: name.to_owned(),
        }
    }
}

/// One audit row to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    pub at: i64,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Inserts an audit entry on `$conn` (a transaction of either engine).
macro_rules! audit {
    ($conn:expr, $entry:expr) => {{
        let e: &$crate::audit::Entry = $entry;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, before_json, after_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.at)
        .bind(e.actor.id)
        .bind(&e.actor.name)
        .bind(e.action)
        .bind(e.entity)
        .bind(&e.entity_id)
        .bind(e.before.as_ref().map(|v| v.to_string()))
        .bind(e.after.as_ref().map(|v| v.to_string()))
        .execute($conn)
        .await?;
    }};
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AuditRow {
        pub id: i64,
        pub at: i64,
        pub actor_id: Option<i64>,
        pub actor_name: String,
        pub action: String,
        pub entity: String,
        pub entity_id: Option<String>,
        pub before_json: Option<String>,
        pub after_json: Option<String>,
    }
}

/// Filters of the audit page; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Inclusive lower bound, Unix ms.
    pub from: Option<i64>,
    /// Exclusive upper bound, Unix ms.
    pub to: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

pub struct Audit<'a> {
    pub(crate) db: &'a Db,
}

impl Audit<'_> {
    /// Writes one entry on its own (for events that change nothing else: logins,
    /// views of personal data).
    pub async fn append(&self, entry: &Entry<'_>) -> StoreResult<()> {
        with_db!(self.db, pool => { audit!(pool, entry); });
        Ok(())
    }

    /// Newest first. `$5` is the limit; NULL parameters switch a filter off.
    pub async fn list(&self, f: &AuditFilter) -> StoreResult<(Vec<AuditRow>, i64)> {
        macro_rules! bind_filters {
            ($q:expr) => {
                $q.bind(&f.actor).bind(&f.entity).bind(f.from).bind(f.to)
            };
        }
        Ok(with_db!(self.db, pool => {
            let rows: Vec<AuditRow> = bind_filters!(sqlx::query_as(
                "SELECT id, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json
                 FROM audit_log
                 WHERE (CAST($1 AS TEXT) IS NULL OR actor_name = $1) AND (CAST($2 AS TEXT) IS NULL OR entity = $2)
                   AND (CAST($3 AS BIGINT) IS NULL OR at >= $3) AND (CAST($4 AS BIGINT) IS NULL OR at < $4)
                   AND (CAST($7 AS TEXT) IS NULL OR entity_id = $7)
                 ORDER BY id DESC LIMIT $5 OFFSET $6"
            ))
            .bind(f.limit)
            .bind(f.offset)
            .bind(&f.entity_id)
            .fetch_all(pool)
            .await?;
            let total: i64 = bind_filters!(sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log
                 WHERE (CAST($1 AS TEXT) IS NULL OR actor_name = $1) AND (CAST($2 AS TEXT) IS NULL OR entity = $2)
                   AND (CAST($3 AS BIGINT) IS NULL OR at >= $3) AND (CAST($4 AS BIGINT) IS NULL OR at < $4)
                   AND (CAST($5 AS TEXT) IS NULL OR entity_id = $5)"
            ))
            .bind(&f.entity_id)
            .fetch_one(pool)
            .await?;
            (rows, total)
        }))
    }
}
