//! The workforce pages: employee files, import with progress, personal declaration
//! links, bulk entry, alerts (their scope-leak probes: `workforce_page_probes`).

use crate::harness::{Options, Session, TestApp, form_body};
use crate::workforce::{id_number, principal};
use crate::workforce_probes::*;
use reqwest::StatusCode;
use store::declarations::AlertFilter;
use store::workforce::EmployeeFilter;

/// A file of the demo enterprise (宝龙, enterprise 1) made through the use case.
async fn new_file(app: &TestApp, name: &str, first17: &str, residence: &str) -> i64 {
    let firm = principal(app, "enterprise_demo").await;
    let input: app::workforce::EmployeeInput = [
        ("name", name),
        ("id_number", &id_number(first17)),
        ("phone", "13912345678"),
        ("residence_region", residence),
        ("return_status", "at_work"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    app.app.save_employee(&firm, 1, None, &input).await.unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

async fn employee_form_checks_fields(app: TestApp) {
    let firm = app.session("enterprise_demo").await;
    let html = text(app.get_as(&firm, "/employees/new", &[]).await).await;
    assert!(html.contains("name=\"id_number\"") && html.contains("name=\"travel_history\""));
    assert!(
        html.contains("广东宝龙汽车有限公司"),
        "its own enterprise, fixed"
    );
    let good = id_number("44120219900307123");
    let mut bad = good.clone();
    let last = if bad.ends_with('1') { "2" } else { "1" };
    bad.replace_range(17.., last);
    let res = app
        .post_as(
            &firm,
            "/employees/new",
            &[
                ("name", "王小明"),
                ("id_number", &bad),
                ("phone", "13800001111"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(res).await;
    assert!(
        html.contains("身份证号：身份证号校验位不对"),
        "the error names the field"
    );
    assert!(html.contains("value=\"王小明\""), "what was typed is kept");
    let res = app
        .post_as(
            &firm,
            "/employees/new",
            &[("name", ""), ("id_number", &good), ("phone", "13800001111")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("姓名："));
    let res = app
        .post_as(
            &firm,
            "/employees/new",
            &[
                ("name", "王小明"),
                ("id_number", &good),
                ("phone", "13800001111"),
                ("gender", ""),
                ("residence_kind", "dormitory"),
                ("return_status", "observing"),
                ("returned_on", "2020-02-08"),
                ("fever_or_cough", "是"),
                ("travel_history", "1月20日在衡阳，2月8日返肇"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let id: i64 = to.trim_start_matches("/employees/").parse().unwrap();
    let html = text(app.get_as(&firm, &to, &[]).await).await;
    assert!(html.contains("4412**********123X") || html.contains(&domain::workforce::mask(&good)));
    assert!(!html.contains(&good), "the full number is not shown");
    assert!(html.contains("已返回观察中") && html.contains("宿舍"));
    // Edit: the masked number as shown keeps the stored one.
    let edit = format!("/employees/{id}/edit");
    let html = text(app.get_as(&firm, &edit, &[]).await).await;
    let masked = domain::workforce::mask(&good);
    assert!(html.contains(&format!("value=\"{masked}\"")));
    let res = app
        .post_as(
            &firm,
            &edit,
            &[
                ("name", "王小明"),
                ("id_number", &masked),
                ("phone", "1380000"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("手机号码："));
    let res = app
        .post_as(
            &firm,
            &edit,
            &[
                ("name", "王晓明"),
                ("id_number", &masked),
                ("phone", "13800002222"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(full_number(&app, id).await, good, "the number is kept");
    // Found again by the full number typed in the search box.
    let html = text(
        app.get_as(&firm, &format!("/employees?q={good}"), &[])
            .await,
    )
    .await;
    assert_eq!(linked_employees(&html), vec![id]);
    assert!(html.contains("王晓明"));
    let village = app.session("village_officer").await;
    assert_eq!(
        app.get_as(&village, "/employees/new", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
}
both!(employee_form_checks_fields, Options { demo: true });

async fn reveal_is_permitted_and_audited(app: TestApp) {
    let id = new_file(&app, "李四", "44120219850512003", "441202001001").await;
    let full = full_number(&app, id).await;
    let firm = app.session("enterprise_demo").await;
    let p = format!("/employees/{id}");
    let html = text(app.get_as(&firm, &p, &[]).await).await;
    assert!(html.contains("id=\"reveal\"") && !html.contains(&full));
    let audits = |app: &TestApp| {
        let store = app.app.store.clone();
        async move {
            store
                .audit()
                .list(&store::audit::AuditFilter {
                    entity: Some("employee".into()),
                    entity_id: Some(id.to_string()),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .0
                .into_iter()
                .filter(|a| a.action == "view_id_number")
                .count()
        }
    };
    let before = audits(&app).await;
    let res = app.post_as(&firm, &format!("{p}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(text(res).await.contains(&full));
    assert_eq!(audits(&app).await, before + 1, "the view is audited");
    // The community sees its resident's file, but not the full number.
    let village = app.session("village_officer").await;
    let html = text(app.get_as(&village, &p, &[]).await).await;
    assert!(html.contains("李四") && !html.contains("id=\"reveal\""));
    assert!(!html.contains("personal-link"), "nor the personal link");
    let res = app.post_as(&village, &format!("{p}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(audits(&app).await, before + 1);
}
both!(reveal_is_permitted_and_audited, Options { demo: true });

/// The `/d/...` path of the personal link on a file's page.
async fn personal_link(app: &TestApp, s: &Session, id: i64) -> String {
    let html = text(app.get_as(s, &format!("/employees/{id}"), &[]).await).await;
    assert!(html.contains("<svg class=\"qr\""));
    let start = html.find("id=\"personal-link\">").unwrap() + "id=\"personal-link\">".len();
    let url = &html[start..start + html[start..].find('<').unwrap()];
    url[url.find("/d/").unwrap()..].to_owned()
}

async fn post_anonymous(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(form))
        .send()
        .await
        .unwrap()
}

async fn personal_link_declares_and_alerts(app: TestApp) {
    // Works for 宝龙 (四会), lives in 东风社区 (端州区 城东街道).
    let id = new_file(&app, "赵六", "44120219920101004", "441202001001").await;
    let firm = app.session("enterprise_demo").await;
    let link = personal_link(&app, &firm, id).await;
    let res = app.get(&link).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = text(res).await;
    assert!(html.contains("赵六") && html.contains("今天还未申报"));
    assert!(!html.contains("<img") && !html.contains("<script"));
    // No account, no session, no CSRF token: the link is the credential.
    let res = post_anonymous(
        &app,
        &link,
        &[
            ("temperature", "38.2"),
            ("symptoms", "cough"),
            ("location", "宿舍"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = text(res).await;
    assert!(html.contains("申报成功") && html.contains("38.2"), "{html}");
    let html = text(app.get(&link).await).await;
    assert!(html.contains("今天已申报 38.2 ℃"));
    let res = post_anonymous(&app, &link, &[("temperature", "abc")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("体温：体温应为数字"));
    // A signed-in browser opening the link needs no token either.
    let res = app
        .client
        .post(app.url(&link))
        .header("cookie", firm.cookie())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("temperature=38.4")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The fever reaches the enterprise, the community and the district above it.
    for user in [
        "enterprise_demo",
        "village_officer",
        "duanzhou_officer",
        "sihui_officer",
    ] {
        let s = app.session(user).await;
        let html = text(app.get_as(&s, "/alerts", &[]).await).await;
        assert!(linked_employees(&html).contains(&id), "{user}");
        assert!(html.contains("38.4 ℃"), "{user}: the latest value");
    }
    let bank = app.session("bank_demo").await;
    let html = text(app.get_as(&bank, "/alerts", &[]).await).await;
    assert!(!linked_employees(&html).contains(&id));
    // The community handles it.
    let (alerts, _) = app
        .app
        .store
        .system()
        .alerts(&AlertFilter {
            open_only: true,
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let alert = alerts.iter().find(|a| a.employee_id == id).unwrap();
    let village = app.session("village_officer").await;
    let res = app
        .post_as(
            &village,
            &format!("/alerts/{}/handle", alert.id),
            &[("handling", "已上门复测 36.9 ℃，居家观察"), ("back", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = text(app.get_as(&firm, "/alerts?state=all", &[]).await).await;
    assert!(html.contains("已上门复测 36.9 ℃") && html.contains("东风社区居委会"));
    // Revoking: the old link is gone, a new one works.
    let res = app
        .post_as(&firm, &format!("/employees/{id}/link/revoke"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.get(&link).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(text(res).await.contains("该申报链接无效或已停用"));
    let res = post_anonymous(&app, &link, &[("temperature", "36.5")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let fresh = personal_link(&app, &firm, id).await;
    assert_ne!(fresh, link);
    assert_eq!(app.get(&fresh).await.status(), StatusCode::OK);
    // Forged and malformed links say nothing more than "not valid".
    let forged = format!("/d/{id}-2-{}", "0".repeat(32));
    assert_eq!(app.get(&forged).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/d/nonsense").await.status(), StatusCode::NOT_FOUND);
}
both!(personal_link_declares_and_alerts, Options { demo: true });

async fn bulk_entry_keeps_good_rows(app: TestApp) {
    let firm = app.session("enterprise_demo").await;
    let html = text(
        app.get_as(&firm, "/declarations/entry?undeclared=1", &[])
            .await,
    )
    .await;
    assert!(html.contains("name=\"t_"));
    let (undeclared, _) = app
        .app
        .store
        .system()
        .employees(&EmployeeFilter {
            enterprise_id: Some(1),
            day: Some(app.app.today()),
            undeclared: true,
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    let [a, b, c] = [&undeclared[0], &undeclared[1], &undeclared[2]];
    let (ta, tb, tc, sa) = (
        format!("t_{}", a.id),
        format!("t_{}", b.id),
        format!("t_{}", c.id),
        format!("s_{}", a.id),
    );
    let res = app
        .post_as(
            &firm,
            "/declarations/entry",
            &[
                ("undeclared", "1"),
                (&ta, "37.6"),
                (&sa, "cough"),
                (&tb, "abc"),
                (&tc, "45.0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = text(res).await;
    assert!(html.contains("已保存 1 人的申报") && html.contains("2 人未保存"));
    assert!(
        html.contains("value=\"abc\""),
        "a bad row keeps what was typed"
    );
    assert!(html.contains("体温应在 34.0–42.5 ℃ 之间"));
    let of = |id: i64| {
        let app = &app;
        async move {
            app.app
                .store
                .declarations()
                .of(id, app.app.today())
                .await
                .unwrap()
        }
    };
    let d = of(a.id).await.unwrap();
    assert_eq!(
        (d.temperature, d.symptoms, d.source.as_str()),
        (376, 1, "enterprise")
    );
    assert!(of(b.id).await.is_none() && of(c.id).await.is_none());
    // Nothing good at all: the page says so with a 422.
    let res = app
        .post_as(&firm, "/declarations/entry", &[(&tb, "3x")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The day's page counts it (from the counters), and the alert is listed.
    let html = text(app.get_as(&firm, "/declarations", &[]).await).await;
    assert!(html.contains("广东宝龙汽车有限公司"));
    let html = text(app.get_as(&firm, "/alerts", &[]).await).await;
    assert!(linked_employees(&html).contains(&a.id));
}
both!(bulk_entry_keeps_good_rows, Options { demo: true });

fn sheet(rows: &[[&str; 5]]) -> Vec<u8> {
    let headers = [
        "姓名",
        "身份证号",
        "手机号码",
        "返岗状态",
        "居住村（社区）代码",
    ];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect();
    app::excel::workbook("员工档案", &headers, &rows).unwrap()
}

async fn upload(app: &TestApp, s: &Session, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("employees.xlsx");
    app.client
        .post(app.url(&format!("/employees/import?_csrf={}", s.csrf)))
        .header("cookie", s.cookie())
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn import_job_reaches_done(app: TestApp) {
    let firm = app.session("enterprise_demo").await;
    let good = id_number("44120219910101005");
    let bytes = sheet(&[
        ["钱七", &good, "13700000001", "已在岗", "441202001001"],
        ["孙八", "441202199101010", "13700000002", "已在岗", ""],
        [
            "周九",
            &id_number("44120219910101013"),
            "1370000",
            "在途",
            "",
        ],
    ]);
    let res = upload(&app, &firm, bytes).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let job = location(&res);
    assert!(job.starts_with("/employees/imports/jobs/"));
    let mut html = String::new();
    for _ in 0..200 {
        html = text(app.get_as(&firm, &job, &[]).await).await;
        if !html.contains("data-state=\"running\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(html.contains("data-state=\"done\""), "{html}");
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "no refresh once done"
    );
    assert!(html.contains("导入完成：新增 1 人，更新 0 人，未导入 2 行。"));
    assert!(html.contains("第 3 行「身份证号」：身份证号应为 18 位"));
    assert!(html.contains("第 4 行「手机号码」"));
    let marker = "id=\"rejected-download\"";
    let at = html.find(marker).unwrap();
    let start = html[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let rest = &html[start..];
    let rejected = &rest[..rest.find('"').unwrap()];
    assert!(rejected.ends_with("/rejected"));
    let res = app.get_as(&firm, rejected, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, rows) = app::enterprises::read_sheet(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 2, "the rejected rows, as typed");
    // Someone else's job and report do not exist for them.
    let admin = app.session("city_admin").await;
    assert_eq!(
        app.get_as(&admin, &job, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_as(&admin, rejected, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    // The imported file is there.
    let html = text(
        app.get_as(&firm, &format!("/employees?q={good}"), &[])
            .await,
    )
    .await;
    assert!(html.contains("钱七"));
    // Not a workbook: refused on the form, no job started.
    let res = upload(&app, &firm, b"name,id\n".to_vec()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("不是 Excel"));
    // An officer must say which enterprise; the job page then runs the same way.
    let res = upload(
        &app,
        &admin,
        sheet(&[["吴十", &good, "13700000009", "", ""]]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(import_job_reaches_done, Options { demo: true });

async fn alerts_handle_flow(app: TestApp) {
    let id = new_file(&app, "郑十一", "44128419880808006", "").await;
    declare(&app, id, 37.9).await;
    let firm = app.session("enterprise_demo").await;
    let html = text(app.get_as(&firm, "/alerts", &[]).await).await;
    assert!(html.contains("郑十一") && html.contains("37.9 ℃"));
    let (alerts, _) = app
        .app
        .store
        .system()
        .alerts(&AlertFilter {
            open_only: true,
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let alert = alerts.iter().find(|a| a.employee_id == id).unwrap();
    let p = format!("/alerts/{}/handle", alert.id);
    let res = app
        .post_as(&firm, &p, &[("handling", "  "), ("back", "state=all")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("处理情况："));
    let res = app
        .post_as(
            &firm,
            &p,
            &[("handling", "已电话联系，安排就医"), ("back", "state=all")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/alerts?state=all&handled="));
    let html = text(app.get_as(&firm, &location(&res), &[]).await).await;
    assert!(html.contains("已登记处理情况"));
    assert!(html.contains("已电话联系，安排就医") && html.contains("企业人事专员（演示）"));
    let html = text(app.get_as(&firm, "/alerts", &[]).await).await;
    assert!(!linked_employees(&html).contains(&id), "no longer open");
    let res = app.post_as(&firm, &p, &[("handling", "再次处理")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("该预警已被他人处理"));
    let bank = app.session("bank_demo").await;
    assert_eq!(
        app.post_as(&bank, &p, &[("handling", "x")]).await.status(),
        StatusCode::FORBIDDEN
    );
    // The home page's glance counts open alerts and today's declarations.
    let html = text(app.get_as(&firm, "/", &[]).await).await;
    assert!(html.contains("今日已申报人数") && html.contains("待处理健康预警"));
}
both!(alerts_handle_flow, Options { demo: true });
