//! The home page: what fugong is and the city at a glance.

use super::{Shell, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::routes::{Access, Data, Routes};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use store::regions::RegionRow;

pub fn routes() -> Routes {
    Routes::new().add("/", "GET", Access::SignedIn, Data::Structure, get(home))
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    shell: Shell,
    /// The top of the region tree (the city) and its counties.
    cities: Vec<RegionRow>,
    counties: Vec<RegionRow>,
    regions_total: i64,
    /// At a glance, in the viewer's scope: (label key, value, link).
    glance: Vec<(&'static str, String, &'static str)>,
}

impl HomePage {
    fn city_summary(&self, city: &RegionRow) -> String {
        self.shell.t.fmt(
            "home.city_summary",
            &[
                ("city", &city.name),
                ("counties", &self.counties.len()),
                ("regions", &self.regions_total),
            ],
        )
    }

    fn county_towns(&self, county: &RegionRow) -> String {
        self.shell
            .t
            .fmt("home.county_towns", &[("n", &county.children)])
    }
}

/// Figures for the viewer's scope: enterprises and how many resumed, liaison coverage
/// at the four levels, requests open and overdue, today's declarations and the health
/// alerts still open. (The command dashboard of SPEC §3 will grow from here.)
async fn glance(
    state: &AppState,
    who: &domain::Principal,
) -> WebResult<Vec<(&'static str, String, &'static str)>> {
    let scoped = state.app.store.scoped(who);
    let all = store::enterprises::EnterpriseFilter::default();
    let counts = scoped.enterprise_status_counts(&all).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let resumed: i64 = counts
        .iter()
        .filter(|(s, _)| s == "partial" || s == "full")
        .map(|(_, n)| n)
        .sum();
    let cov = scoped
        .coverage(&all, store::liaison::CoverageBy::All)
        .await?;
    let pct = |n: i64| super::liaison::pct(n, total);
    let (_, open) = scoped
        .requests(&store::requests::RequestFilter {
            open: true,
            limit: 0,
            ..Default::default()
        })
        .await?;
    let (_, overdue) = scoped
        .requests(&store::requests::RequestFilter {
            open: true,
            overdue: Some(true),
            limit: 0,
            ..Default::default()
        })
        .await?;
    let mut out = vec![
        ("home.glance_enterprises", total.to_string(), "/enterprises"),
        (
            "home.glance_resumed",
            format!("{resumed}（{}）", pct(resumed)),
            "/enterprises?status=full",
        ),
    ];
    if let Some(c) = cov.first() {
        out.push((
            "home.glance_coverage",
            format!(
                "{} · {} · {} · {}",
                pct(c.city),
                pct(c.county),
                pct(c.town),
                pct(c.village)
            ),
            "/liaison",
        ));
    }
    out.push(("home.glance_requests_open", open.to_string(), "/requests"));
    out.push((
        "home.glance_requests_overdue",
        overdue.to_string(),
        "/requests?overdue=true",
    ));
    // From the daily counters, not the declarations themselves.
    let (declared, _, open_alerts) = scoped.declaration_totals(state.app.today()).await?;
    out.push((
        "home.glance_declared_today",
        declared.to_string(),
        "/declarations",
    ));
    out.push((
        "home.glance_open_alerts",
        open_alerts.to_string(),
        "/alerts",
    ));
    Ok(out)
}

async fn home(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
) -> WebResult<Html<String>> {
    let glance = glance(&state, &a.principal).await?;
    let regions = state.app.store.regions();
    let cities = regions.children(None).await?;
    let mut counties = Vec::new();
    for city in &cities {
        counties.extend(regions.children(Some(&city.code)).await?);
    }
    let regions_total = regions.count().await?;
    render(&HomePage {
        shell,
        cities,
        counties,
        regions_total,
        glance,
    })
}
