//! Importing a workforce from Excel. The upload starts the import in a background
//! task and sends the browser to the job's page; the task writes its progress to
//! `import_jobs` between chunks, so the page (on any instance) shows "n / total" while
//! it runs, and the report — every problem by row and column, and the rejected rows
//! to download — once it is done.

use super::{EnterprisePick, enterprise_pick, writable};
use crate::AppState;
use crate::api::workforce::{report_json, save_rejected};
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::xlsx;
use crate::html::{Flash, Shell, form_problem, render};
use app::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Invalid, Principal};
use serde_json::Value;
use store::imports::ImportJobRow;

/// A job whose task has not written for this long has died with its instance.
const STALE_MS: i64 = 10 * 60 * 1000;
/// Problems listed on the page; the rest are in the downloadable rows.
const SHOWN_PROBLEMS: usize = 500;

#[derive(Template)]
#[template(path = "workforce/import.html")]
struct ImportPage {
    shell: Shell,
    pick: EnterprisePick,
    flash: Option<Flash>,
}

#[derive(serde::Deserialize, Default)]
pub struct FormQuery {
    enterprise_id: Option<String>,
}

pub async fn form(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    axum::extract::Query(q): axum::extract::Query<FormQuery>,
) -> WebResult<Response> {
    let pick = enterprise_pick(&state, &a.principal, q.enterprise_id.as_deref()).await?;
    Ok(render(&ImportPage {
        shell,
        pick,
        flash: None,
    })?
    .into_response())
}

/// The form's enterprise field and file.
async fn read_upload(mut mp: Multipart) -> WebResult<(Option<String>, Vec<u8>)> {
    let mut enterprise = None;
    let mut file = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Err(WebError::Refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                ));
            }
        };
        match field.name() {
            Some("enterprise_id") => enterprise = field.text().await.ok(),
            Some("file") => {
                file = field.bytes().await.map(|b| b.to_vec()).map_err(|_| {
                    WebError::Refused(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
                })?;
            }
            _ => {}
        }
    }
    Ok((enterprise, file))
}

pub async fn start(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    mp: Multipart,
) -> WebResult<Response> {
    let who = a.principal;
    let (raw, bytes) = read_upload(mp).await?;
    let pick = enterprise_pick(&state, &who, raw.as_deref()).await?;
    let enterprise = pick.chosen;
    let problem = match enterprise {
        None => Some(Invalid::new("enterprise_id", "required")),
        Some(_) if bytes.is_empty() => Some(Invalid::new("file", "required")),
        // An .xlsx is a zip: refuse anything else before starting a job.
        Some(_) if !bytes.starts_with(b"PK") => Some(Invalid::new("file", "not_xlsx")),
        Some(_) => None,
    };
    let (Some(enterprise), None) = (enterprise, &problem) else {
        let flash = match problem {
            Some(i) => form_problem(shell.t, AppError::Invalid(i))?,
            None => None,
        };
        let page = ImportPage { shell, pick, flash };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    writable(&state, &who, enterprise).await?;
    let now = state.app.clock.now().timestamp_millis();
    let job = state
        .app
        .store
        .imports()
        .create_job(who.user_id, "employees", Some(enterprise), now)
        .await?;
    tokio::spawn(run(state, who, job, enterprise, bytes));
    Ok(Redirect::to(&format!("/employees/imports/jobs/{job}")).into_response())
}

/// The code (and field) an import failed with, for the job's report.
fn failure(e: &AppError) -> (&'static str, Option<&'static str>) {
    match e {
        AppError::Invalid(i) => (i.code, Some(i.field)),
        AppError::Refused(code) => (code, None),
        AppError::Forbidden => ("forbidden", None),
        AppError::NotFound => ("not_found", None),
        AppError::Store(s) if s.is_unavailable() => ("unavailable", None),
        _ => ("internal", None),
    }
}

/// The import itself, in the background: progress to the job row as it goes (a watch
/// channel keeps only the latest, so a slow database sees one write per chunk at
/// most), then the report or the failure. A panic is a failure too, not a job
/// running forever.
async fn run(state: AppState, who: Principal, job: i64, enterprise: i64, bytes: Vec<u8>) {
    let (tx, mut rx) = tokio::sync::watch::channel((0usize, 0usize));
    let reporter = {
        let store = state.app.store.clone();
        let clock = state.app.clock.clone();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let (done, total) = *rx.borrow_and_update();
                let now = clock.now().timestamp_millis();
                if let Err(e) = store
                    .imports()
                    .job_progress(job, done as i64, total as i64, now)
                    .await
                {
                    tracing::warn!(error = %e, job, "import progress not recorded");
                }
            }
        })
    };
    let work = {
        let state = state.clone();
        let who = who.clone();
        tokio::spawn(async move {
            let progress = move |done: usize, total: usize| {
                tx.send_replace((done, total));
            };
            let report = state
                .app
                .import_employees(Some(&who), enterprise, &bytes, &progress)
                .await?;
            let report_id = save_rejected(&state, &who, &report).await?;
            Ok::<_, AppError>((report, report_id))
        })
    };
    let outcome = work.await;
    let _ = reporter.await;
    let (state_name, json, report_id) = match outcome {
        Ok(Ok((report, report_id))) => (
            "done",
            report_json(&report, report_id, domain::Lang::ZhCn),
            report_id,
        ),
        Ok(Err(e)) => {
            let (code, field) = failure(&e);
            if code == "internal" {
                tracing::error!(error = %e, job, "import failed");
            }
            (
                "failed",
                serde_json::json!({"error": {"code": code, "field": field}}),
                None,
            )
        }
        Err(e) => {
            tracing::error!(error = %e, job, "import task ended abnormally");
            (
                "failed",
                serde_json::json!({"error": {"code": "internal"}}),
                None,
            )
        }
    };
    let now = state.app.clock.now().timestamp_millis();
    if let Err(e) = state
        .app
        .store
        .imports()
        .finish_job(job, state_name, &json.to_string(), report_id, now)
        .await
    {
        tracing::error!(error = %e, job, "import job not finished");
    }
}

