//! The region tree. Regions are the city's structure, visible to every signed-in user;
//! what is *inside* a region (enterprises, employees…) is what data scopes restrict.

use crate::db::Db;
use crate::{StoreError, StoreResult};

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RegionRow {
        pub code: String,
        pub name: String,
        pub parent_code: Option<String>,
        pub level: String,
        pub synthetic: bool,
        pub children: i64,
    }
}

#[derive(Debug, Clone)]
pub struct NewRegion {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub level: &'static str,
    pub synthetic: bool,
}

pub struct Regions<'a> {
    pub(crate) db: &'a Db,
}

macro_rules! select {
    () => {
        "SELECT r.code, r.name, r.parent_code, r.level, r.synthetic,
        (SELECT COUNT(*) FROM regions c WHERE c.parent_code = r.code) AS children
    FROM regions r"
    };
}

impl Regions<'_> {
    /// Inserts or renames regions, parents first, in one transaction: all or nothing.
    pub async fn upsert_all(&self, regions: &[NewRegion]) -> StoreResult<usize> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            for r in regions {
                sqlx::query(
                    "INSERT INTO regions (code, name, parent_code, level, synthetic)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name,
                        parent_code = excluded.parent_code, level = excluded.level,
                        synthetic = excluded.synthetic",
                )
                .bind(&r.code)
                .bind(&r.name)
                .bind(&r.parent_code)
                .bind(r.level)
                .bind(r.synthetic)
                .execute(&mut *tx)
                .await?;
            }
            audit!(&mut *tx, &crate::audit::Entry {
                actor: &crate::audit::Actor::system(), at: chrono::Utc::now().timestamp_millis(), action: "upsert",
                entity: "regions", entity_id: None, before: None,
                after: Some(serde_json::json!({ "rows": regions.len() })),
            });
            tx.commit().await?;
        });
        Ok(regions.len())
    }

    pub async fn get(&self, code: &str) -> StoreResult<RegionRow> {
        let row: Option<RegionRow> = with_db!(self.db, pool => {
            sqlx::query_as(concat!(select!(), " WHERE r.code = $1"))
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The top of the tree (regions without a parent) when `parent` is `None`.
    pub async fn children(&self, parent: Option<&str>) -> StoreResult<Vec<RegionRow>> {
        Ok(with_db!(self.db, pool => {
            match parent {
                Some(code) => sqlx::query_as(concat!(select!(), " WHERE r.parent_code = $1 ORDER BY r.code"))
                    .bind(code)
                    .fetch_all(pool)
                    .await?,
                None => sqlx::query_as(concat!(select!(), " WHERE r.parent_code IS NULL ORDER BY r.code"))
                    .fetch_all(pool)
                    .await?,
            }
        }))
    }

    /// The chain from the root down to `code`, for breadcrumbs.
    pub async fn ancestry(&self, code: &str) -> StoreResult<Vec<RegionRow>> {
        let mut chain = Vec::new();
        let mut next = Some(code.to_owned());
        while let Some(c) = next {
            let row = self.get(&c).await?;
            next = row.parent_code.clone();
            chain.push(row);
            if chain.len() > 8 {
                break; // a cycle in imported data must not hang a page
            }
        }
        chain.reverse();
        Ok(chain)
    }

    pub async fn all_codes(&self) -> StoreResult<Vec<String>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT code FROM regions").fetch_all(pool).await?
        }))
    }

    pub async fn count(&self) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM regions").fetch_one(pool).await?
        }))
    }
}
