//! Numbered migrations, one SQL file per engine under the same number
//! (`migrations/sqlite/0001_init.sql` and `migrations/postgres/0001_init.sql`), applied
//! in order at start. Several servers starting at once on one PostgreSQL serialise on an
//! advisory lock; on SQLite `BEGIN IMMEDIATE` does the same.

use crate::db::Db;
use crate::{StoreError, StoreResult};
use std::collections::BTreeMap;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!(
                "../../../migrations/sqlite/",
                stringify!($version),
                "_",
                $name,
                ".sql"
            )),
            postgres: include_str!(concat!(
                "../../../migrations/postgres/",
                stringify!($version),
                "_",
                $name,
                ".sql"
            )),
        }
    };
}

/// Every migration this build knows, in order. A test checks that this list and the
/// files in both `migrations/` folders agree.
#[allow(clippy::zero_prefixed_literal)] // the number is also the file name: 0001_init.sql
pub const MIGRATIONS: &[Migration] = &[
    migration!(0001, "init"),
    migration!(0002, "accounts"),
    migration!(0003, "enterprises"),
    migration!(0004, "liaison"),
    migration!(0005, "requests"),
    migration!(0006, "workforce"),
];

/// City data tables, children before parents: what `fugong demo --force` empties.
/// Reference data (industries) and the migration record are kept. A test checks that
/// every table of the schema is either here or in `KEPT_TABLES`.
pub const DATA_TABLES_CHILDREN_FIRST: &[&str] = &[
    "import_jobs",
    "health_alerts",
    "declaration_counts",
    "declarations",
    "employees",
    "attachments",
    "notifications",
    "request_events",
    "requests",
    "routing_rules",
    "calendar_days",
    "settings",
    "visits",
    "assignments",
    "campaigns",
    "cadres",
    "import_reports",
    "enterprise_status_history",
    "organisations",
    "enterprises",
    "login_attempts",
    "api_tokens",
    "sessions",
    "grants",
    "users",
    "parks",
    "regions",
];

/// Tables `reset_data` leaves alone.
/// The audit log is kept: it is append-only, even across a demo reload.
/// The ID-key check values stay: the rows they protect may be reloaded, the key not.
pub const KEPT_TABLES: &[&str] = &["schema_migrations", "industries", "audit_log", "id_keys"];

/// What `run` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub before: i64,
    pub after: i64,
}

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// An arbitrary constant naming fugong's migration lock among PostgreSQL advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x6675_676f_6e67;

/// The highest applied version on `$conn`; a macro so it runs on either engine's connection.
macro_rules! current {
    ($conn:expr) => {
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM schema_migrations")
            .fetch_one($conn)
            .await?
            .unwrap_or(0)
    };
}

macro_rules! record {
    ($conn:expr, $m:expr) => {
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind($m.version)
            .bind($m.name)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute($conn)
            .await?
    };
}

pub async fn run(db: &Db) -> StoreResult<Applied> {
    match db {
        Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            sqlx::query(CREATE_LEDGER).execute(&mut *conn).await?;
            let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
            let before = current!(&mut *tx);
            check_not_newer(before)?;
            for m in MIGRATIONS.iter().filter(|m| m.version > before) {
                sqlx::raw_sql(m.sqlite)
                    .execute(&mut *tx)
                    .await
                    .map_err(|source| failed(m, source))?;
                record!(&mut *tx, m);
            }
            tx.commit().await?;
            Ok(Applied {
                before,
                after: latest_version().max(before),
            })
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            let result = async {
                sqlx::query(CREATE_LEDGER).execute(&mut *conn).await?;
                let before = current!(&mut *conn);
                check_not_newer(before)?;
                for m in MIGRATIONS.iter().filter(|m| m.version > before) {
                    // PostgreSQL DDL is transactional: a failed migration leaves nothing.
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    sqlx::raw_sql(m.postgres)
                        .execute(&mut *tx)
                        .await
                        .map_err(|source| failed(m, source))?;
                    record!(&mut *tx, m);
                    tx.commit().await?;
                }
                Ok(Applied {
                    before,
                    after: latest_version().max(before),
                })
            }
            .await;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
            result
        }
    }
}

fn failed(m: &Migration, source: sqlx::Error) -> StoreError {
    StoreError::Migration {
        version: m.version,
        name: m.name,
        source,
    }
}

fn check_not_newer(found: i64) -> StoreResult<()> {
    let known = latest_version();
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    Ok(())
}

/// One column as both engines can describe it: name, a type family, nullability.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    pub name: String,
    pub kind: String,
    pub not_null: bool,
}

/// Table name → columns (sorted by name).
pub type Schema = BTreeMap<String, Vec<Column>>;

/// Reduces each engine's spelling of a type to one family name, so that `BIGINT` on
/// PostgreSQL and `INTEGER` on SQLite compare equal while `TEXT` and `BIGINT` do not.
pub fn type_family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let family = if t.contains("int") {
        "int"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("bool") {
        "bool"
    } else if t.contains("real") || t.contains("double") || t.contains("float") {
        "real"
    } else if t.contains("numeric") || t.contains("decimal") {
        "numeric"
    } else if t.contains("timestamp") {
        "timestamp"
    } else if t == "date" {
        "date"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else if t.contains("json") {
        "json"
    } else {
        return t;
    };
    family.to_owned()
}

pub async fn schema(db: &Db) -> StoreResult<Schema> {
    let rows: Vec<(String, String, String, bool)> =
        match db {
            Db::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name, p.type, (p.\"notnull\" = 1 OR p.pk > 0)
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(pool)
                .await?
            }
            Db::Postgres(pool) => sqlx::query_as(
                "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable = 'NO'
             FROM information_schema.columns WHERE table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await?,
        };
    let mut schema = Schema::new();
    for (table, name, declared, not_null) in rows {
        schema.entry(table).or_default().push(Column {
            name,
            kind: type_family(&declared),
            not_null,
        });
    }
    for cols in schema.values_mut() {
        cols.sort();
    }
    Ok(schema)
}
