//! Assignments and handover, from the enterprise page, and suggested assignments.

use super::level_key;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises;
use crate::html::{Flash, Shell, form_problem, render};
use app::liaison::SuggestionRun;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Principal;
use serde::Deserialize;

// --- assignments --------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct AssignForm {
    cadre_id: i64,
    enterprise_id: i64,
    campaign_id: Option<String>,
}

pub(super) async fn assign(
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
            let page =
                enterprises::detail_page(shell, &state, &a.principal, f.enterprise_id, flash)
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub(super) struct HandoverForm {
    enterprise_id: i64,
    /// The cadre taking over; empty ends the assignment.
    to: Option<String>,
}

pub(super) async fn handover(
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
            let page =
                enterprises::detail_page(shell, &state, &a.principal, f.enterprise_id, flash)
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// --- suggestions ----------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub(super) struct SuggestQuery {
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

pub(super) async fn suggest(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<SuggestQuery>,
) -> WebResult<Response> {
    Ok(render(&suggest_page(shell, &state, &a.principal, &q, None).await?)?.into_response())
}

pub(super) async fn accept(
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
