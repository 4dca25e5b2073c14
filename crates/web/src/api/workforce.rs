//! `/api/v1/employees` and `/api/v1/declarations`: the employee files for HR
//! systems (numbers always masked), and the high-volume declaration intake.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::{UPLOAD_LIMIT, uploaded_file, xlsx};
use crate::i18n::Locale;
use crate::routes::{Access, Data, Routes};
use app::declarations::{DeclarationItem, ItemError};
use app::enterprises::ImportReport;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::workforce::celsius;
use domain::{Action, Principal, Symptoms};
use serde::Deserialize;
use serde_json::{Value, json};
use store::workforce::{EmployeeFilter, EmployeeRow};

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/api/v1/employees",
            "GET",
            Access::SignedIn,
            Data::Scoped("employee"),
            get(list),
        )
        .add(
            "/api/v1/employees/template",
            "GET",
            Access::SignedIn,
            Data::None,
            get(template),
        )
        .add(
            "/api/v1/employees/import",
            "POST",
            Access::Permitted(Action::EditEmployees),
            Data::Scoped("employee"),
            post(import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/api/v1/employees/lookup",
            "GET",
            Access::SignedIn,
            Data::Scoped("employee"),
            get(lookup),
        )
        .add(
            "/api/v1/employees/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("employee"),
            get(one),
        )
        .add(
            "/api/v1/declarations",
            "POST",
            Access::Permitted(Action::EditEmployees),
            Data::Scoped("employee"),
            post(declare).layer(DefaultBodyLimit::max(4 * 1024 * 1024)),
        )
        .add(
            "/api/v1/declarations/counts",
            "GET",
            Access::SignedIn,
            Data::Scoped("declaration"),
            get(counts),
        )
}

fn symptom_codes(bits: i64) -> Vec<&'static str> {
    Symptoms::from_bits(bits)
        .list()
        .into_iter()
        .map(|s| s.as_str())
        .collect()
}

