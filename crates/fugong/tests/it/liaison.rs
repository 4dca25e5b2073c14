//! Liaison: the assignment rules, coverage on a fixture with a known answer, handover
//! (with the requests that follow it), visits, and cadres from Excel.

use crate::harness::{Options, TestApp};
use app::liaison::CadreInput;
use domain::{Principal, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::enterprises::EnterpriseData;

/// A fresh city (regions and parks of the demo, no enterprises) with an admin.
async fn city(app: &TestApp) -> Principal {
    app.app
        .store
        .regions()
        .upsert_all(&app::demo::regions())
        .await
        .unwrap();
    app.app
        .store
        .parks()
        .upsert_all(&app::demo::parks())
        .await
        .unwrap();
    let id = app
        .app
        .create_user(
            None,
            "chief",
            "市管理员",
            app::demo::DEMO_PASSWORD,
            &[(Role::CityAdmin, None)],
        )
        .await
        .unwrap();
    app.app.principal(id).await.unwrap()
}

fn firm(n: u32, village: &str) -> EnterpriseData {
    let body = format!("MA4W{:05}", n);
    EnterpriseData {
        uscc: domain::Uscc::with_check(&format!("91{}{body}", &village[..6]))
            .unwrap()
            .to_string(),
        name: format!("测试企业{n}"),
        legal_rep: String::new(),
        address: String::new(),
        longitude: Some(112.47 + n as f64 / 1000.0),
        latitude: Some(23.05),
        region_code: village.to_owned(),
        park_id: None,
        industry_code: Some("33".into()),
        above_scale: true,
        key_enterprise: false,
        headcount: 50,
        party_org: "none".into(),
        party_secretary: String::new(),
    }
}

async fn cadre(
    app: &TestApp,
    who: &Principal,
    name: &str,
    level: &str,
    region: &str,
    max: &str,
) -> i64 {
    let input = CadreInput {
        name: name.into(),
        level: level.into(),
        kind: "领导干部".into(),
        region_code: region.into(),
        max_enterprises: max.into(),
        longitude: "112.47".into(),
        latitude: "23.05".into(),
        ..Default::default()
    };
    app.app.save_cadre(who, None, &input).await.unwrap()
}

fn code(e: app::AppError) -> &'static str {
    match e {
        app::AppError::Invalid(i) => i.code,
        other => panic!("expected a rule, got {other:?}"),
    }
}

async fn every_rule_is_refused_with_its_own_error(app: TestApp) {
    let admin = city(&app).await;
    let ids = app
        .app
        .store
        .system()
        .save_enterprises(
            &[
                (None, firm(1, "441202001001")),
                (None, firm(2, "441202001002")),
                (None, firm(3, "441284001001")),
            ],
            0,
        )
        .await
        .unwrap();
    let (a, b, far) = (ids[0], ids[1], ids[2]);
    let town = cadre(&app, &admin, "城东镇干部", "镇级", "441202001", "1").await;
    let village = cadre(&app, &admin, "东风社区党员", "村级", "441202001001", "5").await;
    let county = cadre(&app, &admin, "端州区领导", "县级", "441202", "5").await;

    assert_eq!(
        code(app.app.assign(&admin, town, far, None).await.unwrap_err()),
        "cadre_outside_region"
    );
    assert_eq!(
        code(app.app.assign(&admin, village, b, None).await.unwrap_err()),
        "cadre_outside_region",
        "another village's enterprise"
    );
    app.app.assign(&admin, town, a, None).await.unwrap();
    assert_eq!(
        code(app.app.assign(&admin, town, b, None).await.unwrap_err()),
        "cadre_full"
    );
    let other_town = cadre(&app, &admin, "城东另一干部", "镇级", "441202001", "3").await;
    assert_eq!(
        code(
            app.app
                .assign(&admin, other_town, a, None)
                .await
                .unwrap_err()
        ),
        "level_taken"
    );
    app.app.assign(&admin, county, a, None).await.unwrap();
    assert_eq!(
        code(app.app.assign(&admin, county, a, None).await.unwrap_err()),
        "assignment_exists"
    );

    // A campaign that allows more than one liaison per level lets a second one in.
    let campaign = app
        .app
        .create_campaign(
            &admin,
            &store::liaison::CampaignData {
                name: "千名党员联百企".into(),
                organiser: "测试".into(),
                region_code: "441202".into(),
                starts_on: app.app.today(),
                ends_on: None,
                target_kind: "enterprises".into(),
                target_count: 100,
                allow_multiple: true,
            },
        )
        .await
        .unwrap();
    app.app
        .assign(&admin, other_town, a, Some(campaign))
        .await
        .unwrap();

    // A cadre's level must match its region.
    let bad = CadreInput {
        name: "错层级".into(),
        level: "县级".into(),
        kind: "党员".into(),
        region_code: "441202001".into(),
        ..Default::default()
    };
    assert!(
        matches!(app.app.save_cadre(&admin, None, &bad).await, Err(app::AppError::Invalid(i)) if i.code == "cadre_region_level")
    );

    // Through the API: 201 with the assignment, 422 with the code.
    let s = app.session("chief").await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/liaison/assignments"))
            .header("cookie", s.cookie())
            .header("x-csrf-token", &s.csrf)
            .json(&body)
            .send()
    };
    let res = post(json!({"cadre_id": village, "enterprise_id": a}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["level"].as_str(), v["enterprise_id"].as_i64()),
        (Some("village"), Some(a))
    );
    let res = post(json!({"cadre_id": town, "enterprise_id": b}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "cadre_full");
    assert!(v["error"]["message"].as_str().unwrap().contains("上限"));
}
both!(every_rule_is_refused_with_its_own_error);

