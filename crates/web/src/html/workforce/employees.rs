//! Employee files: the list (filters, paging, exact ID-number lookup), the template
//! and the export. The form, the file page and the QR sheet are modules of their own.

use super::{
    EnterprisePick, Reading, enterprise_pick, pages, query_of, reading, region_choices, text,
};
use crate::AppState;
use crate::api::workforce::EmployeeQuery;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::xlsx;
use crate::html::{Flash, Shell, form_problem, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use domain::Action;
use store::workforce::{EmployeeFilter, EmployeeRow};

const PER_PAGE: i64 = 50;

/// Whether the search box holds an ID number (found by exact match, not by name).
fn looks_like_id(q: &str) -> bool {
    let s: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    s.len() == 18 && s.is_ascii() && s.as_bytes()[..17].iter().all(u8::is_ascii_digit)
}

fn list_query(q: &EmployeeQuery) -> String {
    query_of(&[
        ("enterprise_id", text(&q.enterprise_id)),
        ("q", text(&q.q)),
        ("return_status", text(&q.return_status)),
        ("residence", text(&q.residence)),
        ("department", text(&q.department)),
        ("undeclared", text(&q.undeclared)),
    ])
}

#[derive(Template)]
#[template(path = "workforce/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<EmployeeRow>,
    total: i64,
    /// In the filtered list, how many have not declared today.
    undeclared: i64,
    q: EmployeeQuery,
    query: String,
    page: i64,
    pages: i64,
    pick: EnterprisePick,
    regions: Vec<(String, String)>,
    can_edit: bool,
    /// The search was an ID number (exact match).
    by_id: bool,
    flash: Option<Flash>,
}

impl ListPage {
    fn v<'a>(&self, s: &'a Option<String>) -> &'a str {
        s.as_deref().unwrap_or("")
    }

    fn selected(&self, current: &Option<String>, v: &str) -> bool {
        current.as_deref().map(str::trim) == Some(v)
    }

    fn chosen(&self, id: &i64) -> bool {
        self.pick.chosen == Some(*id)
    }

    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }

    fn total_text(&self) -> String {
        self.shell.t.fmt("common.total", &[("n", &self.total)])
    }

    fn undeclared_text(&self) -> String {
        self.shell
            .t
            .fmt("workforce.undeclared_count", &[("n", &self.undeclared)])
    }

    /// `?enterprise_id=N` when the list is of one enterprise, for the action links.
    fn enterprise_param(&self) -> String {
        self.pick
            .chosen
            .map(|id| format!("?enterprise_id={id}"))
            .unwrap_or_default()
    }

    /// The same filters with only the undeclared.
    fn undeclared_query(&self) -> String {
        let mut q = list_query(&EmployeeQuery {
            enterprise_id: self.q.enterprise_id.clone(),
            q: self.q.q.clone(),
            return_status: self.q.return_status.clone(),
            residence: self.q.residence.clone(),
            department: self.q.department.clone(),
            undeclared: None,
            page: None,
        });
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("undeclared=1");
        q
    }

    fn undeclared_only(&self) -> bool {
        self.selected(&self.q.undeclared, "1")
    }

    fn today(&self, r: &EmployeeRow) -> Option<Reading> {
        reading(r.temperature, r.symptoms)
    }
}

pub async fn list(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<EmployeeQuery>,
) -> WebResult<Response> {
    let who = &a.principal;
    let today = state.app.today();
    let search = text(&q.q).unwrap_or_default();
    let mut flash = None;
    let by_id = looks_like_id(&search);
    let pick = enterprise_pick(&state, who, q.enterprise_id.as_deref()).await?;
    let (rows, total, undeclared) = if pick.ambiguous {
        // A name that is no one enterprise's: nothing, rather than everyone.
        (Vec::new(), 0, 0)
    } else if by_id {
        match state.app.lookup_employees(who, &search).await {
            Ok(rows) => {
                let n = rows.len() as i64;
                let u = rows.iter().filter(|r| r.declared_at.is_none()).count() as i64;
                (rows, n, u)
            }
            Err(e) => {
                flash = form_problem(shell.t, e)?;
                (Vec::new(), 0, 0)
            }
        }
    } else {
        let f = EmployeeFilter {
            enterprise_id: pick.chosen,
            ..q.filter(today, PER_PAGE)
        };
        let (rows, total) = state.app.employees(who, &f).await?;
        let (_, undeclared) = state
            .app
            .employees(
                who,
                &EmployeeFilter {
                    undeclared: true,
                    limit: 0,
                    offset: 0,
                    ..f
                },
            )
            .await?;
        (rows, total, undeclared)
    };
    let page = ListPage {
        shell,
        rows,
        total,
        undeclared,
        query: list_query(&q),
        page: q.page(),
        pages: pages(total, PER_PAGE),
        q,
        pick,
        regions: region_choices(&state).await?,
        can_edit: who.can(Action::EditEmployees),
        by_id,
        flash,
    };
    Ok(render(&page)?.into_response())
}

pub async fn export(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<EmployeeQuery>,
) -> WebResult<Response> {
    let mut f = q.filter(state.app.today(), PER_PAGE);
    // An ID number in the search box exports that file only (exact match by hash).
    if let Some(s) = f.q.clone().filter(|s| looks_like_id(s)) {
        let id = domain::ResidentId::parse(&s, state.app.today()).map_err(WebError::Invalid)?;
        f.id_hashes = state.app.ids.hashes(id.reveal());
        f.q = None;
    }
    let bytes = state.app.export_employees(&a.principal, &f).await?;
    Ok(xlsx(bytes, "attachment; filename=\"employees.xlsx\""))
}

pub async fn template() -> WebResult<Response> {
    Ok(xlsx(
        app::workforce::template()?,
        "attachment; filename=\"employees-template.xlsx\"",
    ))
}
