//! Liaison pages: coverage at the four levels (the page an official reads in five
//! seconds), cadres, campaigns, assignments and handover, suggested assignments, and
//! the phone page for logging a visit.

mod assignments;
mod cadres;
mod coverage;
mod visits;

pub use cadres::CadreQuery;
pub use visits::{EnterpriseLiaison, enterprise_liaison};

use crate::html::enterprises::UPLOAD_LIMIT;
use crate::routes::{Access, Data, Routes};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::Action;

pub fn routes() -> Routes {
    let manage = Access::Permitted(Action::ManageLiaison);
    let visit = Access::Permitted(Action::LogVisit);
    Routes::new()
        .add(
            "/liaison",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(coverage::coverage_page),
        )
        .add(
            "/liaison/cadres",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(cadres::cadres),
        )
        .add(
            "/liaison/cadres/new",
            "GET POST",
            manage,
            Data::Structure,
            get(cadres::new_cadre).post(cadres::create_cadre),
        )
        .add(
            "/liaison/cadres/export",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(cadres::export_cadres),
        )
        .add(
            "/liaison/cadres/import",
            "GET POST",
            manage,
            Data::Own,
            get(cadres::import_form)
                .post(cadres::import)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/liaison/cadres/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(cadres::cadre),
        )
        .add(
            "/liaison/cadres/{id}/edit",
            "GET POST",
            manage,
            Data::Scoped("cadre"),
            get(cadres::edit_cadre).post(cadres::update_cadre),
        )
        .add(
            "/liaison/campaigns",
            "POST",
            manage,
            Data::Structure,
            post(coverage::create_campaign),
        )
        .add(
            "/liaison/assignments",
            "POST",
            manage,
            Data::Scoped("enterprise"),
            post(assignments::assign),
        )
        .add(
            "/liaison/assignments/{id}/handover",
            "POST",
            manage,
            Data::Scoped("enterprise"),
            post(assignments::handover),
        )
        .add(
            "/liaison/suggest",
            "GET POST",
            manage,
            Data::Scoped("enterprise"),
            get(assignments::suggest).post(assignments::accept),
        )
        .add(
            "/liaison/mine",
            "GET",
            visit,
            Data::Scoped("enterprise"),
            get(visits::mine),
        )
        .add(
            "/liaison/visits",
            "GET POST",
            visit,
            Data::Scoped("enterprise"),
            get(visits::visit_form).post(visits::log_visit),
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

const LEVELS: [&str; 4] = ["city", "county", "town", "village"];

fn day(field: &'static str, s: &str) -> Result<Option<chrono::NaiveDate>, app::AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| domain::Invalid::new(field, "date_format").into())
}
