//! Employee files: the list (filters, paging, ID-number lookup), the file with its
//! last fortnight of declarations and personal link, create and edit, the audited
//! full view of the number, revoking a link, template, export, the QR sheet.

use super::{
    EnterprisePick, Reading, enterprise_pick, form_pairs, pages, qr_svg, query_of, reading,
    region_choices, text, writable,
};
use crate::AppState;
use crate::api::workforce::EmployeeQuery;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::xlsx;
use crate::html::{Flash, Shell, form_problem, format_ms, render};
use crate::i18n::Messages;
use app::workforce::{COLUMNS, EmployeeInput, input_of};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Action, Principal};
use serde::Deserialize;
use store::declarations::DeclarationRow;
use store::workforce::{EmployeeFilter, EmployeeRow};

const PER_PAGE: i64 = 50;
/// QR codes on one printed sheet (a 4 × 3 grid on four A4 pages).
const SHEET: i64 = 48;

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

/// A field's label: the catalogue's, except that a person has a 姓名 (not a 名称) and a
/// 岗位 (not a cadre's 职务).
fn field_label(t: &Messages, field: &str) -> String {
    match field {
        "name" => t.msg("workforce.name").to_owned(),
        "post" => t.msg("workforce.post").to_owned(),
        f => t.msg(&format!("field.{f}")).to_owned(),
    }
}

/// One input of the file form.
pub struct FieldView {
    name: &'static str,
    label: String,
    /// text | tel | id | select | date | textarea | check
    kind: &'static str,
    value: String,
    required: bool,
    max: usize,
    options: Vec<(String, String)>,
    hint: Option<String>,
    error: Option<String>,
}

impl FieldView {
    fn checked(&self) -> bool {
        matches!(
            self.value.trim().to_lowercase().as_str(),
            "是" | "yes" | "y" | "1" | "true" | "on"
        )
    }
}

