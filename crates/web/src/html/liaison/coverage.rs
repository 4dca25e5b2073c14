//! The coverage page at the four levels and campaign creation.

use super::{band, day, level_key, pct};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::{Flash, Shell, form_problem, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{Action, Principal};
use serde::Deserialize;
use store::liaison::{CampaignData, CampaignRow, CoverageBy, CoverageRow};

#[derive(Deserialize, Default)]
pub(super) struct CoverageQuery {
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

pub(super) async fn coverage_page(
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
pub(super) struct CampaignForm {
    name: String,
    organiser: String,
    region_code: String,
    starts_on: String,
    ends_on: String,
    target_kind: String,
    target_count: String,
    allow_multiple: Option<String>,
}

pub(super) async fn create_campaign(
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
