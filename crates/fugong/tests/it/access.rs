//! The route table, walked: every route's access rule holds for the signed-out, for
//! accounts without the permission and with it. (What each route lets a signed-in
//! account *see* is the scope-leak matrix, `scope_matrix.rs`.)

use crate::harness::{Options, TestApp};
use reqwest::StatusCode;
use web::routes::{Access, Data};

fn sample(path: &str, id: i64) -> String {
    path.replace("{code}", "441202")
        .replace("{tag}", "en")
        .replace("{file}", "app.css")
        .replace("{grant}", "1")
        .replace("{id}", &id.to_string())
}

#[test]
fn public_routes_read_no_data() {
    let table = web::route_table();
    assert!(table.len() > 25);
    for r in &table {
        assert!(
            r.access != Access::Public || r.data == Data::None || r.data == Data::Link,
            "{} is public but reads data",
            r.path
        );
    }
}

async fn access_rules_hold_for_every_route(app: TestApp) {
    // The bank account may do none of the guarded actions; for each action, the first
    // demo account whose role allows it must get through.
    let unprivileged = app.session("bank_demo").await;
    let mut allowed = std::collections::HashMap::new();
    for (user, _, role, _) in app::demo::ACCOUNTS {
        allowed.entry(user).or_insert(app.session(user).await);
        let _ = role;
    }
    for r in web::route_table() {
        let path = sample(r.path, 1);
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
            if let Access::Permitted(action) = r.access {
                assert_eq!(
                    app.get_as(&unprivileged, &path, &[]).await.status(),
                    StatusCode::FORBIDDEN,
                    "{path}"
                );
                let (user, _, _, _) = app::demo::ACCOUNTS
                    .iter()
                    .find(|(_, _, role, _)| role.can(action))
                    .unwrap();
                assert_ne!(
                    app.get_as(&allowed[user], &path, &[]).await.status(),
                    StatusCode::FORBIDDEN,
                    "{path} as {user}"
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
                let res = app.post_as(&unprivileged, &path, &[]).await;
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "POST {path}");
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
        let value = &grants[0]["target"]["value"];
        assert_eq!(
            value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string()),
            target
        );
    }
}
both!(siblings_see_only_their_own_grants, Options { demo: true });
