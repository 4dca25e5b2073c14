//! The workforce through the real binary. The crash test: the server takes a
//! declaration load, is killed with SIGKILL in the middle of it, and restarts; every
//! declaration it acknowledged is there, with the value acknowledged, and the day's
//! counters agree with the rows. Key rotation: every number stays readable under the
//! new key, and a stale or foreign key file is refused at start.

use crate::harness::fresh_postgres_database;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fugong");

fn command(data: &str, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data")
        .arg(data)
        .env_remove("FUGONG_CONFIG")
        .env_remove("FUGONG_DATA")
        .env("FUGONG_LOG", "warn");
    match database_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    cmd
}

/// Starts `fugong serve` on a free port and returns the child and its base URL.
fn start(data: &str, database_url: Option<&str>) -> (Child, String) {
    let mut child = command(data, database_url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let base = loop {
        let line = lines.next().expect("server exited before serving").unwrap();
        if let Some(rest) = line.split("serving ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

async fn crash_during_declaration_load(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let url = database_url.as_deref();
    let demo = command(&data, url).arg("demo").output().unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let token = command(&data, url)
        .args(["token", "create", "--username", "enterprise_demo"])
        .output()
        .unwrap();
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert!(token.starts_with("fgt_"), "{token}");

    let (mut server, base) = start(&data, url);
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
    };
    let today: Value = get("/api/v1/declarations/counts")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let today: chrono::NaiveDate = today["date"].as_str().unwrap().parse().unwrap();
    let mut employees = Vec::new();
    for page in 1..=3 {
        let v: Value = get(&format!("/api/v1/employees?enterprise_id=1&page={page}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        employees.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
    }
    assert!(employees.len() >= 50, "{}", employees.len());
    // Every (employee, day) is written at most once, so what was acknowledged is
    // exactly what must be found. Days 10–80 back: clear of the demo's week.
    let keys: Vec<(i64, chrono::NaiveDate)> = (10..80)
        .flat_map(|back| {
            let day = today - chrono::Duration::days(back);
            employees.iter().map(move |e| (*e, day))
        })
        .collect();
    let keys = Arc::new(keys);
    let next = Arc::new(Mutex::new(0usize));
    let acked: Arc<Mutex<Vec<(i64, chrono::NaiveDate, i64)>>> = Arc::default();
    let mut tasks = Vec::new();
    for worker in 0..12 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let (keys, next, acked) = (keys.clone(), next.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                // Singles and batches of up to 40.
                let size = if (worker + n).is_multiple_of(3) { 1 } else { 1 + (n * 7 + worker) % 40 };
                n += 1;
                let batch: Vec<(i64, chrono::NaiveDate, i64)> = {
                    let mut i = next.lock().unwrap();
                    let from = *i;
                    let to = (from + size).min(keys.len());
                    *i = to;
                    keys[from..to]
                        .iter()
                        .enumerate()
                        .map(|(k, (e, d))| (*e, *d, 360 + ((from + k) % 15) as i64))
                        .collect()
                };
                if batch.is_empty() {
                    return;
                }
                let items: Vec<Value> = batch
                    .iter()
                    .map(|(e, d, t)| json!({"employee_id": e, "date": d.to_string(), "temperature": *t as f64 / 10.0}))
                    .collect();
                let res = client
                    .post(format!("{base}/api/v1/declarations"))
                    .bearer_auth(&token)
                    .json(&json!({"items": items}))
                    .send()
                    .await;
                let Ok(res) = res else { return };
                if res.status() != reqwest::StatusCode::OK {
                    return;
                }
                let Ok(body) = res.json::<Value>().await else { return };
                assert_eq!(body["accepted"].as_u64(), Some(batch.len() as u64), "{body}");
                acked.lock().unwrap().extend(batch);
            }
        }));
    }
    // Kill the server mid-load: after a good number of acknowledgements.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 1500 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    let sent = *next.lock().unwrap();
    assert!(
        acked.len() >= 1500,
        "load too slow: {} acknowledged",
        acked.len()
    );
    assert!(
        sent > acked.len(),
        "the kill landed with requests in flight"
    );

    // Restart: the server comes back and holds every acknowledged declaration.
    let (mut server, base) = start(&data, url);
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let target = match url {
        Some(u) => store::DbTarget::Postgres(u.to_owned()),
        None => store::DbTarget::SqliteFile(dir.path().join("data").join("fugong.db")),
    };
    let db = store::Store::open(&target).await.unwrap();
    let mut missing = 0;
    for (e, d, t) in &acked {
        match db.declarations().of(*e, *d).await.unwrap() {
            Some(row) if row.temperature == *t => {}
            _ => missing += 1,
        }
    }
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged declarations lost",
        acked.len()
    );
    // Counters were written in the same transactions as the rows.
    let days: std::collections::BTreeSet<chrono::NaiveDate> = acked.iter().map(|a| a.1).collect();
    let firm = store::Store::open(&target).await.unwrap();
    for d in days {
        let rows = firm.declarations().count_day(d).await.unwrap();
        let counted: i64 = firm
            .system()
            .declaration_counts_by_enterprise(d)
            .await
            .unwrap()
            .iter()
            .map(|c| c.declared)
            .sum();
        assert_eq!(rows, counted, "counters of {d}");
    }
    db.close().await;
    firm.close().await;
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_sqlite() {
    crash_during_declaration_load(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_postgres() {
    if let Some((url, _name)) = fresh_postgres_database().await {
        crash_during_declaration_load(Some(url)).await;
    }
}

/// Every file's number, decrypted with the key file at `key`.
async fn numbers(target: &store::DbTarget, key: &std::path::Path) -> Vec<(i64, u8, String)> {
    let keys = app::idkeys::IdKeys::load_or_create(key).unwrap();
    let db = store::Store::open(target).await.unwrap();
    let rows = db.system().id_ciphers_after(0, 1_000_000).await.unwrap();
    db.close().await;
    rows.iter()
        .map(|(id, c)| (*id, c[0], keys.decrypt(c).unwrap()))
        .collect()
}

async fn key_rotation(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data_path = dir.path().join("data");
    let data = data_path.to_string_lossy().into_owned();
    let url = database_url.as_deref();
    let demo = command(&data, url).arg("demo").output().unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let target = match url {
        Some(u) => store::DbTarget::Postgres(u.to_owned()),
        None => store::DbTarget::SqliteFile(data_path.join("fugong.db")),
    };
    let key = data_path.join("id-key");
    let old_key = std::fs::read_to_string(&key).unwrap();
    let before = numbers(&target, &key).await;
    assert!(before.len() >= 1000 && before.iter().all(|(_, v, _)| *v == 1));

    let out = command(&data, url)
        .args(["keys", "rotate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = numbers(&target, &key).await;
    assert_eq!(after.len(), before.len());
    assert!(
        after.iter().all(|(_, v, _)| *v == 2),
        "every row under the new version"
    );
    let same = before
        .iter()
        .zip(&after)
        .all(|(a, b)| a.0 == b.0 && a.2 == b.2);
    assert!(same, "every number reads back the same");
    // Lookups go through the new hash.
    let keys = app::idkeys::IdKeys::load_or_create(&key).unwrap();
    let db = store::Store::open(&target).await.unwrap();
    let (found, _) = db
        .system()
        .employees(&store::workforce::EmployeeFilter {
            id_hashes: vec![keys.hash(&after[0].2)],
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.first().map(|r| r.id), Some(after[0].0));
    db.close().await;

    // The old file (without the new version) and a stranger's are refused at start.
    let stale = dir.path().join("stale-key");
    std::fs::write(&stale, &old_key).unwrap();
    let foreign = dir.path().join("foreign-key");
    std::fs::write(&foreign, app::idkeys::new_key_line(1).unwrap()).unwrap();
    for file in [&stale, &foreign] {
        let out = command(&data, url)
            .env("FUGONG_ID_KEY_FILE", file)
            .arg("migrate")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("does not match this database"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_sqlite() {
    key_rotation(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_postgres() {
    if let Some((url, _name)) = fresh_postgres_database().await {
        key_rotation(Some(url)).await;
    }
}
