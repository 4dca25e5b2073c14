//! Storage. `Store` wraps one database — an embedded SQLite file or a PostgreSQL
//! server — behind the same functions, one module per feature. SQL is written once,
//! in the subset both engines share (`$1` placeholders, `ON CONFLICT`, `RETURNING`,
//! `CAST`), and run on whichever pool is open through [`with_db!`].
//!
//! Conventions that make "written once" work:
//! - integers are `BIGINT` (i64) on both engines; money is integer fen;
//! - instants are `BIGINT` Unix milliseconds (UTC), calendar days are `DATE`
//!   (`YYYY-MM-DD` text on SQLite), flags are `BOOLEAN`;
//! - schema changes are numbered migrations with the same number and the same
//!   tables and columns for both engines (a test compares them).

#[macro_use]
mod db;
#[macro_use]
pub mod query;
#[macro_use]
pub mod audit;
pub mod accounts;
pub mod declarations;
pub mod enterprises;
mod error;
pub mod imports;
pub mod industries;
pub mod liaison;
pub mod migrate;
pub mod organisations;
pub mod parks;
pub mod regions;
pub mod requests;
pub mod scope;
mod seed;
pub mod workforce;
pub use query::Param;

pub use db::{Backend, DbTarget, redact_url};
pub use error::{StoreError, StoreResult};

use db::Db;
use std::path::Path;

/// The handle every layer above uses. Cheap to clone (pools are shared).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
}

impl Store {
    /// Opens (creating an SQLite file if needed) without migrating.
    pub async fn open(target: &DbTarget) -> StoreResult<Store> {
        Ok(Store {
            db: Db::connect(target).await?,
        })
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await
    }

    /// Applies pending migrations; safe to run from several instances at once.
    pub async fn migrate(&self) -> StoreResult<migrate::Applied> {
        migrate::run(&self.db).await
    }

    /// A consistent copy of an SQLite database into `dest` while the server runs.
    pub async fn backup(&self, dest: &Path) -> StoreResult<()> {
        self.db.backup(dest).await
    }

    /// Whether the database holds anything besides the shipped reference data.
    pub async fn holds_data(&self) -> StoreResult<bool> {
        let n: i64 = with_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM regions) + (SELECT COUNT(*) FROM users)")
                .fetch_one(pool)
                .await?
        });
        Ok(n > 0)
    }

    /// Deletes every row of city data (not reference data, not the migration record),
    /// children before parents, in one transaction. Used by `fugong demo --force`.
    pub async fn reset_data(&self) -> StoreResult<()> {
        with_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            for table in migrate::DATA_TABLES_CHILDREN_FIRST {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Table → columns of the live schema, for the drift test and `fugong migrate --show`.
    pub async fn schema(&self) -> StoreResult<migrate::Schema> {
        migrate::schema(&self.db).await
    }

    pub fn accounts(&self) -> accounts::Accounts<'_> {
        accounts::Accounts { db: &self.db }
    }

    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit { db: &self.db }
    }

    /// Scoped data as `principal` may see and change it.
    pub fn scoped(&self, principal: &domain::Principal) -> scope::Scoped<'_> {
        scope::Scoped::of(&self.db, principal)
    }

    /// Scoped data for the whole city, acting as the system (CLI, demo loader, jobs).
    pub fn system(&self) -> scope::Scoped<'_> {
        scope::Scoped::system(&self.db)
    }

    /// The declaration writer and the personal page's reads (no scope: the app
    /// checked the caller, or the signed link is the authority).
    pub fn declarations(&self) -> declarations::Declarations<'_> {
        declarations::Declarations { db: &self.db }
    }

    /// What a personal declaration link and start-up key checks need.
    pub fn links(&self) -> workforce::Links<'_> {
        workforce::Links { db: &self.db }
    }

    pub fn imports(&self) -> imports::Imports<'_> {
        imports::Imports { db: &self.db }
    }

    pub fn regions(&self) -> regions::Regions<'_> {
        regions::Regions { db: &self.db }
    }

    pub fn organisations(&self) -> organisations::Organisations<'_> {
        organisations::Organisations { db: &self.db }
    }

    pub fn parks(&self) -> parks::Parks<'_> {
        parks::Parks { db: &self.db }
    }

    pub fn industries(&self) -> industries::Industries<'_> {
        industries::Industries { db: &self.db }
    }

    /// Bulk load for the demo and the scale generator (system only; one summary audit
    /// row per table). Not for user-facing writes, which go through `scoped`.
    pub async fn seed(
        &self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Param>>,
        now: i64,
    ) -> StoreResult<usize> {
        seed::bulk_insert(&self.db, table, columns, rows, now).await
    }

    /// `key → id` of every row of `table`, after a seed.
    pub async fn seeded_ids(&self, table: &str, key: &str) -> StoreResult<Vec<(String, i64)>> {
        seed::ids_by(&self.db, table, key).await
    }

    /// Every id of `table` in insertion order, after a seed.
    pub async fn seeded_order(&self, table: &str) -> StoreResult<Vec<i64>> {
        seed::ids_in_order(&self.db, table).await
    }

    /// Closes the pools, waiting for connections to return.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}
