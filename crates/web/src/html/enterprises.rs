//! The enterprise registry pages: the filtered list, the record with its resumption
//! history, create and edit forms, and Excel template, import and export.

use super::{Flash, Shell, form_problem, format_ms, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::routes::{Access, Data, Routes};
use app::enterprises::{EnterpriseInput, ImportReport};
use askama::Template;
use axum::Form;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{Action, Principal};
use serde::Deserialize;
use store::enterprises::{EnterpriseFilter, EnterpriseRow, HistoryRow, Sort};
use store::industries::IndustryRow;
use store::parks::ParkRow;

/// Uploads up to 50 MB (a 100,000-row workbook is about 8 MB).
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

pub fn routes() -> Routes {
    let edit = Access::Permitted(Action::EditEnterprises);
    let report = Access::Permitted(Action::ReportResumption);
    Routes::new()
        .add(
            "/enterprises",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(list),
        )
        .add(
            "/enterprises/new",
            "GET POST",
            edit,
            Data::Structure,
            get(new_form).post(create),
        )
        .add(
            "/enterprises/template",
            "GET",
            Access::SignedIn,
            Data::None,
            get(template),
        )
        .add(
            "/enterprises/export",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(export),
        )
        .add(
            "/enterprises/import",
            "GET POST",
            edit,
            Data::Own,
            get(import_form)
                .post(import)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/enterprises/imports/{id}/rejected",
            "GET",
            Access::SignedIn,
            Data::Own,
            get(rejected),
        )
        .add(
            "/enterprises/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(detail),
        )
        .add(
            "/enterprises/{id}/edit",
            "GET POST",
            edit,
            Data::Scoped("enterprise"),
            get(edit_form).post(update),
        )
        .add(
            "/enterprises/{id}/status",
            "POST",
            report,
            Data::Scoped("enterprise"),
            post(report_status),
        )
}

pub fn xlsx(bytes: Vec<u8>, filename: &'static str) -> Response {
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
        HeaderValue::from_static(filename),
    );
    res
}

/// The list's query string, shared by the page, the export and the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub region: Option<String>,
    pub park: Option<String>,
    pub industry: Option<String>,
    pub scale: Option<String>,
    pub key: Option<String>,
    pub status: Option<String>,
    pub party: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    /// Only enterprises without a liaison at this level.
    pub uncovered: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn flag(s: &Option<String>) -> Option<bool> {
    match s.as_deref().map(str::trim) {
        Some("1" | "true" | "是") => Some(true),
        Some("0" | "false" | "否") => Some(false),
        _ => None,
    }
}

impl ListQuery {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn per_page(&self, default: i64) -> i64 {
        self.per_page.unwrap_or(default).clamp(1, 500)
    }

    pub fn filter(&self, per_page: i64) -> EnterpriseFilter {
        EnterpriseFilter {
            region: text(&self.region),
            park: text(&self.park),
            industry: text(&self.industry),
            above_scale: flag(&self.scale),
            key_enterprise: flag(&self.key),
            status: text(&self.status),
            party_org: text(&self.party),
            q: text(&self.q),
            uncovered_at: text(&self.uncovered),
            sort: Sort::parse(self.sort.as_deref().unwrap_or("")),
            limit: per_page,
            offset: (self.page() - 1) * per_page,
        }
    }

