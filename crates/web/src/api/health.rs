//! `GET /healthz`: 200 when the database answers, 503 when it does not.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> Response {
    let store = &state.app.store;
    let ok = matches!(
        tokio::time::timeout(Duration::from_secs(3), store.ping()).await,
        Ok(Ok(()))
    );
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "unavailable" },
        "database": store.backend().as_str(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