pub fn employee_json(r: &EmployeeRow) -> Value {
    json!({
        "id": r.id, "enterprise_id": r.enterprise_id, "enterprise_name": r.enterprise_name,
        "name": r.name, "id_number": r.id_masked, "phone": r.phone, "gender": r.gender,
        "native_place": r.native_place, "origin_province": r.origin_province, "origin_city": r.origin_city,
        "residence_kind": r.residence_kind, "residence_region": r.residence_region,
        "residence_address": r.residence_address, "department": r.department, "post": r.post,
        "return_status": r.return_status, "left_on": r.left_on, "returned_on": r.returned_on,
        "travel_history": r.travel_history, "fever_or_cough": r.fever_or_cough,
        "isolation_from": r.isolation_from, "isolation_to": r.isolation_to,
        "isolation_place": r.isolation_place, "isolation_kind": r.isolation_kind,
        "family_health": r.family_health, "board_lodging": r.board_lodging, "remarks": r.remarks,
        "today": r.temperature.map(|t| json!({
            "temperature": celsius(t),
            "symptoms": symptom_codes(r.symptoms.unwrap_or(0)),
        })),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmployeeQuery {
    pub enterprise_id: Option<String>,
    pub q: Option<String>,
    pub return_status: Option<String>,
    pub residence: Option<String>,
    pub department: Option<String>,
    pub undeclared: Option<String>,
    pub page: Option<String>,
}

impl EmployeeQuery {
    pub fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .filter(|p: &i64| *p >= 1)
            .unwrap_or(1)
    }

    pub fn filter(&self, today: chrono::NaiveDate, per_page: i64) -> EmployeeFilter {
        let opt = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        EmployeeFilter {
            enterprise_id: self
                .enterprise_id
                .as_deref()
                .and_then(|s| s.trim().parse().ok()),
            q: opt(&self.q),
            return_status: opt(&self.return_status),
            residence: opt(&self.residence),
            department: opt(&self.department),
            day: Some(today),
            undeclared: self
                .undeclared
                .as_deref()
                .is_some_and(|v| v == "1" || v == "true"),
            limit: per_page,
            offset: (self.page() - 1) * per_page,
            ..EmployeeFilter::default()
        }
    }
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<EmployeeQuery>,
) -> WebResult<Json<Value>> {
    let per_page = 100;
    let (rows, total) = state
        .app
        .employees(&a.principal, &q.filter(state.app.today(), per_page))
        .await?;
    Ok(Json(json!({
        "items": rows.iter().map(employee_json).collect::<Vec<_>>(),
        "total": total,
        "page": q.page(),
        "per_page": per_page,
    })))
}

async fn one(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Json<Value>> {
    Ok(Json(employee_json(
        &state.app.employee(&a.principal, id).await?,
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LookupQuery {
    id_number: String,
}

async fn lookup(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<LookupQuery>,
) -> WebResult<Json<Value>> {
    let rows = state
        .app
        .lookup_employees(&a.principal, &q.id_number)
        .await?;
    Ok(Json(json!({
        "items": rows.iter().map(employee_json).collect::<Vec<_>>(),
    })))
}

async fn template() -> WebResult<Response> {
    Ok(xlsx(
        app::workforce::template()?,
        "attachment; filename=\"employees-template.xlsx\"",
    ))
}

/// Keeps an employee import's rejected rows for download, sealed under the ID key
/// (they hold the numbers as typed).
pub async fn save_rejected(
    state: &AppState,
    who: &Principal,
    report: &ImportReport,
) -> Result<Option<i64>, app::AppError> {
    if report.rejected_rows.is_empty() {
        return Ok(None);
    }
    let zh = crate::i18n::messages(domain::Lang::ZhCn);
    let xlsx = app::workforce::rejected_workbook(report, &|code| zh.error(code).to_owned())?;
    let sealed = state.app.ids.seal(&xlsx)?;
    let id = state
        .app
        .store
        .imports()
        .save(
            store::imports::NewReport {
                user_id: Some(who.user_id),
                kind: "employees",
                inserted: report.inserted as i64,
                updated: report.updated as i64,
                rejected: report.rejected_rows.len() as i64,
                rejected_xlsx: Some(sealed),
            },
            state.app.clock.now().timestamp_millis(),
        )
        .await?;
    Ok(Some(id))
}

/// The report as the API gives it.
pub fn report_json(report: &ImportReport, report_id: Option<i64>, lang: domain::Lang) -> Value {
    let t = crate::i18n::messages(lang);
    let rejected: Vec<Value> = report
        .rejected
        .iter()
        .map(|p| json!({"row": p.row, "column": p.column, "field": p.field, "code": p.code, "message": t.error(p.code)}))
        .collect();
    json!({
        "inserted": report.inserted,
        "updated": report.updated,
        "rejected": rejected,
        "rejected_report": report_id.map(|id| format!("/employees/imports/{id}/rejected")),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ImportQuery {
    enterprise_id: Option<i64>,
}

async fn import(
    State(state): State<AppState>,
    Locale(lang): Locale,
    CurrentUser(a): CurrentUser,
    Query(q): Query<ImportQuery>,
    mp: Multipart,
) -> WebResult<Response> {
    let enterprise_id = q
        .enterprise_id
        .ok_or(WebError::Invalid(domain::Invalid::new(
            "enterprise_id",
            "required",
        )))?;
    let bytes = uploaded_file(mp).await?;
    let report = state
        .app
        .import_employees(Some(&a.principal), enterprise_id, &bytes, &|_, _| {})
        .await?;
    let report_id = save_rejected(&state, &a.principal, &report).await?;
    Ok(Json(report_json(&report, report_id, lang)).into_response())
}

/// The per-item errors as the API gives them, translated.
pub fn item_errors(errors: &[ItemError], lang: domain::Lang) -> Vec<Value> {
    let t = crate::i18n::messages(lang);
    errors
        .iter()
        .map(|e| json!({"index": e.index, "field": e.field, "code": e.code, "message": t.error(e.code)}))
        .collect()
}

/// One declaration, or `{"items": [...]}` of up to 1,000. Answered only once the
/// accepted items are committed; bad items are reported by index, good ones kept.
async fn declare(
    State(state): State<AppState>,
    Locale(lang): Locale,
    CurrentUser(a): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|_| WebError::Refused(StatusCode::BAD_REQUEST, "json_invalid"))?;
    let raw: Vec<Value> = match value {
        Value::Object(mut o) if o.contains_key("items") => match o.remove("items") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(WebError::Invalid(domain::Invalid::new(
                    "items",
                    "items_format",
                )));
            }
        },
        v @ Value::Object(_) => vec![v],
        _ => return Err(WebError::Refused(StatusCode::BAD_REQUEST, "json_invalid")),
    };
    if raw.len() > app::declarations::MAX_ITEMS {
        return Err(WebError::Invalid(domain::Invalid::new(
            "items",
            "too_many_items",
        )));
    }
    let mut items = Vec::with_capacity(raw.len());
    let mut bad = Vec::new();
    for (index, v) in raw.into_iter().enumerate() {
        match serde_json::from_value::<DeclarationItem>(v) {
            Ok(item) => items.push((index, item)),
            Err(_) => bad.push(ItemError {
                index,
                field: "item",
                code: "item_format",
            }),
        }
    }
    let (good_index, good): (Vec<usize>, Vec<DeclarationItem>) = items.into_iter().unzip();
    let (accepted, errors) = state.app.declare(Some(&a.principal), &good, "api").await?;
    // Errors come back by position among the parsed items; map to the request's.
    bad.extend(errors.into_iter().map(|e| ItemError {
        index: good_index.get(e.index).copied().unwrap_or(e.index),
        ..e
    }));
    bad.sort_by_key(|e| e.index);
    let status = if accepted == 0 && !bad.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"accepted": accepted, "errors": item_errors(&bad, lang)})),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CountsQuery {
    date: Option<String>,
    by: Option<String>,
}

async fn counts(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<CountsQuery>,
) -> WebResult<Json<Value>> {
    let day = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| WebError::Invalid(domain::Invalid::new("date", "date_format")))?,
        None => state.app.today(),
    };
    let scoped = state.app.store.scoped(&a.principal);
    let rows = match q.by.as_deref().unwrap_or("enterprise") {
        "district" => scoped.declaration_counts_by_district(day).await,
        "enterprise" => scoped.declaration_counts_by_enterprise(day).await,
        _ => return Err(WebError::Invalid(domain::Invalid::new("by", "by_unknown"))),
    }
    .map_err(app::AppError::from)?;
    let (declared, alerts, open) = scoped
        .declaration_totals(day)
        .await
        .map_err(app::AppError::from)?;
    Ok(Json(json!({
        "date": day,
        "declared": declared,
        "alerts": alerts,
        "open_alerts": open,
        "items": rows.iter().map(|r| json!({"key": r.key, "name": r.name, "declared": r.declared, "alerts": r.alerts})).collect::<Vec<_>>(),
    })))
}
