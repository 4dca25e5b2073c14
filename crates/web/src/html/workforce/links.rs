//! The printable sheet of personal-link QR codes for an enterprise's employees.

use super::{EnterprisePick, enterprise_pick, pages, qr_svg, writable};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::html::{Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::workforce::EmployeeFilter;

/// QR codes on one printed sheet (a 4 × 3 grid on four A4 pages).
const SHEET: i64 = 48;

/// One card of the QR sheet: name, department, QR, URL.
pub struct LinkCard {
    name: String,
    department: String,
    url: String,
    svg: String,
}

#[derive(Template)]
#[template(path = "workforce/links.html")]
struct LinksPage {
    shell: Shell,
    pick: EnterprisePick,
    enterprise: Option<(i64, String)>,
    cards: Vec<LinkCard>,
    total: i64,
    page: i64,
    pages: i64,
}

impl LinksPage {
    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }
}

#[derive(Deserialize, Default)]
pub struct LinksQuery {
    enterprise_id: Option<String>,
    page: Option<String>,
}

pub async fn links(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    headers: HeaderMap,
    Query(q): Query<LinksQuery>,
) -> WebResult<Response> {
    let who = &a.principal;
    let pick = enterprise_pick(&state, who, q.enterprise_id.as_deref()).await?;
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let mut out = LinksPage {
        shell,
        pick,
        enterprise: None,
        cards: Vec::new(),
        total: 0,
        page,
        pages: 1,
    };
    let Some(enterprise) = out.pick.chosen else {
        return Ok(render(&out)?.into_response());
    };
    writable(&state, who, enterprise).await?;
    let (rows, total) = state
        .app
        .employees(
            who,
            &EmployeeFilter {
                enterprise_id: Some(enterprise),
                limit: SHEET,
                offset: (page - 1) * SHEET,
                ..Default::default()
            },
        )
        .await?;
    let e = state.app.enterprise(who, enterprise).await?;
    let tokens = state.app.declaration_links(who, &rows).await?;
    let base = super::base_url(&state, &headers);
    for (r, token) in rows.into_iter().zip(tokens) {
        let url = format!("{base}/d/{token}");
        let svg = qr_svg(&url, &r.name)?;
        out.cards.push(LinkCard {
            name: r.name,
            department: [r.department, r.post]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            url,
            svg,
        });
    }
    out.enterprise = Some((e.id, e.name));
    out.total = total;
    out.pages = pages(total, SHEET);
    Ok(render(&out)?.into_response())
}
