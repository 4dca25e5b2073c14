//! Declarations by spreadsheet: the enterprise downloads the day's roster
//! (`/declarations/sheet`), fills in temperatures, uploads it
//! (`/declarations/import`); the report names the row, column and reason of every
//! refused row, and the good rows are kept.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::{uploaded_file, xlsx};
use crate::html::{Shell, render};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SheetQuery {
    enterprise_id: Option<i64>,
}

fn required(q: &SheetQuery) -> WebResult<i64> {
    q.enterprise_id
        .ok_or(WebError::Invalid(domain::Invalid::new(
            "enterprise_id",
            "required",
        )))
}

pub async fn download(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<SheetQuery>,
) -> WebResult<Response> {
    let bytes = state
        .app
        .declaration_sheet(&a.principal, required(&q)?, state.app.today())
        .await?;
    Ok(xlsx(bytes, "attachment; filename=\"declarations.xlsx\""))
}

#[derive(Template)]
#[template(path = "workforce/sheet_report.html")]
struct ReportPage {
    shell: Shell,
    enterprise_id: i64,
    summary: String,
    problems: Vec<String>,
}

pub async fn upload(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<SheetQuery>,
    mp: Multipart,
) -> WebResult<Response> {
    let enterprise_id = required(&q)?;
    let bytes = uploaded_file(mp).await?;
    let report = state
        .app
        .import_declarations(&a.principal, enterprise_id, &bytes)
        .await?;
    let t = shell.t;
    let summary = t.fmt(
        "declarations.sheet_summary",
        &[
            ("accepted", &report.accepted),
            ("skipped", &report.skipped),
            ("rejected", &report.rejected.len()),
        ],
    );
    let problems = report
        .rejected
        .iter()
        .map(|p| {
            t.fmt(
                "import.problem",
                &[
                    ("row", &p.row),
                    ("column", &p.column),
                    ("reason", &t.error(p.code)),
                ],
            )
        })
        .collect();
    let status = if report.accepted == 0 && !report.rejected.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ReportPage {
        shell,
        enterprise_id,
        summary,
        problems,
    };
    Ok((status, render(&page)?).into_response())
}
