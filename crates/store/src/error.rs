use std::path::PathBuf;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme '{0}' (use postgres://… or sqlite://…)")]
    UnknownScheme(String),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open SQLite database {path}: {reason}")]
    SqliteOpen { path: PathBuf, reason: String },
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    PostgresConnect { target: String, reason: String },
    #[error(
        "the database is at schema version {found}, newer than this fugong knows ({known}); use a newer fugong"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error("backup is only available for SQLite; use pg_dump for PostgreSQL")]
    BackupUnsupported,
    #[error("backup target {0} already exists")]
    BackupExists(PathBuf),
    #[error("not found")]
    NotFound,
    /// A uniqueness or state rule refused the write; the code is translatable.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

impl StoreError {
    /// The database could not be reached (as opposed to a query that failed).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Sql(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            ) | StoreError::PostgresConnect { .. }
        )
    }
}
