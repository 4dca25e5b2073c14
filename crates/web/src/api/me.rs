//! `GET /api/v1/me`: who the token or session belongs to, and what it may see.

use crate::auth::CurrentUser;
use crate::routes::{Access, Data, Routes};
use axum::Json;
use axum::routing::get;
use serde_json::{Value, json};

pub fn routes() -> Routes {
    Routes::new().add("/api/v1/me", "GET", Access::SignedIn, Data::Own, get(me))
}

async fn me(CurrentUser(auth): CurrentUser) -> Json<Value> {
    let p = &auth.principal;
    Json(json!({
        "id": p.user_id,
        "username": p.username,
        "display_name": p.display_name,
        "grants": p.grants,
    }))
}
