//! Bulk loading for the demo data set and the scale generator: many rows per
//! statement, one transaction, one summary audit row instead of one per row.

use crate::StoreResult;
use crate::audit::{Actor, Entry};
use crate::db::Db;
use crate::query::{Param, Sql};
use serde_json::json;

/// Inserts `rows` into `table (columns…)` in chunks of multi-row `VALUES`, inside
/// one transaction, then records one audit row `seed <table> (n rows)`.
pub async fn bulk_insert(
    db: &Db,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Param>>,
    now: i64,
) -> StoreResult<usize> {
    let n = rows.len();
    // sqlx binds SQLite parameters in time quadratic in their number per statement:
    // a few hundred per statement is fastest (demo load, debug build: 8,000 per
    // statement 4.9 s, 800 1.1 s, 240 0.9 s).
    let per_chunk = (240 / columns.len().max(1)).max(1);
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let placeholders = format!("({})", vec!["?"; columns.len()].join(", "));
    with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        for chunk in rows.chunks(per_chunk) {
            let mut sql = Sql::new(&head);
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push_args(&placeholders, row.clone());
            }
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), sql.params)
                .execute(&mut *tx)
                .await?;
        }
        audit!(&mut *tx, &Entry {
            actor: &Actor::system(), at: now, action: "seed", entity: table, entity_id: None,
            before: None, after: Some(json!({ "rows": n })),
        });
        tx.commit().await?;
    });
    Ok(n)
}

/// Ids by a text key column, e.g. enterprise ids by USCC after a bulk insert.
pub async fn ids_by(db: &Db, table: &str, key: &str) -> StoreResult<Vec<(String, i64)>> {
    let sql = format!("SELECT {key}, id FROM {table}");
    Ok(with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
    }))
}

/// Every id of `table` in insertion order (a fresh seed's rows are numbered in order).
pub async fn ids_in_order(db: &Db, table: &str) -> StoreResult<Vec<i64>> {
    let sql = format!("SELECT id FROM {table} ORDER BY id");
    Ok(with_db!(db, pool => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
    }))
}
