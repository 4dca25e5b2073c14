//! Declarations benchmark helpers (issue #7), driven by `bench/declarations.sh`:
//!
//! - `raw ROWS`: the raw insert rate of the same database (the file in FUGONG_DATA or
//!   DATABASE_URL, the server's settings) into the same `declarations` table, 10,000
//!   rows per transaction, plain INSERTs without counters or alerts. SQLite: two ways,
//!   multi-row VALUES (26 rows a statement) and one json_each statement per
//!   transaction, and the better is the limit; PostgreSQL: one UNNEST statement per
//!   transaction from four connections at once (as the server's four writers). The
//!   HTTP figures are divided by this.
//! - `sheet ROWS FILE`: an employee import workbook of ROWS valid, distinct people
//!   (for timing `fugong import employees` at 100,000 rows).
//! - `counts BASE TOKEN DATE N`: the dashboard's counts of a day by enterprise and by
//!   district through HTTP (N requests each, p50/p99 server round trip), and the same
//!   counts computed by scanning the day's declarations, for comparison.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p) as usize]
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

async fn pool() -> Pool {
    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => Pool::Postgres(sqlx::PgPool::connect(&url).await.unwrap()),
        None => {
            let data = std::env::var("FUGONG_DATA").unwrap();
            // The server's own settings: WAL, synchronous=FULL.
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(format!("{data}/fugong.db"))
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
                .foreign_keys(true)
                .pragma("mmap_size", "1073741824")
                .pragma("cache_size", "-32768");
            Pool::Sqlite(sqlx::SqlitePool::connect_with(opts).await.unwrap())
        }
    }
}

fn pool_clone(p: &Pool) -> Pool {
    match p {
        Pool::Sqlite(p) => Pool::Sqlite(p.clone()),
        Pool::Postgres(p) => Pool::Postgres(p.clone()),
    }
}

