//! The home page: what fugong is and the city at a glance.

use super::{Shell, render};
use crate::AppState;
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

async fn home(shell: Shell, State(state): State<AppState>) -> WebResult<Html<String>> {
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
    })
}
