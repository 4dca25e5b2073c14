//! Cadres: the list, the record with its assignments, create and edit forms, and
//! Excel import and export.

use super::level_key;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::html::enterprises::{uploaded_file, xlsx};
use crate::html::{Flash, Shell, form_problem, render};
use app::liaison::CadreInput;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Action, Principal};
use serde::Deserialize;
use store::liaison::{AssignmentRow, CadreFilter, CadreRow};

// --- cadres -------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct CadreQuery {
    pub region: Option<String>,
    pub level: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl CadreQuery {
    pub fn filter(&self, per_page: i64) -> CadreFilter {
        let t = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let page = self.page.unwrap_or(1).max(1);
        CadreFilter {
            region: t(&self.region),
            level: t(&self.level),
            q: t(&self.q),
            limit: per_page,
            offset: (page - 1) * per_page,
        }
    }
}

#[derive(Template)]
#[template(path = "liaison/cadres.html")]
struct CadresPage {
    shell: Shell,
    rows: Vec<CadreRow>,
    total: i64,
    q: CadreQuery,
    page: i64,
    pages: i64,
    can_manage: bool,
}

impl CadresPage {
    fn level_label(&self, l: &str) -> String {
        self.shell.t.msg(&level_key(l)).to_owned()
    }
    fn kind_label(&self, k: &str) -> String {
        self.shell.t.msg(&format!("cadre_kind.{k}")).to_owned()
    }
    fn v<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().unwrap_or("")
    }
    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }
}

pub(super) async fn cadres(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<CadreQuery>,
) -> WebResult<Response> {
    let per_page = 50;
    let (rows, total) = state
        .app
        .store
        .scoped(&a.principal)
        .cadres(&q.filter(per_page))
        .await?;
    let page = CadresPage {
        shell,
        rows,
        total,
        page: q.page.unwrap_or(1).max(1),
        pages: ((total + per_page - 1) / per_page).max(1),
        q,
        can_manage: a.principal.can(Action::ManageLiaison),
    };
    Ok(render(&page)?.into_response())
}

pub(super) async fn export_cadres(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<CadreQuery>,
) -> WebResult<Response> {
    let bytes = state
        .app
        .export_cadres(&a.principal, &q.filter(1_000_000))
        .await?;
    Ok(xlsx(bytes, "attachment; filename=\"cadres.xlsx\""))
}

#[derive(Template)]
#[template(path = "liaison/cadre.html")]
struct CadrePage {
    shell: Shell,
    c: CadreRow,
    assignments: Vec<AssignmentRow>,
    can_manage: bool,
    flash: Option<Flash>,
}

impl CadrePage {
    fn level_label(&self, l: &str) -> String {
        self.shell.t.msg(&level_key(l)).to_owned()
    }
    fn kind_label(&self, k: &str) -> String {
        self.shell.t.msg(&format!("cadre_kind.{k}")).to_owned()
    }
}

async fn cadre_page(
    shell: Shell,
    state: &AppState,
    who: &Principal,
    id: i64,
    flash: Option<Flash>,
) -> WebResult<CadrePage> {
    let scoped = state.app.store.scoped(who);
    let c = scoped.cadre(id).await?;
    let assignments = scoped.cadre_assignments(id).await?;
    Ok(CadrePage {
        shell,
        c,
        assignments,
        can_manage: who.can(Action::ManageLiaison),
        flash,
    })
}

pub(super) async fn cadre(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    Ok(render(&cadre_page(shell, &state, &a.principal, id, None).await?)?.into_response())
}

#[derive(Template)]
#[template(path = "liaison/cadre_form.html")]
struct CadreFormPage {
    shell: Shell,
    id: Option<i64>,
    input: CadreInput,
    flash: Option<Flash>,
}

pub(super) async fn new_cadre(shell: Shell) -> WebResult<Response> {
    let input = CadreInput {
        level: "镇级".into(),
        kind: "领导干部".into(),
        max_enterprises: "10".into(),
        ..Default::default()
    };
    Ok(render(&CadreFormPage {
        shell,
        id: None,
        input,
        flash: None,
    })?
    .into_response())
}

pub(super) async fn edit_cadre(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let c = state.app.store.scoped(&a.principal).cadre(id).await?;
    Ok(render(&CadreFormPage {
        shell,
        id: Some(id),
        input: CadreInput::from_row(&c),
        flash: None,
    })?
    .into_response())
}

async fn save_cadre(
    shell: Shell,
    state: &AppState,
    who: &Principal,
    id: Option<i64>,
    input: CadreInput,
) -> WebResult<Response> {
    match state.app.save_cadre(who, id, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/liaison/cadres/{id}")).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&CadreFormPage {
                    shell,
                    id,
                    input,
                    flash,
                })?,
            )
                .into_response())
        }
    }
}

pub(super) async fn create_cadre(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(input): Form<CadreInput>,
) -> WebResult<Response> {
    save_cadre(shell, &state, &a.principal, None, input).await
}

pub(super) async fn update_cadre(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(input): Form<CadreInput>,
) -> WebResult<Response> {
    save_cadre(shell, &state, &a.principal, Some(id), input).await
}

#[derive(Template)]
#[template(path = "liaison/import.html")]
struct ImportPage {
    shell: Shell,
    messages: Vec<String>,
    summary: Option<String>,
    flash: Option<Flash>,
}

pub(super) async fn import_form(shell: Shell) -> WebResult<Response> {
    Ok(render(&ImportPage {
        shell,
        messages: Vec::new(),
        summary: None,
        flash: None,
    })?
    .into_response())
}

pub(super) async fn import(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    mp: Multipart,
) -> WebResult<Response> {
    let bytes = uploaded_file(mp).await?;
    let t = shell.t;
    match state.app.import_cadres(Some(&a.principal), &bytes).await {
        Ok(r) => {
            let messages = r
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
            let summary = Some(t.fmt(
                "liaison.import_summary",
                &[
                    ("inserted", &r.inserted),
                    ("rejected", &r.rejected_rows.len()),
                ],
            ));
            Ok(render(&ImportPage {
                shell,
                messages,
                summary,
                flash: None,
            })?
            .into_response())
        }
        Err(e) => {
            let flash = form_problem(t, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&ImportPage {
                    shell,
                    messages: Vec::new(),
                    summary: None,
                    flash,
                })?,
            )
                .into_response())
        }
    }
}
