//! `/api/v1/enterprises`: the registry for integrators, in the caller's scope.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::enterprises::{ListQuery, UPLOAD_LIMIT, run_import, uploaded_file, xlsx};
use crate::i18n::Locale;
use crate::routes::{Access, Data, Routes};
use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::Action;
use serde_json::{Value, json};
use store::enterprises::EnterpriseRow;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/api/v1/enterprises",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(list),
        )
        .add(
            "/api/v1/enterprises/export",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(export),
        )
        .add(
            "/api/v1/enterprises/template",
            "GET",
            Access::SignedIn,
            Data::None,
            get(template),
        )
        .add(
            "/api/v1/enterprises/import",
            "POST",
            Access::Permitted(Action::EditEnterprises),
            Data::Own,
            post(import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .add(
            "/api/v1/enterprises/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(one),
        )
}

fn item(e: &EnterpriseRow) -> Value {
    json!({
        "id": e.id,
        "uscc": e.uscc,
        "name": e.name,
        "region_code": e.region_code,
        "park": e.park_code,
        "industry": e.industry_code,
        "above_scale": e.above_scale,
        "key_enterprise": e.key_enterprise,
        "headcount": e.headcount,
        "status": e.status,
    })
}

fn full(e: &EnterpriseRow) -> Value {
    let mut v = item(e);
    let extra = json!({
        "legal_rep": e.legal_rep,
        "address": e.address,
        "longitude": e.longitude,
        "latitude": e.latitude,
        "region_name": e.region_name,
        "park_name": e.park_name,
        "industry_name": e.industry_name,
        "party_org": e.party_org,
        "party_secretary": e.party_secretary,
        "capacity_pct": e.capacity_pct,
        "workforce_pct": e.workforce_pct,
        "status_day": e.status_day,
    });
    if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(x.clone());
    }
    v
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<ListQuery>,
) -> WebResult<Json<Value>> {
    let per_page = q.per_page(50);
    let (rows, total) = state
        .app
        .enterprises(&a.principal, &q.filter(per_page))
        .await?;
    Ok(Json(json!({
        "items": rows.iter().map(item).collect::<Vec<_>>(),
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
    let e = state.app.enterprise(&a.principal, id).await?;
    let history = state
        .app
        .store
        .scoped(&a.principal)
        .enterprise_history(id)
        .await?;
    let mut v = full(&e);
    v["history"] = history
        .iter()
        .map(|h| json!({"day": h.day, "status": h.status, "capacity_pct": h.capacity_pct, "workforce_pct": h.workforce_pct}))
        .collect();
    Ok(Json(v))
}

async fn export(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let bytes = state
        .app
        .export_enterprises(&a.principal, &q.filter(50))
        .await?;
    Ok(xlsx(bytes, "attachment; filename=\"enterprises.xlsx\""))
}

async fn template() -> WebResult<Response> {
    Ok(xlsx(
        app::enterprises::template()?,
        "attachment; filename=\"enterprises-template.xlsx\"",
    ))
}

async fn import(
    State(state): State<AppState>,
    Locale(lang): Locale,
    CurrentUser(a): CurrentUser,
    mp: Multipart,
) -> WebResult<Response> {
    let bytes = uploaded_file(mp).await?;
    let (report, report_id) = run_import(&state, &a.principal, &bytes)
        .await
        .map_err(WebError::from)?;
    let t = crate::i18n::messages(lang);
    let rejected: Vec<Value> = report
        .rejected
        .iter()
        .map(|p| json!({"row": p.row, "column": p.column, "field": p.field, "code": p.code, "message": t.error(p.code)}))
        .collect();
    Ok(Json(json!({
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": rejected,
        "rejected_report": report_id.map(|id| format!("/enterprises/imports/{id}/rejected")),
    }))
    .into_response())
}
