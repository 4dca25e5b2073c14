//! The language switch: remembers the choice in a cookie and returns to the page.

use crate::error::WebError;
use crate::i18n::LANG_COOKIE;
use crate::routes::{Access, Data, Routes};
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::Lang;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new().add(
        "/lang/{tag}",
        "GET",
        Access::Public,
        Data::None,
        get(switch),
    )
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn switch(Path(tag): Path<String>, Query(q): Query<Next>) -> Result<Response, WebError> {
    let lang = Lang::from_tag(&tag).ok_or(WebError::NotFound)?;
    let target = q
        .next
        .filter(|n| is_local(n))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.tag()
    );
    let mut res = StatusCode::SEE_OTHER.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/")),
    );
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(res)
}

/// Only paths on this site: no scheme, no `//host`, no backslash tricks.
fn is_local(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
}
