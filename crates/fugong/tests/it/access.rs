//! The route table, walked: every route's access rule holds, and every route that
//! reads scoped data has an entry in the scope-leak matrix.

use crate::harness::{Options, TestApp};
use reqwest::StatusCode;
use web::routes::{Access, Data};

/// Scope-leak probes: for each route that reads scoped data, how to ask for a foreign
/// row and what a sibling must not see. Empty until the first scoped module lands
/// (enterprises, issue #4); a scoped route without an entry here fails the test below.
const SCOPE_MATRIX: &[&str] = &[];

fn sample(path: &str) -> String {
    path.replace("{code}", "441202")
        .replace("{tag}", "en")
        .replace("{file}", "app.css")
        .replace("{grant}", "1")
        .replace("{id}", "1")
}

#[test]
fn every_scoped_route_is_in_the_matrix() {
    let table = web::route_table();
    assert!(table.len() > 20);
    let missing: Vec<_> = table
        .iter()
        .filter(|r| matches!(r.data, Data::Scoped(_)))
        .filter(|r| !SCOPE_MATRIX.contains(&r.path))
        .map(|r| r.path)
        .collect();
    assert!(
        missing.is_empty(),
        "scoped routes without a scope-leak probe: {missing:?}"
    );
    for r in &table {
        assert!(
            r.access != Access::Public || r.data == Data::None,
            "{} is public but reads data",
            r.path
        );
    }
}

async fn access_rules_hold_for_every_route(app: TestApp) {
    let officer = app.session("duanzhou_officer").await;
    let admin = app.session("city_admin").await;
    for r in web::route_table() {
        let path = sample(r.path);
        if r.methods.contains("GET") {
            let anon = app.get(&path).await;
            match r.access {
                Access::Public => assert_ne!(anon.status(), StatusCode::UNAUTHORIZED, "{path}"),
                _ if path.starts_with("/api/") => {
                    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED, "{path}")
                }
                _ => {
                    assert_eq!(anon.status(), StatusCode::SEE_OTHER, "{path}");
                    assert!(
                        anon.headers()["location"]
                            .to_str()
                            .unwrap()
                            .starts_with("/login?next="),
                        "{path}"
                    );
                }
            }
            if let Access::Permitted(_) = r.access {
                assert_eq!(
                    app.get_as(&officer, &path, &[]).await.status(),
                    StatusCode::FORBIDDEN,
                    "{path}"
                );
                assert_ne!(
                    app.get_as(&admin, &path, &[]).await.status(),
                    StatusCode::FORBIDDEN,
                    "{path}"
                );
            }
        }
        if r.methods.contains("POST") && r.access != Access::Public {
            // Signed out, a state change is refused before any handler runs.
            let res = app.client.post(app.url(&path)).send().await.unwrap();
            assert!(
                matches!(
                    res.status(),
                    StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
                ),
                "{path}"
            );
            if let Access::Permitted(_) = r.access {
                assert_eq!(
                    app.post_as(&officer, &path, &[]).await.status(),
                    StatusCode::FORBIDDEN,
                    "POST {path}"
                );
            }
        }
    }
}
both!(access_rules_hold_for_every_route, Options { demo: true });

async fn siblings_see_only_their_own_grants(app: TestApp) {
    for (user, target) in [
        ("duanzhou_officer", "441202"),
        ("sihui_officer", "441284"),
        ("gaoxin_park", "ZQHT"),
        ("bank_demo", "1"),
    ] {
        let s = app.session(user).await;
        let v: serde_json::Value = app
            .get_as(&s, "/api/v1/me", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["username"], user);
        let grants = v["grants"].as_array().unwrap();
        assert_eq!(grants.len(), 1, "{user}");
        assert_eq!(
            grants[0]["target"]["value"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| grants[0]["target"]["value"].to_string()),
            target
        );
    }
}
both!(siblings_see_only_their_own_grants, Options { demo: true });
