//! Accounts: sign-in through the form, sessions across instances, CSRF, throttling,
//! tokens, administration and the audit rows each write leaves.

use crate::harness::{Options, Session, TestApp, form_body};
use reqwest::StatusCode;
use store::audit::AuditFilter;

const DEMO: Options = Options { demo: true };
const PW: &str = app::demo::DEMO_PASSWORD;

/// The pre-session cookie and token the login form carries.
async fn login_form(app: &TestApp) -> (String, String) {
    let res = app.get("/login").await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = cookie.split('=').nth(1).unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("value=\"{token}\"")),
        "the form carries the token"
    );
    (cookie, token)
}

async fn post_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    let (cookie, token) = login_form(app).await;
    app.client
        .post(app.url("/login"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("username", username),
            ("password", password),
            ("_csrf", &token),
            ("next", "/regions"),
        ]))
        .send()
        .await
        .unwrap()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("fg_session=") && !v.starts_with("fg_session=;"))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

async fn audit_count(app: &TestApp, entity: &str, action: &str) -> usize {
    let f = AuditFilter {
        entity: Some(entity.into()),
        limit: 1000,
        ..Default::default()
    };
    let (rows, _) = app.app.store.audit().list(&f).await.unwrap();
    rows.iter().filter(|r| r.action == action).count()
}

