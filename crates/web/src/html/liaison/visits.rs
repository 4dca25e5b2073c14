//! A liaison's own enterprises, the phone page for logging a visit, and the liaisons
//! and visits block of an enterprise page.

use super::{LEVELS, day};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::ListQuery;
use crate::html::{Flash, Shell, form_problem, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Action, LiaisonLevel, Principal};
use serde::Deserialize;
use store::enterprises::EnterpriseRow;
use store::liaison::{AssignmentRow, CadreFilter, CadreRow, CampaignRow};

// --- a liaison's own enterprises and visits -----------------------------------------------

#[derive(Template)]
#[template(path = "liaison/mine.html")]
struct MinePage {
    shell: Shell,
    rows: Vec<EnterpriseRow>,
}

pub(super) async fn mine(
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
pub(super) struct VisitQuery {
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

pub(super) async fn visit_form(
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
pub(super) struct VisitForm {
    enterprise_id: i64,
    visited_on: String,
    findings: String,
    follow_up: String,
}

pub(super) async fn log_visit(
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
