//! Reference pages: the region tree and the industry classification.

use super::{Shell, render};
use crate::AppState;
use crate::error::WebResult;
use crate::routes::{Access, Data, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use domain::Lang;
use store::industries::IndustryRow;
use store::regions::RegionRow;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/regions",
            "GET",
            Access::SignedIn,
            Data::Structure,
            get(region_roots),
        )
        .add(
            "/regions/{code}",
            "GET",
            Access::SignedIn,
            Data::Structure,
            get(region),
        )
        .add(
            "/industries",
            "GET",
            Access::SignedIn,
            Data::Structure,
            get(industries),
        )
        .add(
            "/organisations",
            "GET",
            Access::SignedIn,
            Data::Structure,
            get(organisations),
        )
}

#[derive(Template)]
#[template(path = "regions/index.html")]
struct RegionPage {
    shell: Shell,
    /// Root to this region; empty on the overview.
    ancestry: Vec<RegionRow>,
    children: Vec<RegionRow>,
}

impl RegionPage {
    fn current(&self) -> Option<&RegionRow> {
        self.ancestry.last()
    }

    fn level_key(level: &str) -> String {
        format!("level.{level}")
    }
}

async fn region_roots(shell: Shell, State(state): State<AppState>) -> WebResult<Html<String>> {
    let children = state.app.store.regions().children(None).await?;
    render(&RegionPage {
        shell,
        ancestry: Vec::new(),
        children,
    })
}

async fn region(
    shell: Shell,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> WebResult<Html<String>> {
    let regions = state.app.store.regions();
    let ancestry = regions.ancestry(&code).await?;
    let children = regions.children(Some(&code)).await?;
    render(&RegionPage {
        shell,
        ancestry,
        children,
    })
}

#[derive(Template)]
#[template(path = "industries/index.html")]
struct IndustriesPage {
    shell: Shell,
    sections: Vec<(IndustryRow, Vec<IndustryRow>)>,
}

impl IndustriesPage {
    fn name<'a>(&self, row: &'a IndustryRow) -> &'a str {
        match (self.shell.lang, &row.name_en) {
            (Lang::En, Some(en)) => en,
            _ => &row.name,
        }
    }
}

async fn industries(shell: Shell, State(state): State<AppState>) -> WebResult<Html<String>> {
    let mut sections: Vec<(IndustryRow, Vec<IndustryRow>)> = Vec::new();
    for row in state.app.store.industries().all().await? {
        if row.kind == "section" {
            sections.push((row, Vec::new()));
        } else if let Some((_, divisions)) = sections.last_mut() {
            divisions.push(row);
        }
    }
    render(&IndustriesPage { shell, sections })
}

#[derive(serde::Deserialize, Default)]
struct OrgQuery {
    kind: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "regions/organisations.html")]
struct OrganisationsPage {
    shell: Shell,
    rows: Vec<store::organisations::OrganisationRow>,
    counts: Vec<(String, i64)>,
    kind: String,
    page: i64,
    pages: i64,
}

impl OrganisationsPage {
    fn kind_label(&self, k: &str) -> String {
        self.shell.t.msg(&format!("org_kind.{k}")).to_owned()
    }
}

const ORG_PAGE: i64 = 100;

async fn organisations(
    shell: Shell,
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<OrgQuery>,
) -> WebResult<Html<String>> {
    let kind = q.kind.filter(|k| !k.is_empty());
    let page = q.page.unwrap_or(1).max(1);
    let orgs = state.app.store.organisations();
    let (rows, total) = orgs
        .list(kind.as_deref(), ORG_PAGE, (page - 1) * ORG_PAGE)
        .await?;
    let counts = orgs.counts().await?;
    let pages = ((total + ORG_PAGE - 1) / ORG_PAGE).max(1);
    render(&OrganisationsPage {
        shell,
        rows,
        counts,
        kind: kind.unwrap_or_default(),
        page,
        pages,
    })
}
