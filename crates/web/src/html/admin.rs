//! Administration for city admins: accounts and grants, and the audit log.

use super::accounts::describe_grant;
use super::{Flash, Shell, form_problem, format_ms, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::routes::{Access, Data, Routes};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{Action, Grant, Role};
use serde::Deserialize;
use store::accounts::UserRow;
use store::audit::{AuditFilter, AuditRow};

pub fn routes() -> Routes {
    let admin = Access::Permitted(Action::ManageAccounts);
    let audit = Access::Permitted(Action::ViewAudit);
    Routes::new()
        .add(
            "/admin/users",
            "GET POST",
            admin,
            Data::Admin,
            get(users).post(create_user),
        )
        .add("/admin/users/{id}", "GET", admin, Data::Admin, get(user))
        .add(
            "/admin/users/{id}/disable",
            "POST",
            admin,
            Data::Admin,
            post(disable),
        )
        .add(
            "/admin/users/{id}/enable",
            "POST",
            admin,
            Data::Admin,
            post(enable),
        )
        .add(
            "/admin/users/{id}/password",
            "POST",
            admin,
            Data::Admin,
            post(reset_password),
        )
        .add(
            "/admin/users/{id}/grants",
            "POST",
            admin,
            Data::Admin,
            post(add_grant),
        )
        .add(
            "/admin/users/{id}/grants/{grant}/delete",
            "POST",
            admin,
            Data::Admin,
            post(remove_grant),
        )
        .add("/admin/audit", "GET", audit, Data::Admin, get(audit_page))
        .add(
            "/admin/audit/export",
            "GET",
            audit,
            Data::Admin,
            get(audit_export),
        )
}

/// Role choices for the forms: (value, label).
fn role_options(shell: &Shell) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .filter(|r| **r != Role::Employee)
        .map(|r| {
            (
                r.as_str(),
                shell.t.msg(&format!("role.{}", r.as_str())).to_owned(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<(UserRow, Vec<String>)>,
    roles: Vec<(&'static str, String)>,
    flash: Option<Flash>,
}

async fn users_page(
    shell: Shell,
    state: &AppState,
    who: &domain::Principal,
    flash: Option<Flash>,
) -> WebResult<UsersPage> {
    let list = state.app.users(who).await?;
    let grants = state.app.store.accounts().all_grants().await?;
    let users = list
        .into_iter()
        .map(|u| {
            let g = grants
                .iter()
                .filter(|g| g.user_id == u.id)
                .filter_map(|g| Grant::parse(Role::parse(&g.role).ok()?, g.target.as_deref()).ok())
                .map(|g| describe_grant(shell.t, &g))
                .collect();
            (u, g)
        })
        .collect();
    let roles = role_options(&shell);
    Ok(UsersPage {
        shell,
        users,
        roles,
        flash,
    })
}

async fn users(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> WebResult<Response> {
    Ok(render(&users_page(shell, &state, &auth.principal, None).await?)?.into_response())
}

#[derive(Deserialize)]
struct NewUserForm {
    username: String,
    display_name: String,
    password: String,
    role: String,
    target: Option<String>,
}

async fn create_user(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Form(f): Form<NewUserForm>,
) -> WebResult<Response> {
    let result = match Role::parse(&f.role) {
        Ok(role) => {
            state
                .app
                .create_user(
                    Some(&auth.principal),
                    &f.username,
                    &f.display_name,
                    &f.password,
                    &[(role, f.target.clone())],
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let page = users_page(shell, &state, &auth.principal, flash).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    shell: Shell,
    user: UserRow,
    grants: Vec<(i64, String)>,
    roles: Vec<(&'static str, String)>,
    flash: Option<Flash>,
}

async fn user_page(
    shell: Shell,
    state: &AppState,
    id: i64,
    flash: Option<Flash>,
) -> WebResult<UserPage> {
    let accounts = state.app.store.accounts();
    let user = accounts.get(id).await?;
    let grants = accounts
        .grants(id)
        .await?
        .into_iter()
        .filter_map(|g| {
            let grant = Grant::parse(Role::parse(&g.role).ok()?, g.target.as_deref()).ok()?;
            Some((g.id, describe_grant(shell.t, &grant)))
        })
        .collect();
    let roles = role_options(&shell);
    Ok(UserPage {
        shell,
        user,
        grants,
        roles,
        flash,
    })
}

async fn user(
    shell: Shell,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    Ok(render(&user_page(shell, &state, id, None).await?)?.into_response())
}

/// Re-shows the account page after an action, with its outcome.
async fn after_action(
    shell: Shell,
    state: &AppState,
    id: i64,
    result: app::AppResult<()>,
    ok_key: &str,
) -> WebResult<Response> {
    let t = shell.t;
    let (status, flash) = match result {
        Ok(()) => (StatusCode::OK, Flash::ok(t.msg(ok_key))),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, form_problem(t, e)?),
    };
    Ok((status, render(&user_page(shell, state, id, flash).await?)?).into_response())
}

async fn disable(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let r = state.app.set_disabled(&a.principal, id, true).await;
    after_action(shell, &state, id, r, "admin.disabled").await
}

async fn enable(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let r = state.app.set_disabled(&a.principal, id, false).await;
    after_action(shell, &state, id, r, "admin.enabled").await
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> WebResult<Response> {
    let r = state
        .app
        .reset_password(Some(&a.principal), id, &f.password)
        .await;
    after_action(shell, &state, id, r, "admin.password_reset").await
}

#[derive(Deserialize)]
struct GrantForm {
    role: String,
    target: Option<String>,
}

async fn add_grant(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<GrantForm>,
) -> WebResult<Response> {
    let r = match Role::parse(&f.role) {
        Ok(role) => state
            .app
            .add_grant(&a.principal, id, role, f.target.as_deref())
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    after_action(shell, &state, id, r, "admin.granted").await
}

async fn remove_grant(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path((id, grant)): Path<(i64, i64)>,
) -> WebResult<Response> {
    let r = state.app.remove_grant(&a.principal, id, grant).await;
    after_action(shell, &state, id, r, "admin.grant_removed").await
}

// --- audit ---------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
struct AuditQuery {
    actor: Option<String>,
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

const AUDIT_PAGE: i64 = 50;

impl AuditQuery {
    /// Dates are calendar days in the city's time zone; `to` is inclusive.
    fn filter(&self, limit: i64) -> Result<AuditFilter, WebError> {
        let day = |s: &Option<String>, field: &'static str| -> Result<Option<i64>, WebError> {
            match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| Some(t.and_utc().timestamp_millis() - 8 * 3600 * 1000))
                    .ok_or(WebError::Invalid(domain::Invalid::new(
                        field,
                        "date_format",
                    ))),
            }
        };
        let text = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let page = self.page.unwrap_or(1).max(1);
        Ok(AuditFilter {
            actor: text(&self.actor),
            entity: text(&self.entity),
            entity_id: None,
            from: day(&self.from, "from")?,
            to: day(&self.to, "to")?.map(|t| t + 24 * 3600 * 1000),
            limit,
            offset: (page - 1) * limit,
        })
    }

    fn query_string(&self) -> String {
        let enc = |s: &Option<String>| {
            s.as_deref()
                .unwrap_or("")
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        format!(
            "actor={}&entity={}&from={}&to={}",
            enc(&self.actor),
            enc(&self.entity),
            enc(&self.from),
            enc(&self.to)
        )
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    shell: Shell,
    rows: Vec<AuditRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: AuditQuery,
    query: String,
}

impl AuditPage {
    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }

    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }

    fn value<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().unwrap_or("")
    }
}

async fn audit_page(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<AuditQuery>,
) -> WebResult<Response> {
    let filter = q.filter(AUDIT_PAGE)?;
    let (rows, total) = state.app.audit_log(&a.principal, &filter).await?;
    let page = q.page.unwrap_or(1).max(1);
    let pages = ((total + AUDIT_PAGE - 1) / AUDIT_PAGE).max(1);
    let query = q.query_string();
    Ok(render(&AuditPage {
        shell,
        rows,
        total,
        page,
        pages,
        q,
        query,
    })?
    .into_response())
}

/// The filtered audit log as .xlsx (up to 100,000 rows, newest first).
async fn audit_export(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<AuditQuery>,
) -> WebResult<Response> {
    let filter = AuditQuery { page: Some(1), ..q }.filter(100_000)?;
    let (rows, _) = state.app.audit_log(&a.principal, &filter).await?;
    let t = shell.t;
    let headers = [
        "audit.at",
        "audit.actor",
        "audit.action",
        "audit.entity",
        "audit.entity_id",
        "audit.before",
        "audit.after",
    ]
    .map(|k| t.msg(k));
    let data: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                format_ms(r.at),
                r.actor_name,
                r.action,
                r.entity,
                r.entity_id.unwrap_or_default(),
                r.before_json.unwrap_or_default(),
                r.after_json.unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = app::excel::workbook(t.msg("audit.sheet"), &headers, &data)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-log.xlsx\""),
    );
    Ok(res)
}
