//! Import reports: the rejected rows of an import, kept for the importer to download
//! (in the database, so any instance can serve the download).

use crate::db::Db;
use crate::{StoreError, StoreResult};

pub struct Imports<'a> {
    pub(crate) db: &'a Db,
}

pub struct NewReport<'a> {
    pub user_id: Option<i64>,
    pub kind: &'a str,
    pub inserted: i64,
    pub updated: i64,
    pub rejected: i64,
    pub rejected_xlsx: Option<Vec<u8>>,
}

impl Imports<'_> {
    pub async fn save(&self, r: NewReport<'_>, now: i64) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar(
                "INSERT INTO import_reports (user_id, kind, created_at, inserted, updated, rejected, rejected_xlsx)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(r.user_id)
            .bind(r.kind)
            .bind(now)
            .bind(r.inserted)
            .bind(r.updated)
            .bind(r.rejected)
            .bind(r.rejected_xlsx)
            .fetch_one(pool)
            .await?
        }))
    }
}

row_struct! {
    /// A background import: who started it, how far it is, and its report once done.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ImportJobRow {
        pub id: i64,
        pub user_id: Option<i64>,
        pub kind: String,
        pub enterprise_id: Option<i64>,
        // running | done | failed
        pub state: String,
        pub total: i64,
        pub done: i64,
        // The finished report (counts and problems), or the error, as JSON.
        pub report_json: Option<String>,
        // The kept rejected rows (`import_reports`), when there were any.
        pub report_id: Option<i64>,
        pub started_at: i64,
        pub updated_at: i64,
    }
}

impl Imports<'_> {
    /// Records a started import (state `running`, nothing done yet).
    pub async fn create_job(
        &self,
        user_id: i64,
        kind: &str,
        enterprise_id: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar(
                "INSERT INTO import_jobs (user_id, kind, enterprise_id, state, total, done, started_at, updated_at)
                 VALUES ($1, $2, $3, 'running', 0, 0, $4, $4) RETURNING id",
            )
            .bind(user_id)
            .bind(kind)
            .bind(enterprise_id)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Moves a running job's progress (called between chunks, not per row).
    pub async fn job_progress(&self, id: i64, done: i64, total: i64, now: i64) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query(
                "UPDATE import_jobs SET done = $1, total = $2, updated_at = $3 WHERE id = $4 AND state = 'running'",
            )
            .bind(done)
            .bind(total)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Ends a running job: `done` with its report, or `failed` with the error.
    pub async fn finish_job(
        &self,
        id: i64,
        state: &str,
        report_json: &str,
        report_id: Option<i64>,
        now: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query(
                "UPDATE import_jobs SET state = $1, report_json = $2, report_id = $3, updated_at = $4
                 WHERE id = $5 AND state = 'running'",
            )
            .bind(state)
            .bind(report_json)
            .bind(report_id)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The caller's own job; anyone else's is `NotFound`.
    pub async fn job(&self, id: i64, user_id: i64) -> StoreResult<ImportJobRow> {
        let row: Option<ImportJobRow> = with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT id, user_id, kind, enterprise_id, state, total, done, report_json, report_id, started_at, updated_at
                 FROM import_jobs WHERE id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The rejected rows of the caller's own import of `kind`; anything else is
    /// `NotFound` (an enterprise report is plain, an employee report sealed).
    pub async fn rejected_xlsx_of(
        &self,
        id: i64,
        user_id: i64,
        kind: &str,
    ) -> StoreResult<Vec<u8>> {
        let bytes: Option<Option<Vec<u8>>> = with_db!(self.db, pool => {
            sqlx::query_scalar(
                "SELECT rejected_xlsx FROM import_reports WHERE id = $1 AND user_id = $2 AND kind = $3",
            )
            .bind(id)
            .bind(user_id)
            .bind(kind)
            .fetch_optional(pool)
            .await?
        });
        bytes.flatten().ok_or(StoreError::NotFound)
    }
}
