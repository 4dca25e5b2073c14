//! `GET /healthz`: 200 when the database answers, 503 when it does not.

use crate::AppState;
use crate::routes::{Access, Data, Routes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;

pub fn routes() -> Routes {
    Routes::new().add("/healthz", "GET", Access::Public, Data::None, get(healthz))
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