#[derive(Template)]
#[template(path = "workforce/job.html")]
struct JobPage {
    shell: Shell,
    job: ImportJobRow,
    /// running | done | failed | stale
    state: &'static str,
    summary: String,
    problems: Vec<String>,
    /// Problems beyond those listed.
    more: usize,
    error: Option<String>,
}

impl JobPage {
    fn progress_text(&self) -> String {
        self.shell.t.fmt(
            "workforce.job_progress",
            &[("done", &self.job.done), ("total", &self.job.total)],
        )
    }

    fn more_text(&self) -> String {
        self.shell.t.fmt("workforce.job_more", &[("n", &self.more)])
    }
}

pub async fn job(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let job = state
        .app
        .store
        .imports()
        .job(id, a.principal.user_id)
        .await?;
    let t = shell.t;
    let now = state.app.clock.now().timestamp_millis();
    let report: Value = job
        .report_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or(Value::Null);
    let state_name = match job.state.as_str() {
        "running" if now - job.updated_at > STALE_MS => "stale",
        "running" => "running",
        "done" => "done",
        _ => "failed",
    };
    let mut problems = Vec::new();
    let mut more = 0;
    let mut summary = String::new();
    if let Some(list) = report["rejected"].as_array() {
        let mut rows: Vec<i64> = list.iter().filter_map(|p| p["row"].as_i64()).collect();
        rows.dedup();
        summary = t.fmt(
            "workforce.job_summary",
            &[
                ("inserted", &report["inserted"].as_i64().unwrap_or(0)),
                ("updated", &report["updated"].as_i64().unwrap_or(0)),
                ("rejected", &rows.len()),
            ],
        );
        more = list.len().saturating_sub(SHOWN_PROBLEMS);
        problems = list
            .iter()
            .take(SHOWN_PROBLEMS)
            .map(|p| {
                t.fmt(
                    "import.problem",
                    &[
                        ("row", &p["row"].as_i64().unwrap_or(0)),
                        ("column", &p["column"].as_str().unwrap_or("")),
                        ("reason", &t.error(p["code"].as_str().unwrap_or("internal"))),
                    ],
                )
            })
            .collect();
    }
    let error =
        report["error"]["code"]
            .as_str()
            .map(|code| match report["error"]["field"].as_str() {
                Some(f) => format!("{}：{}", t.msg(&format!("field.{f}")), t.error(code)),
                None => t.error(code).to_owned(),
            });
    let running = state_name == "running";
    let page = JobPage {
        shell,
        job,
        state: state_name,
        summary,
        problems,
        more,
        error,
    };
    let mut res = render(&page)?.into_response();
    if running {
        // Also as a header: a browser reloads by it even before the page has arrived.
        res.headers_mut()
            .insert(header::REFRESH, HeaderValue::from_static("2"));
    }
    Ok(res)
}

pub async fn rejected(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let sealed = state
        .app
        .store
        .imports()
        .rejected_xlsx_of(id, a.principal.user_id, "employees")
        .await?;
    // Sealed under the ID key: the rows hold the numbers as typed.
    let bytes = state.app.ids.open(&sealed)?;
    let mut res = xlsx(bytes, "attachment; filename=\"rejected-employees.xlsx\"");
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
