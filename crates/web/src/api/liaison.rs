//! `/api/v1/liaison`: cadres, coverage, and creating assignments.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::liaison::CadreQuery;
use crate::routes::{Access, Data, Routes};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::Action;
use serde::Deserialize;
use serde_json::{Value, json};
use store::liaison::CoverageBy;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/api/v1/liaison/cadres",
            "GET",
            Access::SignedIn,
            Data::Scoped("cadre"),
            get(cadres),
        )
        .add(
            "/api/v1/liaison/coverage",
            "GET",
            Access::SignedIn,
            Data::Scoped("enterprise"),
            get(coverage),
        )
        .add(
            "/api/v1/liaison/assignments",
            "POST",
            Access::Permitted(Action::ManageLiaison),
            Data::Scoped("enterprise"),
            post(assign),
        )
}

async fn cadres(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<CadreQuery>,
) -> WebResult<Json<Value>> {
    let per_page = q.per_page.unwrap_or(100).clamp(1, 1000);
    let (rows, total) = state
        .app
        .store
        .scoped(&a.principal)
        .cadres(&q.filter(per_page))
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "name": c.name, "post": c.post, "organisation": c.organisation, "level": c.level,
                "kind": c.kind, "region_code": c.region_code, "max_enterprises": c.max_enterprises, "load": c.load,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items, "total": total })))
}

#[derive(Deserialize)]
struct CoverageQuery {
    region: Option<String>,
    park: Option<String>,
    industry: Option<String>,
}

async fn coverage(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<CoverageQuery>,
) -> WebResult<Json<Value>> {
    let t = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let f = store::enterprises::EnterpriseFilter {
        region: t(q.region),
        park: t(q.park),
        industry: t(q.industry),
        ..Default::default()
    };
    let rows = state
        .app
        .coverage(&a.principal, &f, CoverageBy::All)
        .await?;
    let r = rows
        .first()
        .cloned()
        .unwrap_or(store::liaison::CoverageRow {
            key: String::new(),
            total: 0,
            city: 0,
            county: 0,
            town: 0,
            village: 0,
        });
    let level = |covered: i64| json!({ "total": r.total, "covered": covered });
    Ok(Json(json!({
        "levels": { "city": level(r.city), "county": level(r.county), "town": level(r.town), "village": level(r.village) }
    })))
}

#[derive(Deserialize)]
struct NewAssignment {
    cadre_id: i64,
    enterprise_id: i64,
    campaign_id: Option<i64>,
}

async fn assign(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Json(n): Json<NewAssignment>,
) -> WebResult<Response> {
    let id = state
        .app
        .assign(&a.principal, n.cadre_id, n.enterprise_id, n.campaign_id)
        .await
        .map_err(WebError::from)?;
    let row = state
        .app
        .store
        .scoped(&a.principal)
        .enterprise_assignments(n.enterprise_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(WebError::NotFound)?;
    let body = json!({
        "id": row.id, "cadre_id": row.cadre_id, "enterprise_id": row.enterprise_id, "level": row.level,
        "campaign_id": row.campaign_id, "starts_on": row.starts_on, "active": row.active,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
