//! The scope-leak matrix, derived from the router: every route that reads scoped data
//! is probed with sibling accounts (端州区 vs 四会市, one enterprise vs another, a
//! department vs another, a bank) — in lists, counts, details, exports, aggregates and
//! writes. A scoped route without a probe here fails the test.

use crate::harness::{Options, Session, TestApp};
use crate::scope_fixture::{Fixture, api_total, fixture};
use reqwest::StatusCode;
use web::routes::Data;

/// One probe per scoped route: a sibling never sees a foreign row, in lists, counts,
/// details, exports and writes. A scoped route without a probe fails the test.
async fn probe(app: &TestApp, fx: &Fixture, path: &str) {
    let foreign = fx.in_sihui.id;
    match path {
        "/enterprises" => {
            let html = app
                .get_as(
                    &fx.duanzhou,
                    &format!("/enterprises?q={}", fx.in_sihui.uscc),
                    &[],
                )
                .await
                .text()
                .await
                .unwrap();
            assert!(
                !html.contains(&fx.in_sihui.name),
                "a 端州 officer finds a 四会 enterprise"
            );
            let html = app
                .get_as(
                    &fx.sihui,
                    &format!("/enterprises?q={}", fx.in_sihui.uscc),
                    &[],
                )
                .await
                .text()
                .await
                .unwrap();
            assert!(html.contains(&fx.in_sihui.name));
            let html = app
                .get_as(&fx.duanzhou, "/enterprises", &[])
                .await
                .text()
                .await
                .unwrap();
            assert!(
                html.contains(&format!("共 {} 条", fx.duanzhou_total)),
                "counts are in scope"
            );
        }
        "/api/v1/enterprises" => {
            let (total, items) = api_total(app, &fx.duanzhou, "").await;
            assert_eq!(total, fx.duanzhou_total);
            assert!(
                items
                    .iter()
                    .all(|i| i["region_code"].as_str().unwrap().starts_with("441202"))
            );
            assert_eq!(
                api_total(app, &fx.duanzhou, &format!("q={}", fx.in_sihui.uscc))
                    .await
                    .0,
                0
            );
            assert_eq!(
                api_total(app, &fx.duanzhou, "region=441284").await.0,
                0,
                "a filter cannot widen the scope"
            );
            let (total, items) = api_total(app, &fx.park, "").await;
            assert_eq!(total, fx.park_total);
            assert!(items.iter().all(|i| i["park"] == "ZQHT"));
            let (total, items) = api_total(app, &fx.firm, "").await;
            assert_eq!(
                (total, items[0]["id"].as_i64()),
                (1, Some(1)),
                "an enterprise sees itself only"
            );
            assert_eq!(
                api_total(app, &fx.bank, "").await.0,
                0,
                "a bank sees no enterprise list"
            );
        }
        "/enterprises/{id}" | "/enterprises/{id}/edit" | "/api/v1/enterprises/{id}" => {
            let p = path.replace("{id}", &foreign.to_string());
            assert_eq!(
                app.get_as(&fx.duanzhou, &p, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{p}"
            );
            // An enterprise account may not edit at all: refused before any lookup, so
            // the answer says nothing about the row either way.
            let firm = if path.ends_with("/edit") {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(app.get_as(&fx.firm, &p, &[]).await.status(), firm, "{p}");
            if !path.ends_with("/edit") {
                assert_eq!(
                    app.get_as(&fx.bank, &p, &[]).await.status(),
                    StatusCode::NOT_FOUND,
                    "{p}"
                );
            }
            assert_eq!(
                app.get_as(&fx.sihui, &p, &[]).await.status(),
                StatusCode::OK,
                "{p}"
            );
            if path.ends_with("/edit") {
                let res = app
                    .post_as(
                        &fx.duanzhou,
                        &p,
                        &[
                            ("uscc", &fx.in_sihui.uscc),
                            ("name", "改名"),
                            ("region_code", "441202001001"),
                        ],
                    )
                    .await;
                assert_eq!(
                    res.status(),
                    StatusCode::NOT_FOUND,
                    "a sibling cannot write either"
                );
            }
        }
        "/enterprises/{id}/status" => {
            let p = path.replace("{id}", &foreign.to_string());
            let res = app
                .post_as(
                    &fx.duanzhou,
                    &p,
                    &[
                        ("status", "full"),
                        ("capacity_pct", "90"),
                        ("workforce_pct", "90"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let own = path.replace("{id}", &fx.in_duanzhou.id.to_string());
            let res = app
                .post_as(
                    &fx.duanzhou,
                    &own,
                    &[
                        ("status", "full"),
                        ("capacity_pct", "90"),
                        ("workforce_pct", "90"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        "/enterprises/export" | "/api/v1/enterprises/export" => {
            let bytes = app
                .get_as(&fx.duanzhou, path, &[])
                .await
                .bytes()
                .await
                .unwrap();
            let (_, rows) = app::enterprises::read_sheet(&bytes).unwrap();
            assert_eq!(rows.len() as i64, fx.duanzhou_total);
            assert!(
                rows.iter().all(|(_, cells)| cells[6].starts_with("441202")),
                "export stays in scope"
            );
            let bytes = app.get_as(&fx.bank, path, &[]).await.bytes().await.unwrap();
            assert!(
                app::enterprises::read_sheet(&bytes).unwrap().1.is_empty(),
                "a bank's export has no rows"
            );
        }
        "/liaison" => {
            let html = app
                .get_as(&fx.duanzhou, "/liaison", &[])
                .await
                .text()
                .await
                .unwrap();
            assert!(
                html.contains(&format!("（{} 家企业）", fx.duanzhou_total)),
                "coverage counts only the district"
            );
            let html = app
                .get_as(&fx.duanzhou, "/liaison?region=441284", &[])
                .await
                .text()
                .await
                .unwrap();
            assert!(
                html.contains("（0 家企业）"),
                "another district's coverage is empty, not leaked"
            );
        }
        "/api/v1/liaison/coverage" => {
            let v: serde_json::Value = app
                .get_as(&fx.duanzhou, path, &[])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(
                v["levels"]["city"]["total"].as_i64(),
                Some(fx.duanzhou_total)
            );
            let v: serde_json::Value = app
                .get_as(&fx.duanzhou, &format!("{path}?region=441284"), &[])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(v["levels"]["town"]["total"], 0);
            let v: serde_json::Value = app.get_as(&fx.bank, path, &[]).await.json().await.unwrap();
            assert_eq!(v["levels"]["village"]["total"], 0);
        }
        "/liaison/cadres" | "/api/v1/liaison/cadres" => {
            let v: serde_json::Value = app
                .get_as(&fx.duanzhou, "/api/v1/liaison/cadres?per_page=1000", &[])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(v["total"].as_i64(), Some(fx.duanzhou_cadres));
            assert!(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| c["region_code"].as_str().unwrap().starts_with("441202"))
            );
            let html = app
                .get_as(
                    &fx.duanzhou,
                    &format!("/liaison/cadres?q={}", fx.sihui_cadre.name),
                    &[],
                )
                .await
                .text()
                .await
                .unwrap();
            assert!(!html.contains(&format!("/liaison/cadres/{}\"", fx.sihui_cadre.id)));
            let v: serde_json::Value = app
                .get_as(&fx.liaison, "/api/v1/liaison/cadres", &[])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(
                (v["total"].as_i64(), v["items"][0]["id"].as_i64()),
                (Some(1), Some(1)),
                "a cadre sees themself"
            );
        }
        "/liaison/cadres/{id}" | "/liaison/cadres/{id}/edit" => {
            let p = path.replace("{id}", &fx.sihui_cadre.id.to_string());
            assert_eq!(
                app.get_as(&fx.duanzhou, &p, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{p}"
            );
            assert_eq!(
                app.get_as(&fx.sihui, &p, &[]).await.status(),
                StatusCode::OK,
                "{p}"
            );
        }
        "/liaison/cadres/export" => {
            let bytes = app
                .get_as(&fx.duanzhou, path, &[])
                .await
                .bytes()
                .await
                .unwrap();
            let (_, rows) = app::enterprises::read_sheet(&bytes).unwrap();
            assert_eq!(rows.len() as i64, fx.duanzhou_cadres);
            assert!(rows.iter().all(|(_, c)| c[5].starts_with("441202")));
        }
        "/liaison/assignments" => {
            let form = [
                ("cadre_id", fx.sihui_cadre.id.to_string()),
                ("enterprise_id", fx.in_duanzhou.id.to_string()),
            ];
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.post_as(&fx.duanzhou, path, &fields).await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(res.text().await.unwrap().contains("找不到该干部"));
        }
        "/api/v1/liaison/assignments" => {
            let body =
                serde_json::json!({"cadre_id": fx.sihui_cadre.id, "enterprise_id": fx.in_sihui.id});
            let res = app
                .client
                .post(app.url(path))
                .header("cookie", fx.duanzhou.cookie())
                .header("x-csrf-token", &fx.duanzhou.csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                res.json::<serde_json::Value>().await.unwrap()["error"]["code"],
                "cadre_not_found"
            );
        }
        "/liaison/assignments/{id}/handover" => {
            let p = path.replace("{id}", &fx.sihui_assignment.to_string());
            let res = app
                .post_as(&fx.duanzhou, &p, &[("enterprise_id", "1"), ("to", "")])
                .await;
            assert_eq!(
                res.status(),
                StatusCode::NOT_FOUND,
                "a sibling cannot end another district's assignment"
            );
        }
        "/liaison/suggest" => {
            let html = app
                .get_as(
                    &fx.duanzhou,
                    "/liaison/suggest?region=441284&level=town",
                    &[],
                )
                .await
                .text()
                .await
                .unwrap();
            assert!(
                html.contains("未覆盖企业 0 家"),
                "suggestions see only the district"
            );
        }
        "/liaison/mine" => {
            let html = app
                .get_as(&fx.liaison, path, &[])
                .await
                .text()
                .await
                .unwrap();
            let sys = app.app.store.system();
            let mine = sys
                .cadre_assignments(1)
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.active)
                .count();
            assert_eq!(html.matches("/liaison/visits?enterprise=").count(), mine);
        }
        "/liaison/visits" => {
            let res = app
                .get_as(
                    &fx.liaison,
                    &format!("/liaison/visits?enterprise={foreign}"),
                    &[],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::NOT_FOUND,
                "a liaison sees only assigned enterprises"
            );
            let res = app
                .post_as(
                    &fx.liaison,
                    path,
                    &[
                        ("enterprise_id", &foreign.to_string()),
                        ("visited_on", "2020-02-10"),
                        ("findings", "x"),
                        ("follow_up", ""),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
        }
        "/requests"
        | "/api/v1/requests"
        | "/requests/stats"
        | "/api/v1/requests/stats"
        | "/requests/stats/export" => {
            // The demo's requests are 宝龙汽车's (四会市), one of them routed to 人社局.
            let total = |s: &Session| {
                let (app, s) = (app, s.clone());
                async move {
                    let v: serde_json::Value = app
                        .get_as(&s, "/api/v1/requests?per_page=500", &[])
                        .await
                        .json()
                        .await
                        .unwrap();
                    v["total"].as_i64().unwrap()
                }
            };
            assert_eq!(
                total(&fx.duanzhou).await,
                0,
                "a sibling district sees no request"
            );
            assert_eq!(total(&fx.bank).await, 0);
            let sihui = total(&fx.sihui).await;
            assert!(sihui >= 8);
            assert_eq!(total(&fx.firm).await, sihui, "the enterprise sees its own");
            assert_eq!(
                total(&fx.hr).await,
                1,
                "a department sees only what is routed to it"
            );
            let stats: serde_json::Value = app
                .get_as(
                    &fx.duanzhou,
                    "/api/v1/requests/stats?from=2020-01-01&to=2020-12-31",
                    &[],
                )
                .await
                .json()
                .await
                .unwrap();
            assert!(stats["items"].as_array().unwrap().is_empty());
            let html = app
                .get_as(&fx.duanzhou, "/requests?q=%E5%8F%A3%E7%BD%A9", &[])
                .await
                .text()
                .await
                .unwrap();
            assert!(!html.contains("口罩缺口"));
            let bytes = app
                .get_as(
                    &fx.duanzhou,
                    "/requests/stats/export?from=2020-01-01&to=2020-12-31",
                    &[],
                )
                .await
                .bytes()
                .await
                .unwrap();
            assert!(app::enterprises::read_sheet(&bytes).unwrap().1.is_empty());
        }
        "/requests/{id}" | "/api/v1/requests/{id}" => {
            let p = path.replace("{id}", &fx.request.to_string());
            assert_eq!(
                app.get_as(&fx.duanzhou, &p, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{p}"
            );
            assert_eq!(
                app.get_as(&fx.bank, &p, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{p}"
            );
            assert_eq!(
                app.get_as(&fx.sihui, &p, &[]).await.status(),
                StatusCode::OK,
                "{p}"
            );
        }
        "/requests/{id}/attachments" => {
            let p = format!(
                "/requests/{}/attachments?_csrf={}",
                fx.request, fx.duanzhou.csrf
            );
            let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 x".to_vec()).file_name("a.pdf");
            let res = app
                .client
                .post(app.url(&p))
                .header("cookie", fx.duanzhou.cookie())
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
        }
        "/requests/{id}/transition" | "/requests/{id}/reroute" => {
            let p = path.replace("{id}", &fx.request.to_string());
            let res = app
                .post_as(
                    &fx.duanzhou,
                    &p,
                    &[("to", "accepted"), ("route", "d:2"), ("reason", "x")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{p}");
        }
        "/api/v1/requests/{id}/transition" => {
            let p = path.replace("{id}", &fx.request.to_string());
            let res = app
                .client
                .post(app.url(&p))
                .header("cookie", fx.duanzhou.cookie())
                .header("x-csrf-token", &fx.duanzhou.csrf)
                .json(&serde_json::json!({"to": "accepted"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
        }
        "/attachments/{id}" => {
            let p = format!("/attachments/{}", fx.attachment);
            assert_eq!(
                app.get_as(&fx.duanzhou, &p, &[]).await.status(),
                StatusCode::NOT_FOUND
            );
            assert_eq!(app.get_as(&fx.firm, &p, &[]).await.status(), StatusCode::OK);
        }
        "/requests/new" => {
            let form = [
                ("enterprise_id", fx.in_sihui.id.to_string()),
                ("category", "other".into()),
                ("urgency", "normal".into()),
                ("title", "越界".into()),
            ];
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.post_as(&fx.duanzhou, path, &fields).await;
            assert_eq!(
                res.status(),
                StatusCode::NOT_FOUND,
                "raising for a foreign enterprise"
            );
        }
        p if p.starts_with("/api/v1/employees") || p.starts_with("/api/v1/declarations") => {
            crate::workforce_probes::api(app, p).await
        }
        p if p.starts_with("/employees")
            || p.starts_with("/declarations")
            || p.starts_with("/alerts")
            || p.starts_with("/d/") =>
        {
            crate::workforce_probes::pages(app, fx, p).await
        }
        other => panic!("no scope-leak probe for scoped route {other}: add one to access::probe"),
    }
}

async fn scope_leak_matrix(app: TestApp) {
    let fx = fixture(&app).await;
    let scoped: Vec<_> = web::route_table()
        .into_iter()
        .filter(|r| matches!(r.data, Data::Scoped(_)))
        .collect();
    assert!(scoped.len() >= 7);
    for r in scoped {
        probe(&app, &fx, r.path).await;
    }
}
both!(scope_leak_matrix, Options { demo: true });
