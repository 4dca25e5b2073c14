//! The day's declarations in the caller's scope (from the per-enterprise counters,
//! never by reading the declarations themselves), and bulk entry by an enterprise:
//! its roster with a temperature and a symptom per row, submitted together.

use super::{
    EnterprisePick, Reading, enterprise_pick, form_pairs, pages, query_of, reading, text, writable,
};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::html::{Flash, Shell, render};
use app::declarations::DeclarationItem;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::workforce::Symptom;
use domain::{Principal, Temperature};
use serde::Deserialize;
use std::collections::HashMap;
use store::declarations::CountRow;
use store::workforce::{EmployeeFilter, EmployeeRow};

/// Enterprises per page of the day's table.
const ENTERPRISES_PER_PAGE: usize = 100;
/// Rows of the bulk-entry roster per page.
const ROSTER: i64 = 50;

#[derive(Deserialize, Default)]
pub struct DayQuery {
    date: Option<String>,
    page: Option<String>,
}

fn page_of(s: &Option<String>) -> i64 {
    s.as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

#[derive(Template)]
#[template(path = "workforce/declarations.html")]
struct OverviewPage {
    shell: Shell,
    day: String,
    today: String,
    declared: i64,
    alerts: i64,
    open_alerts: i64,
    districts: Vec<CountRow>,
    enterprises: Vec<CountRow>,
    enterprise_count: usize,
    page: i64,
    pages: i64,
}

pub async fn overview(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<DayQuery>,
) -> WebResult<Response> {
    let today = state.app.today();
    let day = super::day_of(&q.date, today)?;
    let scoped = state.app.store.scoped(&a.principal);
    let (declared, alerts, open_alerts) = scoped.declaration_totals(day).await?;
    let districts = scoped.declaration_counts_by_district(day).await?;
    let mut enterprises = scoped.declaration_counts_by_enterprise(day).await?;
    // Those with alerts first, then the most declared.
    enterprises
        .sort_by(|a, b| (b.alerts, b.declared, &a.name).cmp(&(a.alerts, a.declared, &b.name)));
    let enterprise_count = enterprises.len();
    let page = page_of(&q.page);
    let enterprises = enterprises
        .into_iter()
        .skip((page as usize - 1) * ENTERPRISES_PER_PAGE)
        .take(ENTERPRISES_PER_PAGE)
        .collect();
    Ok(render(&OverviewPage {
        shell,
        day: day.to_string(),
        today: today.to_string(),
        declared,
        alerts,
        open_alerts,
        districts,
        enterprises,
        enterprise_count,
        page,
        pages: pages(enterprise_count as i64, ENTERPRISES_PER_PAGE as i64),
    })?
    .into_response())
}

impl OverviewPage {
    fn enterprises_text(&self) -> String {
        self.shell.t.fmt(
            "declarations.enterprises_count",
            &[("n", &self.enterprise_count)],
        )
    }
}

#[derive(Deserialize, Default)]
pub struct EntryQuery {
    enterprise_id: Option<String>,
    page: Option<String>,
    undeclared: Option<String>,
}

/// One row of the roster as shown: the file, the values in the inputs, a problem.
pub struct EntryRow {
    e: EmployeeRow,
    /// Today's declaration so far.
    current: Option<Reading>,
    temperature: String,
    symptom: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "workforce/entry.html")]
struct EntryPage {
    shell: Shell,
    pick: EnterprisePick,
    enterprise: Option<(i64, String)>,
    rows: Vec<EntryRow>,
    total: i64,
    page: i64,
    pages: i64,
    undeclared_only: bool,
    today: String,
    flash: Option<Flash>,
    problem: Option<String>,
    /// Refused rows not on this page: "员工编号 n：reason".
    elsewhere: Vec<String>,
}

impl EntryPage {
    fn symptom_codes(&self) -> Vec<&'static str> {
        Symptom::ALL.iter().map(|s| s.as_str()).collect()
    }

    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }

    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }

    fn query(&self, page: i64) -> String {
        query_of(&[
            (
                "enterprise_id",
                self.enterprise.as_ref().map(|e| e.0.to_string()),
            ),
            ("undeclared", self.undeclared_only.then(|| "1".to_owned())),
            ("page", Some(page.to_string())),
        ])
    }
}

/// The roster page of an enterprise the caller keeps, values from today's
/// declarations.
async fn roster(
    state: &AppState,
    who: &Principal,
    enterprise: i64,
    page: i64,
    undeclared_only: bool,
) -> WebResult<(String, Vec<EntryRow>, i64)> {
    writable(state, who, enterprise).await?;
    let e = state.app.enterprise(who, enterprise).await?;
    let (rows, total) = state
        .app
        .employees(
            who,
            &EmployeeFilter {
                enterprise_id: Some(enterprise),
                day: Some(state.app.today()),
                undeclared: undeclared_only,
                limit: ROSTER,
                offset: (page - 1) * ROSTER,
                ..Default::default()
            },
        )
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| EntryRow {
            // Inputs start empty: only what the clerk types is declared, so the
            // employees' own declarations are not resubmitted by the enterprise.
            current: reading(r.temperature, r.symptoms),
            temperature: String::new(),
            symptom: String::new(),
            error: None,
            e: r,
        })
        .collect();
    Ok((e.name, rows, total))
}

