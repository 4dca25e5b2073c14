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
