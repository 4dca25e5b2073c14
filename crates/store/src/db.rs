//! The two engines behind one type, and everything engine-specific about opening them.

use crate::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Runs `$body` with `$pool` bound to whichever pool is open. The body is expanded once
/// per engine, so it may use the engine's concrete row and transaction types while the
/// SQL text stays the same.
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Implements `sqlx::FromRow` for both engines' rows by column name, so a row struct is
/// declared once. Field types must decode on both engines (i64, String, bool, f64,
/// Option<…>, chrono::NaiveDate).
#[macro_export]
macro_rules! row_struct {
    ($(#[$m:meta])* pub struct $name:ident { $(pub $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        pub struct $name { $(pub $field: $ty),* }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> sqlx::Result<Self> {
                use sqlx::Row;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
                use sqlx::Row;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the data lives, decided once from configuration. A mistyped URL is refused
/// here rather than silently creating an empty SQLite file somewhere.
#[derive(Clone, PartialEq, Eq)]
pub enum DbTarget {
    SqliteFile(PathBuf),
    Postgres(String),
}

impl DbTarget {
    /// `database_url` wins when set; otherwise `fugong.db` inside the data directory.
    pub fn from_config(database_url: Option<&str>, data_dir: &Path) -> StoreResult<DbTarget> {
        let Some(url) = database_url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(DbTarget::SqliteFile(data_dir.join("fugong.db")));
        };
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Ok(DbTarget::Postgres(url.to_owned())),
            "sqlite" => {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or("");
                let path = path.split('?').next().unwrap_or("");
                if path.is_empty() || path == ":memory:" {
                    return Err(StoreError::UnknownScheme(format!("{url} (no file path)")));
                }
                Ok(DbTarget::SqliteFile(PathBuf::from(path)))
            }
            _ => Err(StoreError::UnknownScheme(scheme)),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbTarget::SqliteFile(_) => Backend::Sqlite,
            DbTarget::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Never prints a password: `postgres://user:***@host/db`.
impl fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbTarget::SqliteFile(p) => write!(f, "sqlite:{}", p.display()),
            DbTarget::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

impl fmt::Display for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Replaces the password of `scheme://user:password@host…` and any `password=` query
/// parameter with `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let rest = &out[start..];
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            out.replace_range(start + colon + 1..start + at, "***");
        }
    }
    if let Some(i) = out.find("password=") {
        let from = i + "password=".len();
        let to = out[from..].find('&').map(|j| from + j).unwrap_or(out.len());
        out.replace_range(from..to, "***");
    }
    out
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub async fn connect(target: &DbTarget) -> StoreResult<Db> {
        match target {
            DbTarget::SqliteFile(path) => connect_sqlite(path).await,
            DbTarget::Postgres(url) => connect_postgres(url).await,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn ping(&self) -> StoreResult<()> {
        with_db!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    pub async fn backup(&self, dest: &Path) -> StoreResult<()> {
        let Db::Sqlite(pool) = self else {
            return Err(StoreError::BackupUnsupported);
        };
        if dest.exists() {
            return Err(StoreError::BackupExists(dest.to_owned()));
        }
        // VACUUM INTO writes a consistent, compacted copy while readers and writers go on.
        let quoted = dest.to_string_lossy().replace('\'', "''");
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{quoted}'")))
            .execute(pool)
            .await?;
        Ok(())
    }
}

async fn connect_sqlite(path: &Path) -> StoreResult<Db> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before it is acknowledged, so a power cut never
        // loses an answered write. Group commit keeps the fsyncs few.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        .pragma("temp_store", "memory")
        // Pages are read through a memory map and a bigger cache instead of one read()
        // per page: at city scale the declaration writer's random keys otherwise spend
        // much of its time copying pages from the kernel (see BENCHMARKS.md).
        .pragma("mmap_size", "1073741824")
        .pragma("cache_size", "-32768");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::SqliteOpen {
            path: path.to_owned(),
            reason: reason(&e),
        })?;
    // Opening is lazy about the file's contents; read the schema now so a file that is
    // not a database fails here with its name, not later in some request.
    sqlx::query("SELECT COUNT(*) FROM sqlite_master")
        .execute(&pool)
        .await
        .map_err(|e| StoreError::SqliteOpen {
            path: path.to_owned(),
            reason: reason(&e),
        })?;
    Ok(Db::Sqlite(pool))
}

async fn connect_postgres(url: &str) -> StoreResult<Db> {
    let redacted = redact_url(url);
    let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::PostgresConnect {
        target: redacted.clone(),
        reason: reason(&e),
    })?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::PostgresConnect {
            target,
            reason: reason(&e),
        })?;
    Ok(Db::Postgres(pool))
}

/// The innermost message of a connection error, without sqlx's wrapping.
fn reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        other => other.to_string(),
    }
}
