//! The JSON API: `/api/v1/*` for integrations, and `/healthz` for load balancers.

mod health;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().merge(health::routes())
}
