//! `/api/v1/requests`: raise, move, list, read, and the three rates.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{WebError, WebResult};
use crate::html::requests::{RequestQuery, StatsQuery, rate};
use crate::routes::{Access, Data, Routes};
use app::requests::RequestInput;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::Action;
use serde::Deserialize;
use serde_json::{Value, json};
use store::requests::RequestRow;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/api/v1/requests",
            "GET POST",
            Access::SignedIn,
            Data::Scoped("request"),
            get(list).post(create),
        )
        .add(
            "/api/v1/requests/stats",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(stats),
        )
        .add(
            "/api/v1/requests/{id}",
            "GET",
            Access::SignedIn,
            Data::Scoped("request"),
            get(one),
        )
        .add(
            "/api/v1/requests/{id}/transition",
            "POST",
            Access::SignedIn,
            Data::Scoped("request"),
            post(transition),
        )
}

/// RFC 3339 in the city's offset (+08:00).
fn rfc3339(ms: i64) -> String {
    match (
        chrono::DateTime::from_timestamp_millis(ms),
        chrono::FixedOffset::east_opt(8 * 3600),
    ) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).to_rfc3339(),
        _ => String::new(),
    }
}

fn item(r: &RequestRow) -> Value {
    json!({
        "id": r.id, "enterprise_id": r.enterprise_id, "enterprise_name": r.enterprise_name, "category": r.category,
        "urgency": r.urgency, "title": r.title, "state": r.state, "department_id": r.department_id,
        "department": r.department_name, "chief_service_officer_id": r.cadre_id, "created_at": rfc3339(r.created_at), "response_due": rfc3339(r.response_due),
        "due_at": rfc3339(r.due_at), "overdue": r.overdue, "escalation_level": r.escalation_level, "rating": r.rating,
    })
}

async fn create(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Json(input): Json<RequestInput>,
) -> WebResult<Response> {
    if !a.principal.can(Action::RaiseRequest) {
        return Err(WebError::Refused(StatusCode::FORBIDDEN, "forbidden"));
    }
    let r = state.app.raise_request(&a.principal, &input).await?;
    let body = json!({ "id": r.id, "state": r.state, "due_at": rfc3339(r.due_at), "response_due": rfc3339(r.response_due), "department_id": r.department_id, "chief_service_officer_id": r.cadre_id });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<RequestQuery>,
) -> WebResult<Json<Value>> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let (rows, total) = state
        .app
        .store
        .scoped(&a.principal)
        .requests(&q.filter(per_page))
        .await?;
    Ok(Json(
        json!({ "items": rows.iter().map(item).collect::<Vec<_>>(), "total": total }),
    ))
}

async fn one(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Json<Value>> {
    let scoped = state.app.store.scoped(&a.principal);
    let r = scoped.request(id).await?;
    let events = scoped.request_events(id).await?;
    let mut v = item(&r);
    v["description"] = r.description.clone().into();
    v["timeline"] = events
        .iter()
        .map(|e| json!({"at": rfc3339(e.at), "actor": e.actor, "kind": e.kind, "from": e.from_state, "to": e.to_state, "note": e.note, "rating": e.rating}))
        .collect();
    Ok(Json(v))
}

#[derive(Deserialize)]
struct Transition {
    to: String,
    #[serde(default)]
    note: String,
    rating: Option<i64>,
}

async fn transition(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Path(id): Path<i64>,
    Json(t): Json<Transition>,
) -> WebResult<Json<Value>> {
    let r = state
        .app
        .transition(&a.principal, id, &t.to, &t.note, t.rating)
        .await?;
    Ok(Json(item(&r)))
}

async fn stats(
    State(state): State<AppState>,
    CurrentUser(a): CurrentUser,
    Query(q): Query<StatsQuery>,
) -> WebResult<Json<Value>> {
    let (from, to, f, t) = q.period(state.app.today())?;
    let rows = state
        .app
        .request_rates(&a.principal, from, to, q.by())
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "key": r.key, "total": r.total, "responded": r.responded, "resolved_on_time": r.on_time,
                "rated": r.rated, "satisfied": r.satisfied,
                "response_rate": if r.total > 0 { Some(r.responded as f64 / r.total as f64) } else { None },
                "resolution_rate": if r.total > 0 { Some(r.on_time as f64 / r.total as f64) } else { None },
                "satisfaction_rate": if r.rated > 0 { Some(r.satisfied as f64 / r.rated as f64) } else { None },
                "display": [rate(r.responded, r.total), rate(r.on_time, r.total), rate(r.satisfied, r.rated)],
            })
        })
        .collect();
    Ok(Json(json!({ "from": f, "to": t, "items": items })))
}
