//! Creating and editing an employee file: every field with its translated label and
//! error, enumerations as selects, the enterprise chosen or fixed.

use super::{EnterprisePick, enterprise_pick, form_pairs, region_choices, writable};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebResult;
use crate::html::{Flash, Shell, form_problem, render};
use crate::i18n::Messages;
use app::workforce::{COLUMNS, EmployeeInput, input_of};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Principal;
use serde::Deserialize;

/// 岗位 (not a cadre's 职务).
/// A field's label: the catalogue's, except that a person has a 姓名 (not a 名称) and a
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
