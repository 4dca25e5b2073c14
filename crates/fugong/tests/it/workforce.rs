//! Employee files and declarations through the API: protected ID numbers (encrypted,
//! hashed, masked, audited views), the import with its row report, the declaration
//! intake (upsert, batches with bad items, alerts, counters, concurrency), and the
//! scope probes of the API routes.

use crate::harness::{Backend, Options, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::workforce::{EmployeeFilter, EmployeeRow};

/// A demo account's id.
pub(crate) async fn user_id(app: &TestApp, username: &str) -> i64 {
    let user = app
        .app
        .store
        .accounts()
        .by_username(username)
        .await
        .unwrap();
    user.unwrap().id
}

/// A demo account as the use cases see it.
pub(crate) async fn principal(app: &TestApp, username: &str) -> domain::Principal {
    app.app
        .principal(user_id(app, username).await)
        .await
        .unwrap()
}

/// A bearer token for a demo account.
pub(crate) async fn token(app: &TestApp, username: &str) -> String {
    let id = user_id(app, username).await;
    app.app.create_token(None, id, "test").await.unwrap().1
}

pub(crate) async fn api_get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn api_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Employees (as the system sees them) of enterprises under a region prefix.
pub(crate) async fn employees_in(app: &TestApp, enterprise_id: Option<i64>) -> Vec<EmployeeRow> {
    app.app
        .store
        .system()
        .employees(&EmployeeFilter {
            enterprise_id,
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .0
}

/// A valid resident ID number from 17 digits.
pub(crate) fn id_number(first17: &str) -> String {
    domain::ResidentId::with_check(first17).unwrap()
}

const HEADERS: [&str; 5] = [
    "姓名",
    "身份证号",
    "手机号码",
    "返岗状态",
    "居住村（社区）代码",
];

pub(crate) fn sheet(rows: &[[&str; 5]]) -> Vec<u8> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect();
    app::excel::workbook("员工档案", &HEADERS, &rows).unwrap()
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    enterprise_id: i64,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("employees.xlsx");
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/employees/import?enterprise_id={enterprise_id}"
        )))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn import_report_and_protection(app: TestApp) {
    let firm = token(&app, "enterprise_demo").await;
    let a = id_number("44120219900307123");
    let b = id_number("43040519851111002");
    let c = id_number("45040319920101004");
    let mut bad_check = id_number("44120219800101001");
    bad_check.replace_range(17..18, if bad_check.ends_with('0') { "1" } else { "0" });
    let bytes = sheet(&[
        ["甲一", &a, "13800000001", "已在岗", "441202001001"],
        ["乙二", &b, "13800000002", "在途", ""],
        ["丙三", &c, "13800000003", "", ""],
        ["丁四", &bad_check, "13800000004", "", ""],
        ["戊五", &id_number("44120219900307124"), "1380000", "", ""],
        ["己六", &a, "13800000006", "", ""],
        [
            "庚七",
            &id_number("44120219900307125"),
            "13800000007",
            "请假",
            "999",
        ],
    ]);
    let (status, report) = upload(&app, &firm, 1, bytes).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["inserted"], 3, "{report}");
    let rejected = report["rejected"].as_array().unwrap();
    let find = |row: i64, code: &str| {
        rejected.iter().any(|p| {
            p["row"] == row
                && p["code"] == code
                && p["column"].as_str().is_some_and(|c| !c.is_empty())
        })
    };
    assert!(find(5, "id_number_check"), "{report}");
    assert!(find(6, "phone_format"), "{report}");
    assert!(find(7, "id_number_duplicate_in_file"), "{report}");
    assert!(
        find(8, "return_status_unknown") && find(8, "region_code_format"),
        "{report}"
    );
    assert!(
        rejected.iter().all(|p| p["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty() && m != p["code"].as_str().unwrap())),
        "every problem is explained: {report}"
    );
    // The same file again updates, never duplicates.
    let again = sheet(&[["甲一改", &a, "13800000001", "已在岗", "441202001001"]]);
    let (_, report) = upload(&app, &firm, 1, again).await;
    assert_eq!(
        (report["inserted"].clone(), report["updated"].clone()),
        (json!(0), json!(1))
    );

    // Lists show the number masked; lookup finds it exactly, in scope only.
    let (_, list) = api_get(&app, &firm, "/api/v1/employees?q=甲一改").await;
    let item = &list["items"][0];
    assert_eq!(
        item["id_number"],
        format!("{}**********{}", &a[..4], &a[14..])
    );
    assert!(!list.to_string().contains(&a));
    // 甲一 lives in 端州区: its officers see their resident (the community view).
    let duanzhou = token(&app, "duanzhou_officer").await;
    let (_, seen) = api_get(
        &app,
        &duanzhou,
        &format!("/api/v1/employees/lookup?id_number={a}"),
    )
    .await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    let (status, found) = api_get(
        &app,
        &firm,
        &format!("/api/v1/employees/lookup?id_number={}", a.to_lowercase()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["items"][0]["name"], "甲一改");
    let duanzhou = token(&app, "duanzhou_officer").await;
    let (_, none) = api_get(
        &app,
        &duanzhou,
        &format!("/api/v1/employees/lookup?id_number={b}"),
    )
    .await;
    assert_eq!(
        none["items"].as_array().unwrap().len(),
        0,
        "enterprise 1 is in 四会市, not 端州区, and 乙二 does not live there"
    );
    let (status, bad) = api_get(&app, &firm, "/api/v1/employees/lookup?id_number=123").await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("id_number_length"))
    );

    // The full number: only with the permission, and every view is audited.
    let id = item["id"].as_i64().unwrap();
    let firm = principal(&app, "enterprise_demo").await;
    assert_eq!(app.app.reveal_id_number(&firm, id).await.unwrap(), a);
    let (audit, _) = app
        .app
        .store
        .audit()
        .list(&store::audit::AuditFilter {
            entity: Some("employee".into()),
            entity_id: Some(id.to_string()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "view_id_number" && r.actor_name == "enterprise_demo")
    );
    assert!(
        audit
            .iter()
            .all(|r| !r.after_json.clone().unwrap_or_default().contains(&a)),
        "the audit log holds the number masked"
    );
    let village = principal(&app, "village_officer").await;
    assert!(matches!(
        app.app.reveal_id_number(&village, id).await,
        Err(app::AppError::Forbidden)
    ));

    // Nothing in the database holds the number in clear: not the file, not the WAL.
    if app.backend == Backend::Sqlite {
        let dir = app.config.data_dir.clone();
        for f in ["fugong.db", "fugong.db-wal"] {
            let bytes = std::fs::read(dir.join(f)).unwrap_or_default();
            for number in [&a, &b, &c, &bad_check] {
                let needle = number.as_bytes();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{f} contains an ID number in clear"
                );
            }
        }
    }
    let rows = employees_in(&app, Some(1)).await;
    assert!(rows.iter().all(|r| r.id_masked.contains("**********")));
}
both!(import_report_and_protection, Options { demo: true });

