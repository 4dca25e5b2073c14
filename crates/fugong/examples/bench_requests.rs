//! Requests benchmark (issue #6): intake through `POST /api/v1/requests` (requests/s,
//! p50/p99, 16 concurrent clients) next to the raw single-row insert rate of the same
//! database in the same run, and the filtered list over 100,000 requests. SQLite
//! always; PostgreSQL too when FUGONG_BENCH_POSTGRES_URL is set. Run:
//! `bash bench/requests.sh` (a release build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

const INTAKE: usize = 4000;
const CLIENTS: usize = 16;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p) as usize]
}

async fn run(label: &str, database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let config = fugong::config::Config {
        data_dir: dir.path().join("data"),
        database_url: database_url.clone(),
        ..Default::default()
    };
    let prepared = fugong::prepare(&config, Arc::new(domain::SystemClock), true)
        .await
        .unwrap();
    let a = prepared.app.clone();
    let firm = a
        .store
        .accounts()
        .by_username("enterprise_demo")
        .await
        .unwrap()
        .unwrap();
    let principal = a.principal(firm.id).await.unwrap();
    let enterprise = principal.scope().enterprises[0];
    let (_, token) = a.create_token(None, firm.id, "bench").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(fugong::serve(
        prepared.app,
        fugong::WebSettings::default(),
        listener,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();

    // Intake over HTTP.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for i in 0..INTAKE / CLIENTS {
                let category = ["workforce", "materials", "logistics", "financing"][i % 4];
                let body = serde_json::json!({
                    "enterprise_id": enterprise, "category": category,
                    "urgency": if i % 3 == 0 { "urgent" } else { "normal" }, "title": format!("bench {c}-{i}"), "description": "x"
                });
                let t = Instant::now();
                let res = client.post(format!("{base}/api/v1/requests")).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(res.status(), 201);
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    let rate = lat.len() as f64 / secs;

    // Raw limit in the same run: one plain INSERT per transaction, 16 tasks.
    let raw_sql = "INSERT INTO requests (enterprise_id, category, urgency, title, description, state, raised_by, raised_via,
        created_at, response_due, due_at, updated_at) VALUES ($1, 'other', 'normal', 'raw', 'x', 'submitted', 'raw', 'officer', 0, 0, 0, 0)";
    let started = Instant::now();
    match &database_url {
        None => {
            let pool = sqlx::SqlitePool::connect(&format!(
                "sqlite:{}",
                dir.path().join("data/fugong.db").display()
            ))
            .await
            .unwrap();
            let mut tasks = Vec::new();
            for _ in 0..CLIENTS {
                let pool = pool.clone();
                tasks.push(tokio::spawn(async move {
                    for _ in 0..INTAKE / CLIENTS {
                        sqlx::query(raw_sql)
                            .bind(enterprise)
                            .execute(&pool)
                            .await
                            .unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        }
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let mut tasks = Vec::new();
            for _ in 0..CLIENTS {
                let pool = pool.clone();
                tasks.push(tokio::spawn(async move {
                    for _ in 0..INTAKE / CLIENTS {
                        sqlx::query(raw_sql)
                            .bind(enterprise)
                            .execute(&pool)
                            .await
                            .unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        }
    }
    let raw = INTAKE as f64 / started.elapsed().as_secs_f64();
    println!(
        "| {label}: intake `POST /api/v1/requests`, {INTAKE} requests, {CLIENTS} clients | {rate:.0} req/s, p50 {:.1} ms, p99 {:.1} ms |",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
    println!(
        "| {label}: raw single-row INSERT per transaction, same database | {raw:.0} rows/s (intake / raw = {:.2}) |",
        rate / raw
    );

    // Listing over 100,000 requests: seed the rest, then time the API.
    let existing: i64 = a
        .store
        .system()
        .requests(&Default::default())
        .await
        .unwrap()
        .1;
    let mut rows = Vec::new();
    let cats = [
        "workforce",
        "materials",
        "logistics",
        "financing",
        "policy",
        "epidemic_prevention",
        "permits",
        "other",
    ];
    let states = [
        "submitted",
        "accepted",
        "in_progress",
        "answered",
        "confirmed",
    ];
    for i in 0..(100_000 - existing.max(0)) as usize {
        use store::Param::*;
        rows.push(vec![
            Int(enterprise),
            Text(cats[i % 8].into()),
            Text(if i % 5 == 0 { "urgent" } else { "normal" }.into()),
            Text(format!("seeded {i}")),
            Text("x".into()),
            Text(states[i % 5].into()),
            Text("seed".into()),
            Text("enterprise".into()),
            Int(1_580_000_000_000 + i as i64 * 60_000),
            Int(1_580_000_000_000 + i as i64 * 60_000 + 3_600_000),
            Int(1_580_000_000_000 + i as i64 * 60_000 + 259_200_000),
            Bool(i % 7 == 0),
            Int(0),
        ]);
    }
    a.store
        .seed(
            "requests",
            &[
                "enterprise_id",
                "category",
                "urgency",
                "title",
                "description",
                "state",
                "raised_by",
                "raised_via",
                "created_at",
                "response_due",
                "due_at",
                "overdue",
                "updated_at",
            ],
            rows,
            0,
        )
        .await
        .unwrap();
    for (name, query) in [
        ("newest page", ""),
        ("state=submitted", "state=submitted"),
        (
            "overdue=true&category=workforce",
            "overdue=true&category=workforce",
        ),
        ("q=seeded 99", "q=seeded%2099"),
    ] {
        let mut lat = Vec::new();
        let mut total = 0;
        for _ in 0..40 {
            let t = Instant::now();
            let v: serde_json::Value = client
                .get(format!("{base}/api/v1/requests?{query}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            total = v["total"].as_i64().unwrap();
        }
        println!(
            "| {label}: list over 100,000 requests, `{name}` ({total} match) | p50 {:.1} ms, p99 {:.1} ms |",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99)
        );
    }
}

#[tokio::main]
async fn main() {
    run("SQLite", None).await;
    if let Ok(base) = std::env::var("FUGONG_BENCH_POSTGRES_URL") {
        let name = format!("fugong_bench_{}", std::process::id());
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut c)
            .await
            .unwrap();
        let url = match base.rsplit_once('/') {
            Some((head, _)) => format!("{head}/{name}"),
            None => base.clone(),
        };
        run("PostgreSQL", Some(url)).await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut c)
        .await;
    }
}
