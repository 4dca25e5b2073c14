//! Party and government organisations, each placed in the region tree.

use crate::StoreResult;
use crate::db::Db;

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OrganisationRow {
        pub id: i64,
        pub kind: String,
        pub name: String,
        pub region_code: String,
        pub region_name: String,
        pub park_name: Option<String>,
        pub industry_code: Option<String>,
        pub enterprise_id: Option<i64>,
    }
}

pub struct Organisations<'a> {
    pub(crate) db: &'a Db,
}

impl Organisations<'_> {
    /// Organisations of one kind (or all), by region then name; enterprise branches are
    /// many, so the caller pages.
    pub async fn list(
        &self,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<OrganisationRow>, i64)> {
        Ok(with_db!(self.db, pool => {
            let rows: Vec<OrganisationRow> = sqlx::query_as(
                "SELECT o.id, o.kind, o.name, o.region_code, r.name AS region_name, p.name AS park_name,
                        o.industry_code, o.enterprise_id
                 FROM organisations o JOIN regions r ON r.code = o.region_code LEFT JOIN parks p ON p.id = o.park_id
                 WHERE (CAST($1 AS TEXT) IS NULL OR o.kind = $1)
                 ORDER BY CASE o.kind WHEN 'two_new_committee' THEN 0 WHEN 'department' THEN 1
                          WHEN 'industry_committee' THEN 2 WHEN 'park_org' THEN 3 ELSE 4 END, o.region_code, o.name
                 LIMIT $2 OFFSET $3",
            )
            .bind(kind)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations WHERE (CAST($1 AS TEXT) IS NULL OR kind = $1)")
                .bind(kind)
                .fetch_one(pool)
                .await?;
            (rows, total)
        }))
    }

    /// Counts by kind.
    pub async fn counts(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT kind, COUNT(*) FROM organisations GROUP BY kind ORDER BY kind").fetch_all(pool).await?
        }))
    }
}