async fn login_form_session_and_second_instance(app: TestApp) {
    // Signed out: pages send to the login form, the API answers 401.
    let res = app.get("/regions").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=/regions");
    let res = app.get("/api/v1/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );

    let res = post_login(&app, "duanzhou_officer", "wrong-password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("用户名或密码错误"));

    let res = post_login(&app, "duanzhou_officer", PW).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/regions");
    let cookie = session_cookie(&res).unwrap();
    let attrs = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(attrs.iter().any(|a| a.starts_with("fg_session=")
        && a.contains("HttpOnly")
        && a.contains("SameSite=Lax")));

    let html = app
        .get_with("/", &[("cookie", &cookie)])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("端州区复工专班"),
        "the header shows the user's name"
    );

    // The session lives in the database: another instance honours it.
    let other = app.second_instance().await;
    let res = app
        .client
        .get(format!("{other}/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["username"],
        "duanzhou_officer"
    );

    // Logging out ends it everywhere.
    let csrf_page = app
        .get_with("/account", &[("cookie", &cookie)])
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("_csrf", &csrf)]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .client
        .get(format!("{other}/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(audit_count(&app, "user", "login").await, 1);
    assert_eq!(audit_count(&app, "user", "login_failed").await, 1);
    assert_eq!(audit_count(&app, "user", "logout").await, 1);
}
both!(login_form_session_and_second_instance, DEMO);

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let s = app.session("city_admin").await;
    let post = |body: String| {
        app.client
            .post(app.url("/account/tokens"))
            .header("cookie", s.cookie())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let res = post(form_body(&[("name", "x")])).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("表单已过期"));
    let res = post(form_body(&[("name", "x"), ("_csrf", "0000")]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let wrong = Session {
        csrf: "f".repeat(s.csrf.len()),
        ..s.clone()
    };
    assert_eq!(
        app.post_as(&wrong, "/account/tokens", &[("name", "x")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_as(&s, "/account/tokens", &[("name", "x")])
            .await
            .status(),
        StatusCode::OK
    );

    // The login form too: no pre-session cookie, no sign-in.
    let res = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("username", "city_admin"),
            ("password", PW),
            ("_csrf", "abc"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&res).is_none());
}
both!(forms_without_the_csrf_token_are_refused, DEMO);

async fn sixth_failed_login_is_refused_even_with_the_right_password(app: TestApp) {
    for _ in 0..5 {
        assert_eq!(
            post_login(&app, "sihui_officer", "nope-nope")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = post_login(&app, "sihui_officer", PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(session_cookie(&res).is_none());
    assert!(res.text().await.unwrap().contains("请 15 分钟后再试"));
    // Another account from the same address is not locked by this one.
    assert_eq!(
        post_login(&app, "duanzhou_officer", PW).await.status(),
        StatusCode::SEE_OTHER
    );

    app.clock.advance(chrono::Duration::minutes(10));
    let res = post_login(&app, "sihui_officer", PW).await;
    assert!(res.text().await.unwrap().contains("请 5 分钟后再试"));
    app.clock
        .advance(chrono::Duration::minutes(5) + chrono::Duration::seconds(1));
    assert_eq!(
        post_login(&app, "sihui_officer", PW).await.status(),
        StatusCode::SEE_OTHER
    );

    // Twenty failures from one address, spread over accounts, lock the address.
    for i in 0..20 {
        let user = format!("nobody{i}");
        assert_eq!(
            post_login(&app, &user, "x-x-x-x-x").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        post_login(&app, "city_admin", PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
both!(
    sixth_failed_login_is_refused_even_with_the_right_password,
    DEMO
);

async fn api_tokens_created_used_revoked(app: TestApp) {
    let s = app.session("bank_demo").await;
    let html = app
        .post_as(&s, "/account/tokens", &[("name", "信贷系统")])
        .await
        .text()
        .await
        .unwrap();
    let token = html
        .split("id=\"new-token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("fgt_"));

    let me = |t: String| app.client.get(app.url("/api/v1/me")).bearer_auth(t).send();
    let res = me(token.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["username"], "bank_demo");
    assert_eq!(v["grants"][0]["role"], "bank");

    let res = me("fgt_0000".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "token_invalid"
    );

    // The account page lists it by prefix only; the token itself is never stored.
    let page = app.get_as(&s, "/account", &[]).await.text().await.unwrap();
    assert!(page.contains("信贷系统") && !page.contains(&token));
    let tokens = app
        .app
        .store
        .accounts()
        .tokens(
            app.app
                .store
                .accounts()
                .by_username("bank_demo")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    let id = tokens[0].id;

    // Another account cannot revoke it.
    let other = app.session("enterprise_demo").await;
    assert_eq!(
        app.post_as(&other, &format!("/account/tokens/{id}/revoke"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(me(token.clone()).await.unwrap().status(), StatusCode::OK);

    assert_eq!(
        app.post_as(&s, &format!("/account/tokens/{id}/revoke"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(me(token).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(audit_count(&app, "api_token", "create").await, 1);
    assert_eq!(audit_count(&app, "api_token", "revoke").await, 1);
}
both!(api_tokens_created_used_revoked, DEMO);

async fn admin_writes_each_leave_their_audit_rows(app: TestApp) {
    let admin = app.session("city_admin").await;
    let before = app
        .app
        .store
        .audit()
        .list(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .1;

    let res = app
        .post_as(
            &admin,
            "/admin/users",
            &[
                ("username", "gaoyao_officer"),
                ("display_name", "高要区复工专班"),
                ("password", "long-enough-1"),
                ("role", "county_officer"),
                ("target", "441204"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = res.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let new = app
        .app
        .store
        .accounts()
        .credentials("gaoyao_officer")
        .await
        .unwrap()
        .unwrap();
    assert!(
        new.password_hash.starts_with("$argon2id$"),
        "argon2id at rest"
    );

    // Bad input is refused naming the field, and writes nothing.
    let res = app
        .post_as(
            &admin,
            "/admin/users",
            &[
                ("username", "x"),
                ("display_name", "X"),
                ("password", "long-enough-1"),
                ("role", "county_officer"),
                ("target", "441204"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("用户名："));
    let res = app
        .post_as(
            &admin,
            "/admin/users",
            &[
                ("username", "wrong_level"),
                ("display_name", "X"),
                ("password", "long-enough-1"),
                ("role", "county_officer"),
                ("target", "441204001"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("区划层级与角色不符"));

    let path = format!("/admin/users/{id}");
    assert_eq!(
        app.post_as(
            &admin,
            &format!("{path}/grants"),
            &[("role", "park_officer"), ("target", "GYJL")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post_as(
            &admin,
            &format!("{path}/password"),
            &[("password", "another-pass-2")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post_as(&admin, &format!("{path}/disable"), &[])
            .await
            .status(),
        StatusCode::OK
    );

    let (rows, after) = app
        .app
        .store
        .audit()
        .list(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        after - before,
        4,
        "create, grant, reset, disable — one row each, none for the refused ones"
    );
    let mine: Vec<_> = rows
        .iter()
        .filter(|r| r.entity_id.as_deref() == Some(&id.to_string()))
        .collect();
    let actions: Vec<&str> = mine.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "grant", "reset_password", "disable"]);
    assert!(mine.iter().all(|r| r.actor_name == "city_admin"));
    assert!(
        mine.iter()
            .all(|r| !r.after_json.as_deref().unwrap_or("").contains("argon2")),
        "no hashes in the audit"
    );
    assert_eq!(
        mine[0].before_json.as_deref(),
        Some(r#"{"disabled":false}"#)
    );

    // The disabled account cannot sign in.
    assert!(matches!(
        app.app
            .login("gaoyao_officer", "another-pass-2", "192.0.2.9")
            .await,
        Err(app::AppError::BadCredentials)
    ));

    // The audit page filters and exports; it is for city admins only.
    let html = app
        .get_as(&admin, "/admin/audit?actor=city_admin&entity=user", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("reset_password") && html.contains("gaoyao_officer"));
    let res = app
        .get_as(&admin, "/admin/audit/export?entity=user", &[])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert_eq!(&res.bytes().await.unwrap()[..2], b"PK");
    let officer = app.session("duanzhou_officer").await;
    assert_eq!(
        app.get_as(&officer, "/admin/audit", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_as(&officer, "/admin/users", &[("username", "sneaky")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
both!(admin_writes_each_leave_their_audit_rows, DEMO);

async fn the_audit_log_is_append_only(app: TestApp) {
    app.session("city_admin").await;
    let refused = match app.config.db_target().unwrap() {
        store::DbTarget::SqliteFile(path) => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
                "sqlite:{}",
                path.display()
            ))
            .await
            .unwrap();
            let u = sqlx::query("UPDATE audit_log SET actor_name = 'x'")
                .execute(&mut c)
                .await;
            let d = sqlx::query("DELETE FROM audit_log").execute(&mut c).await;
            u.is_err() && d.is_err()
        }
        store::DbTarget::Postgres(url) => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            let u = sqlx::query("UPDATE audit_log SET actor_name = 'x'")
                .execute(&mut c)
                .await;
            let d = sqlx::query("DELETE FROM audit_log").execute(&mut c).await;
            u.is_err() && d.is_err()
        }
    };
    assert!(refused, "UPDATE and DELETE on audit_log must fail");
}
both!(the_audit_log_is_append_only, DEMO);

async fn password_change_keeps_this_session_and_ends_others(app: TestApp) {
    let here = app.session("liaison_demo").await;
    let elsewhere = app.session("liaison_demo").await;
    let res = app
        .post_as(
            &here,
            "/account/password",
            &[
                ("current_password", "wrong-one"),
                ("new_password", "new-pass-123"),
                ("confirm_password", "new-pass-123"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("当前密码不正确"));
    let res = app
        .post_as(
            &here,
            "/account/password",
            &[
                ("current_password", PW),
                ("new_password", "new-pass-123"),
                ("confirm_password", "new-pass-123"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get_as(&here, "/account", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_as(&elsewhere, "/account", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.app
            .login("liaison_demo", "new-pass-123", "192.0.2.3")
            .await
            .is_ok()
    );
}
both!(password_change_keeps_this_session_and_ends_others, DEMO);
