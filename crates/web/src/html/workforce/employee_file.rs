//! One employee file: every field, the last fortnight of declarations, the personal
//! link and its QR code, the audited full view of the number, revoking the link.

use super::{Reading, qr_svg, reading};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::html::{Flash, Shell, format_ms, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Action, Principal};
use serde::Deserialize;
use store::declarations::DeclarationRow;
use store::workforce::EmployeeRow;

#[derive(Template)]
#[template(path = "workforce/detail.html")]
struct DetailPage {
    shell: Shell,
    e: EmployeeRow,
    /// The full number, after a permitted (and audited) request to see it.
    full_id: Option<String>,
    history: Vec<DeclarationRow>,
    /// The personal link and its QR code (for those who keep the file).
    link: Option<(String, String)>,
    can_edit: bool,
    can_reveal: bool,
    flash: Option<Flash>,
}

impl DetailPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }

    fn day(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())
    }

    fn or_dash<'a>(&self, s: &'a str) -> &'a str {
        if s.trim().is_empty() { "—" } else { s }
    }

    fn yes(&self, b: &bool) -> &str {
        self.shell
            .t
            .msg(if *b { "common.yes" } else { "common.no" })
    }

    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }

    fn today(&self) -> Option<Reading> {
        reading(self.e.temperature, self.e.symptoms)
    }

    fn reading_of(&self, d: &DeclarationRow) -> Option<Reading> {
        reading(Some(d.temperature), Some(d.symptoms))
    }
}

async fn detail_page(
    shell: Shell,
    state: &AppState,
    headers: &HeaderMap,
    who: &Principal,
    id: i64,
    full_id: Option<String>,
    flash: Option<Flash>,
) -> WebResult<DetailPage> {
    let e = state.app.employee(who, id).await?;
    let today = state.app.today();
    let days: Vec<chrono::NaiveDate> = (0..14).map(|n| today - chrono::Duration::days(n)).collect();
    let history = state
        .app
        .store
        .scoped(who)
        .employee_declarations(id, &days)
        .await?;
    // The link is the employee's credential: shown to whoever keeps the file.
    let keeps = who.can(Action::EditEmployees)
        && state
            .app
            .store
            .scoped(who)
            .writable_enterprise(e.enterprise_id)
            .await
            .is_ok();
    let link = if keeps {
        let token = state.app.declaration_link(who, id).await?;
        let url = format!("{}/d/{token}", super::base_url(state, headers));
        let svg = qr_svg(&url, &e.name)?;
        Some((url, svg))
    } else {
        None
    };
    Ok(DetailPage {
        shell,
        full_id,
        history,
        link,
        can_edit: keeps,
        can_reveal: who.can(Action::ViewIdNumber),
        e,
        flash,
    })
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    link: Option<String>,
}

pub async fn detail(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> WebResult<Response> {
    let flash = match q.link.as_deref() {
        Some("revoked") => Flash::ok(shell.t.msg("workforce.link_revoked")),
        _ => None,
    };
    let page = detail_page(shell, &state, &headers, &a.principal, id, None, flash).await?;
    Ok(render(&page)?.into_response())
}

pub async fn reveal(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let full = state.app.reveal_id_number(&a.principal, id).await?;
    let flash = Flash::ok(shell.t.msg("workforce.revealed"));
    let page = detail_page(shell, &state, &headers, &a.principal, id, Some(full), flash).await?;
    let mut res = render(&page)?.into_response();
    // The full number must not linger in a cache.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn revoke_link(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state.app.revoke_declaration_link(&a.principal, id).await?;
    Ok(Redirect::to(&format!("/employees/{id}?link=revoked#link")).into_response())
}
