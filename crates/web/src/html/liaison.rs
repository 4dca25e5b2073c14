//! Liaison pages: coverage at the four levels (the page an official reads in five
//! seconds), cadres, campaigns, assignments and handover, suggested assignments, and
//! the phone page for logging a visit.

use super::enterprises::{ListQuery, UPLOAD_LIMIT, uploaded_file, xlsx};
use super::{Flash, Shell, form_problem, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::routes::{Access, Data, Routes};
use app::liaison::{CadreInput, SuggestionRun};
use askama::Template;
use axum::Form;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{Action, LiaisonLevel, Principal};
use serde::Deserialize;
use store::enterprises::EnterpriseRow;
use store::liaison::{
    AssignmentRow, CadreFilter, CadreRow, CampaignData, CampaignRow, CoverageBy, CoverageRow,
};

pub fn routes() -> Routes {
    let manage = Access::Permitted(Action::ManageLiaison);
    let visit = Access::Permitted(Action::LogVisit);
    Routes::new()
        .add(
            "/liaison",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(coverage_page),
        )
        .add(
            "/liaison/cadres",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(cadres),
        )
        .add(
            "/liaison/cadres/new",
            "GET POST",
            manage,
            Data::Structure,
            get(new_cadre).post(create_cadre),
        )
        .add(
            "/liaison/cadres/export",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(export_cadres),
        )
        .add(
            "/liaison/cadres/import",
            "GET POST",
            manage,
            Data::Own,
            get(import_form)
                .post(import)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/liaison/cadres/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(cadre),
        )
        .add(
            "/liaison/cadres/{id}/edit",
            "GET POST",
            manage,
            Data::Scoped("cadre"),
            get(edit_cadre).post(update_cadre),
        )
        .add(
            "/liaison/campaigns",
            "POST",
            manage,
            Data::Structure,
            post(create_campaign),
        )
        .add(
            "/liaison/assignments",
            "POST",
            manage,
            Data::Scoped("enterprise"),
            post(assign),
        )
        .add(
            "/liaison/assignments/{id}/handover",
            "POST",
            manage,
            Data::Scoped("enterprise"),
            post(handover),
        )
        .add(
            "/liaison/suggest",
            "GET POST",
            manage,
            Data::Scoped("enterprise"),
            get(suggest).post(accept),
        )
        .add(
            "/liaison/mine",
            "GET",
            visit,
            Data::Scoped("enterprise"),
            get(mine),
        )
        .add(
            "/liaison/visits",
            "GET POST",
            visit,
            Data::Scoped("enterprise"),
            get(visit_form).post(log_visit),
        )
}

fn level_key(l: &str) -> String {
    format!("liaison_level.{l}")
}

/// Background colour class of a coverage percentage: full, nearly, half, poor.
fn band(covered: i64, total: i64) -> &'static str {
    if total == 0 {
        return "cov-none";
    }
    match covered * 100 / total {
        100 => "cov-full",
        90..=99 => "cov-high",
        60..=89 => "cov-mid",
        _ => "cov-low",
    }
}

pub fn pct(covered: i64, total: i64) -> String {
    if total == 0 {
        "—".to_owned()
    } else {
        format!("{:.1}%", covered as f64 * 100.0 / total as f64)
    }
}

#[derive(Deserialize, Default)]
struct CoverageQuery {
    region: Option<String>,
    by: Option<String>,
}

/// A coverage row with its label and link.
struct CovLine {
    label: String,
    /// The filter that drills down or lists the uncovered: `region=…`, `park=…`.
    filter: String,
    drill: Option<String>,
    row: CoverageRow,
}

#[derive(Template)]
#[template(path = "liaison/coverage.html")]
struct CoveragePage {
    shell: Shell,
    title: String,
    by: String,
    region: String,
    lines: Vec<CovLine>,
    total: CoverageRow,
    campaigns: Vec<CampaignRow>,
    can_manage: bool,
    flash: Option<Flash>,
}

impl CoveragePage {
    fn cell(&self, row: &CoverageRow, level: &str) -> (String, &'static str, i64) {
        let covered = match level {
            "city" => row.city,
            "county" => row.county,
            "town" => row.town,
            _ => row.village,
        };
        (
            pct(covered, row.total),
            band(covered, row.total),
            row.total - covered,
        )
    }

    fn level_label(&self, l: &str) -> String {
        self.shell.t.msg(&level_key(l)).to_owned()
    }

    fn progress(&self, c: &CampaignRow) -> String {
        let done = if c.target_kind == "cadres" {
            c.cadres
        } else {
            c.enterprises
        };
        format!(
            "{done} / {}（{}）",
            c.target_count,
            pct(done.min(c.target_count), c.target_count)
        )
    }
}