/// The form's inputs in the spreadsheet's order, in groups under a heading.
fn form_fields(
    t: &Messages,
    input: &EmployeeInput,
    regions: &[(String, String)],
    editing: bool,
    error: Option<(&str, String)>,
) -> Vec<(String, Vec<FieldView>)> {
    let labels = |prefix: &str, codes: &[&str]| -> Vec<(String, String)> {
        codes
            .iter()
            .map(|c| ((*c).to_owned(), t.msg(&format!("{prefix}.{c}")).to_owned()))
            .collect()
    };
    let groups: [(&str, &[&str]); 4] = [
        (
            "workforce.group_person",
            &[
                "name",
                "id_number",
                "phone",
                "gender",
                "native_place",
                "origin_province",
                "origin_city",
            ],
        ),
        (
            "workforce.group_residence",
            &[
                "residence_kind",
                "residence_region",
                "residence_address",
                "department",
                "post",
            ],
        ),
        (
            "workforce.group_return",
            &[
                "return_status",
                "left_on",
                "returned_on",
                "travel_history",
                "fever_or_cough",
                "isolation_from",
                "isolation_to",
                "isolation_place",
                "isolation_kind",
            ],
        ),
        (
            "workforce.group_other",
            &["family_health", "board_lodging", "remarks"],
        ),
    ];
    groups
        .iter()
        .map(|(title, names)| {
            let fields = names
                .iter()
                .filter_map(|name| COLUMNS.iter().find(|c| c.0 == *name))
                .map(|(name, _, required, max)| {
                    let mut options = Vec::new();
                    let mut hint = None;
                    let kind = match *name {
                        "id_number" => {
                            if editing {
                                hint = Some(t.msg("workforce.id_keep_hint").to_owned());
                            }
                            "id"
                        }
                        "phone" => "tel",
                        "gender" => {
                            options.push((
                                String::new(),
                                t.msg("workforce.gender_from_id").to_owned(),
                            ));
                            options.extend(labels("gender", &["male", "female"]));
                            "select"
                        }
                        "residence_kind" => {
                            options = labels("residence_kind", &["community", "dormitory"]);
                            "select"
                        }
                        "residence_region" => {
                            options.push((String::new(), "—".to_owned()));
                            options.extend(regions.iter().cloned());
                            hint = Some(t.msg("workforce.residence_hint").to_owned());
                            "select"
                        }
                        "return_status" => {
                            options = labels(
                                "return_status",
                                &["not_returned", "travelling", "observing", "at_work", "left"],
                            );
                            "select"
                        }
                        "isolation_kind" => {
                            options
                                .push((String::new(), t.msg("workforce.no_isolation").to_owned()));
                            options.extend(labels("isolation_kind", &["home", "central"]));
                            "select"
                        }
                        "left_on" | "returned_on" | "isolation_from" | "isolation_to" => "date",
                        "travel_history" | "remarks" => "textarea",
                        "fever_or_cough" => "check",
                        _ => "text",
                    };
                    FieldView {
                        name,
                        label: field_label(t, name),
                        kind,
                        value: input.get(*name).cloned().unwrap_or_default(),
                        required: *required,
                        max: *max,
                        options,
                        hint,
                        error: error
                            .as_ref()
                            .filter(|(f, _)| f == name)
                            .map(|(_, m)| m.clone()),
                    }
                })
                .collect();
            (t.msg(title).to_owned(), fields)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "workforce/form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    /// The employee's name (editing) for the breadcrumb.
    name: String,
    /// The enterprise chosen, or fixed: the file being edited's.
    pick: EnterprisePick,
    /// On an edit: the enterprise's name (it does not change here).
    enterprise_name: Option<String>,
    groups: Vec<(String, Vec<FieldView>)>,
    /// The enterprise field's own problem.
    enterprise_error: Option<String>,
    flash: Option<Flash>,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    enterprise_id: Option<String>,
}

pub async fn new_form(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<NewQuery>,
) -> WebResult<Response> {
    let pick = enterprise_pick(&state, &a.principal, q.enterprise_id.as_deref()).await?;
    let regions = region_choices(&state).await?;
    let input = EmployeeInput::new();
    let groups = form_fields(shell.t, &input, &regions, false, None);
    Ok(render(&FormPage {
        shell,
        id: None,
        name: String::new(),
        pick,
        enterprise_name: None,
        groups,
        enterprise_error: None,
        flash: None,
    })?
    .into_response())
}

pub async fn edit_form(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let who = &a.principal;
    let row = state.app.employee(who, id).await?;
    // A community sees its residents' files but keeps only its own enterprises'.
    writable(&state, who, row.enterprise_id).await?;
    let regions = region_choices(&state).await?;
    let input = input_of(&row);
    let groups = form_fields(shell.t, &input, &regions, true, None);
    Ok(render(&FormPage {
        shell,
        id: Some(id),
        name: row.name,
        pick: EnterprisePick::fixed(row.enterprise_id),
        enterprise_name: Some(row.enterprise_name),
        groups,
        enterprise_error: None,
        flash: None,
    })?
    .into_response())
}

/// The submitted form as the file's input (and the enterprise field).
fn submitted(body: &[u8]) -> (EmployeeInput, Option<String>) {
    let mut input = EmployeeInput::new();
    let mut enterprise = None;
    for (k, v) in form_pairs(body) {
        if k == "enterprise_id" {
            enterprise = Some(v);
        } else if COLUMNS.iter().any(|c| c.0 == k) {
            input.insert(k, v);
        }
    }
    (input, enterprise)
}

async fn save(
    shell: Shell,
    state: AppState,
    who: &Principal,
    id: Option<i64>,
    body: Bytes,
) -> WebResult<Response> {
    let (input, enterprise_raw) = submitted(&body);
    let (enterprise, name, enterprise_name) = match id {
        Some(id) => {
            let row = state.app.employee(who, id).await?;
            (Some(row.enterprise_id), row.name, Some(row.enterprise_name))
        }
        None => {
            let pick = enterprise_pick(&state, who, enterprise_raw.as_deref()).await?;
            (pick.chosen, String::new(), None)
        }
    };
    let result = match enterprise {
        Some(e) => state.app.save_employee(who, e, id, &input).await,
        None => Err(app::AppError::Invalid(domain::Invalid::new(
            "enterprise_id",
            "required",
        ))),
    };
    let e = match result {
        Ok(saved) => return Ok(Redirect::to(&format!("/employees/{saved}")).into_response()),
        Err(e) => e,
    };
    let t = shell.t;
    let field = match &e {
        app::AppError::Invalid(i) => Some((i.field, t.error(i.code).to_owned())),
        _ => None,
    };
    let flash = match &field {
        Some((f, message)) => Some(Flash {
            ok: false,
            text: format!("{}：{message}", field_label(t, f)),
        }),
        None => form_problem(t, e)?,
    };
    let regions = region_choices(&state).await?;
    let enterprise_error = field
        .as_ref()
        .filter(|(f, _)| *f == "enterprise_id")
        .map(|(_, m)| m.clone());
    let groups = form_fields(t, &input, &regions, id.is_some(), field);
    let pick = match id {
        Some(_) => EnterprisePick::fixed(enterprise.unwrap_or_default()),
        None => enterprise_pick(&state, who, enterprise_raw.as_deref()).await?,
    };
    let page = FormPage {
        shell,
        id,
        name,
        pick,
        enterprise_name,
        groups,
        enterprise_error,
        flash,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn create(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    save(shell, state, &a.principal, None, body).await
}

pub async fn update(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult<Response> {
    save(shell, state, &a.principal, Some(id), body).await
}

#[derive(Template)]
#[template(path = "workforce/detail.html")]
struct DetailPage {
    shell: Shell,
    e: EmployeeRow,
    /// The full number, after a permitted (and audited) request to see it.
    full_id: Option<String>,
    history: Vec<DeclarationRow>,
    /// The personal link and its QR code (for those who keep the file).
    link: Option<(String, String)>,
    can_edit: bool,
    can_reveal: bool,
    flash: Option<Flash>,
}

impl DetailPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.shell.t.msg(&format!("{prefix}.{v}")).to_owned()
    }

    fn day(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())
    }

    fn or_dash<'a>(&self, s: &'a str) -> &'a str {
        if s.trim().is_empty() { "—" } else { s }
    }

    fn yes(&self, b: &bool) -> &str {
        self.shell
            .t
            .msg(if *b { "common.yes" } else { "common.no" })
    }

    fn when(&self, ms: &i64) -> String {
        format_ms(*ms)
    }

    fn today(&self) -> Option<Reading> {
        reading(self.e.temperature, self.e.symptoms)
    }

    fn reading_of(&self, d: &DeclarationRow) -> Option<Reading> {
        reading(Some(d.temperature), Some(d.symptoms))
    }
}