async fn declarations_upsert_batch_and_alerts(app: TestApp) {
    let firm = token(&app, "enterprise_demo").await;
    let mine = employees_in(&app, Some(1)).await;
    let (e1, e2) = (mine[0].id, mine[1].id);
    let foreign = employees_in(&app, None)
        .await
        .into_iter()
        .find(|e| e.enterprise_id != 1)
        .unwrap();
    let day = "2020-01-20";
    let counts = |app: &TestApp| {
        let firm = firm.clone();
        let app_url = app.url("/api/v1/declarations/counts?date=2020-01-20");
        let client = app.client.clone();
        async move {
            let v: Value = client
                .get(app_url)
                .bearer_auth(firm)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                v["declared"].as_i64().unwrap(),
                v["alerts"].as_i64().unwrap(),
            )
        }
    };
    let before = counts(&app).await;

    // One declaration, then a second the same day replaces it.
    let (status, r) = api_post(
        &app,
        &firm,
        "/api/v1/declarations",
        &json!({"employee_id": e1, "date": day, "temperature": 36.6, "symptoms": []}),
    )
    .await;
    assert_eq!(
        (status, r["accepted"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{r}"
    );
    let (_, r) = api_post(
        &app,
        &firm,
        "/api/v1/declarations",
        &json!({"employee_id": e1, "date": day, "temperature": 38.1, "symptoms": ["cough"]}),
    )
    .await;
    assert_eq!(r["accepted"], 1);
    let d = app
        .app
        .store
        .declarations()
        .of(e1, "2020-01-20".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((d.temperature, d.revision, d.alert), (381, 2, true));
    assert_eq!(
        counts(&app).await,
        (before.0 + 1, before.1 + 1),
        "one declaration, one alert"
    );
    // Back to normal: still one declaration; the day's alert count follows.
    let (_, _) = api_post(
        &app,
        &firm,
        "/api/v1/declarations",
        &json!({"employee_id": e1, "date": day, "temperature": 36.4}),
    )
    .await;
    assert_eq!(counts(&app).await, (before.0 + 1, before.1));

    // A batch: good items kept, each bad one reported by its index.
    let batch = json!({"items": [
        {"employee_id": e2, "date": day, "temperature": 36.5, "symptoms": []},
        {"employee_id": foreign.id, "date": day, "temperature": 36.5},
        {"employee_id": e2, "date": "2020-02-11", "temperature": 36.5},
        {"employee_id": e1, "date": day, "temperature": 45.0},
        {"employee_id": e1, "date": day, "temperature": 36.5, "symptoms": ["sneezing"]},
        {"employee_id": "x", "temperature": "hot"},
        {"employee_id": 999_999_999, "date": day, "temperature": 36.5},
        {"employee_id": e1, "date": "2019-10-01", "temperature": 36.5},
        {"employee_id": e1, "temperature": 37.5},
    ]});
    let (status, r) = api_post(&app, &firm, "/api/v1/declarations", &batch).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["accepted"], 2, "{r}");
    let errors: Vec<(i64, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_i64().unwrap(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (1, "employee_unknown".to_owned()),
            (2, "date_in_future".to_owned()),
            (3, "temperature_range".to_owned()),
            (4, "symptom_unknown".to_owned()),
            (5, "item_format".to_owned()),
            (6, "employee_unknown".to_owned()),
            (7, "date_too_old".to_owned()),
        ],
        "{r}"
    );
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("员工"));
    // The item without a date is today's (2020-02-10): 37.5 is a fever.
    let today = app
        .app
        .store
        .declarations()
        .of(e1, "2020-02-10".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(today.alert);
    // A batch where nothing is good is a 422; an oversized one is refused whole.
    let (status, _) = api_post(
        &app,
        &firm,
        "/api/v1/declarations",
        &json!({"items": [{"employee_id": foreign.id, "temperature": 36.5}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"employee_id": e1, "temperature": 36.5}))
        .collect();
    let (status, r) = api_post(&app, &firm, "/api/v1/declarations", &json!({"items": many})).await;
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_many_items"))
    );
    let res = app
        .client
        .post(app.url("/api/v1/declarations"))
        .bearer_auth(&firm)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // The alert reaches the enterprise, and the community where the employee lives.
    let principal = principal(&app, "enterprise_demo").await;
    let (alerts, _) = app
        .app
        .store
        .scoped(&principal)
        .alerts(&store::declarations::AlertFilter {
            open_only: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let alert = alerts
        .iter()
        .find(|a| a.employee_id == e1 && a.day.to_string() == "2020-02-10")
        .unwrap();
    assert_eq!(alert.temperature, 375);
    let community = mine[0].residence_region.clone().unwrap();
    let officer = domain::Principal {
        user_id: principal.user_id,
        username: "community".into(),
        display_name: "社区".into(),
        grants: vec![domain::Grant::parse(domain::Role::VillageOfficer, Some(&community)).unwrap()],
    };
    let (theirs, _) = app
        .app
        .store
        .scoped(&officer)
        .alerts(&store::declarations::AlertFilter {
            open_only: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        theirs.iter().any(|a| a.id == alert.id),
        "the community sees its resident's alert"
    );
    app.app
        .handle_alert(&principal, alert.id, "已电话联系，安排复测")
        .await
        .unwrap();
    assert!(matches!(
        app.app.handle_alert(&principal, alert.id, "again").await,
        Err(app::AppError::Refused("alert_already_handled"))
    ));
    // A new fever the same day after the call opens the alert again.
    let (_, r) = api_post(
        &app,
        &firm,
        "/api/v1/declarations",
        &json!({"employee_id": e1, "temperature": 38.4}),
    )
    .await;
    assert_eq!(r["accepted"], 1);
    let (open, _) = app
        .app
        .store
        .scoped(&principal)
        .alerts(&store::declarations::AlertFilter {
            open_only: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let again = open.iter().find(|a| a.id == alert.id).expect("reopened");
    assert_eq!((again.temperature, again.handled_at), (384, None));
}
both!(declarations_upsert_batch_and_alerts, Options { demo: true });

/// Many requests at once share transactions, and every acknowledged declaration is
/// there, counted exactly once.
async fn concurrent_declarations_are_all_kept(app: TestApp) {
    let firm = token(&app, "enterprise_demo").await;
    let mine = employees_in(&app, Some(1)).await;
    let day = chrono::NaiveDate::from_ymd_opt(2020, 2, 1).unwrap();
    let ids: Vec<i64> = mine.iter().map(|e| e.id).take(120).collect();
    let mut tasks = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let client = app.client.clone();
        let url = app.url("/api/v1/declarations");
        let firm = firm.clone();
        let body = json!({"employee_id": id, "date": day.to_string(), "temperature": 36.0 + (n % 10) as f64 / 10.0});
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(firm)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        app.app.store.declarations().count_day(day).await.unwrap(),
        ids.len() as i64
    );
    let (_, v) = api_get(&app, &firm, "/api/v1/declarations/counts?date=2020-02-01").await;
    assert_eq!(v["declared"], ids.len() as i64, "{v}");
    for (n, id) in ids.iter().enumerate() {
        let d = app
            .app
            .store
            .declarations()
            .of(*id, day)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.temperature, 360 + (n % 10) as i64);
    }
}
both!(concurrent_declarations_are_all_kept, Options { demo: true });

/// The enterprise downloads the day's roster, fills it in and uploads it: good rows
/// are declared (a fever raises its alert), empty rows skipped, bad rows explained.
async fn declarations_by_sheet(app: TestApp) {
    let s = app.session("enterprise_demo").await;
    let bytes = app
        .get_as(&s, "/declarations/sheet?enterprise_id=1", &[])
        .await
        .bytes()
        .await
        .unwrap();
    let (headers, rows) = app::enterprises::read_sheet(&bytes).unwrap();
    assert_eq!(headers, app::declarations::SHEET_COLUMNS);
    assert!(rows.len() >= 50);
    // Not yet declared today come first.
    let ids: Vec<i64> = rows
        .iter()
        .take(4)
        .map(|(_, c)| c[0].parse().unwrap())
        .collect();
    for id in &ids {
        assert!(
            app.app
                .store
                .declarations()
                .of(*id, app.app.today())
                .await
                .unwrap()
                .is_none()
        );
    }
    let mut filled: Vec<Vec<String>> = rows.iter().map(|(_, c)| c.clone()).collect();
    filled[0][4] = "36.6".into();
    filled[1][4] = "38.2".into();
    filled[1][5] = "咳嗽、乏力".into();
    filled[2][4] = "99".into();
    filled[3][4] = "36.5".into();
    filled[3][5] = "打喷嚏".into();
    let upload =
        app::excel::workbook("健康申报", &app::declarations::SHEET_COLUMNS, &filled).unwrap();
    let part = reqwest::multipart::Part::bytes(upload).file_name("d.xlsx");
    let res = app
        .client
        .post(app.url(&format!(
            "/declarations/import?enterprise_id=1&_csrf={}",
            s.csrf
        )))
        .header("cookie", s.cookie())
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("已保存 2 条申报"), "{html}");
    assert!(
        html.contains(&format!("{} 行未填体温", filled.len() - 4)),
        "{html}"
    );
    assert!(
        html.contains("第 4 行") && html.contains("体温应在"),
        "{html}"
    );
    assert!(
        html.contains("第 5 行") && html.contains("症状不在可选范围内"),
        "{html}"
    );
    let today = app.app.today();
    let d = app
        .app
        .store
        .declarations()
        .of(ids[1], today)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (d.temperature, d.alert, d.source.as_str()),
        (382, true, "import")
    );
    assert_eq!(
        domain::Symptoms::from_bits(d.symptoms).list(),
        [
            domain::workforce::Symptom::Cough,
            domain::workforce::Symptom::Fatigue
        ]
    );
    assert!(
        app.app
            .store
            .declarations()
            .of(ids[2], today)
            .await
            .unwrap()
            .is_none()
    );
}
both!(declarations_by_sheet, Options { demo: true });