    /// The filters as a query string (without page), for links and the export.
    pub fn query_string(&self) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        [
            ("region", &self.region),
            ("park", &self.park),
            ("industry", &self.industry),
            ("scale", &self.scale),
            ("key", &self.key),
            ("status", &self.status),
            ("party", &self.party),
            ("q", &self.q),
            ("sort", &self.sort),
            ("uncovered", &self.uncovered),
        ]
        .iter()
        .filter_map(|(k, v)| text(v).map(|v| format!("{k}={}", enc(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn value<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().unwrap_or("")
    }
}

/// Choices for the filter and edit forms.
struct Choices {
    parks: Vec<ParkRow>,
    industries: Vec<IndustryRow>,
    /// (code, indented name) of every region, for selects.
    regions: Vec<(String, String)>,
}

async fn choices(state: &AppState) -> WebResult<Choices> {
    let store = &state.app.store;
    let parks = store.parks().all().await?;
    let industries = store.industries().all().await?;
    let mut regions = Vec::new();
    // The tree, depth first, indented by level.
    let mut stack: Vec<(String, usize)> = store
        .regions()
        .children(None)
        .await?
        .into_iter()
        .rev()
        .map(|r| (r.code, 0))
        .collect();
    while let Some((code, depth)) = stack.pop() {
        let row = store.regions().get(&code).await?;
        regions.push((
            row.code.clone(),
            format!("{}{}", "\u{3000}".repeat(depth), row.name),
        ));
        for c in store
            .regions()
            .children(Some(&code))
            .await?
            .into_iter()
            .rev()
        {
            stack.push((c.code, depth + 1));
        }
    }
    Ok(Choices {
        parks,
        industries,
        regions,
    })
}

#[derive(Template)]
#[template(path = "enterprises/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<EnterpriseRow>,
    total: i64,
    counts: Vec<(String, i64)>,
    q: ListQuery,
    query: String,
    page: i64,
    pages: i64,
    choices: Choices,
    can_edit: bool,
}

impl ListPage {
    fn status_label(&self, s: &str) -> String {
        self.shell.t.msg(&format!("status.{s}")).to_owned()
    }

    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }

    fn selected(&self, current: &Option<String>, v: &str) -> bool {
        current.as_deref() == Some(v)
    }
}

const PER_PAGE: i64 = 50;

async fn list(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let per_page = q.per_page(PER_PAGE);
    let filter = q.filter(per_page);
    let (rows, total) = state.app.enterprises(&a.principal, &filter).await?;
    let counts = state
        .app
        .store
        .scoped(&a.principal)
        .enterprise_status_counts(&filter)
        .await?;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let page = ListPage {
        shell,
        rows,
        total,
        counts,
        query: q.query_string(),
        page: q.page(),
        pages,
        q,
        choices: choices(&state).await?,
        can_edit: a.principal.can(Action::EditEnterprises),
    };
    Ok(render(&page)?.into_response())
}

async fn export(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let bytes = state
        .app
        .export_enterprises(&a.principal, &q.filter(PER_PAGE))
        .await?;
    Ok(xlsx(bytes, "attachment; filename=\"enterprises.xlsx\""))
}

async fn template() -> WebResult<Response> {
    Ok(xlsx(
        app::enterprises::template()?,
        "attachment; filename=\"enterprises-template.xlsx\"",
    ))
}

#[derive(Template)]
#[template(path = "enterprises/detail.html")]
pub struct DetailPage {
    shell: Shell,
    e: EnterpriseRow,
    liaison: super::liaison::EnterpriseLiaison,
    history: Vec<HistoryRow>,
    can_edit: bool,
    can_report: bool,
    can_visit: bool,
    can_assign: bool,
    today: String,
    flash: Option<Flash>,
}

impl DetailPage {
    fn level_label(&self, l: &str) -> String {
        self.shell.t.msg(&format!("liaison_level.{l}")).to_owned()
    }

    fn status_label(&self, s: &str) -> String {
        self.shell.t.msg(&format!("status.{s}")).to_owned()
    }

    fn party_label(&self, s: &str) -> String {
        self.shell.t.msg(&format!("party_org.{s}")).to_owned()
    }

    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }

    fn pct(&self, v: &Option<i64>) -> String {
        v.map(|v| format!("{v}%")).unwrap_or_else(|| "—".to_owned())
    }

    fn yes(&self, b: &bool) -> &str {
        self.shell
            .t
            .msg(if *b { "common.yes" } else { "common.no" })
    }
}

pub async fn detail_page(
    shell: Shell,
    state: &AppState,
    who: &Principal,
    id: i64,
    flash: Option<Flash>,
) -> WebResult<DetailPage> {
    let scoped = state.app.store.scoped(who);
    let e = scoped.enterprise(id).await?;
    let history = scoped.enterprise_history(id).await?;
    let liaison = super::liaison::enterprise_liaison(state, who, &e).await?;
    Ok(DetailPage {
        shell,
        liaison,
        can_visit: who.can(Action::LogVisit) && !who.scope().cadres.is_empty(),
        can_assign: who.can(Action::ManageLiaison),
        e,
        history,
        can_edit: who.can(Action::EditEnterprises),
        can_report: who.can(Action::ReportResumption),
        today: state.app.today().to_string(),
        flash,
    })
}

