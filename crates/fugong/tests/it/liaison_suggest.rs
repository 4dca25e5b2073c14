//! Suggested liaison assignments: on the demo city through the product, and the
//! min-cost flow against the greedy baseline on small cases with known answers.

use crate::harness::{Options, TestApp};
use app::suggest::{Cadre, Point, Proposal, assign, greedy};
use serde_json::Value;
use store::enterprises::EnterpriseFilter;

async fn suggestions_cover_the_gap_and_respect_every_rule(app: TestApp) {
    let s = app.session("duanzhou_officer").await;
    let who = app
        .app
        .principal(
            app.app
                .store
                .accounts()
                .by_username("duanzhou_officer")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    let f = EnterpriseFilter {
        region: Some("441202".into()),
        ..Default::default()
    };
    let run = app
        .app
        .suggest(&who, domain::LiaisonLevel::Town, &f)
        .await
        .unwrap();
    assert!(
        run.uncovered > 0 && !run.suggestions.is_empty(),
        "the demo leaves gaps: {run:?}"
    );
    let sys = app.app.store.system();
    let mut loads = std::collections::HashMap::new();
    for p in &run.suggestions {
        let e = sys.enterprise(p.enterprise_id).await.unwrap();
        let c = sys.cadre(p.cadre_id).await.unwrap();
        assert!(
            e.region_code.starts_with(&c.region_code) && c.level == "town",
            "{p:?}"
        );
        *loads.entry(c.id).or_insert(c.load) += 1;
        assert!(loads[&c.id] <= c.max_enterprises, "never above the maximum");
    }
    let before: Value = app
        .get_as(&s, "/api/v1/liaison/coverage", &[])
        .await
        .json()
        .await
        .unwrap();
    let pairs: Vec<(i64, i64)> = run
        .suggestions
        .iter()
        .map(|p| (p.enterprise_id, p.cadre_id))
        .collect();
    let (ok, refused) = app.app.accept_suggestions(&who, &pairs).await.unwrap();
    assert_eq!((ok, refused.len()), (pairs.len(), 0));
    let after: Value = app
        .get_as(&s, "/api/v1/liaison/coverage", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["levels"]["town"]["covered"].as_i64().unwrap()
            - before["levels"]["town"]["covered"].as_i64().unwrap(),
        ok as i64
    );
    // The page explains each proposal (distance, load).
    let html = app
        .get_as(&s, "/liaison/suggest?region=441202&level=village", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(" km") || html.contains("建议分配 0 家"));
}
both!(
    suggestions_cover_the_gap_and_respect_every_rule,
    Options { demo: true }
);

fn pt(id: i64, lat: f64, lon: f64) -> Point {
    Point { id, lat, lon }
}

#[test]
fn min_cost_beats_greedy_where_greedy_is_short_sighted() {
    // Two cadres, one place each. Greedy gives enterprise 1 the cadre it is slightly
    // nearer, leaving enterprise 2 with a far one; the flow swaps them.
    let cadres = [
        Cadre {
            at: pt(10, 23.0, 112.0),
            capacity: 1,
            load: 0,
        },
        Cadre {
            at: pt(20, 23.0, 112.10),
            capacity: 1,
            load: 0,
        },
    ];
    let enterprises = [pt(1, 23.0, 112.049), pt(2, 23.0, 112.0)];
    let flow = assign(&enterprises, &cadres);
    let greedy = greedy(&enterprises, &cadres);
    let total = |v: &[Proposal]| v.iter().map(|p| p.distance_km).sum::<f64>();
    assert_eq!(flow.len(), 2);
    assert!(
        total(&flow) < total(&greedy),
        "{} vs {}",
        total(&flow),
        total(&greedy)
    );
    assert!(flow.iter().any(|p| p.enterprise == 2 && p.cadre == 10));
}

#[test]
fn suggestions_never_exceed_capacity_and_spread_the_load() {
    let cadres = [
        Cadre {
            at: pt(10, 23.0, 112.0),
            capacity: 2,
            load: 0,
        },
        Cadre {
            at: pt(20, 23.0, 112.001),
            capacity: 5,
            load: 0,
        },
    ];
    let enterprises: Vec<Point> = (0..6).map(|i| pt(i, 23.0, 112.0)).collect();
    let flow = assign(&enterprises, &cadres);
    assert_eq!(flow.len(), 6);
    assert_eq!(flow.iter().filter(|p| p.cadre == 10).count(), 2);
    let one = [Cadre {
        at: pt(10, 23.0, 112.0),
        capacity: 3,
        load: 0,
    }];
    assert_eq!(
        assign(&enterprises, &one).len(),
        3,
        "capacity is a hard limit"
    );
    // Equal distances: the load penalty balances two cadres.
    let twins = [
        Cadre {
            at: pt(10, 23.0, 112.0),
            capacity: 10,
            load: 0,
        },
        Cadre {
            at: pt(20, 23.0, 112.0),
            capacity: 10,
            load: 0,
        },
    ];
    let flow = assign(&enterprises, &twins);
    assert_eq!(flow.iter().filter(|p| p.cadre == 10).count(), 3);
}
