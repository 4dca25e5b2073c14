//! Industrial parks and functional zones.

use crate::StoreResult;
use crate::db::Db;

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ParkRow {
        pub id: i64,
        pub code: String,
        pub name: String,
        pub kind: String,
        pub region_code: String,
    }
}

#[derive(Debug, Clone)]
pub struct NewPark {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub region_code: String,
}

pub struct Parks<'a> {
    pub(crate) db: &'a Db,
}

impl Parks<'_> {
    /// Inserts or updates parks by code, all in one transaction.
    pub async fn upsert_all(&self, parks: &[NewPark]) -> StoreResult<usize> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for p in parks {
                sqlx::query(
                    "INSERT INTO parks (code, name, kind, region_code) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                        region_code = excluded.region_code",
                )
                .bind(&p.code)
                .bind(&p.name)
                .bind(p.kind)
                .bind(&p.region_code)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(parks.len())
    }

    pub async fn all(&self) -> StoreResult<Vec<ParkRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, code, name, kind, region_code FROM parks ORDER BY code")
                .fetch_all(pool)
                .await?
        }))
    }
}
