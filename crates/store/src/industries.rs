//! GB/T 4754-2017 industry classification: reference data, the same for every city.

use crate::StoreResult;
use crate::db::Db;

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct IndustryRow {
        pub code: String,
        pub kind: String,
        pub section: String,
        pub name: String,
        pub name_en: Option<String>,
    }
}

pub struct Industries<'a> {
    pub(crate) db: &'a Db,
}

impl Industries<'_> {
    /// Loads the classification when the table is empty; a no-op afterwards, so every
    /// start may call it.
    pub async fn ensure_loaded(&self, rows: &[IndustryRow]) -> StoreResult<bool> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM industries")
                .fetch_one(&mut *tx)
                .await?;
            if n > 0 {
                return Ok(false);
            }
            for r in rows {
                sqlx::query(
                    "INSERT INTO industries (code, kind, section, name, name_en)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING",
                )
                .bind(&r.code)
                .bind(&r.kind)
                .bind(&r.section)
                .bind(&r.name)
                .bind(&r.name_en)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Sections and divisions, each section followed by its divisions.
    pub async fn all(&self) -> StoreResult<Vec<IndustryRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT code, kind, section, name, name_en FROM industries
                 ORDER BY section, CASE kind WHEN 'section' THEN 0 ELSE 1 END, code",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
