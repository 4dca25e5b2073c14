//! Scope-leak probes for the workforce (called by the matrix for every scoped route
//! under /employees, /declarations, /alerts and their API), and the helpers the page
//! tests share: the demo's employees as the system sees them, what a page links to.

use crate::harness::TestApp;
use crate::scope_fixture::{Fixture, all_enterprises};
use crate::workforce::{api_get, api_post, employees_in, id_number, sheet, token, upload};
use app::declarations::DeclarationItem;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;
use store::declarations::AlertFilter;
use store::enterprises::EnterpriseFilter;
use store::workforce::{EmployeeFilter, EmployeeRow};

/// Every employee as the system sees them (with today's declaration).
pub(crate) async fn everyone(app: &TestApp) -> Vec<EmployeeRow> {
    app.app
        .store
        .system()
        .employees(&EmployeeFilter {
            day: Some(app.app.today()),
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .0
}

pub(crate) fn under(code: &Option<String>, prefix: &str) -> bool {
    code.as_deref().unwrap_or("").starts_with(prefix)
}

/// What the probes need to know, computed from the system's view.
pub(crate) struct World {
    all: Vec<EmployeeRow>,
    /// enterprise id → region code.
    regions: HashMap<i64, String>,
    /// An employee of a 四会 enterprise (not the enterprise account's) who lives
    /// outside 端州区: nothing of theirs may reach the 端州 officer.
    foreign: EmployeeRow,
}

impl World {
    /// Employees the 端州 officer may see: of 端州 enterprises, or living in 端州.
    fn duanzhou_sees(&self, e: &EmployeeRow) -> bool {
        self.regions[&e.enterprise_id].starts_with("441202") || under(&e.residence_region, "441202")
    }

    fn duanzhou_total(&self) -> usize {
        self.all.iter().filter(|e| self.duanzhou_sees(e)).count()
    }

    fn of_enterprise(&self, id: i64) -> usize {
        self.all.iter().filter(|e| e.enterprise_id == id).count()
    }
}

pub(crate) async fn world(app: &TestApp) -> World {
    let (enterprises, _) = all_enterprises(app, EnterpriseFilter::default()).await;
    let regions: HashMap<i64, String> = enterprises
        .into_iter()
        .map(|e| (e.id, e.region_code))
        .collect();
    let all = everyone(app).await;
    let foreign = all
        .iter()
        .find(|e| {
            e.enterprise_id != 1
                && regions[&e.enterprise_id].starts_with("441284")
                && !under(&e.residence_region, "441202")
        })
        .unwrap()
        .clone();
    World {
        all,
        regions,
        foreign,
    }
}

/// The ids of the employee files a page links to.
pub(crate) fn linked_employees(html: &str) -> Vec<i64> {
    html.match_indices("href=\"/employees/")
        .filter_map(|(i, m)| {
            let rest = &html[i + m.len()..];
            let end = rest.find('"')?;
            rest[..end].parse().ok()
        })
        .collect()
}

pub(crate) async fn text(res: reqwest::Response) -> String {
    res.text().await.unwrap()
}

/// The full number of a file, as the system holds it (for lookups in the tests).
pub(crate) async fn full_number(app: &TestApp, id: i64) -> String {
    let cipher = app
        .app
        .store
        .system()
        .employee_id_cipher(id, 0)
        .await
        .unwrap();
    app.app.ids.decrypt(&cipher).unwrap()
}

/// A declaration written as the system (the probes need a row of a given kind).
pub(crate) async fn declare(app: &TestApp, employee_id: i64, temperature: f64) {
    let (accepted, errors) = app
        .app
        .declare(
            None,
            &[DeclarationItem {
                employee_id,
                temperature: Some(temperature),
                ..Default::default()
            }],
            "enterprise",
        )
        .await
        .unwrap();
    assert_eq!((accepted, errors.len()), (1, 0));
}

/// Scope-leak probes for the workforce pages (called from the matrix).
pub(crate) async fn pages(app: &TestApp, fx: &Fixture, path: &str) {
    let w = world(app).await;
    let foreign = &w.foreign;
    let village = app.session("village_officer").await;
    match path {
        "/employees" => {
            let html = text(app.get_as(&fx.duanzhou, path, &[]).await).await;
            assert!(
                html.contains(&format!("共 {} 条", w.duanzhou_total())),
                "the 端州 list counts its enterprises' employees and its residents"
            );
            let q = format!("/employees?q={}", urlencode(&foreign.name));
            let html = text(app.get_as(&fx.duanzhou, &q, &[]).await).await;
            assert!(!linked_employees(&html).contains(&foreign.id));
            let html = text(app.get_as(&fx.sihui, &q, &[]).await).await;
            assert!(linked_employees(&html).contains(&foreign.id));
            // An ID number typed in the box: exact match, still within the scope.
            let q = format!("/employees?q={}", full_number(app, foreign.id).await);
            let html = text(app.get_as(&fx.duanzhou, &q, &[]).await).await;
            assert!(html.contains("共 0 条"), "lookup stays in scope");
            let html = text(app.get_as(&fx.sihui, &q, &[]).await).await;
            assert_eq!(linked_employees(&html), vec![foreign.id]);
            // A filter on the foreign enterprise cannot widen the scope.
            let q = format!("/employees?enterprise_id={}", foreign.enterprise_id);
            let residents = w
                .all
                .iter()
                .filter(|e| {
                    e.enterprise_id == foreign.enterprise_id && under(&e.residence_region, "441202")
                })
                .count();
            let html = text(app.get_as(&fx.duanzhou, &q, &[]).await).await;
            assert!(html.contains(&format!("共 {residents} 条")), "{q}");
            let html = text(app.get_as(&fx.firm, path, &[]).await).await;
            assert!(html.contains(&format!("共 {} 条", w.of_enterprise(1))));
            let by_id: HashMap<i64, &EmployeeRow> = w.all.iter().map(|e| (e.id, e)).collect();
            assert!(
                linked_employees(&html)
                    .iter()
                    .all(|id| by_id[id].enterprise_id == 1),
                "an enterprise sees its own staff only"
            );
            let html = text(app.get_as(&fx.bank, path, &[]).await).await;
            assert!(html.contains("共 0 条"), "a bank sees no employee");
            // A community sees its residents, wherever they work.
            let html = text(app.get_as(&village, path, &[]).await).await;
            assert!(linked_employees(&html).iter().all(|id| under(
                &by_id[id].residence_region,
                "441202001001"
            )
                || w.regions[&by_id[id].enterprise_id].starts_with("441202001001")));
        }
        "/employees/export" => {
            let rows = |bytes: &[u8]| app::enterprises::read_sheet(bytes).unwrap().1;
            let bytes = app
                .get_as(&fx.duanzhou, path, &[])
                .await
                .bytes()
                .await
                .unwrap();
            let dz = rows(&bytes);
            assert_eq!(dz.len(), w.duanzhou_total());
            assert!(
                !dz.iter()
                    .any(|(_, c)| c[0] == foreign.name && c[1] == foreign.id_masked),
                "the export stays in scope"
            );
            assert!(dz.iter().all(|(_, c)| c[1].contains("**********")));
            let bytes = app.get_as(&fx.bank, path, &[]).await.bytes().await.unwrap();
            assert!(rows(&bytes).is_empty(), "a bank exports nothing");
            let bytes = app.get_as(&fx.firm, path, &[]).await.bytes().await.unwrap();
            assert_eq!(rows(&bytes).len(), w.of_enterprise(1));
        }
        "/employees/{id}" | "/employees/{id}/edit" => {
            let p = path.replace("{id}", &foreign.id.to_string());
            for s in [&fx.duanzhou, &fx.firm] {
                assert_eq!(
                    app.get_as(s, &p, &[]).await.status(),
                    StatusCode::NOT_FOUND,
                    "{p}"
                );
            }
            // A bank may not edit files at all: refused before any lookup.
            let bank = if path.ends_with("/edit") {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(app.get_as(&fx.bank, &p, &[]).await.status(), bank, "{p}");
            assert_eq!(
                app.get_as(&fx.sihui, &p, &[]).await.status(),
                StatusCode::OK
            );
            if path.ends_with("/edit") {
                let res = app
                    .post_as(
                        &fx.duanzhou,
                        &p,
                        &[
                            ("name", "改名"),
                            ("id_number", &foreign.id_masked),
                            ("phone", "13800000000"),
                        ],
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::NOT_FOUND, "nor write it");
                let row = app
                    .app
                    .store
                    .system()
                    .employee(foreign.id, None)
                    .await
                    .unwrap();
                assert_eq!(row.name, foreign.name);
            }
        }
        "/employees/new" => {
            let before = w.of_enterprise(foreign.enterprise_id);
            let id = id_number("44128419900101001");
            let ent = foreign.enterprise_id.to_string();
            let res = app
                .post_as(
                    &fx.duanzhou,
                    path,
                    &[
                        ("enterprise_id", &ent),
                        ("name", "越界"),
                        ("id_number", &id),
                        ("phone", "13800000000"),
                    ],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::NOT_FOUND,
                "no file for another district's enterprise"
            );
            let after = everyone(app)
                .await
                .iter()
                .filter(|e| e.enterprise_id == foreign.enterprise_id)
                .count();
            assert_eq!(after, before);
        }
        "/employees/{id}/reveal" => {
            let p = path.replace("{id}", &foreign.id.to_string());
            assert_eq!(
                app.post_as(&fx.duanzhou, &p, &[]).await.status(),
                StatusCode::NOT_FOUND
            );
            assert_eq!(
                app.post_as(&fx.firm, &p, &[]).await.status(),
                StatusCode::NOT_FOUND
            );
            let html = text(app.post_as(&fx.sihui, &p, &[]).await).await;
            assert!(html.contains(&full_number(app, foreign.id).await));
        }
        "/employees/{id}/link/revoke" => {
            let p = path.replace("{id}", &foreign.id.to_string());
            for s in [&fx.duanzhou, &fx.firm] {
                assert_eq!(
                    app.post_as(s, &p, &[]).await.status(),
                    StatusCode::NOT_FOUND
                );
            }
            let row = app
                .app
                .store
                .system()
                .employee(foreign.id, None)
                .await
                .unwrap();
            assert_eq!(
                row.link_version, foreign.link_version,
                "the link still works"
            );
        }
        "/employees/links" => {
            let q = format!("{path}?enterprise_id={}", foreign.enterprise_id);
            assert_eq!(
                app.get_as(&fx.duanzhou, &q, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "no links of another district's staff"
            );
            let html = text(app.get_as(&fx.sihui, &q, &[]).await).await;
            assert!(html.contains("class=\"qr-card\""));
            // The enterprise account prints its own sheet, whatever it asks for.
            let html = text(app.get_as(&fx.firm, &q, &[]).await).await;
            assert_eq!(
                html.matches("class=\"qr-card\"").count(),
                w.of_enterprise(1).min(48)
            );
            assert!(!html.contains(&foreign.enterprise_name));
        }
        "/declarations" => {
            declare(app, foreign.id, 36.6).await;
            let today = app.app.today();
            let counts = app
                .app
                .store
                .system()
                .declaration_counts_by_enterprise(today)
                .await
                .unwrap();
            let dz: i64 = counts
                .iter()
                .filter(|c| w.regions[&c.key.parse::<i64>().unwrap()].starts_with("441202"))
                .map(|c| c.declared)
                .sum();
            let html = text(app.get_as(&fx.duanzhou, path, &[]).await).await;
            assert!(
                html.contains(&format!("id=\"declared-total\">{dz}<")),
                "{dz}"
            );
            assert!(!html.contains(&foreign.enterprise_name));
            assert!(!html.contains("四会市"));
            let html = text(app.get_as(&fx.sihui, path, &[]).await).await;
            assert!(html.contains(&foreign.enterprise_name));
            let html = text(app.get_as(&fx.bank, path, &[]).await).await;
            assert!(html.contains("id=\"declared-total\">0<"));
        }
        "/declarations/entry" => {
            let q = format!("{path}?enterprise_id={}", foreign.enterprise_id);
            assert_eq!(
                app.get_as(&fx.duanzhou, &q, &[]).await.status(),
                StatusCode::NOT_FOUND
            );
            let before = app
                .app
                .store
                .declarations()
                .of(foreign.id, app.app.today())
                .await
                .unwrap();
            let own = fx.in_duanzhou.id.to_string();
            let key = format!("t_{}", foreign.id);
            let res = app
                .post_as(
                    &fx.duanzhou,
                    path,
                    &[("enterprise_id", &own), (&key, "39.5")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(text(res).await.contains("找不到该员工"));
            let after = app
                .app
                .store
                .declarations()
                .of(foreign.id, app.app.today())
                .await
                .unwrap();
            assert_eq!(before, after, "nothing declared for a foreign employee");
        }
        "/declarations/sheet" => {
            let q = format!("{path}?enterprise_id={}", foreign.enterprise_id);
            assert_eq!(
                app.get_as(&fx.duanzhou, &q, &[]).await.status(),
                StatusCode::NOT_FOUND
            );
            let bytes = app.get_as(&fx.sihui, &q, &[]).await.bytes().await.unwrap();
            let (_, rows) = app::enterprises::read_sheet(&bytes).unwrap();
            assert!(rows.iter().any(|(_, c)| c[0] == foreign.id.to_string()));
        }
        "/declarations/import" => {
            let sheet = app::excel::workbook(
                "健康申报",
                &app::declarations::SHEET_COLUMNS,
                &[vec![
                    foreign.id.to_string(),
                    foreign.name.clone(),
                    String::new(),
                    String::new(),
                    "39.5".into(),
                    String::new(),
                    String::new(),
                ]],
            )
            .unwrap();
            let before = app
                .app
                .store
                .declarations()
                .of(foreign.id, app.app.today())
                .await
                .unwrap();
            for (enterprise, expect) in [
                (fx.in_duanzhou.id, StatusCode::UNPROCESSABLE_ENTITY),
                (foreign.enterprise_id, StatusCode::NOT_FOUND),
            ] {
                let url = format!(
                    "{path}?enterprise_id={enterprise}&_csrf={}",
                    fx.duanzhou.csrf
                );
                let part = reqwest::multipart::Part::bytes(sheet.clone()).file_name("d.xlsx");
                let res = app
                    .client
                    .post(app.url(&url))
                    .header("cookie", fx.duanzhou.cookie())
                    .multipart(reqwest::multipart::Form::new().part("file", part))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), expect, "{url}");
            }
            let after = app
                .app
                .store
                .declarations()
                .of(foreign.id, app.app.today())
                .await
                .unwrap();
            assert_eq!(before, after, "nothing declared for a foreign employee");
        }
        "/alerts" => {
            declare(app, foreign.id, 38.6).await;
            let html = text(app.get_as(&fx.duanzhou, "/alerts?state=all", &[]).await).await;
            assert!(!linked_employees(&html).contains(&foreign.id));
            let html = text(app.get_as(&fx.sihui, "/alerts?state=all", &[]).await).await;
            assert!(linked_employees(&html).contains(&foreign.id));
            let by_id: HashMap<i64, &EmployeeRow> = w.all.iter().map(|e| (e.id, e)).collect();
            let html = text(app.get_as(&fx.firm, "/alerts?state=all", &[]).await).await;
            assert!(
                linked_employees(&html)
                    .iter()
                    .all(|id| by_id[id].enterprise_id == 1)
            );
            let html = text(app.get_as(&fx.bank, "/alerts?state=all", &[]).await).await;
            assert!(html.contains("共 0 条"));
        }
        "/alerts/{id}/handle" => {
            declare(app, foreign.id, 38.7).await;
            let (alerts, _) = app
                .app
                .store
                .system()
                .alerts(&AlertFilter {
                    open_only: true,
                    day: Some(app.app.today()),
                    limit: 1000,
                    ..Default::default()
                })
                .await
                .unwrap();
            let alert = alerts.iter().find(|a| a.employee_id == foreign.id).unwrap();
            let p = path.replace("{id}", &alert.id.to_string());
            for s in [&fx.duanzhou, &fx.firm, &village] {
                let res = app.post_as(s, &p, &[("handling", "越权处理")]).await;
                assert_eq!(res.status(), StatusCode::NOT_FOUND);
            }
            let (still, _) = app
                .app
                .store
                .system()
                .alerts(&AlertFilter {
                    open_only: true,
                    limit: 10_000,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(still.iter().any(|a| a.id == alert.id), "still open");
        }
        other => panic!("no scope-leak probe for workforce page {other}"),
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Scope probes of the API routes (called by the scope-leak matrix).
pub(crate) async fn api(app: &TestApp, path: &str) {
    let duanzhou = token(app, "duanzhou_officer").await;
    let sihui = token(app, "sihui_officer").await;
    let bank = token(app, "bank_demo").await;
    let firm = token(app, "enterprise_demo").await;
    let all = employees_in(app, None).await;
    let in_sihui = all.iter().find(|e| e.enterprise_id == 1).unwrap();
    match path {
        "/api/v1/employees" => {
            let (_, v) = api_get(app, &duanzhou, "/api/v1/employees?page=1").await;
            let items = v["items"].as_array().unwrap();
            assert!(!items.is_empty());
            assert!(items.iter().all(|i| {
                i["enterprise_id"] != 1
                    || i["residence_region"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("441202"))
            }));
            let (_, v) = api_get(app, &duanzhou, "/api/v1/employees?enterprise_id=1").await;
            assert!(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["residence_region"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("441202"))),
                "only residents of the district"
            );
            let (_, v) = api_get(app, &bank, "/api/v1/employees").await;
            assert_eq!(v["total"], 0, "a bank sees no employee");
            let (_, v) = api_get(app, &firm, "/api/v1/employees").await;
            assert!(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["enterprise_id"] == 1)
            );
        }
        "/api/v1/employees/{id}" => {
            let foreign = all
                .iter()
                .find(|e| {
                    e.enterprise_id != 1
                        && !e
                            .residence_region
                            .as_deref()
                            .unwrap_or("")
                            .starts_with("441284")
                })
                .filter(|e| {
                    !e.residence_region
                        .as_deref()
                        .unwrap_or("")
                        .starts_with("441202")
                });
            let p = format!("/api/v1/employees/{}", in_sihui.id);
            let visible_to_duanzhou = in_sihui
                .residence_region
                .as_deref()
                .unwrap_or("")
                .starts_with("441202");
            let (status, _) = api_get(app, &duanzhou, &p).await;
            assert_eq!(status == StatusCode::OK, visible_to_duanzhou);
            assert_eq!(api_get(app, &sihui, &p).await.0, StatusCode::OK);
            assert_eq!(api_get(app, &bank, &p).await.0, StatusCode::NOT_FOUND);
            if let Some(f) = foreign {
                let (status, _) = api_get(app, &firm, &format!("/api/v1/employees/{}", f.id)).await;
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "another enterprise's employee"
                );
            }
        }
        "/api/v1/employees/lookup" => {
            // Covered with real numbers in import_report_and_protection; here: a bank
            // finds nothing even for a valid number.
            let n = id_number("44120219900307123");
            let (_, v) = api_get(app, &bank, &format!("{path}?id_number={n}")).await;
            assert_eq!(v["items"].as_array().unwrap().len(), 0);
        }
        "/api/v1/employees/import" => {
            let bytes = sheet(&[[
                "越权",
                &id_number("44120219900307123"),
                "13800000001",
                "",
                "",
            ]]);
            let (status, _) = upload(app, &duanzhou, 1, bytes).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "a sibling district cannot import into a 四会 enterprise"
            );
        }
        "/api/v1/declarations" => {
            let (status, v) = api_post(
                app,
                &duanzhou,
                path,
                &json!({"employee_id": in_sihui.id, "temperature": 36.5}),
            )
            .await;
            assert_eq!(
                (status, v["errors"][0]["code"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("employee_unknown"))
            );
            let (status, _) = api_post(
                app,
                &sihui,
                path,
                &json!({"employee_id": in_sihui.id, "temperature": 36.5}),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
        }
        "/api/v1/declarations/counts" => {
            let (_, v) = api_get(app, &duanzhou, "/api/v1/declarations/counts?by=district").await;
            let items = v["items"].as_array().unwrap();
            assert!(items.iter().all(|i| i["key"] == "441202"), "{v}");
            let (_, v) = api_get(app, &bank, path).await;
            assert_eq!(v["declared"], 0);
            let (_, v) = api_get(app, &firm, path).await;
            assert!(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["key"] == "1")
            );
        }
        other => panic!("no scope-leak probe for {other}: add one to workforce_probes::api"),
    }
}