pub async fn entry(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<EntryQuery>,
) -> WebResult<Response> {
    let who = &a.principal;
    let pick = enterprise_pick(&state, who, q.enterprise_id.as_deref()).await?;
    let page = page_of(&q.page);
    let undeclared_only = text(&q.undeclared).is_some_and(|v| v == "1");
    let mut out = EntryPage {
        shell,
        pick,
        enterprise: None,
        rows: Vec::new(),
        total: 0,
        page,
        pages: 1,
        undeclared_only,
        today: state.app.today().to_string(),
        flash: None,
        problem: None,
        elsewhere: Vec::new(),
    };
    if let Some(id) = out.pick.chosen {
        let (name, rows, total) = roster(&state, who, id, page, undeclared_only).await?;
        out.enterprise = Some((id, name));
        out.rows = rows;
        out.total = total;
        out.pages = pages(total, ROSTER);
    }
    Ok(render(&out)?.into_response())
}

pub async fn submit_entry(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let who = &a.principal;
    let t = shell.t;
    let pairs = form_pairs(&body);
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let pick = enterprise_pick(&state, who, field("enterprise_id").as_deref()).await?;
    let enterprise = pick.chosen;
    let page = page_of(&field("page"));
    let undeclared_only = field("undeclared").is_some_and(|v| v == "1");
    let Some(enterprise) = enterprise else {
        return Err(crate::error::WebError::Invalid(domain::Invalid::new(
            "enterprise_id",
            "required",
        )));
    };
    writable(&state, who, enterprise).await?;
    // Each row: `t_<id>` the temperature (empty: not declared now), `s_<id>` a symptom.
    let symptoms: HashMap<i64, String> = pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("s_")?.parse().ok()?, v.trim().to_owned())))
        .collect();
    let mut submitted: HashMap<i64, (String, String)> = HashMap::new();
    let mut problems: HashMap<i64, String> = HashMap::new();
    let mut items = Vec::new();
    let mut item_ids = Vec::new();
    for (k, v) in &pairs {
        let Some(id) = k.strip_prefix("t_").and_then(|i| i.parse::<i64>().ok()) else {
            continue;
        };
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let symptom = symptoms.get(&id).cloned().unwrap_or_default();
        submitted.insert(id, (v.to_owned(), symptom.clone()));
        match Temperature::parse(v) {
            Ok(temp) => {
                items.push(DeclarationItem {
                    employee_id: id,
                    temperature: Some(temp.tenths() as f64 / 10.0),
                    symptoms: if symptom.is_empty() {
                        Vec::new()
                    } else {
                        vec![symptom]
                    },
                    ..Default::default()
                });
                item_ids.push(id);
            }
            Err(i) => {
                problems.insert(id, t.error(i.code).to_owned());
            }
        }
    }
    let (accepted, errors) = state.app.declare(Some(who), &items, "enterprise").await?;
    for e in errors {
        if let Some(id) = item_ids.get(e.index) {
            problems.insert(*id, t.error(e.code).to_owned());
        }
    }
    let (name, mut rows, total) = roster(&state, who, enterprise, page, undeclared_only).await?;
    for r in &mut rows {
        if let Some(p) = problems.get(&r.e.id) {
            r.error = Some(p.clone());
            if let Some((temp, s)) = submitted.get(&r.e.id) {
                r.temperature = temp.clone();
                r.symptom = s.clone();
            }
        }
    }
    // A refused row that is not on this page (another page, or not this enterprise's)
    // is still reported, by its number.
    let shown: Vec<i64> = rows.iter().map(|r| r.e.id).collect();
    let mut elsewhere: Vec<(i64, String)> = problems
        .iter()
        .filter(|(id, _)| !shown.contains(id))
        .map(|(id, p)| (*id, p.clone()))
        .collect();
    elsewhere.sort();
    let elsewhere: Vec<String> = elsewhere
        .into_iter()
        .map(|(id, p)| t.fmt("declarations.row_elsewhere", &[("id", &id), ("reason", &p)]))
        .collect();
    let status = if accepted == 0 && !problems.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let flash = (accepted > 0).then(|| Flash {
        ok: true,
        text: t.fmt("declarations.saved", &[("n", &accepted)]),
    });
    let problem = (!problems.is_empty()).then(|| {
        let mut s = t.fmt("declarations.rows_refused", &[("n", &problems.len())]);
        if !elsewhere.is_empty() {
            s.push_str(&t.fmt("declarations.rows_elsewhere", &[("n", &elsewhere.len())]));
        }
        s
    });
    let page = EntryPage {
        shell,
        pick,
        enterprise: Some((enterprise, name)),
        rows,
        total,
        page,
        pages: pages(total, ROSTER),
        undeclared_only,
        today: state.app.today().to_string(),
        flash,
        problem,
        elsewhere,
    };
    Ok((status, render(&page)?).into_response())
}