async fn detail(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    Ok(render(&detail_page(shell, &state, &a.principal, id, None).await?)?.into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
    capacity_pct: String,
    workforce_pct: String,
}

async fn report_status(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> WebResult<Response> {
    let t = shell.t;
    let today = state.app.today();
    let (status, flash) = match state
        .app
        .report_resumption(
            Some(&a.principal),
            id,
            &f.status,
            &f.capacity_pct,
            &f.workforce_pct,
            today,
        )
        .await
    {
        Ok(()) => (StatusCode::OK, Flash::ok(t.msg("enterprises.status_saved"))),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, form_problem(t, e)?),
    };
    Ok((
        status,
        render(&detail_page(shell, &state, &a.principal, id, flash).await?)?,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "enterprises/form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    input: EnterpriseInput,
    choices: Choices,
    flash: Option<Flash>,
}

impl FormPage {
    fn yes(&self, v: &str) -> bool {
        v == "是"
    }
}

async fn new_form(shell: Shell, State(state): State<AppState>) -> WebResult<Response> {
    let input = EnterpriseInput {
        party_org: "无".into(),
        ..Default::default()
    };
    Ok(render(&FormPage {
        shell,
        id: None,
        input,
        choices: choices(&state).await?,
        flash: None,
    })?
    .into_response())
}

async fn edit_form(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let e = state.app.enterprise(&a.principal, id).await?;
    let input = EnterpriseInput::from_row(&e);
    Ok(render(&FormPage {
        shell,
        id: Some(id),
        input,
        choices: choices(&state).await?,
        flash: None,
    })?
    .into_response())
}

async fn save(
    shell: Shell,
    state: AppState,
    who: &Principal,
    id: Option<i64>,
    input: EnterpriseInput,
) -> WebResult<Response> {
    match state.app.save_enterprise(who, id, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/enterprises/{id}")).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let page = FormPage {
                shell,
                id,
                input,
                choices: choices(&state).await?,
                flash,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

async fn create(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(input): Form<EnterpriseInput>,
) -> WebResult<Response> {
    save(shell, state, &a.principal, None, input).await
}

async fn update(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(input): Form<EnterpriseInput>,
) -> WebResult<Response> {
    save(shell, state, &a.principal, Some(id), input).await
}

#[derive(Template)]
#[template(path = "enterprises/import.html")]
struct ImportPage {
    shell: Shell,
    report: Option<ImportReport>,
    report_id: Option<i64>,
    messages: Vec<String>,
    flash: Option<Flash>,
}

impl ImportPage {
    fn summary(&self, r: &ImportReport) -> String {
        self.shell.t.fmt(
            "import.summary",
            &[
                ("inserted", &r.inserted),
                ("updated", &r.updated),
                ("unchanged", &r.unchanged),
                ("rejected", &r.rejected_rows.len()),
            ],
        )
    }
}

async fn import_form(shell: Shell) -> WebResult<Response> {
    Ok(render(&ImportPage {
        shell,
        report: None,
        report_id: None,
        messages: Vec::new(),
        flash: None,
    })?
    .into_response())
}

/// The uploaded file of a multipart form (field `file`).
pub async fn uploaded_file(mut mp: Multipart) -> Result<Vec<u8>, WebError> {
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            return field.bytes().await.map(|b| b.to_vec()).map_err(|_| {
                WebError::Refused(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            });
        }
    }
    Err(WebError::Invalid(domain::Invalid::new("file", "required")))
}

/// Runs an import for the web or the API and keeps the rejected rows for download.
pub async fn run_import(
    state: &AppState,
    who: &Principal,
    bytes: &[u8],
) -> Result<(ImportReport, Option<i64>), app::AppError> {
    let report = state
        .app
        .import_enterprises(Some(who), bytes, &|_, _| {})
        .await?;
    let report_id = if report.rejected_rows.is_empty() {
        None
    } else {
        let zh = crate::i18n::messages(domain::Lang::ZhCn);
        let xlsx = app::enterprises::rejected_workbook(&report, &|code| zh.error(code).to_owned())?;
        let id = state
            .app
            .store
            .imports()
            .save(
                store::imports::NewReport {
                    user_id: Some(who.user_id),
                    kind: "enterprises",
                    inserted: report.inserted as i64,
                    updated: report.updated as i64,
                    rejected: report.rejected_rows.len() as i64,
                    rejected_xlsx: Some(xlsx),
                },
                state.app.clock.now().timestamp_millis(),
            )
            .await?;
        Some(id)
    };
    Ok((report, report_id))
}

async fn import(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    mp: Multipart,
) -> WebResult<Response> {
    let bytes = uploaded_file(mp).await?;
    let t = shell.t;
    match run_import(&state, &a.principal, &bytes).await {
        Ok((report, report_id)) => {
            let messages = report
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
            let page = ImportPage {
                shell,
                report: Some(report),
                report_id,
                messages,
                flash: None,
            };
            Ok(render(&page)?.into_response())
        }
        Err(e) => {
            let flash = form_problem(t, e)?;
            let page = ImportPage {
                shell,
                report: None,
                report_id: None,
                messages: Vec::new(),
                flash,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

async fn rejected(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let bytes = state
        .app
        .store
        .imports()
        .rejected_xlsx_of(id, a.principal.user_id, "enterprises")
        .await?;
    Ok(xlsx(bytes, "attachment; filename=\"rejected-rows.xlsx\""))
}
