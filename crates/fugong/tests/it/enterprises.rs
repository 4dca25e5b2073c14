//! The enterprise registry: Excel import with mixed rows, the export round trip, the
//! list filters, forms and the resumption history.

use crate::harness::{Options, Session, TestApp};
use app::enterprises::COLUMNS;
use reqwest::StatusCode;
use serde_json::Value;
use store::enterprises::{EnterpriseFilter, EnterpriseRow};

const DEMO: Options = Options { demo: true };

fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.1).collect()
}

/// A workbook with the template's headers and `rows` (each a map field → value).
fn workbook(rows: &[Vec<(&str, String)>]) -> Vec<u8> {
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            COLUMNS
                .iter()
                .map(|(f, _, _, _)| {
                    r.iter()
                        .find(|(k, _)| k == f)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    app::excel::workbook("企业名录", &headers(), &data).unwrap()
}

fn uscc(body9: &str, county: &str) -> String {
    domain::Uscc::with_check(&format!("91{county}{body9}"))
        .unwrap()
        .to_string()
}

async fn upload(app: &TestApp, s: &Session, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("enterprises.xlsx");
    app.client
        .post(app.url("/api/v1/enterprises/import"))
        .header("cookie", s.cookie())
        .header("x-csrf-token", &s.csrf)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn system_rows(app: &TestApp, f: EnterpriseFilter) -> (Vec<EnterpriseRow>, i64) {
    app.app
        .store
        .system()
        .enterprises(&EnterpriseFilter {
            limit: 100_000,
            ..f
        })
        .await
        .unwrap()
}

async fn import_keeps_good_rows_and_reports_each_bad_one(app: TestApp) {
    let s = app.session("duanzhou_officer").await;
    let (dz, _) = system_rows(
        &app,
        EnterpriseFilter {
            region: Some("441202".into()),
            ..Default::default()
        },
    )
    .await;
    let (sh, _) = system_rows(
        &app,
        EnterpriseFilter {
            region: Some("441284".into()),
            ..Default::default()
        },
    )
    .await;
    let existing = &dz[0];
    let new_code = uscc("MA4WTEXT1", "441202");
    let mut bad_check = uscc("MA4WTEXT2", "441202");
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let good = |code: &str, name: &str| {
        vec![
            ("uscc", code.to_owned()),
            ("name", name.to_owned()),
            ("region_code", "441202001001".to_owned()),
            ("headcount", "35".to_owned()),
        ]
    };
    let mut update = good(&existing.uscc, &existing.name);
    update.retain(|(k, _)| *k != "headcount");
    update.push(("headcount", (existing.headcount + 7).to_string()));
    update.push(("region_code", existing.region_code.clone()));
    update.retain(|(k, v)| *k != "region_code" || v == &existing.region_code);
    let rows = vec![
        good(&new_code, "肇庆市测试新材料有限公司"), // 2: inserted
        good(&bad_check, "校验位错误公司"),          // 3: uscc_check
        vec![
            ("uscc", uscc("MA4WTEXT3", "441202")),
            ("name", "区划错误公司".into()),
            ("region_code", "441202999999".into()),
        ], // 4
        good(&new_code, "重复代码公司"),             // 5: duplicate in file
        good(&sh[0].uscc, "别处企业"),               // 6: exists elsewhere
        vec![
            ("uscc", uscc("MA4WTEXT4", "441202")),
            ("region_code", "441202001001".into()),
        ], // 7: name required
        good(&uscc("MA4WTEXT5", "441202"), &"长".repeat(101)), // 8: too long
        update,                                      // 9: updated
        vec![
            ("uscc", uscc("MA4WTEXT6", "441202")),
            ("name", "两处错误公司".into()),
            ("region_code", "441202001001".into()),
            ("headcount", "很多".into()),
            ("party_org", "小组".into()),
        ], // 10: two problems
        vec![
            ("uscc", uscc("MA4WTEXT7", "441284")),
            ("name", "越界公司".into()),
            ("region_code", "441284001001".into()),
        ], // 11
    ];
    let before_audit = app
        .app
        .store
        .audit()
        .list(&Default::default())
        .await
        .unwrap()
        .1;
    let res = upload(&app, &s, workbook(&rows)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["inserted"].as_i64(), v["updated"].as_i64()),
        (Some(1), Some(1)),
        "{v}"
    );
    let got: Vec<(i64, String, String)> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["column"].as_str().unwrap().to_owned(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(i64, &str, &str)> = vec![
        (3, "统一社会信用代码", "uscc_check"),
        (4, "所在区划代码", "region_unknown"),
        (5, "统一社会信用代码", "uscc_duplicate_in_file"),
        (6, "统一社会信用代码", "uscc_exists_elsewhere"),
        (7, "企业名称", "required"),
        (8, "企业名称", "too_long"),
        (10, "从业人数", "number_format"),
        (10, "党组织", "party_org_unknown"),
        (11, "所在区划代码", "out_of_scope"),
    ];
    let want: Vec<(i64, String, String)> = want
        .into_iter()
        .map(|(r, c, k)| (r, c.to_owned(), k.to_owned()))
        .collect();
    assert_eq!(got, want);
    assert!(
        v["rejected"][0]["message"]
            .as_str()
            .unwrap()
            .contains("校验位")
    );

    // The good rows are in, the bad ones are not, nothing half-written.
    let sys = app.app.store.system();
    let inserted = sys.enterprise_by_uscc(&new_code).await.unwrap().unwrap();
    assert_eq!(
        (inserted.name.as_str(), inserted.headcount),
        ("肇庆市测试新材料有限公司", 35)
    );
    assert_eq!(
        sys.enterprise(existing.id).await.unwrap().headcount,
        existing.headcount + 7
    );
    for code in [
        uscc("MA4WTEXT3", "441202"),
        uscc("MA4WTEXT6", "441202"),
        uscc("MA4WTEXT7", "441284"),
    ] {
        assert!(sys.enterprise_by_uscc(&code).await.unwrap().is_none());
    }
    assert_eq!(
        sys.enterprise(sh[0].id).await.unwrap().name,
        sh[0].name,
        "another district's row untouched"
    );
    let after_audit = app
        .app
        .store
        .audit()
        .list(&Default::default())
        .await
        .unwrap()
        .1;
    assert_eq!(
        after_audit - before_audit,
        2,
        "one create and one update audited"
    );

    // The rejected rows come back as a workbook, for this user only.
    let link = v["rejected_report"].as_str().unwrap().to_owned();
    let bytes = app.get_as(&s, &link, &[]).await.bytes().await.unwrap();
    let (head, rows) = app::enterprises::read_sheet(&bytes).unwrap();
    assert_eq!(head.last().map(String::as_str), Some("错误原因"));
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().any(
        |(_, c)| c.last().unwrap().contains("从业人数") && c.last().unwrap().contains("党组织")
    ));
    let other = app.session("sihui_officer").await;
    assert_eq!(
        app.get_as(&other, &link, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}
both!(import_keeps_good_rows_and_reports_each_bad_one, DEMO);

async fn bad_files_are_refused_with_a_reason(app: TestApp) {
    let s = app.session("city_admin").await;
    let res = upload(&app, &s, b"uscc,name\n1,2\n".to_vec()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (Some("not_xlsx"), Some("file"))
    );

    let res = upload(&app, &s, workbook(&[])).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "empty_sheet"
    );

    let no_name = app::excel::workbook(
        "x",
        &["统一社会信用代码", "所在区划代码"],
        &[vec![uscc("MA4WTEXT8", "441202"), "441202001001".into()]],
    )
    .unwrap();
    let v: Value = upload(&app, &s, no_name).await.json().await.unwrap();
    assert_eq!(v["rejected"][0]["code"], "missing_column");
    assert_eq!(v["rejected"][0]["column"], "企业名称");
    assert_eq!(v["inserted"], 0);

    // The HTML form says the same in the page's language.
    let part = reqwest::multipart::Part::bytes(b"not a workbook".to_vec()).file_name("x.xls");
    let res = app
        .client
        .post(app.url(&format!("/enterprises/import?_csrf={}", s.csrf)))
        .header("cookie", s.cookie())
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不是 Excel"));
}
both!(bad_files_are_refused_with_a_reason, DEMO);

async fn export_then_import_changes_nothing_until_edited(app: TestApp) {
    let s = app.session("city_admin").await;
    let bytes = app
        .get_as(&s, "/api/v1/enterprises/export?region=441223", &[])
        .await
        .bytes()
        .await
        .unwrap();
    let (head, rows) = app::enterprises::read_sheet(&bytes).unwrap();
    assert_eq!(head, headers(), "the export has the template's columns");
    let (_, total) = system_rows(
        &app,
        EnterpriseFilter {
            region: Some("441223".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rows.len() as i64, total);
    assert!(
        rows.iter().any(|(_, c)| c[1] == "广东鼎丰纸业有限公司"),
        "the article's 广宁 paper mill"
    );

    let before = app
        .app
        .store
        .audit()
        .list(&Default::default())
        .await
        .unwrap()
        .1;
    let v: Value = upload(&app, &s, bytes.to_vec()).await.json().await.unwrap();
    assert_eq!(
        (
            v["inserted"].as_i64(),
            v["updated"].as_i64(),
            v["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(total)),
        "{v}"
    );
    assert_eq!(v["rejected"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.app
            .store
            .audit()
            .list(&Default::default())
            .await
            .unwrap()
            .1,
        before,
        "no write at all"
    );

    // Edit one cell in "Excel" and import again: exactly that row changes.
    let mut data: Vec<Vec<String>> = rows.into_iter().map(|(_, c)| c).collect();
    data[0][11] = "4321".into();
    let edited = app::excel::workbook("企业名录", &headers(), &data).unwrap();
    let v: Value = upload(&app, &s, edited).await.json().await.unwrap();
    assert_eq!(
        (v["updated"].as_i64(), v["unchanged"].as_i64()),
        (Some(1), Some(total - 1))
    );
    let changed = app
        .app
        .store
        .system()
        .enterprise_by_uscc(&data[0][0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.headcount, 4321);
}
both!(export_then_import_changes_nothing_until_edited, DEMO);

async fn list_filters_agree_with_the_data(app: TestApp) {
    let s = app.session("city_admin").await;
    let api = |q: String| {
        let (app, s) = (&app, &s);
        async move {
            let q = if q.contains("per_page=") {
                q
            } else {
                format!("per_page=500&{q}")
            };
            let v: Value = app
                .get_as(s, &format!("/api/v1/enterprises?{q}"), &[])
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    let (all, total) = system_rows(&app, EnterpriseFilter::default()).await;
    assert_eq!(total, 2000);
    assert_eq!(all.iter().filter(|e| e.above_scale).count(), 1121);
    let count =
        |pred: &dyn Fn(&EnterpriseRow) -> bool| all.iter().filter(|e| pred(e)).count() as i64;
    let cases: Vec<(String, i64)> = vec![
        (
            "region=441284".into(),
            count(&|e| e.region_code.starts_with("441284")),
        ),
        (
            "region=441202001".into(),
            count(&|e| e.region_code.starts_with("441202001")),
        ),
        (
            "park=ZQHT".into(),
            count(&|e| e.park_code.as_deref() == Some("ZQHT")),
        ),
        (
            "industry=36".into(),
            count(&|e| e.industry_code.as_deref() == Some("36")),
        ),
        (
            "industry=C".into(),
            count(&|e| {
                e.industry_code
                    .as_deref()
                    .is_some_and(|c| ("13".."44").contains(&c))
            }),
        ),
        ("status=full".into(), count(&|e| e.status == "full")),
        ("scale=1".into(), 1121),
        (
            "scale=1&key=1".into(),
            count(&|e| e.above_scale && e.key_enterprise),
        ),
        ("key=1".into(), count(&|e| e.key_enterprise)),
        (
            "party=committee".into(),
            count(&|e| e.party_org == "committee"),
        ),
        ("q=%E9%BC%8E%E4%B8%B0".into(), 1), // 鼎丰
        (format!("q={}", all[10].uscc), 1),
        (format!("q={}", all[10].uscc.to_lowercase()), 1),
        (
            "region=441284&scale=1&status=full".into(),
            count(&|e| e.region_code.starts_with("441284") && e.above_scale && e.status == "full"),
        ),
    ];
    for (q, expected) in cases {
        let v = api(q.clone()).await;
        assert_eq!(v["total"].as_i64(), Some(expected), "{q}");
        assert!(expected > 0, "{q} should match something in the demo");
    }
    // Sorted and paged.
    let p1 = api("sort=headcount&per_page=20&page=1".into()).await;
    let p2 = api("sort=headcount&per_page=20&page=2".into()).await;
    let heads: Vec<i64> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .map(|i| i["headcount"].as_i64().unwrap())
        .collect();
    assert_eq!(heads.len(), 40);
    assert!(
        heads.windows(2).all(|w| w[0] >= w[1]),
        "headcount descending across pages"
    );
    let max = all.iter().map(|e| e.headcount).max().unwrap();
    assert_eq!(heads[0], max);
    // The page shows the same total.
    let html = app
        .get_as(&s, "/enterprises?region=441284&scale=1", &[])
        .await
        .text()
        .await
        .unwrap();
    let n = count(&|e| e.region_code.starts_with("441284") && e.above_scale);
    assert!(html.contains(&format!("共 {n} 条")));
}
both!(list_filters_agree_with_the_data, DEMO);

async fn forms_create_edit_and_keep_the_resumption_history(app: TestApp) {
    let s = app.session("chengdong_officer").await; // 城东街道 441202001
    let good = uscc("MA4WFXRM1", "441202");
    let mut bad = good.clone();
    bad.replace_range(17..18, if good.ends_with('0') { "1" } else { "0" });
    let form = |code: &str, region: &str| {
        vec![
            ("uscc", code.to_owned()),
            ("name", "城东示例电子有限公司".to_owned()),
            ("region_code", region.to_owned()),
            ("industry_code", "39".to_owned()),
            ("headcount", "88".to_owned()),
            ("party_org", "党支部".to_owned()),
            ("above_scale", "是".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    let f = as_refs(&form(&bad, "441202001001"));
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post_as(&s, "/enterprises/new", &fields).await;
    let status = res.status();
    let html = res.text().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("统一社会信用代码：") && html.contains("校验位"),
        "names the field and the reason"
    );
    assert!(
        html.contains("城东示例电子有限公司"),
        "the form keeps what was typed"
    );

    // Outside the street's own area: refused.
    let f = form(&good, "441202002001");
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post_as(&s, "/enterprises/new", &fields).await;
    assert!(res.text().await.unwrap().contains("不在您的管辖范围"));

    let f = form(&good, "441202001001");
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.post_as(&s, "/enterprises/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let html = app.get_as(&s, &path, &[]).await.text().await.unwrap();
    assert!(
        html.contains("城东示例电子有限公司")
            && html.contains("计算机、通信和其他电子设备制造业")
            && html.contains("党支部")
    );

    // Edit: the change is audited with before and after.
    let mut f = form(&good, "441202001001");
    f[4].1 = "120".into();
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.post_as(&s, &format!("/enterprises/{id}/edit"), &fields)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (rows, _) = app
        .app
        .store
        .audit()
        .list(&store::audit::AuditFilter {
            entity: Some("enterprise".into()),
            entity_id: Some(id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows[0].action, "update");
    assert_eq!(rows[0].before_json.as_deref(), Some(r#"{"headcount":88}"#));
    assert_eq!(rows[0].after_json.as_deref(), Some(r#"{"headcount":120}"#));

    // Two reports the same day and one the next: all kept.
    for (status, cap) in [("partial", "40"), ("partial", "55")] {
        let res = app
            .post_as(
                &s,
                &format!("/enterprises/{id}/status"),
                &[
                    ("status", status),
                    ("capacity_pct", cap),
                    ("workforce_pct", "70"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    app.clock.advance(chrono::Duration::days(1));
    // Yesterday's session has expired: a form posted with it is refused.
    let res = app
        .post_as(
            &s,
            &format!("/enterprises/{id}/status"),
            &[("status", "full")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let s = app.session("chengdong_officer").await;
    let res = app
        .post_as(
            &s,
            &format!("/enterprises/{id}/status"),
            &[
                ("status", "full"),
                ("capacity_pct", "101"),
                ("workforce_pct", "90"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("产能利用率：百分比应在 0 到 100 之间")
    );
    app.post_as(
        &s,
        &format!("/enterprises/{id}/status"),
        &[
            ("status", "full"),
            ("capacity_pct", "92"),
            ("workforce_pct", "95"),
        ],
    )
    .await;
    let v: Value = app
        .get_as(&s, &format!("/api/v1/enterprises/{id}"), &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "full");
    let history: Vec<(String, i64)> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["day"].as_str().unwrap().to_owned(),
                h["capacity_pct"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("2020-02-11".to_owned(), 92),
            ("2020-02-10".to_owned(), 55),
            ("2020-02-10".to_owned(), 40)
        ]
    );
}
both!(forms_create_edit_and_keep_the_resumption_history, DEMO);

async fn the_demo_has_the_article_enterprises(app: TestApp) {
    let sys = app.app.store.system();
    let (named, _) = sys
        .enterprises(&EnterpriseFilter {
            q: Some("广东".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<&str> = named.iter().map(|e| e.name.as_str()).collect();
    for n in [
        "广东天龙油墨股份有限公司",
        "广东宝龙汽车有限公司",
        "广东鼎丰纸业有限公司",
        "广东力源科技股份有限公司",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let dingfeng = named
        .iter()
        .find(|e| e.name == "广东鼎丰纸业有限公司")
        .unwrap();
    assert!(
        dingfeng.region_code.starts_with("441223"),
        "鼎丰纸业 is in 广宁县"
    );
    let (all, _) = sys
        .enterprises(&EnterpriseFilter {
            limit: 5000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(all.iter().all(|e| domain::Uscc::parse(&e.uscc).is_ok()));
    let history = sys.enterprise_history(dingfeng.id).await.unwrap();
    assert!(
        history.len() >= 20 && history.len() <= 30,
        "{}",
        history.len()
    );
    assert_eq!(history[0].day, app.app.today());
}
both!(the_demo_has_the_article_enterprises, DEMO);
