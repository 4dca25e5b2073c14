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

    /// The rejected rows of the caller's own import; anyone else's is `NotFound`.
    pub async fn rejected_xlsx(&self, id: i64, user_id: i64) -> StoreResult<Vec<u8>> {
        let bytes: Option<Option<Vec<u8>>> = with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT rejected_xlsx FROM import_reports WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .fetch_optional(pool)
                .await?
        });
        bytes.flatten().ok_or(StoreError::NotFound)
    }
}