const LEVELS: [&str; 4] = ["city", "county", "town", "village"];

async fn coverage_lines(
    state: &AppState,
    who: &Principal,
    q: &CoverageQuery,
) -> WebResult<(String, Vec<CovLine>, CoverageRow)> {
    let region = q
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "441200".to_owned());
    let code = domain::RegionCode::parse(&region).map_err(WebError::Invalid)?;
    let store = &state.app.store;
    let base = store::enterprises::EnterpriseFilter {
        region: Some(region.clone()),
        ..Default::default()
    };
    let by = q.by.as_deref().unwrap_or("region");
    let (group, title) = match by {
        "park" => (CoverageBy::Park, String::new()),
        "industry" => (CoverageBy::Industry, String::new()),
        _ => {
            let child = match code.level() {
                domain::RegionLevel::Province | domain::RegionLevel::City => 6,
                domain::RegionLevel::County => 9,
                _ => 12,
            };
            (CoverageBy::Region(child), String::new())
        }
    };
    let rows = state.app.coverage(who, &base, group).await?;
    let total = state
        .app
        .coverage(who, &base, CoverageBy::All)
        .await?
        .into_iter()
        .next()
        .unwrap_or(CoverageRow {
            key: String::new(),
            total: 0,
            city: 0,
            county: 0,
            town: 0,
            village: 0,
        });
    let parks = store.parks().all().await?;
    let industries = store.industries().all().await?;
    let mut lines = Vec::new();
    for row in rows {
        let (label, filter, drill) = match group {
            CoverageBy::Park => {
                let name = parks
                    .iter()
                    .find(|p| p.code == row.key)
                    .map(|p| p.name.clone());
                (
                    name.unwrap_or_else(|| "—".to_owned()),
                    format!("region={region}&park={}", row.key),
                    None,
                )
            }
            CoverageBy::Industry => {
                let name = industries
                    .iter()
                    .find(|i| i.code == row.key)
                    .map(|i| format!("{} {}", i.code, i.name));
                (
                    name.unwrap_or_else(|| "—".to_owned()),
                    format!("region={region}&industry={}", row.key),
                    None,
                )
            }
            _ => {
                let name = store
                    .regions()
                    .get(&row.key)
                    .await
                    .map(|r| r.name)
                    .unwrap_or_else(|_| row.key.clone());
                let drill = (row.key.len() < 12).then(|| format!("/liaison?region={}", row.key));
                (name, format!("region={}", row.key), drill)
            }
        };
        lines.push(CovLine {
            label,
            filter,
            drill,
            row,
        });
    }
    let title = if title.is_empty() {
        store
            .regions()
            .get(&region)
            .await
            .map(|r| r.name)
            .unwrap_or(region.clone())
    } else {
        title
    };
    Ok((title, lines, total))
}

