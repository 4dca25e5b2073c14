//! Liaison benchmark (issue #5): coverage over 20,000 enterprises at four levels, and
//! suggested assignments for 5,000 uncovered enterprises and 2,000 cadres against the
//! greedy baseline. Run: `bash bench/liaison.sh` (a release build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::demo::Rng;
use app::suggest::{Cadre, Point, assign, greedy};
use std::time::Instant;
use store::enterprises::EnterpriseFilter;
use store::liaison::CoverageBy;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = fugong::config::Config {
        data_dir: dir.path().join("data"),
        ..Default::default()
    };
    let prepared = fugong::prepare(&config, std::sync::Arc::new(domain::SystemClock), false)
        .await
        .unwrap();
    let a = prepared.app;
    let t = Instant::now();
    let summary = app::demo::generate(&a, "city", false).await.unwrap();
    println!(
        "| `fugong gen --scale city` | {} enterprises, {:.1} s |",
        summary.enterprises,
        t.elapsed().as_secs_f64()
    );
    let admin = a
        .principal(
            a.store
                .accounts()
                .by_username("city_admin")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    let all = EnterpriseFilter::default();

    // Coverage: the four levels for the whole city, and the county matrix.
    let mut whole = Vec::new();
    let mut matrix = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        a.coverage(&admin, &all, CoverageBy::All).await.unwrap();
        whole.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        a.coverage(&admin, &all, CoverageBy::Region(6))
            .await
            .unwrap();
        matrix.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // Raw limit in the same run: one COUNT per level over the assignments index.
    let sys = a.store.system();
    let mut raw = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        for level in ["city", "county", "town", "village"] {
            sys.uncovered(
                level,
                &EnterpriseFilter {
                    limit: 0,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        raw.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let row = a
        .coverage(&admin, &all, CoverageBy::All)
        .await
        .unwrap()
        .remove(0);
    println!(
        "| coverage, whole city, four levels ({} enterprises; covered {}/{}/{}/{}) | {:.1} ms |",
        row.total,
        row.city,
        row.county,
        row.town,
        row.village,
        median(whole.clone())
    );
    println!(
        "| coverage matrix, 8 counties × four levels | {:.1} ms |",
        median(matrix)
    );
    println!(
        "| baseline: the four \"uncovered at level\" counts, same filter path | {:.1} ms |",
        median(raw.clone())
    );
    println!(
        "| ratio coverage / baseline | {:.2} |",
        median(whole) / median(raw)
    );

    // Suggestions through the product on the generated city: town level, whole city.
    let t = Instant::now();
    let run = a
        .suggest(&admin, domain::LiaisonLevel::County, &all)
        .await
        .unwrap();
    println!(
        "| `suggest` county level on the whole city ({} uncovered, {} proposed) | {:.2} s |",
        run.uncovered,
        run.suggestions.len(),
        t.elapsed().as_secs_f64()
    );

    // The solver alone on one large component: 5,000 enterprises, 2,000 cadres.
    let mut rng = Rng(0x5eed);
    let enterprises: Vec<Point> = (0..5000)
        .map(|i| Point {
            id: i,
            lat: 23.0 + rng.unit() * 0.4,
            lon: 112.2 + rng.unit() * 0.5,
        })
        .collect();
    let cadres: Vec<Cadre> = (0..2000)
        .map(|i| {
            let load = (rng.unit() * 3.0) as usize;
            Cadre {
                at: Point {
                    id: 100_000 + i,
                    lat: 23.0 + rng.unit() * 0.4,
                    lon: 112.2 + rng.unit() * 0.5,
                },
                capacity: 3,
                load,
            }
        })
        .collect();
    let t = Instant::now();
    let flow = assign(&enterprises, &cadres);
    let flow_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let base = greedy(&enterprises, &cadres);
    let greedy_s = t.elapsed().as_secs_f64();
    let total = |v: &[app::suggest::Proposal]| v.iter().map(|p| p.distance_km).sum::<f64>();
    let spread = |v: &[app::suggest::Proposal]| {
        let mut by: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for p in v {
            *by.entry(p.cadre).or_default() += 1;
        }
        by.values().copied().max().unwrap_or(0)
    };
    println!(
        "| min-cost flow, 5,000 enterprises × 2,000 cadres (3 places each) | {:.2} s; {} placed; total {:.0} km, mean {:.2} km; max new per cadre {} |",
        flow_s,
        flow.len(),
        total(&flow),
        total(&flow) / flow.len() as f64,
        spread(&flow)
    );
    println!(
        "| greedy baseline, same input | {:.2} s; {} placed; total {:.0} km, mean {:.2} km; max new per cadre {} |",
        greedy_s,
        base.len(),
        total(&base),
        total(&base) / base.len() as f64,
        spread(&base)
    );
    println!(
        "| distance saved by min-cost over greedy | {:.1} % |",
        (1.0 - total(&flow) / total(&base)) * 100.0
    );
}