async fn coverage_matches_a_fixture_built_to_a_known_answer(app: TestApp) {
    let admin = city(&app).await;
    // Six enterprises: four in 端州 (two in 城东街道's 东风社区), two in 四会.
    let ids = app
        .app
        .store
        .system()
        .save_enterprises(
            &[
                (None, firm(1, "441202001001")),
                (None, firm(2, "441202001001")),
                (None, firm(3, "441202002001")),
                (None, firm(4, "441202002002")),
                (None, firm(5, "441284001001")),
                (None, firm(6, "441284002001")),
            ],
            0,
        )
        .await
        .unwrap();
    let city_c = cadre(&app, &admin, "市领导", "市级", "441200", "10").await;
    let dz = cadre(&app, &admin, "端州区领导", "县级", "441202", "10").await;
    let cd = cadre(&app, &admin, "城东干部", "镇级", "441202001", "10").await;
    let df = cadre(&app, &admin, "东风党员", "村级", "441202001001", "10").await;
    for e in &ids {
        app.app.assign(&admin, city_c, *e, None).await.unwrap(); // city: 6 of 6
    }
    for e in &ids[..3] {
        app.app.assign(&admin, dz, *e, None).await.unwrap(); // county: 3
    }
    app.app.assign(&admin, cd, ids[0], None).await.unwrap(); // town: 1
    app.app.assign(&admin, df, ids[0], None).await.unwrap(); // village: 2
    app.app.assign(&admin, df, ids[1], None).await.unwrap();

    let s = app.session("chief").await;
    let v: Value = app
        .get_as(&s, "/api/v1/liaison/coverage", &[])
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<(i64, i64)> = ["city", "county", "town", "village"]
        .iter()
        .map(|l| {
            (
                v["levels"][l]["total"].as_i64().unwrap(),
                v["levels"][l]["covered"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [(6, 6), (6, 3), (6, 1), (6, 2)]);
    let v: Value = app
        .get_as(&s, "/api/v1/liaison/coverage?region=441202001", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            v["levels"]["town"]["total"].as_i64(),
            v["levels"]["town"]["covered"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(v["levels"]["village"]["covered"], 2);

    // The matrix page: counties as rows, each cell its percentage; the uncovered list.
    let html = app.get_as(&s, "/liaison", &[]).await.text().await.unwrap();
    assert!(
        html.contains("端州区") && html.contains("四会市") && html.contains("75.0%"),
        "端州 county level 3 of 4"
    );
    let html = app
        .get_as(&s, "/enterprises?region=441202&uncovered=county", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("测试企业4") && !html.contains("测试企业1<"),
        "lists exactly the uncovered"
    );

    // A handover moves the liaison and keeps the history.
    let other = cadre(&app, &admin, "城东新干部", "镇级", "441202001", "10").await;
    let assignment = app
        .app
        .store
        .system()
        .enterprise_assignments(ids[0])
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.level == "town")
        .unwrap();
    app.app
        .end_assignment(&admin, assignment.id, Some(other))
        .await
        .unwrap();
    let now: Vec<_> = app
        .app
        .store
        .system()
        .enterprise_assignments(ids[0])
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.level == "town")
        .collect();
    assert_eq!(now.len(), 2);
    assert!(now.iter().any(|a| a.active && a.cadre_id == other));
    assert!(
        now.iter().any(|a| !a.active
            && a.cadre_id == cd
            && a.ended_reason.as_deref() == Some("handover"))
    );
    let v: Value = app
        .get_as(&s, "/api/v1/liaison/coverage", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["levels"]["town"]["covered"], 1,
        "coverage unchanged by a handover"
    );
    // A handover to a cadre who may not take it leaves the old assignment in place.
    let far = cadre(&app, &admin, "四会干部", "镇级", "441284001", "10").await;
    let current = now.iter().find(|a| a.active).unwrap().id;
    assert_eq!(
        code(
            app.app
                .end_assignment(&admin, current, Some(far))
                .await
                .unwrap_err()
        ),
        "cadre_outside_region"
    );
    assert!(
        app.app
            .store
            .system()
            .enterprise_assignments(ids[0])
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == current && a.active)
    );
}
both!(coverage_matches_a_fixture_built_to_a_known_answer);

async fn a_liaison_logs_visits_to_their_own_enterprises(app: TestApp) {
    let s = app.session("liaison_demo").await;
    let html = app
        .get_as(&s, "/liaison/mine", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("广东宝龙汽车有限公司"));
    let res = app
        .post_as(
            &s,
            "/liaison/visits",
            &[
                ("enterprise_id", "1"),
                ("visited_on", "2020-02-10"),
                ("findings", ""),
                ("follow_up", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("走访情况：此项为必填项"));
    let res = app
        .post_as(
            &s,
            "/liaison/visits",
            &[
                ("enterprise_id", "1"),
                ("visited_on", "2020-02-12"),
                ("findings", "x"),
                ("follow_up", ""),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("日期不能晚于今天"));
    let res = app
        .post_as(
            &s,
            "/liaison/visits",
            &[
                ("enterprise_id", "1"),
                ("visited_on", "2020-02-10"),
                ("findings", "口罩缺口 2 万只，外地员工返岗难"),
                ("follow_up", "协调专车"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app
        .get_as(&s, "/enterprises/1", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("口罩缺口 2 万只") && html.contains("协调专车") && html.contains("林振华")
    );
    // Officers see the liaisons of an enterprise at each of the four levels.
    let admin = app.session("city_admin").await;
    let html = app
        .get_as(&admin, "/enterprises/1", &[])
        .await
        .text()
        .await
        .unwrap();
    for level in ["市级", "县级", "镇级", "村级"] {
        assert!(html.contains(level), "{level}");
    }
    // A county officer cannot log visits (they are not a cadre).
    let officer = app.session("duanzhou_officer").await;
    assert_eq!(
        app.get_as(&officer, "/liaison/visits?enterprise=4", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
both!(
    a_liaison_logs_visits_to_their_own_enterprises,
    Options { demo: true }
);

async fn cadres_come_in_from_excel_with_a_report_of_bad_rows(app: TestApp) {
    let s = app.session("duanzhou_officer").await;
    let headers: Vec<&str> = app::liaison::CADRE_COLUMNS.iter().map(|c| c.1).collect();
    let row = |cells: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = cells.iter().map(|c| (*c).to_owned()).collect();
        v.resize(headers.len(), String::new());
        v
    };
    let rows = vec![
        row(&[
            "陈晓明",
            "科长",
            "端州区工信局",
            "镇级",
            "领导干部",
            "441202001",
            "13800138000",
            "8",
        ]), // good
        row(&["", "", "", "镇级", "党员", "441202001"]), // name required
        row(&["李错层", "", "", "县级", "党员", "441202001"]), // level/region mismatch
        row(&["王越界", "", "", "镇级", "党员", "441284001"]), // outside the district
        row(&["赵电话", "", "", "村级", "党员", "441202001001", "12345"]), // phone
    ];
    let bytes = app::excel::workbook("挂点干部", &headers, &rows).unwrap();
    let part = reqwest::multipart::Part::bytes(bytes).file_name("cadres.xlsx");
    let res = app
        .client
        .post(app.url(&format!("/liaison/cadres/import?_csrf={}", s.csrf)))
        .header("cookie", s.cookie())
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("新增 1 名干部，4 行未导入"), "{html}");
    for expect in [
        "第 3 行「姓名」",
        "第 4 行「联系区划代码」",
        "第 5 行「联系区划代码」：该企业不在您的管辖范围内",
        "第 6 行「手机号码」",
    ] {
        assert!(html.contains(expect), "{expect}");
    }
    let v: Value = app
        .get_as(
            &s,
            "/api/v1/liaison/cadres?q=%E9%99%88%E6%99%93%E6%98%8E",
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["level"], "town");
    assert_eq!(v["items"][0]["max_enterprises"], 8);
    // The export reads back with the same columns.
    let bytes = app
        .get_as(&s, "/liaison/cadres/export?level=town", &[])
        .await
        .bytes()
        .await
        .unwrap();
    let (head, rows) = app::enterprises::read_sheet(&bytes).unwrap();
    assert_eq!(&head[..10], &headers[..]);
    assert!(rows.iter().any(|(_, c)| c[0] == "陈晓明" && c[3] == "镇级"));
}
both!(
    cadres_come_in_from_excel_with_a_report_of_bad_rows,
    Options { demo: true }
);

async fn a_handover_takes_the_enterprises_open_requests_along(app: TestApp) {
    // A town's chief service officer links 宝龙汽车 and handles its "other" requests.
    let admin_user = app
        .app
        .store
        .accounts()
        .by_username("city_admin")
        .await
        .unwrap()
        .unwrap();
    let admin = app.app.principal(admin_user.id).await.unwrap();
    let sys = app.app.store.system();
    let firm = sys.enterprise(1).await.unwrap();
    let town = &firm.region_code[..9];
    let csos: Vec<i64> = {
        let mut v = Vec::new();
        for name in ["首席服务官甲", "首席服务官乙"] {
            let input = CadreInput {
                name: name.into(),
                level: "镇级".into(),
                kind: "首席服务官".into(),
                region_code: town.into(),
                max_enterprises: "5".into(),
                ..Default::default()
            };
            v.push(app.app.save_cadre(&admin, None, &input).await.unwrap());
        }
        v
    };
    // Free the town level for the first officer, then route "other" to them.
    for a in sys
        .enterprise_assignments(firm.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.active && a.level == "town")
    {
        app.app.end_assignment(&admin, a.id, None).await.unwrap();
    }
    let assignment = app
        .app
        .assign(&admin, csos[0], firm.id, None)
        .await
        .unwrap();
    app.app
        .set_route(&admin, "other", store::requests::Route::Cadre(csos[0]))
        .await
        .unwrap();
    let firm_user = app
        .app
        .store
        .accounts()
        .by_username("enterprise_demo")
        .await
        .unwrap()
        .unwrap();
    let who = app.app.principal(firm_user.id).await.unwrap();
    let input = app::requests::RequestInput {
        enterprise_id: firm.id,
        category: "other".into(),
        urgency: "normal".into(),
        title: "员工子女入学".into(),
        description: String::new(),
        visit_id: None,
    };
    let open = app.app.raise_request(&who, &input).await.unwrap();
    assert_eq!(open.cadre_id, Some(csos[0]));

    app.app
        .end_assignment(&admin, assignment, Some(csos[1]))
        .await
        .unwrap();
    let moved = sys.request(open.id).await.unwrap();
    assert_eq!(
        moved.cadre_id,
        Some(csos[1]),
        "the open request follows the handover"
    );
    let events = sys.request_events(open.id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "rerouted" && e.note == "handover")
    );
}
both!(
    a_handover_takes_the_enterprises_open_requests_along,
    Options { demo: true }
);
