//! The web shell over HTTP: languages, error pages, headers, assets, health.

use crate::harness::{Backend, Options, TestApp};
use reqwest::StatusCode;

async fn body(res: reqwest::Response) -> String {
    res.text().await.unwrap()
}

async fn chinese_by_default_english_by_header_or_cookie(app: TestApp) {
    let s = app.session("city_admin").await;
    let zh = body(app.get_as(&s, "/", &[]).await).await;
    assert!(zh.contains(r#"<html lang="zh-CN">"#));
    assert!(zh.contains(">首页<") && zh.contains(">行政区划<"));

    let en = body(
        app.get_as(&s, "/", &[("accept-language", "en-GB,en;q=0.9")])
            .await,
    )
    .await;
    assert!(en.contains(r#"<html lang="en">"#));
    assert!(en.contains(">Home<") && en.contains(">Regions<"));

    // The cookie set by the switch wins over the browser's preference.
    let both = format!("{}; lang=zh-CN", s.cookie());
    let zh_cookie = body(
        app.get_with("/", &[("accept-language", "en"), ("cookie", &both)])
            .await,
    )
    .await;
    assert!(zh_cookie.contains(">首页<"));
    let both = format!("other=1; lang=en; {}", s.cookie());
    let en_cookie = body(app.get_with("/", &[("cookie", &both)]).await).await;
    assert!(en_cookie.contains(">Home<"));

    // Signed out, the login page speaks the language too.
    let login = body(app.get_with("/login", &[("accept-language", "en")]).await).await;
    assert!(login.contains("Sign in") && login.contains(r#"<html lang="en">"#));
}
both!(
    chinese_by_default_english_by_header_or_cookie,
    Options { demo: true }
);

async fn language_switch_sets_cookie_and_returns_only_to_local_pages(app: TestApp) {
    let res = app.get("/lang/en?next=/regions%3Fx%3D1").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/regions?x=1");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("lang=en;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );

    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let res = app
            .get(&format!("/lang/zh-CN?next={}", urlencode(evil)))
            .await;
        assert_eq!(
            res.headers()["location"],
            "/",
            "{evil} must not be followed"
        );
    }
    assert_eq!(app.get("/lang/fr").await.status(), StatusCode::NOT_FOUND);
}
both!(language_switch_sets_cookie_and_returns_only_to_local_pages);

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn friendly_errors_in_both_languages(app: TestApp) {
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = body(res).await;
    assert!(html.contains("页面不存在") && html.contains("返回首页"));

    let html = body(
        app.get_with("/no/such/page", &[("accept-language", "en")])
            .await,
    )
    .await;
    assert!(html.contains("Page not found") && html.contains("Back to home"));

    // The API answers in JSON with a stable code and a translated message.
    let res = app
        .get_with("/api/v1/nothing", &[("accept-language", "en")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );

    // A method the route does not take: 405, rendered, not an empty body.
    let s = app.session("city_admin").await;
    let res = app
        .client
        .post(app.url("/regions"))
        .header("cookie", s.cookie())
        .header("x-csrf-token", &s.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(body(res).await.contains("不支持此操作方式"));
}
both!(friendly_errors_in_both_languages, Options { demo: true });

async fn security_headers_on_every_response(app: TestApp) {
    for path in ["/", "/no/such/page", "/healthz", "/static/app.css"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
            "{path}"
        );
        assert!(
            !csp.contains("unsafe-inline"),
            "{path}: no inline script or style"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
}
both!(security_headers_on_every_response);

async fn assets_come_from_the_binary_and_pages_load_nothing_from_outside(app: TestApp) {
    let res = app.get("/static/app.css").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    assert!(body(res).await.contains(".main-nav"));
    assert_eq!(
        app.get("/static/favicon.svg").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/static/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/static/nope.js").await.status(),
        StatusCode::NOT_FOUND
    );

    for path in [
        "/",
        "/regions",
        "/regions/441202",
        "/industries",
        "/missing",
    ] {
        let html = body(app.get(path).await).await;
        for attr in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "<script>",
            "style=\"",
        ] {
            assert!(!html.contains(attr), "{path} contains {attr}");
        }
    }
}
both!(
    assets_come_from_the_binary_and_pages_load_nothing_from_outside,
    Options { demo: true }
);

async fn healthz_reports_the_database_and_503_when_it_is_gone(app: TestApp) {
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = res.json().await.unwrap();
    let db = match app.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(
        v,
        serde_json::json!({"status": "ok", "database": db, "version": env!("CARGO_PKG_VERSION")})
    );

    app.app.store.close().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["status"], "unavailable");
    assert_eq!(v["database"], db);

    // Pages say so politely, with a 503 rather than a 500.
    let res = app.get_with("/", &[("cookie", "fg_session=0123")]).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(body(res).await.contains("服务暂时不可用"));
}
both!(healthz_reports_the_database_and_503_when_it_is_gone);

async fn region_and_industry_pages(app: TestApp) {
    let s = app.session("sihui_officer").await;
    let html = body(app.get_as(&s, "/regions", &[]).await).await;
    assert!(html.contains("肇庆市") && html.contains("441200"));
    let html = body(app.get_as(&s, "/regions/441202", &[]).await).await;
    assert!(html.contains("端州区") && html.contains("城东街道") && html.contains("441202001"));
    let html = body(
        app.get_as(&s, "/regions/441202001", &[("accept-language", "en")])
            .await,
    )
    .await;
    assert!(html.contains("Village / community") && html.contains("Demo data"));
    assert_eq!(
        app.get_as(&s, "/regions/999999", &[]).await.status(),
        StatusCode::NOT_FOUND
    );

    let html = body(app.get_as(&s, "/industries", &[]).await).await;
    assert!(html.contains("制造业") && html.contains("计算机、通信和其他电子设备制造业"));
    let html = body(
        app.get_as(&s, "/industries", &[("accept-language", "en")])
            .await,
    )
    .await;
    assert!(html.contains("Manufacturing"));
    let html = body(app.get_as(&s, "/organisations", &[]).await).await;
    assert!(
        html.contains("中共肇庆市委两新组织工作委员会") && html.contains("市人力资源和社会保障局")
    );
    assert!(html.contains("肇庆高新技术产业开发区（肇庆高新区）党工委"));
    let html = body(
        app.get_as(&s, "/organisations?kind=enterprise_branch", &[])
            .await,
    )
    .await;
    assert!(
        html.contains("支部委员会") && !html.contains("市人力资源和社会保障局"),
        "enterprise party organisations are listed"
    );
    // A county officer's navigation has no administration entries.
    assert!(!html.contains("/admin/users"));
}
both!(region_and_industry_pages, Options { demo: true });

async fn home_page_without_data_explains_what_to_do(app: TestApp) {
    let admin = [(domain::Role::CityAdmin, None)];
    app.app
        .create_user(
            None,
            "first_admin",
            "管理员",
            app::demo::DEMO_PASSWORD,
            &admin,
        )
        .await
        .unwrap();
    let s = app.session("first_admin").await;
    let html = body(app.get_as(&s, "/", &[]).await).await;
    assert!(html.contains("尚未导入行政区划"));
}
both!(home_page_without_data_explains_what_to_do);

async fn graceful_shutdown_drains_and_returns(mut app: TestApp) {
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.stop().await.unwrap();
    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "no longer listening"
    );
}
both!(graceful_shutdown_drains_and_returns);