async fn raw(rows: usize) {
    let pool = pool().await;
    let day =
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() - chrono::Duration::days(60);
    let (max_id, ent): (i64, Vec<(i64, i64)>) = match &pool {
        Pool::Sqlite(p) => {
            let v: Vec<(i64, i64)> =
                sqlx::query_as("SELECT id, enterprise_id FROM employees ORDER BY id")
                    .fetch_all(p)
                    .await
                    .unwrap();
            (v.len() as i64, v)
        }
        Pool::Postgres(p) => {
            let v: Vec<(i64, i64)> =
                sqlx::query_as("SELECT id, enterprise_id FROM employees ORDER BY id")
                    .fetch_all(p)
                    .await
                    .unwrap();
            (v.len() as i64, v)
        }
    };
    let rows = rows.min(max_id as usize);
    // Random employees, like the HTTP load (xorshift, fixed seed).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut pick = Vec::with_capacity(rows);
    let mut seen = std::collections::HashSet::new();
    while pick.len() < rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % ent.len() as u64) as usize;
        if seen.insert(i) {
            pick.push(ent[i]);
        }
    }
    let methods: &[&str] = match &pool {
        Pool::Sqlite(_) => &["values", "json"],
        Pool::Postgres(_) => &["unnest"],
    };
    // Plain inserts: the counters' and alerts' triggers are set aside meanwhile.
    let triggers: Vec<(String, String)> = match &pool {
        Pool::Sqlite(p) => {
            let t: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'declarations'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for (name, _) in &t {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {name}")))
                    .execute(p)
                    .await
                    .unwrap();
            }
            t
        }
        Pool::Postgres(_) => Vec::new(),
    };
    let mut best = 0.0f64;
    for (m, method) in methods.iter().enumerate() {
        let day = day - chrono::Duration::days(m as i64);
        let started = Instant::now();
        // PostgreSQL takes writers in parallel (the server runs four): so does the
        // raw measurement. SQLite has one writer at a time.
        let writers = if *method == "unnest" { 4 } else { 1 };
        let shared = std::sync::Arc::new(pool_clone(&pool));
        let parts: Vec<Vec<(i64, i64)>> = pick
            .chunks(pick.len().div_ceil(writers))
            .map(<[(i64, i64)]>::to_vec)
            .collect();
        let mut tasks = Vec::new();
        for part in parts {
            let (pool, method) = (shared.clone(), method.to_string());
            tasks.push(tokio::spawn(async move {
                for chunk in part.chunks(10_000) {
                    // In key order, as the server's writer sends each group.
                    let mut chunk = chunk.to_vec();
                    chunk.sort_unstable();
                    insert(&pool, &method, day, &chunk).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        let rate = rows as f64 / secs;
        best = best.max(rate);
        println!("RAW method={method} rows={rows} seconds={secs:.2} rows_per_s={rate:.0}");
        // Leave the database as it was.
        match &pool {
            Pool::Sqlite(p) => {
                sqlx::query("DELETE FROM declarations WHERE day = $1")
                    .bind(day)
                    .execute(p)
                    .await
                    .unwrap();
            }
            Pool::Postgres(p) => {
                sqlx::query("DELETE FROM declarations WHERE day = $1")
                    .bind(day)
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
    }
    if let Pool::Sqlite(p) = &pool {
        for (_, sql) in triggers {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(p)
                .await
                .unwrap();
        }
    }
    println!("RAW best rows_per_s={best:.0}");
}

/// One transaction of plain inserts (no counters, no alerts).
async fn insert(pool: &Pool, method: &str, day: chrono::NaiveDate, chunk: &[(i64, i64)]) {
    match pool {
        Pool::Sqlite(p) => {
            let mut tx = p.begin().await.unwrap();
            if method == "values" {
                for part in chunk.chunks(26) {
                    let marks: Vec<String> = (0..part.len())
                        .map(|i| {
                            let b = i * 4;
                            format!(
                                "(${}, ${}, ${}, ${}, 0, '', FALSE, 'api', 0)",
                                b + 1,
                                b + 2,
                                b + 3,
                                b + 4
                            )
                        })
                        .collect();
                    let sql = format!(
                        "INSERT INTO declarations (day, employee_id, enterprise_id, temperature, symptoms, location, alert, source, declared_at) VALUES {}",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (e, en) in part {
                        q = q.bind(day).bind(*e).bind(*en).bind(365i64);
                    }
                    q.execute(&mut *tx).await.unwrap();
                }
            } else {
                let json: Vec<serde_json::Value> = chunk
                    .iter()
                    .map(|(e, en)| serde_json::json!([day, e, en, 365]))
                    .collect();
                sqlx::query(
                    "INSERT INTO declarations (day, employee_id, enterprise_id, temperature, symptoms, location, alert, source, declared_at)
                     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, 0, '', FALSE, 'api', 0 FROM json_each($1)",
                )
                .bind(serde_json::Value::Array(json).to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
        }
        Pool::Postgres(p) => {
            sqlx::query(
                "INSERT INTO declarations (day, employee_id, enterprise_id, temperature, symptoms, location, alert, source, declared_at)
                 SELECT $1, e, en, 365, 0, '', FALSE, 'api', 0 FROM UNNEST($2::bigint[], $3::bigint[]) AS u (e, en)",
            )
            .bind(day)
            .bind(chunk.iter().map(|c| c.0).collect::<Vec<_>>())
            .bind(chunk.iter().map(|c| c.1).collect::<Vec<_>>())
            .execute(p)
            .await
            .unwrap();
        }
    }
}

async fn counts(base: &str, token: &str, date: &str, n: usize) {
    let client = reqwest::Client::new();
    for by in ["enterprise", "district"] {
        let mut lat = Vec::new();
        let mut items = 0;
        for _ in 0..n {
            let t = Instant::now();
            let v: serde_json::Value = client
                .get(format!(
                    "{base}/api/v1/declarations/counts?date={date}&by={by}"
                ))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            items = v["items"].as_array().map(Vec::len).unwrap_or(0);
        }
        println!(
            "COUNTS by={by} groups={items} p50_ms={:.2} p99_ms={:.2}",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        );
    }
    // The store's query alone (what a dashboard page spends), in process.
    let target = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => store::DbTarget::Postgres(url),
        None => store::DbTarget::SqliteFile(
            std::path::PathBuf::from(std::env::var("FUGONG_DATA").unwrap()).join("fugong.db"),
        ),
    };
    let db = store::Store::open(&target).await.unwrap();
    let day: chrono::NaiveDate = date.parse().unwrap();
    for by in ["enterprise", "district"] {
        let mut lat = Vec::new();
        let mut groups = 0;
        for _ in 0..n {
            let t = Instant::now();
            let rows = if by == "enterprise" {
                db.system()
                    .declaration_counts_by_enterprise(day)
                    .await
                    .unwrap()
            } else {
                db.system()
                    .declaration_counts_by_district(day)
                    .await
                    .unwrap()
            };
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            groups = rows.len();
        }
        println!(
            "QUERY by={by} groups={groups} p50_ms={:.2} p99_ms={:.2}",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        );
    }
    db.close().await;
    // The same answer by scanning the day's declarations (what the counters avoid).
    let pool = pool().await;
    let mut lat = Vec::new();
    let mut groups = 0;
    for _ in 0..5.min(n) {
        let t = Instant::now();
        let sql = "SELECT enterprise_id, COUNT(*), SUM(CASE WHEN alert THEN 1 ELSE 0 END) FROM declarations WHERE day = $1 GROUP BY enterprise_id";
        groups = match &pool {
            Pool::Sqlite(p) => sqlx::query(sql).bind(day).fetch_all(p).await.unwrap().len(),
            Pool::Postgres(p) => sqlx::query(sql).bind(day).fetch_all(p).await.unwrap().len(),
        };
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("SCAN groups={groups} p50_ms={:.2}", pct(&mut lat, 0.5));
}

/// An import workbook of `rows` people with valid, distinct resident ID numbers.
fn sheet(rows: usize, file: &str) {
    let headers: Vec<&str> = app::workforce::COLUMNS.iter().map(|c| c.1).collect();
    let base = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let data: Vec<Vec<String>> = (0..rows)
        .map(|i| {
            let birth = base + chrono::Duration::days((i / 900) as i64);
            let id = domain::ResidentId::with_check(&format!(
                "430405{}{:03}",
                birth.format("%Y%m%d"),
                i % 900 + 100
            ))
            .unwrap();
            let mut row = vec![String::new(); headers.len()];
            row[0] = format!("员工{i}");
            row[1] = id;
            row[2] = format!("139{:08}", i);
            row[5] = "湖南省".into();
            row[6] = "衡阳市".into();
            row[10] = "生产部".into();
            row[12] = "已在岗".into();
            row[13] = "2020-01-20".into();
            row[14] = "2020-02-08".into();
            row
        })
        .collect();
    std::fs::write(
        file,
        app::excel::workbook("员工档案", &headers, &data).unwrap(),
    )
    .unwrap();
    println!("SHEET rows={rows} file={file}");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("raw") => raw(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(200_000)).await,
        Some("sheet") => sheet(args[2].parse().unwrap(), &args[3]),
        Some("counts") => {
            counts(
                &args[2],
                &args[3],
                &args[4],
                args.get(5).and_then(|n| n.parse().ok()).unwrap_or(50),
            )
            .await
        }
        _ => eprintln!(
            "usage: bench_declarations raw ROWS | sheet ROWS FILE | counts BASE TOKEN DATE N"
        ),
    }
}
