//! Signing in and out, and the account's own page: password change and API tokens.

use super::{Flash, Shell, form_problem, render};
use crate::AppState;
use crate::auth::{CurrentUser, PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::error::{WebError, WebResult};
use crate::i18n;
use crate::routes::{Access, Data, Routes};
use app::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{Grant, Principal};
use serde::Deserialize;
use std::net::SocketAddr;
use store::accounts::TokenRow;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/login",
            "GET POST",
            Access::Public,
            Data::None,
            get(login_form).post(login_submit),
        )
        .add("/logout", "POST", Access::SignedIn, Data::Own, post(logout))
        .add("/account", "GET", Access::SignedIn, Data::Own, get(account))
        .add(
            "/account/password",
            "POST",
            Access::SignedIn,
            Data::Own,
            post(change_password),
        )
        .add(
            "/account/tokens",
            "POST",
            Access::SignedIn,
            Data::Own,
            post(create_token),
        )
        .add(
            "/account/tokens/{id}/revoke",
            "POST",
            Access::SignedIn,
            Data::Own,
            post(revoke_token),
        )
}

fn cookie_header(
    name: &str,
    value: &str,
    max_age: i64,
    secure: bool,
) -> Result<HeaderValue, WebError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .map_err(|e| WebError::Internal(e.to_string()))
}

/// Only paths on this site.
fn local(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/")
        .to_owned()
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    shell: Shell,
    next: String,
    username: String,
    error: Option<String>,
    demo_accounts: Vec<(&'static str, &'static str, String)>,
    demo_password: &'static str,
}

impl LoginPage {
    fn new(shell: Shell, state: &AppState, next: String) -> Self {
        let demo_accounts = if state.settings.demo {
            let (hr, hr_name, hr_role) = app::demo::HR_ACCOUNT;
            app::demo::ACCOUNTS
                .iter()
                .map(|(u, name, role, _)| (*u, *name, *role))
                .chain([(hr, hr_name, hr_role)])
                .map(|(u, name, role)| {
                    (
                        u,
                        name,
                        shell.t.msg(&format!("role.{}", role.as_str())).to_owned(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        LoginPage {
            shell,
            next,
            username: String::new(),
            error: None,
            demo_accounts,
            demo_password: app::demo::DEMO_PASSWORD,
        }
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(
    mut shell: Shell,
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> WebResult<Response> {
    // The login form is protected by a double-submit token until a session exists.
    let mut set_cookie = None;
    if shell.csrf.is_empty() {
        shell.csrf = app::accounts::random_hex(16)?;
        set_cookie = Some(cookie_header(
            PRE_SESSION_COOKIE,
            &shell.csrf,
            3600,
            state.settings.secure_cookies,
        )?);
    }
    let page = LoginPage::new(shell, &state, local(q.next.as_deref()));
    let mut res = render(&page)?.into_response();
    if let Some(c) = set_cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    shell: Shell,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    let next = local(f.next.as_deref());
    match state
        .app
        .login(&f.username, &f.password, &peer.ip().to_string())
        .await
    {
        Ok(session) => {
            let max_age = (session.expires_at - state.app.clock.now().timestamp_millis()) / 1000;
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie_header(
                    SESSION_COOKIE,
                    &session.token,
                    max_age,
                    state.settings.secure_cookies,
                )?,
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie_header(PRE_SESSION_COOKIE, "", 0, state.settings.secure_cookies)?,
            );
            Ok(res)
        }
        Err(e) => {
            let t = shell.t;
            let (status, error) = match e {
                AppError::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    t.msg("login.bad_credentials").to_owned(),
                ),
                AppError::Throttled { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    t.fmt("login.throttled", &[("minutes", &minutes)]),
                ),
                other => return Err(other.into()),
            };
            let mut page = LoginPage::new(shell, &state, next);
            page.username = f.username;
            page.error = Some(error);
            Ok((status, render(&page)?).into_response())
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> WebResult<Response> {
    if let Some(token) = &auth.session_token {
        state.app.logout(token, &auth.principal).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie_header(SESSION_COOKIE, "", 0, state.settings.secure_cookies)?,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    shell: Shell,
    username: String,
    grants: Vec<String>,
    tokens: Vec<TokenRow>,
    can_use_tokens: bool,
    flash: Option<Flash>,
    /// A token just created: shown this once.
    new_token: Option<String>,
}

/// "县（市、区）办公人员 · 441202" for a grant.
pub fn describe_grant(t: &i18n::Messages, g: &Grant) -> String {
    let key = format!("role.{}", g.role.as_str());
    let role = t.msg(&key);
    match g.target.value() {
        Some(v) => format!("{role} · {v}"),
        None => role.to_owned(),
    }
}

impl AccountPage {
    async fn load(shell: Shell, state: &AppState, who: &Principal) -> WebResult<Self> {
        let tokens = state.app.tokens(who).await?;
        let grants = who
            .grants
            .iter()
            .map(|g| describe_grant(shell.t, g))
            .collect();
        Ok(AccountPage {
            shell,
            username: who.username.clone(),
            grants,
            tokens,
            can_use_tokens: who.can(domain::Action::UseApiTokens),
            flash: None,
            new_token: None,
        })
    }

    fn when(&self, ms: &i64) -> String {
        super::format_ms(*ms)
    }
}

async fn account(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> WebResult<Response> {
    Ok(render(&AccountPage::load(shell, &state, &auth.principal).await?)?.into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Form(f): Form<PasswordForm>,
) -> WebResult<Response> {
    let t = shell.t;
    let result = if f.new_password != f.confirm_password {
        Err(AppError::Invalid(domain::Invalid::new(
            "confirm_password",
            "password_mismatch",
        )))
    } else {
        state
            .app
            .change_password(
                &auth.principal,
                &f.current_password,
                &f.new_password,
                auth.session_token.as_deref(),
            )
            .await
    };
    let flash = match result {
        Ok(()) => Flash::ok(t.msg("account.password_changed")),
        Err(e) => form_problem(t, e)?,
    };
    let status = if flash.as_ref().is_some_and(|f| f.ok) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = AccountPage::load(shell, &state, &auth.principal).await?;
    page.flash = flash;
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn create_token(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Form(f): Form<TokenForm>,
) -> WebResult<Response> {
    let who = &auth.principal;
    let t = shell.t;
    let (flash, new_token) = match state
        .app
        .create_token(Some(who), who.user_id, &f.name)
        .await
    {
        Ok((_, token)) => (Flash::ok(t.msg("account.token_created")), Some(token)),
        Err(e) => (form_problem(t, e)?, None),
    };
    let mut page = AccountPage::load(shell, &state, who).await?;
    page.flash = flash;
    page.new_token = new_token;
    let mut res = render(&page)?.into_response();
    // The page holds a secret shown once: keep it out of every cache.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<i64>,
    _headers: HeaderMap,
) -> WebResult<Response> {
    state.app.revoke_token(&auth.principal, id).await?;
    Ok(Redirect::to("/account").into_response())
}
