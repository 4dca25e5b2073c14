//! Requests: deadlines from the calendar, the life cycle and who may move it, re-routing,
//! escalation exactly once, the three rates. (The desk's other parts: request_desk.rs.)

use crate::harness::{Options, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DEMO: Options = Options { demo: true };

pub(crate) async fn post_json(
    app: &TestApp,
    s: &Session,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", s.cookie())
        .header("x-csrf-token", &s.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn raise(app: &TestApp, s: &Session, category: &str, urgency: &str) -> Value {
    let firm = app
        .app
        .store
        .system()
        .enterprise_by_uscc(&baolong_uscc(app).await)
        .await
        .unwrap()
        .unwrap();
    let res = post_json(app, s, "/api/v1/requests", json!({
        "enterprise_id": firm.id, "category": category, "urgency": urgency, "title": format!("{category} {urgency}"), "description": "说明"
    }))
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

pub(crate) async fn baolong_uscc(app: &TestApp) -> String {
    let (rows, _) = app
        .app
        .store
        .system()
        .enterprises(&store::enterprises::EnterpriseFilter {
            q: Some("宝龙".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    rows[0].uscc.clone()
}

pub(crate) async fn move_to(app: &TestApp, s: &Session, id: i64, body: Value) -> reqwest::Response {
    post_json(app, s, &format!("/api/v1/requests/{id}/transition"), body).await
}

async fn deadlines_life_cycle_and_who_moves_what(app: TestApp) {
    // The clock: Monday 2020-02-10 09:00 in Zhaoqing.
    let firm = app.session("enterprise_demo").await;
    let hr = app.session("hr_bureau").await;
    let urgent = raise(&app, &firm, "workforce", "urgent").await;
    assert_eq!(urgent["state"], "submitted");
    assert_eq!(
        urgent["due_at"], "2020-02-10T23:59:59+08:00",
        "urgent: the same day"
    );
    let normal = raise(&app, &firm, "workforce", "normal").await;
    assert_eq!(
        normal["due_at"], "2020-02-13T23:59:59+08:00",
        "three working days"
    );
    assert_eq!(
        normal["response_due"], "2020-02-10T10:00:00+08:00",
        "one working hour"
    );
    let id = urgent["id"].as_i64().unwrap();

    // The enterprise cannot accept its own request; the handler cannot confirm it.
    let res = move_to(&app, &firm, id, json!({"to": "accepted"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "transition_not_allowed"
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "answered", "note": "x"}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "skipping acceptance"
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "accepted"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "accepted"}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "twice"
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "in_progress", "rating": 5}))
            .await
            .json::<Value>()
            .await
            .unwrap()["error"]["code"],
        "rating_only_on_confirm"
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "answered"}))
            .await
            .json::<Value>()
            .await
            .unwrap()["error"]["field"],
        "note"
    );
    assert_eq!(
        move_to(
            &app,
            &hr,
            id,
            json!({"to": "answered", "note": "已安排专车 3 辆"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "confirmed", "rating": 5}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "rating only by the enterprise"
    );
    assert_eq!(
        move_to(&app, &firm, id, json!({"to": "confirmed"}))
            .await
            .json::<Value>()
            .await
            .unwrap()["error"]["field"],
        "rating"
    );
    assert_eq!(
        move_to(&app, &firm, id, json!({"to": "confirmed", "rating": 7}))
            .await
            .json::<Value>()
            .await
            .unwrap()["error"]["code"],
        "rating_range"
    );
    assert_eq!(
        move_to(
            &app,
            &firm,
            id,
            json!({"to": "reopened", "note": "车还没到"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        move_to(&app, &hr, id, json!({"to": "answered", "note": "车已到厂"}))
            .await
            .status(),
        StatusCode::OK
    );
    let v: Value = move_to(&app, &firm, id, json!({"to": "confirmed", "rating": 5}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["state"].as_str(), v["rating"].as_i64()),
        (Some("confirmed"), Some(5))
    );
    assert_eq!(
        move_to(&app, &firm, id, json!({"to": "reopened", "note": "x"}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmed is final"
    );

    // The whole timeline, on the API and the page.
    let v: Value = app
        .get_as(&firm, &format!("/api/v1/requests/{id}"), &[])
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "accepted",
            "answered",
            "reopened",
            "answered",
            "confirmed"
        ]
    );
    let html = app
        .get_as(&firm, &format!("/requests/{id}"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("车还没到") && html.contains("已安排专车 3 辆") && html.contains("5 / 5")
    );

    // Another department does not see the request; re-routing sends it there.
    let (depts, _) = app
        .app
        .store
        .organisations()
        .list(Some("department"), 100, 0)
        .await
        .unwrap();
    let materials = depts
        .iter()
        .find(|d| d.name == "市工业和信息化局")
        .unwrap()
        .id;
    let nid = normal["id"].as_i64().unwrap();
    let res = app
        .post_as(
            &hr,
            &format!("/requests/{nid}/reroute"),
            &[("route", &format!("d:{materials}")), ("reason", "")],
        )
        .await;
    assert!(res.text().await.unwrap().contains("改派理由：此项为必填项"));
    let res = app
        .post_as(
            &hr,
            &format!("/requests/{nid}/reroute"),
            &[
                ("route", &format!("d:{materials}")),
                ("reason", "属于物资保障"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(&hr, &format!("/api/v1/requests/{nid}"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "gone from 人社局"
    );
}
both!(deadlines_life_cycle_and_who_moves_what, DEMO);

async fn escalation_happens_once_even_with_two_runners(app: TestApp) {
    let firm = app.session("enterprise_demo").await;
    // The demo's eight requests plus two raised now.
    raise(&app, &firm, "materials", "urgent").await;
    raise(&app, &firm, "policy", "normal").await;
    let (before, _) = app
        .app
        .store
        .system()
        .requests(&store::requests::RequestFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(before.iter().all(|r| !r.overdue));
    assert!(
        app.app.escalate_requests().await.unwrap().is_empty(),
        "nothing is late yet"
    );

    // Two hours later every response window (one working hour) has passed.
    app.clock.advance(chrono::Duration::hours(2));
    let second = app.app.clone();
    let (a, b) = tokio::join!(app.app.escalate_requests(), second.escalate_requests());
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all: Vec<i64> = a.iter().chain(b.iter()).copied().collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no request escalated twice: {a:?} {b:?}");
    assert_eq!(n, before.len(), "every submitted request missed its window");
    assert!(
        app.app.escalate_requests().await.unwrap().is_empty(),
        "and not again"
    );

    // The same day's end passes: urgent requests miss their deadline — one more escalation each.
    app.clock.advance(chrono::Duration::hours(14));
    let late = app.app.escalate_requests().await.unwrap();
    let (now, _) = app
        .app
        .store
        .system()
        .requests(&store::requests::RequestFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let urgent: Vec<_> = now.iter().filter(|r| r.urgency == "urgent").collect();
    assert_eq!(late.len(), urgent.len());
    assert!(urgent.iter().all(|r| r.overdue && r.escalation_level == 2));
    let s = app.session("sihui_officer").await;
    let v: Value = app
        .get_as(&s, "/api/v1/requests?overdue=true", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"].as_i64().unwrap() as usize, now.len());
    let html = app
        .get_as(&s, &format!("/requests/{}", urgent[0].id), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("超时升级"));
}
both!(escalation_happens_once_even_with_two_runners, DEMO);

async fn the_three_rates_on_a_known_fixture(app: TestApp) {
    let firm = app.session("enterprise_demo").await;
    let hr = app.session("hr_bureau").await;
    // Four workforce requests to 人社局 (plus the demo's one, left submitted).
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(
                raise(&app, &firm, "workforce", "normal").await["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        v
    };
    // Two accepted within the hour, one after it, one never.
    move_to(&app, &hr, ids[0], json!({"to": "accepted"})).await;
    move_to(&app, &hr, ids[1], json!({"to": "accepted"})).await;
    app.clock.advance(chrono::Duration::hours(3));
    move_to(&app, &hr, ids[2], json!({"to": "accepted"})).await;
    // Answered in time and confirmed: 0 (rating 5) and 2 (rating 3); 1 answered, not confirmed.
    for (i, rating) in [(0usize, Some(5)), (2, Some(3)), (1, None)] {
        move_to(&app, &hr, ids[i], json!({"to": "answered", "note": "已办"})).await;
        if let Some(r) = rating {
            assert_eq!(
                move_to(&app, &firm, ids[i], json!({"to": "confirmed", "rating": r}))
                    .await
                    .status(),
                StatusCode::OK
            );
        }
    }
    let v: Value = app
        .get_as(
            &hr,
            "/api/v1/requests/stats?from=2020-02-01&to=2020-02-29&group_by=department",
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    let row = &v["items"][0];
    assert_eq!(row["key"], "市人力资源和社会保障局");
    // 5 requests: responded 2 of 5; on time 2 of 5; satisfied 1 of 2 rated.
    assert_eq!(
        (
            row["total"].as_i64(),
            row["responded"].as_i64(),
            row["resolved_on_time"].as_i64(),
            row["rated"].as_i64(),
            row["satisfied"].as_i64()
        ),
        (Some(5), Some(2), Some(2), Some(2), Some(1))
    );
    assert_eq!(row["display"], json!(["40.0%", "40.0%", "50.0%"]));
    let html = app
        .get_as(
            &hr,
            "/requests/stats?from=2020-02-01&to=2020-02-29&group_by=category",
            &[],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("用工") && html.contains("40.0%") && html.contains("50.0%"));
    let bytes = app
        .get_as(
            &hr,
            "/requests/stats/export?from=2020-02-01&to=2020-02-29",
            &[],
        )
        .await
        .bytes()
        .await
        .unwrap();
    let (_, rows) = app::enterprises::read_sheet(&bytes).unwrap();
    assert_eq!(
        rows[0].1,
        ["市人力资源和社会保障局", "5", "40.0%", "40.0%", "50.0%"]
    );
}
both!(the_three_rates_on_a_known_fixture, DEMO);