async fn detail_page(
    shell: Shell,
    state: &AppState,
    headers: &HeaderMap,
    who: &Principal,
    id: i64,
    full_id: Option<String>,
    flash: Option<Flash>,
) -> WebResult<DetailPage> {
    let e = state.app.employee(who, id).await?;
    let today = state.app.today();
    let days: Vec<chrono::NaiveDate> = (0..14).map(|n| today - chrono::Duration::days(n)).collect();
    let history = state
        .app
        .store
        .scoped(who)
        .employee_declarations(id, &days)
        .await?;
    // The link is the employee's credential: shown to whoever keeps the file.
    let keeps = who.can(Action::EditEmployees)
        && state
            .app
            .store
            .scoped(who)
            .writable_enterprise(e.enterprise_id)
            .await
            .is_ok();
    let link = if keeps {
        let token = state.app.declaration_link(who, id).await?;
        let url = format!("{}/d/{token}", super::base_url(state, headers));
        let svg = qr_svg(&url, &e.name)?;
        Some((url, svg))
    } else {
        None
    };
    Ok(DetailPage {
        shell,
        full_id,
        history,
        link,
        can_edit: keeps,
        can_reveal: who.can(Action::ViewIdNumber),
        e,
        flash,
    })
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    link: Option<String>,
}

pub async fn detail(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> WebResult<Response> {
    let flash = match q.link.as_deref() {
        Some("revoked") => Flash::ok(shell.t.msg("workforce.link_revoked")),
        _ => None,
    };
    let page = detail_page(shell, &state, &headers, &a.principal, id, None, flash).await?;
    Ok(render(&page)?.into_response())
}

pub async fn reveal(
    shell: Shell,
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let full = state.app.reveal_id_number(&a.principal, id).await?;
    let flash = Flash::ok(shell.t.msg("workforce.revealed"));
    let page = detail_page(shell, &state, &headers, &a.principal, id, Some(full), flash).await?;
    let mut res = render(&page)?.into_response();
    // The full number must not linger in a cache.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn revoke_link(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state.app.revoke_declaration_link(&a.principal, id).await?;
    Ok(Redirect::to(&format!("/employees/{id}?link=revoked#link")).into_response())
}

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
