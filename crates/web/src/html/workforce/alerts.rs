//! Fever and symptom alerts in scope — the enterprise's employees, and a community's
//! residents wherever they work — open ones first, each with what was done about it.

use super::{enterprise_id, pages, query_of, text};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::html::{Flash, Shell, form_problem, format_ms, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::workforce::{Symptoms, celsius};
use domain::{Action, Principal};
use serde::Deserialize;
use std::collections::HashMap;
use store::declarations::{AlertFilter, AlertRow};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct AlertQuery {
    /// open (default) | all
    state: Option<String>,
    date: Option<String>,
    enterprise_id: Option<String>,
    page: Option<String>,
    /// Set after a successful handling, for the message.
    handled: Option<String>,
}

impl AlertQuery {
    fn all(&self) -> bool {
        self.state.as_deref() == Some("all")
    }

    fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    /// The filters as a query string (without page), for links and the handle form.
    fn query(&self) -> String {
        query_of(&[
            ("state", self.all().then(|| "all".to_owned())),
            ("date", text(&self.date)),
            (
                "enterprise_id",
                enterprise_id(self.enterprise_id.as_deref()).map(|i| i.to_string()),
            ),
        ])
    }
}

#[derive(Template)]
#[template(path = "workforce/alerts.html")]
struct AlertsPage {
    shell: Shell,
    rows: Vec<AlertRow>,
    /// username → display name of those who handled the rows.
    handlers: HashMap<String, String>,
    total: i64,
    q: AlertQuery,
    query: String,
    page: i64,
    pages: i64,
    can_handle: bool,
    flash: Option<Flash>,
    /// The alert whose handling was refused, and what was typed.
    failed: Option<(i64, String)>,
}

impl AlertsPage {
    fn temperature(&self, a: &AlertRow) -> String {
        format!("{} ℃", celsius(a.temperature))
    }

    fn fever(&self, a: &AlertRow) -> bool {
        a.temperature >= domain::Temperature::FEVER
    }

    fn symptoms(&self, a: &AlertRow) -> String {
        Symptoms::from_bits(a.symptoms)
            .list()
            .into_iter()
            .map(|s| {
                self.shell
                    .t
                    .msg(&format!("symptom.{}", s.as_str()))
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("、")
    }

    fn handler<'a>(&'a self, username: &'a Option<String>) -> &'a str {
        let u = username.as_deref().unwrap_or("");
        self.handlers.get(u).map(String::as_str).unwrap_or(u)
    }

    /// When it was raised; the declaration's day too when that was another day.
    fn raised(&self, a: &AlertRow) -> String {
        let at = format_ms(a.raised_at);
        if at.starts_with(&a.day.to_string()) {
            at
        } else {
            self.shell
                .t
                .fmt("alerts.raised_for", &[("at", &at), ("day", &a.day)])
        }
    }

    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }

    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }

    fn typed(&self, id: &i64) -> &str {
        match &self.failed {
            Some((f, text)) if f == id => text,
            _ => "",
        }
    }

    /// The open or all tab, keeping the date.
    fn tab(&self, all: bool) -> String {
        let q = query_of(&[
            ("state", all.then(|| "all".to_owned())),
            ("date", text(&self.q.date)),
        ]);
        if q.is_empty() {
            "/alerts".to_owned()
        } else {
            format!("/alerts?{q}")
        }
    }

    fn date_value(&self) -> &str {
        self.q.date.as_deref().unwrap_or("")
    }
}

async fn page(
    shell: Shell,
    state: &AppState,
    who: &Principal,
    q: AlertQuery,
    flash: Option<Flash>,
    failed: Option<(i64, String)>,
) -> WebResult<AlertsPage> {
    let day = match text(&q.date) {
        Some(_) => Some(super::day_of(&q.date, state.app.today())?),
        None => None,
    };
    let (rows, total) = state
        .app
        .store
        .scoped(who)
        .alerts(&AlertFilter {
            open_only: !q.all(),
            day,
            enterprise_id: enterprise_id(q.enterprise_id.as_deref()),
            limit: PER_PAGE,
            offset: (q.page() - 1) * PER_PAGE,
        })
        .await?;
    // Handled by an account: shown by its display name (the store keeps the username).
    let mut handlers = HashMap::new();
    for u in rows.iter().filter_map(|r| r.handled_by.clone()) {
        if let std::collections::hash_map::Entry::Vacant(slot) = handlers.entry(u) {
            let name = match state.app.store.accounts().by_username(slot.key()).await? {
                Some(user) => user.display_name,
                None => slot.key().clone(),
            };
            slot.insert(name);
        }
    }
    Ok(AlertsPage {
        shell,
        handlers,
        rows,
        total,
        query: q.query(),
        page: q.page(),
        pages: pages(total, PER_PAGE),
        q,
        can_handle: who.can(Action::HandleAlerts),
        flash,
        failed,
    })
}

pub async fn list(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<AlertQuery>,
) -> WebResult<Response> {
    let flash = match q.handled.as_deref() {
        Some(_) => Flash::ok(shell.t.msg("alerts.handled_saved")),
        None => None,
    };
    Ok(render(&page(shell, &state, &a.principal, q, flash, None).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct HandleForm {
    handling: String,
    /// The list's filters, to come back to the same view.
    #[serde(default)]
    back: String,
}

pub async fn handle(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<HandleForm>,
) -> WebResult<Response> {
    // The filters come back as a query string of our own making; anything else is
    // dropped rather than echoed into a redirect.
    let back = filters_of(&f.back);
    match state.app.handle_alert(&a.principal, id, &f.handling).await {
        Ok(()) => {
            let q = back.query();
            let sep = if q.is_empty() { "" } else { "&" };
            Ok(Redirect::to(&format!("/alerts?{q}{sep}handled={id}#alert-{id}")).into_response())
        }
        Err(e) => {
            let flash = form_problem(shell.t, e)?;
            let page = page(
                shell,
                &state,
                &a.principal,
                back,
                flash,
                Some((id, f.handling)),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// The list's filters from the `back` field (`state=all&date=…&enterprise_id=…`).
fn filters_of(s: &str) -> AlertQuery {
    let mut q = AlertQuery::default();
    for (k, v) in super::form_pairs(s.as_bytes()) {
        match k.as_str() {
            "state" => q.state = Some(v),
            "date" => q.date = Some(v),
            "enterprise_id" => q.enterprise_id = Some(v),
            _ => {}
        }
    }
    q
}