async fn coverage_page(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<CoverageQuery>,
) -> WebResult<Response> {
    let (title, lines, total) = coverage_lines(&state, &a.principal, &q).await?;
    let campaigns = state.app.store.scoped(&a.principal).campaigns().await?;
    let page = CoveragePage {
        shell,
        title,
        by: q.by.clone().unwrap_or_else(|| "region".to_owned()),
        region: q.region.clone().unwrap_or_else(|| "441200".to_owned()),
        lines,
        total,
        campaigns,
        can_manage: a.principal.can(Action::ManageLiaison),
        flash: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct CampaignForm {
    name: String,
    organiser: String,
    region_code: String,
    starts_on: String,
    ends_on: String,
    target_kind: String,
    target_count: String,
    allow_multiple: Option<String>,
}

fn day(field: &'static str, s: &str) -> Result<Option<chrono::NaiveDate>, app::AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| domain::Invalid::new(field, "date_format").into())
}

async fn create_campaign(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(f): Form<CampaignForm>,
) -> WebResult<Response> {
    let result = async {
        let starts_on =
            day("starts_on", &f.starts_on)?.ok_or(domain::Invalid::new("starts_on", "required"))?;
        let data = CampaignData {
            name: f.name.trim().to_owned(),
            organiser: f.organiser.trim().to_owned(),
            region_code: f.region_code.trim().to_owned(),
            starts_on,
            ends_on: day("ends_on", &f.ends_on)?,
            target_kind: if f.target_kind == "cadres" {
                "cadres"
            } else {
                "enterprises"
            }
            .to_owned(),
            target_count: f
                .target_count
                .trim()
                .parse()
                .map_err(|_| domain::Invalid::new("target_count", "number_format"))?,
            allow_multiple: f.allow_multiple.is_some(),
        };
        state.app.create_campaign(&a.principal, &data).await
    }
    .await;
    let t = shell.t;
    let flash = match result {
        Ok(_) => Flash::ok(t.msg("liaison.campaign_created")),
        Err(e) => form_problem(t, e)?,
    };
    let q = CoverageQuery::default();
    let (title, lines, total) = coverage_lines(&state, &a.principal, &q).await?;
    let campaigns = state.app.store.scoped(&a.principal).campaigns().await?;
    let ok = flash.as_ref().is_some_and(|f| f.ok);
    let page = CoveragePage {
        shell,
        title,
        by: "region".into(),
        region: "441200".into(),
        lines,
        total,
        campaigns,
        can_manage: true,
        flash,
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

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

async fn cadres(
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

async fn export_cadres(
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

async fn cadre(
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

async fn new_cadre(shell: Shell) -> WebResult<Response> {
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

async fn edit_cadre(
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

async fn create_cadre(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(input): Form<CadreInput>,
) -> WebResult<Response> {
    save_cadre(shell, &state, &a.principal, None, input).await
}

async fn update_cadre(
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

async fn import_form(shell: Shell) -> WebResult<Response> {
    Ok(render(&ImportPage {
        shell,
        messages: Vec::new(),
        summary: None,
        flash: None,
    })?
    .into_response())
}

async fn import(
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

// --- assignments --------------------------------------------------------------------

#[derive(Deserialize)]
struct AssignForm {
    cadre_id: i64,
    enterprise_id: i64,
    campaign_id: Option<String>,
}

async fn assign(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(f): Form<AssignForm>,
) -> WebResult<Response> {
    let campaign = f.campaign_id.as_deref().and_then(|c| c.parse().ok());
    match state
        .app
        .assign(&a.principal, f.cadre_id, f.enterprise_id, campaign)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{}", f.enterprise_id)).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let page = super::enterprises::detail_page(
                shell,
                &state,
                &a.principal,
                f.enterprise_id,
                flash,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
struct HandoverForm {
    enterprise_id: i64,
    /// The cadre taking over; empty ends the assignment.
    to: Option<String>,
}

async fn handover(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<HandoverForm>,
) -> WebResult<Response> {
    let result = match f.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => state.app.end_assignment(&a.principal, id, None).await,
        Some(to) => match to.parse::<i64>() {
            Ok(to) => state.app.end_assignment(&a.principal, id, Some(to)).await,
            Err(_) => Err(domain::Invalid::new("handover_to", "number_format").into()),
        },
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{}", f.enterprise_id)).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let page = super::enterprises::detail_page(
                shell,
                &state,
                &a.principal,
                f.enterprise_id,
                flash,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// --- suggestions ----------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct SuggestQuery {
    level: Option<String>,
    region: Option<String>,
}

#[derive(Template)]
#[template(path = "liaison/suggest.html")]
struct SuggestPage {
    shell: Shell,
    level: String,
    region: String,
    run: SuggestionRun,
    flash: Option<Flash>,
}

impl SuggestPage {
    fn level_label(&self, l: &str) -> String {
        self.shell.t.msg(&level_key(l)).to_owned()
    }
    fn summary(&self) -> String {
        self.shell.t.fmt(
            "liaison.suggest_summary",
            &[
                ("uncovered", &self.run.uncovered),
                ("proposed", &self.run.suggestions.len()),
                ("unplaced", &self.run.unplaced),
            ],
        )
    }
}

async fn suggest_page(
    shell: Shell,
    state: &AppState,
    who: &Principal,
    q: &SuggestQuery,
    flash: Option<Flash>,
) -> WebResult<SuggestPage> {
    let level = app::liaison::parse_level(q.level.as_deref().unwrap_or("town"))
        .map_err(WebError::Invalid)?;
    let region = q
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "441200".to_owned());
    let f = store::enterprises::EnterpriseFilter {
        region: Some(region.clone()),
        ..Default::default()
    };
    let run = state.app.suggest(who, level, &f).await?;
    Ok(SuggestPage {
        shell,
        level: level.as_str().to_owned(),
        region,
        run,
        flash,
    })
}

async fn suggest(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<SuggestQuery>,
) -> WebResult<Response> {
    Ok(render(&suggest_page(shell, &state, &a.principal, &q, None).await?)?.into_response())
}

async fn accept(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<SuggestQuery>,
    body: String,
) -> WebResult<Response> {
    // Checkboxes named `pick` with values "enterprise:cadre".
    let pairs: Vec<(i64, i64)> = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == "pick")
        .filter_map(|(_, v)| {
            let v = v.replace("%3A", ":").replace("%3a", ":");
            let (e, c) = v.split_once(':')?;
            Some((e.parse().ok()?, c.parse().ok()?))
        })
        .collect();
    let (ok, refused) = state.app.accept_suggestions(&a.principal, &pairs).await?;
    let t = shell.t;
    let flash = Some(Flash {
        ok: refused.is_empty(),
        text: t.fmt(
            "liaison.accepted",
            &[("ok", &ok), ("refused", &refused.len())],
        ),
    });
    Ok(render(&suggest_page(shell, &state, &a.principal, &q, flash).await?)?.into_response())
}

// --- a liaison's own enterprises and visits -----------------------------------------------

#[derive(Template)]
#[template(path = "liaison/mine.html")]
struct MinePage {
    shell: Shell,
    rows: Vec<EnterpriseRow>,
}

async fn mine(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
) -> WebResult<Response> {
    if a.principal.scope().cadres.is_empty() {
        return Err(WebError::Refused(
            StatusCode::FORBIDDEN,
            "visit_needs_cadre",
        ));
    }
    // A liaison's scope is exactly their assigned enterprises.
    let q = ListQuery::default();
    let (rows, _) = state.app.enterprises(&a.principal, &q.filter(500)).await?;
    Ok(render(&MinePage { shell, rows })?.into_response())
}

#[derive(Deserialize)]
struct VisitQuery {
    enterprise: i64,
}

#[derive(Template)]
#[template(path = "liaison/visit.html")]
struct VisitPage {
    shell: Shell,
    e: EnterpriseRow,
    today: String,
    findings: String,
    follow_up: String,
    flash: Option<Flash>,
}

async fn visit_form(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<VisitQuery>,
) -> WebResult<Response> {
    let e = state.app.enterprise(&a.principal, q.enterprise).await?;
    let today = state.app.today().to_string();
    Ok(render(&VisitPage {
        shell,
        e,
        today,
        findings: String::new(),
        follow_up: String::new(),
        flash: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct VisitForm {
    enterprise_id: i64,
    visited_on: String,
    findings: String,
    follow_up: String,
}

async fn log_visit(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Form(f): Form<VisitForm>,
) -> WebResult<Response> {
    let result = match day("visited_on", &f.visited_on) {
        Ok(Some(d)) => {
            state
                .app
                .log_visit(&a.principal, f.enterprise_id, d, &f.findings, &f.follow_up)
                .await
        }
        Ok(None) => Err(domain::Invalid::new("visited_on", "required").into()),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{}", f.enterprise_id)).into_response()),
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let ent = state.app.enterprise(&a.principal, f.enterprise_id).await?;
            let page = VisitPage {
                shell,
                e: ent,
                today: f.visited_on,
                findings: f.findings,
                follow_up: f.follow_up,
                flash,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// The liaisons and visits block of an enterprise page.
pub struct EnterpriseLiaison {
    /// Per level: (level, current assignments at that level).
    pub levels: Vec<(&'static str, Vec<AssignmentRow>)>,
    pub history: Vec<AssignmentRow>,
    pub visits: Vec<store::liaison::VisitRow>,
    /// Cadres who could take the enterprise, per level (for the assign form).
    pub candidates: Vec<(&'static str, Vec<CadreRow>)>,
    pub campaigns: Vec<CampaignRow>,
}

pub async fn enterprise_liaison(
    state: &AppState,
    who: &Principal,
    e: &EnterpriseRow,
) -> WebResult<EnterpriseLiaison> {
    let scoped = state.app.store.scoped(who);
    let all = scoped.enterprise_assignments(e.id).await?;
    let visits = scoped.enterprise_visits(e.id).await?;
    let levels = LEVELS
        .iter()
        .map(|l| {
            (
                *l,
                all.iter()
                    .filter(|a| a.active && a.level == *l)
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let history = all.iter().filter(|a| !a.active).cloned().collect();
    let mut candidates = Vec::new();
    let mut campaigns = Vec::new();
    if who.can(Action::ManageLiaison) {
        let city = domain::RegionCode::parse("441200").map_err(WebError::Invalid)?;
        let region = domain::RegionCode::parse(&e.region_code).map_err(WebError::Invalid)?;
        for l in LiaisonLevel::ALL {
            let Some(covering) = l.covering(&region, &city) else {
                continue;
            };
            let f = CadreFilter {
                region: Some(covering.clone()),
                level: Some(l.as_str().to_owned()),
                limit: 200,
                ..Default::default()
            };
            let (cs, _) = scoped.cadres(&f).await?;
            let cs: Vec<CadreRow> = cs
                .into_iter()
                .filter(|c| c.region_code == covering && c.load < c.max_enterprises)
                .collect();
            candidates.push((l.as_str(), cs));
        }
        campaigns = scoped.campaigns().await?;
    }
    Ok(EnterpriseLiaison {
        levels,
        history,
        visits,
        candidates,
        campaigns,
    })
}
