//! Requests at the desk: attachments and notifications, the settings page (deadlines,
//! calendar, routing, chief service officers), raising from a visit, weekend urgency.

use crate::harness::{Options, TestApp};
use crate::requests::{baolong_uscc, move_to, raise};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DEMO: Options = Options { demo: true };

async fn attachments_and_notifications(app: TestApp) {
    let firm = app.session("enterprise_demo").await;
    let hr = app.session("hr_bureau").await;
    // 人社局 has been told of the demo's workforce request.
    let html = app.get_as(&hr, "/", &[]).await.text().await.unwrap();
    assert!(
        html.contains(r#"id="unread">1<"#),
        "unread count in the header"
    );
    let id = raise(&app, &firm, "workforce", "urgent").await["id"]
        .as_i64()
        .unwrap();
    let html = app
        .get_as(&hr, "/notifications", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("新诉求") && html.contains("workforce urgent"));
    assert_eq!(
        app.post_as(&hr, "/notifications", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        !app.get_as(&hr, "/", &[])
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"id="unread""#)
    );
    // The liaison of the enterprise hears of it too.
    assert!(
        app.get_as(&app.session("liaison_demo").await, "/notifications", &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("workforce urgent")
    );

    let upload = |name: &'static str, bytes: Vec<u8>| {
        let (app, firm) = (&app, &firm);
        async move {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
            app.client
                .post(app.url(&format!("/requests/{id}/attachments?_csrf={}", firm.csrf)))
                .header("cookie", firm.cookie())
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap()
        }
    };
    let res = upload("evil.png", b"<script>alert(1)</script>".to_vec()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("内容须与扩展名相符"));
    assert_eq!(
        upload("x.exe", b"MZ".to_vec()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload(
            "too-big.pdf",
            [b"%PDF".to_vec(), vec![0; 10 * 1024 * 1024]].concat()
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload("证明.pdf", b"%PDF-1.4 proof".to_vec())
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let html = app
        .get_as(&hr, &format!("/requests/{id}"), &[])
        .await
        .text()
        .await
        .unwrap();
    let link = html
        .split("href=\"/attachments/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let res = app.get_as(&hr, &format!("/attachments/{link}"), &[]).await;
    assert_eq!(res.headers()["content-disposition"], "attachment");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(&res.bytes().await.unwrap()[..], b"%PDF-1.4 proof");
}
both!(attachments_and_notifications, DEMO);

async fn deadlines_calendar_and_routing_are_configurable(app: TestApp) {
    let admin = app.session("city_admin").await;
    let firm = app.session("enterprise_demo").await;
    let res = app
        .post_as(
            &admin,
            "/admin/requests/deadlines",
            &[("normal_days", "0"), ("response_minutes", "60")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("一般诉求办结工作日数：工作日数应为 1 到 30")
    );
    assert_eq!(
        app.post_as(
            &admin,
            "/admin/requests/deadlines",
            &[("normal_days", "2"), ("response_minutes", "120")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    // Tuesday 11 February becomes a holiday: two working days from Monday end on Thursday.
    assert_eq!(
        app.post_as(
            &admin,
            "/admin/requests/calendar",
            &[("day", "2020-02-11"), ("kind", "holiday")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let (depts, _) = app
        .app
        .store
        .organisations()
        .list(Some("department"), 100, 0)
        .await
        .unwrap();
    let commerce = depts.iter().find(|d| d.name == "市商务局").unwrap().id;
    let res = app
        .post_as(
            &admin,
            "/admin/requests/routing",
            &[("category", "policy"), ("route", &format!("d:{commerce}"))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post_as(
            &admin,
            "/admin/requests/routing",
            &[("category", "policy"), ("route", "c:999999")],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("承办部门或首席服务官不存在")
    );
    // "Other" goes to a chief service officer, who handles it from their own account.
    let sys = app.app.store.system();
    let (cadres, _) = sys
        .cadres(&store::liaison::CadreFilter {
            level: Some("town".into()),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let cso = cadres
        .iter()
        .find(|c| c.kind == "chief_service_officer" && c.region_code.starts_with("441284"))
        .unwrap();
    let res = app
        .post_as(
            &admin,
            "/admin/requests/routing",
            &[("category", "other"), ("route", &format!("c:{}", cso.id))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.app
        .create_user(
            None,
            "cso_demo",
            &cso.name,
            app::demo::DEMO_PASSWORD,
            &[(domain::Role::Liaison, Some(cso.id.to_string()))],
        )
        .await
        .unwrap();
    let other = raise(&app, &firm, "other", "normal").await;
    assert_eq!(other["chief_service_officer_id"].as_i64(), Some(cso.id));
    let officer = app.session("cso_demo").await;
    let oid = other["id"].as_i64().unwrap();
    let html = app
        .get_as(&officer, &format!("/requests/{oid}"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("首席服务官") && html.contains(&cso.name));
    assert_eq!(
        move_to(&app, &officer, oid, json!({"to": "accepted"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        app.get_as(&officer, "/notifications", &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("新诉求")
    );
    let v = raise(&app, &firm, "policy", "normal").await;
    assert_eq!(v["due_at"], "2020-02-13T23:59:59+08:00");
    assert_eq!(v["response_due"], "2020-02-10T11:00:00+08:00");
    assert_eq!(v["department_id"].as_i64(), Some(commerce));
    let (rows, _) = app
        .app
        .store
        .audit()
        .list(&store::audit::AuditFilter {
            entity: Some("request_settings".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 4, "each change audited");
    // Put the day back: ordinary again.
    assert_eq!(
        app.post_as(
            &admin,
            "/admin/requests/calendar",
            &[("day", "2020-02-11"), ("kind", "ordinary")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let html = app
        .get_as(&admin, "/admin/requests", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("2020-02-11") && html.contains("2020-05-01"));
}
both!(deadlines_calendar_and_routing_are_configurable, DEMO);

async fn a_liaison_raises_a_request_from_a_visit(app: TestApp) {
    let s = app.session("liaison_demo").await;
    let firm = baolong_uscc(&app).await;
    let e = app
        .app
        .store
        .system()
        .enterprise_by_uscc(&firm)
        .await
        .unwrap()
        .unwrap();
    let res = app
        .post_as(
            &s,
            "/liaison/visits",
            &[
                ("enterprise_id", &e.id.to_string()),
                ("visited_on", "2020-02-10"),
                ("findings", "缺少口罩"),
                ("follow_up", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app
        .get_as(&s, &format!("/enterprises/{}", e.id), &[])
        .await
        .text()
        .await
        .unwrap();
    let link = html
        .split("class=\"raise-from-visit\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let visit: String = link.split("visit=").nth(1).unwrap().to_owned();
    let form = app
        .get_as(&s, &link.replace("&amp;", "&"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("根据走访发现提出的诉求"));
    let res = app
        .post_as(
            &s,
            "/requests/new",
            &[
                ("enterprise_id", &e.id.to_string()),
                ("visit_id", &visit),
                ("category", "materials"),
                ("urgency", "urgent"),
                ("title", "口罩缺口"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rid = res.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let v: Value = app
        .get_as(&s, &format!("/api/v1/requests/{rid}"), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["title"], "口罩缺口");
    let html = app
        .get_as(&s, &format!("/enterprises/{}", e.id), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("已据此提出诉求 #{rid}")),
        "the visit links to its request"
    );
}
both!(a_liaison_raises_a_request_from_a_visit, DEMO);

async fn an_urgent_request_on_a_saturday_is_accepted_and_resolved_that_day(app: TestApp) {
    // Saturday 2020-02-15, 09:00: no working hours until Monday, but urgent means today.
    app.clock.advance(chrono::Duration::days(5));
    let firm = app.session("enterprise_demo").await;
    let v = raise(&app, &firm, "materials", "urgent").await;
    assert_eq!(v["due_at"], "2020-02-15T23:59:59+08:00");
    assert_eq!(
        v["response_due"], "2020-02-15T23:59:59+08:00",
        "acceptance is never due after resolution"
    );
    let v = raise(&app, &firm, "materials", "normal").await;
    assert_eq!(v["response_due"], "2020-02-17T10:00:00+08:00");
}
both!(
    an_urgent_request_on_a_saturday_is_accepted_and_resolved_that_day,
    DEMO
);
